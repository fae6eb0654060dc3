"""Fan-out stream → home timelines, then pushes to the followers who are live.

The whole Kinesis batch is applied in one Redis round trip (``warbler.fanout.deliver``), so this
handler uses the whole-batch pattern (``warbler.batches``) rather than the per-record
BatchProcessor; re-applying a batch is idempotent."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from warbler import batches, fanout, live
from warbler.adapters.redis_store import RedisErrors
from warbler.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    chunks: list[fanout.Chunk] = []

    def deliver(parsed: list[fanout.Chunk]) -> fanout.Applied:
        chunks.extend(parsed)
        return fanout.deliver(parsed)

    response, delivered = batches.whole_batch(
        event,
        sequence=batches.kinesis_sequence,
        parse=lambda record: [fanout.Chunk.from_json(batches.kinesis_json(record))],
        apply=deliver,
        retryable=RedisErrors,
        what="fan-out",
    )
    if delivered is not None:
        metrics.add_metric(name="TimelineDeliveries", unit=MetricUnit.Count, value=delivered.applied)
        # After the timelines are written; best effort, never fails the batch (see warbler.live).
        pushed = live.push_timeline([(c.op, c.entry, c.followers) for c in chunks], delivered.live)
        metrics.add_metric(name="LivePushes", unit=MetricUnit.Count, value=pushed)
    return response
