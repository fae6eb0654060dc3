"""Tweets, engagements, follows and users table streams → the Kinesis activity stream.

The batch is published in one PutRecords (the whole-batch pattern, ``warbler.batches``); if that
fails every record is reported so the mapping retries them, and consumers drop the repeats by
``event_id``."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import BotoCoreError, ClientError

from warbler import activity, batches
from warbler.adapters.kinesis import KinesisPutFailed
from warbler.observability import logger, metrics, tracer


def events_of(raw: dict) -> list[dict]:
    record = DynamoDBRecord(raw)
    change = record.event_name.name if record.event_name else ""
    if change not in ("INSERT", "REMOVE"):
        return []  # counters changing are not actions
    image = record.dynamodb.new_image if change == "INSERT" else record.dynamodb.old_image
    keys = record.dynamodb.keys
    if "kind_user" in keys:
        return activity.from_engagement_change(record.event_id, change, image)
    if "follower_id" in keys:
        return activity.from_follow_change(record.event_id, change, image)
    if "tweet_id" in keys:
        return activity.from_tweet_change(record.event_id, change, image)
    return activity.from_user_change(record.event_id, change, image)  # a new account: a sign-up


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    response, _ = batches.whole_batch(
        event,
        sequence=batches.dynamodb_sequence,
        parse=events_of,
        apply=activity.publish,
        retryable=(BotoCoreError, ClientError, KinesisPutFailed),
        what="activity",
    )
    return response
