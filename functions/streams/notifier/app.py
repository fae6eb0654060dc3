"""Activity stream → notifications. One record per activity event; a failing event is
reported alone (partial batch response); re-applying an event is a no-op (set semantics)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from warbler import live, notifications
from warbler.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


def notify(record: KinesisStreamRecord) -> None:
    notifications.process([record.kinesis.data_as_json()], on_new=live.push_notification)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=notify, processor=processor, context=context)
