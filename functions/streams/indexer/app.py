"""Activity stream + users table stream → the OpenSearch tweets and users indices.

One bulk request per batch (``warbler.search.index``). An activity event only names the tweets
it touched; each is indexed from its current record (or deleted if gone), so redelivery is
harmless. A bulk item that fails is mapped back to every record that touched that document, and
only those are reported (``batchItemFailures``), so the mapping retries from the earliest of them.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException

from warbler import batches
from warbler.observability import logger, metrics, tracer
from warbler.search import index
from warbler.search.store import BulkItem, SearchErrors


def touched(raw: dict) -> list[str | BulkItem]:
    """What one record touches: tweet ids (an activity event) or a user's index action."""
    if raw.get("eventSource") == "aws:kinesis":
        return list(index.tweets_touched(batches.kinesis_json(raw)))
    record = DynamoDBRecord(raw)
    change = record.event_name.name if record.event_name else ""
    item = index.user_action(change, record.dynamodb.old_image, record.dynamodb.new_image)
    return [item] if item is not None else []


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    response, indexed = batches.whole_batch_per_item(
        event,
        sequence=batches.stream_sequence,
        parse=touched,
        apply=index.index,
        retryable=(*SearchErrors, BotoCoreError, PynamoDBException),
        what="indexing",
    )
    if indexed is not None:
        metrics.add_metric(name="SearchDocumentsIndexed", unit=MetricUnit.Count, value=indexed)
    return response
