"""S3 ``ObjectCreated`` under ``uploads/`` -> ready (or failed) media, one record at a time.

S3 invokes asynchronously and at least once; ``media.service.process_upload`` is idempotent, so
a redelivery or one of Lambda's two retries after an error changes nothing twice. An error is
raised (not swallowed) so that Lambda retries it."""

from __future__ import annotations

from urllib.parse import unquote_plus

from warbler.media import service
from warbler.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    outcomes: dict[str, str] = {}
    for record in event.get("Records", []):
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 URL-encodes keys in events
        outcomes[key] = service.process_upload(key)
        logger.info("upload processed", extra={"key": key, "outcome": outcomes[key]})
    return {"processed": outcomes}
