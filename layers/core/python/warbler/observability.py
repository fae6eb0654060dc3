"""One Logger, Tracer and Metrics for the process; service name and namespace come from the
POWERTOOLS_* variables that the CDK app and the local stack set."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
