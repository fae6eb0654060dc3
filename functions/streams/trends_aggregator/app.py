"""Activity stream → per-bucket trend counters. The whole batch is counted in two Redis round
trips (``warbler.trends.aggregate``), so, like the fan-out worker, this handler does not use the
per-record BatchProcessor (the whole-batch pattern, ``warbler.batches``). Counting dedupes on each
event's ``event_id``, so whatever is redelivered counts once."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from warbler import batches, clock, trends
from warbler.adapters.redis_client import RedisErrors
from warbler.observability import logger, metrics, tracer


def _activity_event(record: dict) -> list[dict]:
    data = batches.kinesis_json(record)
    # actor_id may be null: a click on a short link can be anonymous (warbler.links).
    if not isinstance(data, dict) or "actor_id" not in data or not all(data.get(f) for f in ("event_id", "type", "at")):
        raise ValueError("not an activity event")
    clock.parse_iso(data["at"])
    if data["type"] in trends.COUNTED and not all(_token(data[f]) for f in ("event_id", "actor_id")):
        # Counting sends each event as "<event id> <account id>" (warbler.trends.store).
        raise ValueError("a counted event names its event and actor by single tokens")
    return [data]


def _token(value: object) -> bool:
    return isinstance(value, str) and bool(value) and value.split() == [value]


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    response, uses = batches.whole_batch(
        event,
        sequence=batches.kinesis_sequence,
        parse=_activity_event,
        apply=trends.aggregate,
        retryable=(*RedisErrors, PynamoDBException, BotoCoreError, ClientError),
        what="trend counting",
    )
    if uses is not None:
        metrics.add_metric(name="TrendUses", unit=MetricUnit.Count, value=uses)
    return response
