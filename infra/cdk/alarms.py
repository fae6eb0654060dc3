"""Alarms that reach someone, on rates rather than "any error at all".

The topic has an email subscriber (``alarm_email``); a prod synth without one fails, since an
alarm nobody receives is no alarm. Every alarm below is a rate, a percentile, a ratio or a
saturation level sustained for minutes:

- per function: error rate and throttle rate (percent of invocations); per consumer: iterator age
- REST API: 5XX rate and p99 latency
- DynamoDB: throttled requests per second, per table
- Kinesis: share of writes throttled, and the age of the oldest unread record
- Redis: engine CPU, memory used, evictions per second (the busiest node)
- OpenSearch: cluster status red/yellow, free storage below a quarter of the volume
- DLQ: age of the oldest parked record (nobody redrove it)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration, NestedStack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.cdk.config import DeployConfig
from infra.cdk.dashboard import Dashboard
from infra.cdk.functions import WarblerFunction
from infra.cdk.naming import pascal
from infra.cdk.network import Redis, Search

PERIOD = Duration.minutes(5)
_GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
_GE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
_LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
# A math expression may name at most 10 metrics.
_MAX_METRICS = 10


@dataclass
class Watched:
    """What the stack built that alarms watch (absent parts are skipped)."""

    functions: list[WarblerFunction]
    dlq: sqs.IQueue
    dead: sqs.IQueue | None = None
    rest_api: apigw.RestApi | None = None
    tables: dict[str, dynamodb.Table] = field(default_factory=dict)
    streams: dict[str, kinesis.Stream] = field(default_factory=dict)
    redis: Redis | None = None
    search: Search | None = None


class Monitoring(NestedStack):
    """The alarms and the dashboard, as a nested stack of the Warbler stack."""

    def __init__(self, scope: Construct, construct_id: str, *, watched: Watched, config: DeployConfig) -> None:
        super().__init__(scope, construct_id, description=f"Warbler ({config.stage}) alarms and dashboard")
        self.alarms = Alarms(self, "Alarms", watched=watched, config=config)
        assert watched.rest_api is not None
        Dashboard(self, "Dashboard", functions=watched.functions, rest_api=watched.rest_api, config=config)


def require_subscriber(config: DeployConfig) -> None:
    if config.is_prod and not config.alarm_email:
        raise ValueError("stage 'prod' needs -c alarm_email=<address>: alarms must reach someone")


class Alarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, watched: Watched, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        require_subscriber(config)
        self.topic = sns.Topic(self, "Topic", display_name=f"Warbler {config.stage} alarms", enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = actions.SnsAction(self.topic)
        percent = config.error_rate_alarm_percent

        for fn in watched.functions:
            name, f = fn.spec.name, fn.function
            invocations = f.metric_invocations(period=PERIOD, statistic="Sum")
            errors = f.metric_errors(period=PERIOD, statistic="Sum")
            throttles = f.metric_throttles(period=PERIOD, statistic="Sum")
            self._alarm(
                self,
                f"{pascal(name)}ErrorRate",
                _expression("100 * errors / MAX([invocations, 1])", errors=errors, invocations=invocations),
                percent,
                f"{name}: more than {percent}% of invocations failed",
                periods=2,
            )
            self._alarm(
                self,
                f"{pascal(name)}ThrottleRate",
                _expression(
                    "100 * throttles / MAX([invocations + throttles, 1])", throttles=throttles, invocations=invocations
                ),
                percent,
                f"{name}: more than {percent}% of invocations throttled (reserved concurrency reached?)",
                periods=2,
            )
            if fn.spec.streams:
                # A growing iterator age means fan-out/graph updates are falling behind writes.
                self._alarm(
                    self,
                    f"{pascal(name)}IteratorAge",
                    f.metric("IteratorAge", period=Duration.minutes(1), statistic="Maximum"),
                    config.iterator_age_alarm_ms,
                    f"{name}: stream records older than {config.iterator_age_alarm_ms} ms",
                    periods=5,
                )

        if watched.rest_api is not None:
            api = watched.rest_api
            self._alarm(
                self,
                "Rest5xxRate",
                api.metric_server_error(period=PERIOD, statistic="Average"),  # 0/1 per request: the rate
                percent / 100,
                f"REST API: more than {percent}% of requests answered 5XX",
                periods=2,
            )
            self._alarm(
                self,
                "RestLatencyP99",
                api.metric_latency(period=PERIOD, statistic="p99"),
                config.api_p99_alarm_ms,
                f"REST API: p99 latency above {config.api_p99_alarm_ms} ms",
                periods=3,
            )

        for name, table in watched.tables.items():
            self._alarm(
                self,
                f"{pascal(name)}TableThrottles",
                _expression(
                    "(reads + writes) / PERIOD(reads)",
                    reads=table.metric("ReadThrottleEvents", period=PERIOD, statistic="Sum"),
                    writes=table.metric("WriteThrottleEvents", period=PERIOD, statistic="Sum"),
                ),
                1,
                f"DynamoDB {name}: more than 1 throttled request per second",
                periods=2,
            )

        for name, stream in watched.streams.items():
            self._alarm(
                self,
                f"{pascal(name)}StreamWriteThrottles",
                stream.metric_write_provisioned_throughput_exceeded(period=PERIOD, statistic="Average"),
                percent / 100,
                f"Kinesis {name}: more than {percent}% of writes throttled (add shards)",
                periods=2,
            )
            self._alarm(
                self,
                f"{pascal(name)}StreamIteratorAge",
                stream.metric_get_records_iterator_age_milliseconds(period=Duration.minutes(1), statistic="Maximum"),
                config.iterator_age_alarm_ms,
                f"Kinesis {name}: a consumer reads records older than {config.iterator_age_alarm_ms} ms",
                periods=5,
            )

        if watched.redis is not None:
            for metric, threshold, what in (
                ("EngineCPUUtilization", 80, "engine CPU above 80%"),
                ("DatabaseMemoryUsagePercentage", 80, "memory above 80%"),
            ):
                self._busiest_node(watched.redis, metric, "Maximum", threshold, f"Redis: a node's {what}")
            self._busiest_node(
                watched.redis, "Evictions", "Sum", 300, "Redis: more than one eviction per second on a node"
            )

        if watched.search is not None:
            domain = watched.search.domain
            self._alarm(
                self,
                "SearchRed",
                domain.metric_cluster_status_red(period=Duration.minutes(1), statistic="Maximum"),
                1,
                "OpenSearch: cluster status red (a primary shard is unassigned)",
                comparison=_GE,
            )
            self._alarm(
                self,
                "SearchYellow",
                domain.metric_cluster_status_yellow(period=Duration.minutes(1), statistic="Maximum"),
                1,
                "OpenSearch: cluster status yellow for 15 minutes (replicas unassigned)",
                periods=15,
                comparison=_GE,
            )
            quarter_mb = config.opensearch_volume_gb * 1024 / 4
            self._alarm(
                self,
                "SearchFreeStorage",
                domain.metric_free_storage_space(period=PERIOD, statistic="Minimum"),
                quarter_mb,
                "OpenSearch: a node has less than a quarter of its volume free",
                comparison=_LT,
            )

        self._alarm(
            self,
            "DlqAge",
            watched.dlq.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
            900,
            "Stream records parked in the DLQ for 15 minutes: redrive them (infra/cdk/README.md)",
        )
        if watched.dead is not None:
            self._alarm(
                self,
                "RedriveGaveUp",
                watched.dead.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                1,
                "The redrive gave up on parked stream records (infra/cdk/README.md): look, fix, move them back",
                comparison=_GE,
            )

    def _busiest_node(self, redis: Redis, metric: str, statistic: str, threshold: float, description: str) -> None:
        nodes = redis.node_ids
        for start in range(0, len(nodes), _MAX_METRICS):
            chunk = nodes[start : start + _MAX_METRICS]
            metrics = {
                f"n{i}": cloudwatch.Metric(
                    namespace="AWS/ElastiCache",
                    metric_name=metric,
                    dimensions_map={"CacheClusterId": node},
                    period=PERIOD,
                    statistic=statistic,
                )
                for i, node in enumerate(chunk)
            }
            suffix = f"{start // _MAX_METRICS}" if len(nodes) > _MAX_METRICS else ""
            self._alarm(
                self,
                f"Redis{metric}{suffix}",
                cloudwatch.MathExpression(
                    expression=f"MAX([{', '.join(metrics)}])", using_metrics=metrics, period=PERIOD
                ),
                threshold,
                description,
                periods=2,
            )

    def _alarm(
        self,
        scope: Construct,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = _GT,
    ) -> None:
        alarm = cloudwatch.Alarm(
            scope,
            f"{construct_id}Alarm",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)


def _expression(expression: str, **metrics: cloudwatch.IMetric) -> cloudwatch.MathExpression:
    return cloudwatch.MathExpression(expression=expression, using_metrics=metrics, period=PERIOD)
