"""Rebuild the search index from DynamoDB: ``aws lambda invoke`` with ``{}`` (or the previous
result, to resume; ``{"segment": i, "segments": n}`` for parallel runs). Returns the cursor, the
documents indexed and any that failed; ``done`` once both tables are through."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from warbler.observability import logger, metrics, tracer
from warbler.search import backfill


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    before = int((event or {}).get("indexed", 0))
    result = backfill.run(event or {}, time_left_ms=context.get_remaining_time_in_millis)
    metrics.add_metric(name="SearchDocumentsBackfilled", unit=MetricUnit.Count, value=result["indexed"] - before)
    if result["failed"]:
        logger.error("documents failed to index", extra={"failed": result["failed"][:50]})
    return result
