"""Every minute: replay the stream records the event source mappings gave up on (the on-failure
queue) through the function that failed, once it can take them (see ``warbler.redrive``)."""

from __future__ import annotations

from dataclasses import asdict

from aws_lambda_powertools.metrics import MetricUnit

from warbler import redrive
from warbler.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    result = redrive.redrive()
    metrics.add_metric(name="RecordsRedriven", unit=MetricUnit.Count, value=result.records)
    metrics.add_metric(name="RedriveStillFailing", unit=MetricUnit.Count, value=result.still_failing)
    metrics.add_metric(name="RedriveLost", unit=MetricUnit.Count, value=result.lost + result.unreadable)
    return asdict(result)
