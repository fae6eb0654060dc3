"""DynamoDB writes that commit together, and the one reading of "which condition failed".

``transaction()`` opens a ``TransactWrite`` on the models' connection (every table is in the
same account and region). ``failed_conditions(error)`` answers which items were refused because
their condition did not hold, for a transaction (the cancellation reasons, by item index) and
for a single conditional write alike (``{0}``), so no caller parses ``ConditionalCheckFailed``
itself.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler.adapters.dynamo import UserModel
from warbler.errors import Conflict

_TRANSACTION_CODE = "ConditionalCheckFailed"
_SINGLE_CODE = "ConditionalCheckFailedException"
_CONFLICT_CODE = "TransactionConflict"
CONFLICT_ATTEMPTS = 4
P = ParamSpec("P")
R = TypeVar("R")


def transaction() -> TransactWrite:
    return TransactWrite(connection=UserModel._get_connection().connection)


def failed_conditions(error: PynamoDBException) -> set[int]:
    """The indexes (in the order the items were added) whose condition failed; ``{0}`` for a
    single write whose condition failed; empty when the failure was something else."""
    if isinstance(error, TransactWriteError):
        reasons = getattr(error, "cancellation_reasons", None) or []
        return {i for i, r in enumerate(reasons) if r is not None and r.code == _TRANSACTION_CODE}
    return {0} if getattr(error, "cause_response_code", None) == _SINGLE_CODE else set()


def conflicted(error: PynamoDBException) -> bool:
    """Cancelled because another transaction held an item (DynamoDB's ``TransactionConflict``),
    not because a condition failed: trying again may well succeed."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    codes = {r.code for r in reasons if r is not None}
    return _CONFLICT_CODE in codes and _TRANSACTION_CODE not in codes


def retry_conflicts(write: Callable[P, R]) -> Callable[P, R]:
    """Run a transactional write again, with jittered back-off, when it was cancelled by a
    conflicting transaction (follow/unfollow or like/unlike racing on the same rows); after
    ``CONFLICT_ATTEMPTS`` it is a ``Conflict`` (409), never a 500. A cancelled transaction wrote
    nothing, so running it again is safe."""

    @functools.wraps(write)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        for n in range(CONFLICT_ATTEMPTS):
            try:
                return write(*args, **kwargs)
            except TransactWriteError as error:
                if not conflicted(error):
                    raise
                if n == CONFLICT_ATTEMPTS - 1:
                    raise Conflict("a concurrent change to the same item; try again") from error
                time.sleep(0.02 * 2**n * (1 + random.random()))  # noqa: S311 - jitter, not crypto
        raise AssertionError("unreachable")

    return attempt
