"""Removed things take their media with them.

* tweets table stream, REMOVE of a tweet with ``media_ids`` -> delete those media items;
* media table stream, REMOVE of an item (its tweet's deletion above, or the TTL of media never
  attached) -> delete its objects from the bucket.

Both steps are idempotent (deleting what is gone is a no-op), so a retried batch is harmless."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from warbler import batches
from warbler.media import service
from warbler.media.store import STORAGE_ERRORS
from warbler.observability import logger, metrics, tracer


def removals_of(raw: dict) -> list[tuple[str, dict]]:
    record = DynamoDBRecord(raw)
    if not record.event_name or record.event_name.name != "REMOVE":
        return []
    image = record.dynamodb.old_image if record.dynamodb else {}
    if "media_id" in (record.dynamodb.keys or {}):
        return [("media", image)]
    return [("tweet", image)] if image.get("media_ids") else []


def apply(removals: list[tuple[str, dict]]) -> int:
    tweet_media = [m for kind, image in removals if kind == "tweet" for m in image["media_ids"]]
    done = service.on_tweet_removed(tweet_media)
    for kind, image in removals:
        if kind == "media":
            done += service.on_item_removed(image)
    return done


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    response, _ = batches.whole_batch(
        event,
        sequence=batches.dynamodb_sequence,
        parse=removals_of,
        apply=apply,
        retryable=STORAGE_ERRORS,
        what="media cleanup",
    )
    return response
