"""Replaying what the stream consumers gave up on, once what they depend on answers again.

An event source mapping retries a failing batch a bounded number of times; when a dependency
(Redis, most often) stays down longer, it parks an *on-failure record* in the SQS queue: not the
records themselves but where they are (stream, shard, first and last sequence number) and which
function failed. Nothing in Lambda ever replays it. ``redrive`` does, on a schedule:

1. take up to ``redrive_max_messages`` on-failure records, hidden for ``redrive_visibility_seconds``;
2. re-read the records each one names from its stream (Kinesis keeps them for its retention
   period, DynamoDB Streams for 24 h), building the same event the mapping built;
3. invoke the function that failed with them, synchronously;
4. delete the on-failure record when the function took the whole batch (no function error, no
   ``batchItemFailures``). Otherwise make it visible again for the next run, which retries it: so a
   dependency that is still down costs one failed invocation per record and per run
   (``redrive_retry_seconds`` hides it until the next), and a record is replayed at most one
   schedule period after the dependency is back;
5. a record received ``catalog.REDRIVE_MAX_RECEIVES`` times (an hour or more of failures, or a
   record no retry will apply) is moved by SQS itself (the queue's redrive policy) to the dead
   queue: no longer replayed, and its alarm asks an operator to look.

Replaying is safe because every stream consumer is idempotent under redelivery (the mapping
already delivers at least once). Records a stream no longer holds are reported as lost
(``lost``) and their on-failure record kept for an operator: the DLQ alarm fires on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from warbler.observability import logger
from warbler.redrive.store import QueuedFailure, RedriveStore
from warbler.settings import get_settings

BATCH_INFO = {"KinesisBatchInfo": "kinesis", "DDBStreamBatchInfo": "dynamodb"}


@dataclass(frozen=True)
class OnFailure:
    """Where an on-failure record says the records are, and who failed on them."""

    function_arn: str
    kind: str  # "kinesis" | "dynamodb"
    stream_arn: str
    shard_id: str
    first: str
    last: str
    size: int

    @classmethod
    def parse(cls, body: str) -> OnFailure:
        doc = json.loads(body)
        key = next(k for k in BATCH_INFO if k in doc)
        info = doc[key]
        return cls(
            function_arn=str(doc["requestContext"]["functionArn"]),
            kind=BATCH_INFO[key],
            stream_arn=str(info["streamArn"]),
            shard_id=str(info["shardId"]),
            first=str(info["startSequenceNumber"]),
            last=str(info["endSequenceNumber"]),
            size=int(info["batchSize"]),
        )


@dataclass
class Redriven:
    records: int = 0  # records the failed function has now taken
    batches: int = 0  # on-failure records done with (deleted)
    still_failing: int = 0  # on-failure records whose function failed again (kept for the next run)
    lost: int = 0  # on-failure records whose records the stream no longer holds (kept, alarmed)
    unreadable: int = 0  # queue messages that are not on-failure records (kept, alarmed)
    functions: dict[str, int] = field(default_factory=dict)


def redrive(store: RedriveStore | None = None) -> Redriven:
    s = get_settings()
    store = store or RedriveStore()
    result = Redriven()
    seen: set[str] = set()
    while result.batches + result.still_failing + result.lost + result.unreadable < s.redrive_max_messages:
        received = store.receive(s.redrive_visibility_seconds)
        fresh = [m for m in received if m.message_id not in seen]
        for again in (m for m in received if m.message_id in seen):
            store.release(again, s.redrive_retry_seconds)  # tried in this run already: the next run's
        if not fresh:
            break
        for message in fresh:
            seen.add(message.message_id)
            _replay(store, message, result)
    return result


def _replay(store: RedriveStore, message: QueuedFailure, result: Redriven) -> None:
    try:
        failure = OnFailure.parse(message.body)
    except (ValueError, KeyError, TypeError, StopIteration):
        logger.error("not an on-failure record; left in the queue", extra={"message_id": message.message_id})
        result.unreadable += 1
        return
    read = store.kinesis_records if failure.kind == "kinesis" else store.dynamodb_records
    records = read(failure.stream_arn, failure.shard_id, failure.first, failure.last)
    if not records:
        logger.error(
            "the stream no longer holds the records of an on-failure record",
            extra={"function": failure.function_arn, "stream": failure.stream_arn, "first": failure.first},
        )
        result.lost += 1
        return
    outcome = store.invoke(failure.function_arn, {"Records": records})
    failures = outcome.payload.get("batchItemFailures") if isinstance(outcome.payload, dict) else None
    if outcome.function_error or failures:
        logger.warning(
            "redriven batch failed again; retried on the next run",
            extra={"function": failure.function_arn, "records": len(records), "receives": message.receive_count},
        )
        result.still_failing += 1
        # For the next run, not hidden for the whole visibility timeout.
        store.release(message, get_settings().redrive_retry_seconds)
        return
    store.delete(message)
    result.batches += 1
    result.records += len(records)
    name = failure.function_arn.rsplit(":", 1)[-1]
    result.functions[name] = result.functions.get(name, 0) + len(records)
