"""Tweets table stream → fan-out chunks on Kinesis. One record per tweet; a failing tweet is
reported alone (partial batch response), the others go on."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from warbler.feeds import manager as feeds
from warbler.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def plan_record(record: DynamoDBRecord) -> None:
    name = record.event_name.name if record.event_name else ""
    if name == "INSERT":
        feeds.plan_new(feeds.Post.from_image(record.dynamodb.new_image))
    elif name == "REMOVE":
        feeds.plan_removal(feeds.Post.from_image(record.dynamodb.old_image))


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=plan_record, processor=processor, context=context)
