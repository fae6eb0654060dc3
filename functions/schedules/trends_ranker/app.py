"""Every minute (an EventBridge rate rule): score hashtags and topics and store the rankings.

The ranking is as of the scheduled event's ``time``, so a delayed or retried run ranks the
minute it was meant for."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from warbler import clock, trends
from warbler.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    now = clock.parse_iso(event["time"]) if event.get("time") else clock.now()
    ranked = trends.rank_all(now)
    for kind, count in ranked.items():
        metrics.add_metric(name=f"Trending{kind.title()}", unit=MetricUnit.Count, value=count)
    return ranked
