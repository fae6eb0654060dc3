"""00:30 UTC every day (an EventBridge cron rule): the reports due at the event's ``time`` -
yesterday's, and on Mondays last week's (``warbler.analytics.report.due``).

Run one by hand with ``make invoke FN=analytics_report ARGS='--date 2026-12-01'`` (a daily
report) or ``ARGS='--week 2026-W49'``: the invoker puts those in the event's ``detail``."""

from __future__ import annotations

from warbler import clock
from warbler.analytics import report
from warbler.observability import logger, metrics, tracer


def periods_of(event: dict) -> list:
    detail = event.get("detail") or {}
    asked = [report.parse_period("daily", detail["date"])] if detail.get("date") else []
    asked += [report.parse_period("weekly", detail["week"])] if detail.get("week") else []
    if asked:
        return asked
    return report.due(clock.parse_iso(event["time"]) if event.get("time") else clock.now())


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    written = {}
    for period in periods_of(event):
        written[f"{period.kind}/{period.name}"] = report.run(period)
        logger.info("report written", extra={"period": period.name, "kind": period.kind})
    return written
