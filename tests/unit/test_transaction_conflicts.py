"""A transaction cancelled by a conflicting one is run again with back-off, then is a 409."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from warbler.adapters.transactions import CONFLICT_ATTEMPTS, retry_conflicts
from warbler.errors import Conflict


def cancelled(*codes: str | None) -> TransactWriteError:
    response = {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}}
    reasons = [CancellationReason(code=c) if c else None for c in codes]
    cause = VerboseClientError(response, "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause)


def flaky(failures: list[TransactWriteError]):
    calls = []

    @retry_conflicts
    def write() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "written"

    return write, calls


def test_a_conflict_is_retried_until_the_write_goes_through():
    write, calls = flaky([cancelled("TransactionConflict", None), cancelled(None, "TransactionConflict")])
    assert write() == "written"
    assert len(calls) == 3


def test_a_conflict_that_persists_is_a_409_conflict():
    write, calls = flaky([cancelled("TransactionConflict")] * CONFLICT_ATTEMPTS)
    with pytest.raises(Conflict):
        write()
    assert len(calls) == CONFLICT_ATTEMPTS


def test_a_failed_condition_is_not_retried():
    write, calls = flaky([cancelled("ConditionalCheckFailed", "TransactionConflict")])
    with pytest.raises(TransactWriteError):
        write()
    assert len(calls) == 1
