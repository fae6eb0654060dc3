"""Activity stream → per-bucket trend counters. The whole batch is counted in two Redis round
trips (``warbler.trends.aggregate``), so, like the fan-out worker, this handler does not use the
per-record BatchProcessor: an unreadable record is reported alone, and when Redis or the tweet
lookup fails every record is reported so the mapping retries them. Counting dedupes on each
event's ``event_id``, so whatever is redelivered counts once."""

from __future__ import annotations

import base64
import json

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from warbler import clock, trends
from warbler.adapters.redis_store import RedisErrors
from warbler.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    records = event.get("Records", [])
    events, failed = [], []
    for record in records:
        try:
            data = json.loads(base64.b64decode(record["kinesis"]["data"]))
            if not isinstance(data, dict) or not all(data.get(f) for f in ("event_id", "type", "actor_id", "at")):
                raise ValueError("not an activity event")
            clock.parse_iso(data["at"])
            events.append(data)
        except (KeyError, ValueError, TypeError):
            logger.exception(
                "unreadable activity record", extra={"sequence": record.get("kinesis", {}).get("sequenceNumber")}
            )
            failed.append(record["kinesis"]["sequenceNumber"])
    try:
        uses = trends.aggregate(events)
    except (*RedisErrors, PynamoDBException, BotoCoreError, ClientError):
        logger.exception("trend counting failed; the batch will be retried")
        return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in records]}
    metrics.add_metric(name="TrendUses", unit=MetricUnit.Count, value=uses)
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}
