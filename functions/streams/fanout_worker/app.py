"""Fan-out stream → home timelines, then pushes to the followers who are live.

The whole Kinesis batch is applied in one Redis round trip (``warbler.feeds.manager``), so this
handler uses the whole-batch pattern (``warbler.batches``) rather than the per-record
BatchProcessor; re-applying a batch is idempotent."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from warbler import batches
from warbler.adapters.redis_client import RedisErrors
from warbler.feeds import manager as feeds
from warbler.observability import logger, metrics, tracer


def _chunks(record: dict) -> list[feeds.Chunk]:
    return feeds.chunks_of_record(batches.kinesis_json(record))


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    response, delivered = batches.whole_batch(
        event,
        sequence=batches.kinesis_sequence,
        parse=_chunks,
        apply=feeds.deliver_and_push,
        retryable=RedisErrors,
        what="fan-out",
    )
    if delivered is not None:
        metrics.add_metric(name="TimelineDeliveries", unit=MetricUnit.Count, value=delivered.applied)
        metrics.add_metric(name="LivePushes", unit=MetricUnit.Count, value=delivered.pushed)
    return response
