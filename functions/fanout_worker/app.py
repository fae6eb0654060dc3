"""Fan-out stream → home timelines. The whole Kinesis batch is applied in one Redis round trip
(see ``warbler.fanout.deliver``), which is why this handler does not use the per-record
BatchProcessor: a record that cannot be parsed is reported alone, and if Redis fails every
record is reported so the mapping retries them (re-applying is idempotent)."""

from __future__ import annotations

import base64
import json

from aws_lambda_powertools.metrics import MetricUnit

from warbler import fanout, live
from warbler.adapters.redis_store import RedisErrors
from warbler.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    records = event.get("Records", [])
    chunks, failed = [], []
    for record in records:
        try:
            chunks.append(fanout.Chunk.from_json(json.loads(base64.b64decode(record["kinesis"]["data"]))))
        except (KeyError, ValueError, TypeError):
            logger.exception(
                "unreadable fan-out record", extra={"sequence": record.get("kinesis", {}).get("sequenceNumber")}
            )
            failed.append(record["kinesis"]["sequenceNumber"])
    try:
        delivered = fanout.deliver(chunks)
    except RedisErrors:
        logger.exception("redis unavailable; the batch will be retried")
        return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in records]}
    metrics.add_metric(name="TimelineDeliveries", unit=MetricUnit.Count, value=delivered)
    # After the timelines are written; best effort, never fails the batch (see warbler.live).
    pushed = live.push_timeline([(c.op, c.entry, c.followers) for c in chunks])
    metrics.add_metric(name="LivePushes", unit=MetricUnit.Count, value=pushed)
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}
