"""One Lambda per catalog Function: code, layer, environment, grants, event sources, schedules.

Everything here is driven by the catalog entry; there is no per-function code. A new grant kind
must be added to ``_GRANTERS`` (an unknown one fails the synth).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from infra import catalog, functions
from infra.cdk.analytics import Analytics
from infra.cdk.config import DeployConfig, env_name
from infra.cdk.data import DataStores
from infra.cdk.identity import Identity
from infra.cdk.log_groups import FunctionLogGroups
from infra.cdk.media import CatalogBucket, add_bucket_sources, grant_bucket
from infra.cdk.naming import pascal
from infra.cdk.network import Network, Redis, Search

RUNTIME = lambda_.Runtime.PYTHON_3_11  # matches the venv the layer's wheels are built for
HANDLER = "app.lambda_handler"
SERVICE_NAME = "warbler"
METRICS_NAMESPACE = "Warbler"

# IAM has no Transact*/BatchWrite-specific actions worth granting alone: DynamoDB authorizes
# TransactWriteItems and BatchWriteItem per contained operation, so these cover them.
TABLE_READ = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
TABLE_WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
STREAM_READ = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:SubscribeToShard",
)
STREAM_WRITE = ("kinesis:PutRecord", "kinesis:PutRecords")
TABLE_STREAM_READ = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
TABLE_SCAN = ("dynamodb:Scan",)  # only for grants that say scan=True: a scan reads the whole table
# Exactly the calls warbler.adapters.identity makes: log in (read), create/set password/delete (write).
COGNITO_READ = ("cognito-idp:AdminInitiateAuth",)
COGNITO_WRITE = ("cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminDeleteUser")


@dataclass
class Platform:
    """The shared resources a function can be granted or wired to."""

    config: DeployConfig
    data: DataStores
    identity: Identity
    layer: lambda_.ILayerVersion
    log_groups: FunctionLogGroups
    network: Network | None = None
    redis: Redis | None = None
    search: Search | None = None
    websocket_stage: apigwv2.WebSocketStage | None = None
    buckets: dict[str, CatalogBucket] = field(default_factory=dict)
    cursor_secret: str = ""  # a token resolving to the generated cursor key (WarblerStack)
    analytics: Analytics | None = None


def _reads(access: str) -> bool:
    return access in {"read", "readwrite"}


def _writes(access: str) -> bool:
    return access in {"write", "readwrite"}


class WarblerFunction(Construct):
    def __init__(self, scope: Construct, spec: catalog.Function, platform: Platform) -> None:
        super().__init__(scope, pascal(spec.name))
        self.spec = spec
        config = platform.config
        code_dir = functions.code_dir(spec, config.repo_root / "functions")
        if not code_dir.is_dir():
            # Not papered over: a catalog entry without code would deploy a broken endpoint.
            raise FileNotFoundError(f"catalog function {spec.name!r} has no directory {code_dir}")

        log_group = platform.log_groups.group_for(pascal(spec.name))
        vpc_options: dict[str, object] = {}
        if spec.needs_vpc:
            if platform.network is None:
                raise ValueError(f"{spec.name} needs the VPC but none was created")
            vpc_options = platform.network.placement(spec)
        self.function = lambda_.Function(
            self,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(code_dir)),
            layers=[platform.layer],
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            reserved_concurrent_executions=spec.reserved_concurrency if config.reserved_concurrency else None,
            environment=self._environment(platform),
            **vpc_options,  # type: ignore[arg-type]
        )
        for grant in spec.grants:
            _grant(self.function, grant, platform)
        for source in spec.streams:
            self.function.add_event_source(_event_source(source, platform))
        add_bucket_sources(self.function, spec, platform.buckets, platform.data.dlq)
        for schedule in spec.schedules:
            if schedule.rate_minutes is not None:
                rule_id, what = f"Every{schedule.rate_minutes}Minutes", f"every {schedule.rate_minutes} min"
            else:
                rule_id, what = "Cron", f"at cron({schedule.cron}) UTC"
            rule = events.Rule(
                self,
                rule_id,
                description=f"{spec.name} {what}",
                schedule=events.Schedule.expression(schedule.expression),
            )
            rule.add_target(targets.LambdaFunction(self.function, retry_attempts=2))

    @property
    def role(self) -> iam.IRole:
        assert self.function.role is not None
        return self.function.role

    def _environment(self, platform: Platform) -> dict[str, str]:
        kinds = {g.resource.split(":", 1)[0] for g in self.spec.grants}
        env = {
            env_name("stage"): platform.config.stage,
            env_name("user_pool_id"): platform.identity.user_pool.user_pool_id,
            env_name("user_pool_client_id"): platform.identity.client.user_pool_client_id,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": platform.config.log_level,
            env_name("cursor_secret"): platform.cursor_secret,
        }
        # Every name, granted or not: Settings reads them all and IAM decides what is usable.
        for name, table in platform.data.tables.items():
            env[env_name(f"{name}_table")] = table.table_name
        for name, stream in platform.data.streams.items():
            env[env_name(f"{name}_stream")] = stream.stream_name
        for bucket in platform.buckets.values():
            env.update(bucket.environment(env_name))
        if kinds & {"ses", "athena"} and platform.analytics is not None:
            env.update(platform.analytics.environment())
        if "redis" in kinds and platform.redis is not None:
            env[env_name("redis_url")] = platform.redis.url
            env[env_name("redis_cluster")] = "true" if platform.redis.cluster else "false"
            env[env_name("redis_auth_secret_arn")] = platform.redis.auth_secret.secret_arn
        if "opensearch" in kinds and platform.search is not None:
            env[env_name("opensearch_url")] = platform.search.url
        if "websocket" in kinds and platform.websocket_stage is not None:
            env[env_name("websocket_endpoint")] = platform.websocket_stage.callback_url
        if "queue" in kinds:
            env[env_name("stream_failures_queue_url")] = platform.data.dlq.queue_url
        if platform.websocket_stage is not None:  # the Mastodon instance documents name it
            env[env_name("streaming_api_url")] = platform.websocket_stage.url
        return env


def _event_source(source: catalog.StreamSource, platform: Platform) -> lambda_.IEventSource:
    """An event source mapping exactly as the catalog declares it, with partial-batch failures
    reported, poison batches bisected and exhausted records parked in the shared DLQ."""
    common = dict(
        batch_size=source.batch_size,
        max_batching_window=Duration.seconds(source.max_batching_window_seconds)
        if source.max_batching_window_seconds
        else None,
        starting_position=lambda_.StartingPosition[source.starting_position],
        bisect_batch_on_error=source.bisect_on_error,
        retry_attempts=source.retry_attempts,
        max_record_age=Duration.seconds(source.max_record_age_seconds),
        parallelization_factor=source.parallelization_factor,
        report_batch_item_failures=True,
        on_failure=sources.SqsDlq(platform.data.dlq),
    )
    if source.kind == "dynamodb":
        spec = platform.data.specs.get(source.source)
        if spec is None or not spec.stream:
            raise ValueError(f"DynamoDB event source {source.source!r} is not a table with stream=True")
        return sources.DynamoEventSource(platform.data.tables[source.source], **common)  # type: ignore[arg-type]
    if source.kind == "kinesis":
        if source.source not in platform.data.streams:
            raise ValueError(f"Kinesis event source {source.source!r} is not in KINESIS_STREAMS")
        return sources.KinesisEventSource(platform.data.streams[source.source], **common)  # type: ignore[arg-type]
    raise ValueError(f"unknown event source kind {source.kind!r}")


def _statement(actions: tuple[str, ...], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(actions=list(actions), resources=resources)


def _grant_table(fn: lambda_.Function, name: str, access: str, platform: Platform, scan: bool = False) -> None:
    table = platform.data.tables[name]
    if _reads(access):
        actions = TABLE_READ + TABLE_SCAN if scan else TABLE_READ
        fn.add_to_role_policy(_statement(actions, [table.table_arn, f"{table.table_arn}/index/*"]))
    if _writes(access):
        fn.add_to_role_policy(_statement(TABLE_WRITE, [table.table_arn]))


def _grant_stream(fn: lambda_.Function, name: str, access: str, platform: Platform) -> None:
    stream = platform.data.streams[name]
    if _reads(access):
        fn.add_to_role_policy(_statement(STREAM_READ, [stream.stream_arn]))
    if _writes(access):
        fn.add_to_role_policy(_statement(STREAM_WRITE, [stream.stream_arn]))


def _grant_cognito(fn: lambda_.Function, _name: str, access: str, platform: Platform) -> None:
    actions = (COGNITO_READ if _reads(access) else ()) + (COGNITO_WRITE if _writes(access) else ())
    fn.add_to_role_policy(_statement(actions, [platform.identity.user_pool.user_pool_arn]))


def _grant_redis(fn: lambda_.Function, _name: str, _access: str, platform: Platform) -> None:
    # The network half: the function joins the VPC (needs_vpc) in a security group the
    # replication group admits. The IAM half: reading the AUTH token.
    if platform.redis is None:
        raise ValueError("a function has the redis grant but no Redis was created")
    fn.add_to_role_policy(_statement(("secretsmanager:GetSecretValue",), [platform.redis.auth_secret.secret_arn]))


def _grant_opensearch(fn: lambda_.Function, _name: str, access: str, platform: Platform) -> None:
    if platform.search is None:
        raise ValueError("a function has the opensearch grant but no OpenSearch domain was created")
    assert fn.role is not None
    platform.search.grant(fn.role, access)  # read: the reader role; write/readwrite: the writer


def _grant_websocket(fn: lambda_.Function, _name: str, _access: str, platform: Platform) -> None:
    if platform.websocket_stage is None:
        raise ValueError("a function has the websocket grant but no catalog function has websocket_routes")
    # execute-api:ManageConnections on this API's stage connections only.
    platform.websocket_stage.grant_management_api_access(fn)


def _grant_bucket(fn: lambda_.Function, name: str, access: str, platform: Platform) -> None:
    grant_bucket(fn, name, access, platform.buckets)


def _grant_queue(fn: lambda_.Function, name: str, access: str, platform: Platform) -> None:
    # The one queue: where the event source mappings park what they gave up on.
    if name != catalog.DLQ_NAME:
        raise ValueError(f"unknown grant resource 'queue:{name}' (the only queue is {catalog.DLQ_NAME!r})")
    if _reads(access):
        platform.data.dlq.grant_consume_messages(fn)
    if _writes(access):
        platform.data.dlq.grant_send_messages(fn)


def _grant_redrive(fn: lambda_.Function, _name: str, _access: str, platform: Platform) -> None:
    # Re-read what an on-failure record names, from any stream; invoking the consumers is granted
    # by the stack once every function exists (WarblerStack).
    arns = [t.table_stream_arn for name, t in platform.data.tables.items() if platform.data.specs[name].stream]
    fn.add_to_role_policy(_statement(TABLE_STREAM_READ, [a for a in arns if a]))
    fn.add_to_role_policy(_statement(STREAM_READ, [s.stream_arn for s in platform.data.streams.values()]))


def _analytics(platform: Platform, grant: str) -> Analytics:
    if platform.analytics is None:
        raise ValueError(f"a function has the {grant} grant but the stack has no analytics construct")
    return platform.analytics


def _grant_ses(fn: lambda_.Function, _name: str, _access: str, platform: Platform) -> None:
    _analytics(platform, "ses").grant_ses(fn)


def _grant_athena(fn: lambda_.Function, _name: str, _access: str, platform: Platform) -> None:
    _analytics(platform, "athena").grant_athena(fn)


_GRANTERS: dict[str, Callable[[lambda_.Function, str, str, Platform], None]] = {
    "bucket": _grant_bucket,
    "ses": _grant_ses,
    "athena": _grant_athena,
    "table": _grant_table,
    "stream": _grant_stream,
    "cognito": _grant_cognito,
    "redis": _grant_redis,
    "opensearch": _grant_opensearch,
    "websocket": _grant_websocket,
    "queue": _grant_queue,
    "redrive": _grant_redrive,
}


def _grant(fn: lambda_.Function, grant: catalog.Grant, platform: Platform) -> None:
    kind, _, name = grant.resource.partition(":")
    granter = _GRANTERS.get(kind)
    if granter is None:
        raise ValueError(f"unknown grant resource {grant.resource!r}")
    if grant.access not in {"read", "write", "readwrite"} and not (kind == "bucket" and grant.access == "delete"):
        raise ValueError(f"unknown access {grant.access!r} in {grant.resource!r}")
    if grant.scan:
        if kind != "table":
            raise ValueError(f"scan=True is for table grants, not {grant.resource!r}")
        _grant_table(fn, name, grant.access, platform, scan=True)
        return
    granter(fn, name, grant.access, platform)
