"""Activity stream + users table stream → the OpenSearch tweets and users indices.

One bulk request per batch. An activity event only names the tweets it touched; each is indexed
from its current record (or deleted if gone), so redelivery is harmless. A bulk item that fails
is mapped back to every record that touched that document, and only those are reported
(``batchItemFailures``), so the mapping retries from the earliest of them.
"""

from __future__ import annotations

import json
from base64 import b64decode
from collections import defaultdict

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException

from warbler import search
from warbler.adapters import opensearch
from warbler.observability import logger, metrics, tracer


def _sequence(raw: dict) -> str:
    if raw.get("eventSource") == "aws:kinesis":
        return raw["kinesis"]["sequenceNumber"]
    return raw["dynamodb"]["SequenceNumber"]


def plan(records: list[dict]) -> tuple[list[opensearch.BulkItem], dict[str, list[str]], list[str]]:
    """The bulk items for a batch, which records each document came from, and unreadable records."""
    tweet_ids: dict[str, list[str]] = defaultdict(list)
    user_items: dict[str, opensearch.BulkItem] = {}
    sources: dict[str, list[str]] = defaultdict(list)
    unreadable: list[str] = []
    for raw in records:
        seq = _sequence(raw)
        try:
            if raw.get("eventSource") == "aws:kinesis":
                event = json.loads(b64decode(raw["kinesis"]["data"]))
                for tid in search.tweets_touched(event):
                    tweet_ids[tid].append(seq)
            else:
                record = DynamoDBRecord(raw)
                change = record.event_name.name if record.event_name else ""
                item = search.user_action(change, record.dynamodb.old_image, record.dynamodb.new_image)
                if item is not None:
                    user_items[item.doc_id] = item  # the latest change of a user in the batch wins
                    sources[item.key].append(seq)
        except (KeyError, TypeError, ValueError):
            logger.exception("unreadable stream record", extra={"sequence_number": seq})
            unreadable.append(seq)
    items = search.tweet_actions(tweet_ids) + list(user_items.values())
    for tid, seqs in tweet_ids.items():
        sources[f"{opensearch.TWEETS.name}/{tid}"].extend(seqs)
    return items, sources, unreadable


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    records = event.get("Records", [])
    try:
        items, sources, failed = plan(records)
        errors = opensearch.bulk(items)
    except (opensearch.SearchErrors, BotoCoreError, PynamoDBException):
        logger.exception("indexing failed; the whole batch will be retried")
        return {"batchItemFailures": [{"itemIdentifier": _sequence(r)} for r in records]}
    for item in items:
        error = errors.get(item.key)
        if error is not None:
            logger.error("bulk item failed", extra={"index": item.spec.name, "id": item.doc_id, "error": error})
            failed.extend(sources[item.key])
    metrics.add_metric(name="SearchDocumentsIndexed", unit=MetricUnit.Count, value=len(items) - len(errors))
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in dict.fromkeys(failed)]}
