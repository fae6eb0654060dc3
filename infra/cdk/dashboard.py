"""One CloudWatch dashboard, generated from the catalog like everything else.

Rows: the REST API (requests, 5XX rate, p50/p99 latency), the product's two hot paths (fan-out
deliveries per second, home-timeline read p99), each stream consumer's iterator age, then one
widget per catalog function with invocations, errors and p99 duration.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from infra.cdk.config import DeployConfig
from infra.cdk.functions import METRICS_NAMESPACE, SERVICE_NAME, WarblerFunction

PERIOD = Duration.minutes(1)
WIDTH = 8  # three widgets a row (the grid is 24 wide)
# The fan-out worker's Powertools metric (functions/streams/fanout_worker/app.py).
DELIVERIES = "TimelineDeliveries"
HOME_TIMELINE = ("GET", "/timelines/home")


class Dashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: list[WarblerFunction],
        rest_api: apigw.RestApi,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"warbler-{config.stage}", default_interval=Duration.hours(3)
        )
        method, path = HOME_TIMELINE
        home_latency = cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name="Latency",
            dimensions_map={
                "ApiName": rest_api.rest_api_name,
                "Stage": config.stage,
                "Method": method,
                "Resource": path,
            },
            period=PERIOD,
            statistic="p99",
            label="GET /timelines/home p99 (ms)",
        )
        deliveries = cloudwatch.MathExpression(
            expression="deliveries / PERIOD(deliveries)",
            using_metrics={
                "deliveries": cloudwatch.Metric(
                    namespace=METRICS_NAMESPACE,
                    metric_name=DELIVERIES,
                    dimensions_map={"service": SERVICE_NAME},
                    period=PERIOD,
                    statistic="Sum",
                )
            },
            label="timeline deliveries / s",
            period=PERIOD,
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="REST requests and 5XX rate",
                left=[rest_api.metric_count(period=PERIOD, statistic="Sum")],
                right=[rest_api.metric_server_error(period=PERIOD, statistic="Average", label="5XX rate")],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="REST latency",
                left=[rest_api.metric_latency(period=PERIOD, statistic=s, label=s) for s in ("p50", "p99")],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Fan-out deliveries / s and home timeline read p99",
                left=[deliveries],
                right=[home_latency],
                width=WIDTH,
            ),
        )
        consumers = [fn for fn in functions if fn.spec.streams]
        if consumers:
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Stream consumers: iterator age (ms)",
                    left=[
                        fn.function.metric("IteratorAge", period=PERIOD, statistic="Maximum", label=fn.spec.name)
                        for fn in consumers
                    ],
                    width=24,
                )
            )
        per_function = [
            cloudwatch.GraphWidget(
                title=fn.spec.name,
                left=[
                    fn.function.metric_invocations(period=PERIOD, statistic="Sum"),
                    fn.function.metric_errors(period=PERIOD, statistic="Sum"),
                ],
                right=[fn.function.metric_duration(period=PERIOD, statistic="p99", label="duration p99")],
                width=WIDTH,
            )
            for fn in functions
        ]
        per_row = 24 // WIDTH
        for start in range(0, len(per_function), per_row):
            self.dashboard.add_widgets(*per_function[start : start + per_row])
