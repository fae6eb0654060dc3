"""``batches.whole_batch``: one apply per batch, unreadable records reported alone, a retryable
failure reports every record."""

from __future__ import annotations

import pytest

from infra.local.traffic import kinesis_event
from warbler import batches


class Outage(Exception):
    pass


def run(event: dict, apply, parse=lambda r: [batches.kinesis_json(r)]):
    return batches.whole_batch(
        event, sequence=batches.kinesis_sequence, parse=parse, apply=apply, retryable=(Outage,), what="test"
    )


def sequences(event: dict) -> list[str]:
    return [r["kinesis"]["sequenceNumber"] for r in event["Records"]]


def test_every_readable_record_is_applied_at_once_in_order():
    event = kinesis_event([{"n": 1}, {"n": 2}, {"n": 3}])
    calls: list[list[dict]] = []

    response, result = run(event, lambda items: calls.append(items) or len(items))

    assert calls == [[{"n": 1}, {"n": 2}, {"n": 3}]]
    assert (response, result) == ({"batchItemFailures": []}, 3)


def test_an_unreadable_record_is_reported_alone_and_the_rest_applied():
    event = kinesis_event([{"n": 1}, {"n": 2}])
    event["Records"].insert(
        1, {**event["Records"][0], "kinesis": {**event["Records"][0]["kinesis"], "data": "%%%", "sequenceNumber": "7"}}
    )
    applied: list[dict] = []

    response, result = run(event, lambda items: applied.extend(items) or "done")

    assert response == {"batchItemFailures": [{"itemIdentifier": "7"}]}
    assert (applied, result) == ([{"n": 1}, {"n": 2}], "done")


def test_a_retryable_failure_reports_every_record_for_redelivery():
    event = kinesis_event([{"n": 1}, {"n": 2}])

    def apply(items):
        raise Outage("redis down")

    response, result = run(event, apply)

    assert response == {"batchItemFailures": [{"itemIdentifier": s} for s in sequences(event)]}
    assert result is None


def test_any_other_failure_is_a_function_error():
    def apply(items):
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run(kinesis_event([{"n": 1}]), apply)


def test_a_record_may_stand_for_several_items_or_none():
    event = kinesis_event([{"n": [1, 2]}, {"n": []}])

    response, result = run(event, lambda items: items, parse=lambda r: batches.kinesis_json(r)["n"])

    assert (response, result) == ({"batchItemFailures": []}, [1, 2])


def test_an_empty_batch_applies_nothing_and_fails_nothing():
    response, result = run({"Records": []}, lambda items: len(items))

    assert (response, result) == ({"batchItemFailures": []}, 0)
