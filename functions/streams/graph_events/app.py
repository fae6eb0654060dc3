"""Follows table stream → merge a followee's tweets into the follower's home timeline on follow,
take them out on unfollow, and promote accounts that just became famous."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from warbler.feeds import manager as feeds
from warbler.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def apply_edge(record: DynamoDBRecord) -> None:
    name = record.event_name.name if record.event_name else ""
    keys = record.dynamodb.keys
    follower_id, followee_id = keys["follower_id"], keys["followee_id"]
    if name == "INSERT":
        feeds.on_follow(follower_id, followee_id)
    elif name == "REMOVE":
        feeds.on_unfollow(follower_id, followee_id)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=apply_edge, processor=processor, context=context)
