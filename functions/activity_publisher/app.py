"""Tweets, engagements and follows table streams → the Kinesis activity stream.

The batch is published in one PutRecords; if that fails every record is reported so the
mapping retries them, and consumers drop the repeats by ``event_id``."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import BotoCoreError, ClientError

from warbler import activity
from warbler.adapters.kinesis import KinesisPutFailed
from warbler.observability import logger, metrics, tracer


def events_of(record: DynamoDBRecord) -> list[dict]:
    change = record.event_name.name if record.event_name else ""
    if change not in ("INSERT", "REMOVE"):
        return []  # counters changing are not actions
    image = record.dynamodb.new_image if change == "INSERT" else record.dynamodb.old_image
    keys = record.dynamodb.keys
    if "kind_user" in keys:
        return activity.from_engagement_change(record.event_id, change, image)
    if "follower_id" in keys:
        return activity.from_follow_change(record.event_id, change, image)
    return activity.from_tweet_change(record.event_id, change, image)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    records = event.get("Records", [])
    events, failed = [], []
    for raw in records:
        record = DynamoDBRecord(raw)
        try:
            events.extend(events_of(record))
        except (KeyError, TypeError, ValueError):
            logger.exception("unreadable stream record", extra={"event_id": record.event_id})
            failed.append(record.dynamodb.sequence_number)
    try:
        activity.publish(events)
    except (BotoCoreError, ClientError, KinesisPutFailed):
        logger.exception("publishing activity failed; the batch will be retried")
        return {"batchItemFailures": [{"itemIdentifier": DynamoDBRecord(r).dynamodb.sequence_number} for r in records]}
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}
