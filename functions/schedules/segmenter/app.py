"""00:05 UTC every day (an EventBridge cron rule): soft-delete the accounts that crossed into
*inactive* (``warbler.segments.lifecycle.run``), as of the event's ``time``; then snapshot the
segment counts for the reports (``reports/segments/<day>.json``, read by the 00:30 report).

Run it now with ``make invoke FN=segmenter`` (``--lookback_days 30`` catches up on missed runs)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from warbler import clock
from warbler.observability import logger, metrics, tracer
from warbler.segments import lifecycle


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    now = clock.parse_iso(event["time"]) if event.get("time") else clock.now()
    lookback = int((event.get("detail") or {}).get("lookback_days") or lifecycle.LOOKBACK_DAYS)
    result = lifecycle.run(now, lookback)
    result["snapshot"] = lifecycle.save_counts(now.date(), result["segments"])
    metrics.add_metric(name="SoftDeletedAccounts", unit=MetricUnit.Count, value=result["soft_deleted"])
    logger.info("segmenter ran", extra={k: v for k, v in result.items() if k != "days"})
    return result
