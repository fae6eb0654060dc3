"""Tweets table stream → fan-out chunks on Kinesis. One record per tweet; a failing tweet is
reported alone (partial batch response), the others go on. The chunks of the whole batch are
packed into records and put together at the end (``feeds.FanoutBuffer``); if that put fails,
the invocation fails and the mapping retries the batch (planning is idempotent)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from warbler.feeds import manager as feeds
from warbler.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def plan_record(record: DynamoDBRecord, out: feeds.FanoutBuffer) -> None:
    name = record.event_name.name if record.event_name else ""
    if name == "INSERT":
        feeds.plan_new(feeds.Post.from_image(record.dynamodb.new_image), out)
    elif name == "REMOVE":
        feeds.plan_removal(feeds.Post.from_image(record.dynamodb.old_image), out)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    out = feeds.FanoutBuffer()
    response = process_partial_response(
        event=event, record_handler=lambda record: plan_record(record, out), processor=processor, context=context
    )
    out.flush()
    return response
