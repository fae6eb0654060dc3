"""The Warbler stack: the catalog in, CloudFormation out.

The catalog is a parameter (defaulting to ``infra.catalog``) so tests can synthesize catalog
shapes that don't exist yet - WebSocket routes, schedules, OpenSearch grants - and prove the
generator handles them before someone adds them.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Annotations, Aspects, AssetHashType, CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import catalog
from infra.cdk import layer as layer_build
from infra.cdk.alarms import Monitoring, Watched, require_subscriber
from infra.cdk.analytics import Analytics
from infra.cdk.apis import RestApi, WebSocketApi
from infra.cdk.config import DeployConfig, env_name
from infra.cdk.data import DataStores
from infra.cdk.edge import RestWaf
from infra.cdk.functions import RUNTIME, Platform, WarblerFunction
from infra.cdk.identity import Identity
from infra.cdk.log_groups import FunctionLogGroups, OwnLogGroups
from infra.cdk.media import CatalogBucket, short_link_base_url
from infra.cdk.naming import pascal
from infra.cdk.network import EndpointScope, Network, Redis, Search, VpcNeeds
from infra.cdk.web import WebClient


class WarblerStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        functions: tuple[catalog.Function, ...] = catalog.FUNCTIONS,
        tables: tuple[catalog.Table, ...] = catalog.TABLES,
        streams: tuple[catalog.KinesisStream, ...] = catalog.KINESIS_STREAMS,
        dlq_name: str = catalog.DLQ_NAME,
        buckets: tuple[catalog.Bucket, ...] = catalog.BUCKETS,
    ) -> None:
        super().__init__(scope, construct_id, description=f"Warbler ({config.stage})")
        require_subscriber(config)  # before anything slow: a prod stack must page someone
        layer_code = _layer_code(config)
        if missing := layer_build.check(Path(layer_code.path), config.stage):
            Annotations.of(self).add_warning_v2(
                "warbler:layer", f"dev layer without {', '.join(missing)}: functions will fail at import"
            )

        data = DataStores(
            self,
            "Data",
            tables=tables,
            streams=streams,
            dlq_name=dlq_name,
            stage=config.stage,
            kinesis_retention_hours=config.kinesis_retention_hours,
        )
        identity = Identity(self, "Identity", stage=config.stage, threat_protection=config.threat_protection)
        layer = lambda_.LayerVersion(
            self,
            "CoreLayer",
            code=layer_code,
            compatible_runtimes=[RUNTIME],
            description="warbler domain and adapters with their runtime dependencies",
        )
        # The key that authenticates list cursors: generated once, resolved into the functions'
        # environment at deploy time (a CloudFormation dynamic reference, not in the template).
        cursor_key = secretsmanager.Secret(
            self,
            "CursorKey",
            description="HMAC key of Warbler's list cursors",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=48, exclude_punctuation=True),
        )
        platform = Platform(
            config=config,
            data=data,
            identity=identity,
            layer=layer,
            # Nested: one group per function would cost the parent ~40 of its 500 resources.
            log_groups=FunctionLogGroups(self, "FunctionLogs", stage=config.stage, days=config.log_retention_days),
            cursor_secret=cursor_key.secret_value.unsafe_unwrap(),
        )
        # The analytics lake (its bucket, Firehose, Glue, Athena, SES) is a nested stack of its own,
        # like the alarms: this stack stays under CloudFormation's 500-resource limit.
        lake_buckets = {d.bucket for d in catalog.DELIVERY_STREAMS}
        analytics = Analytics(self, "Analytics", config=config, data=data) if lake_buckets else None
        platform.buckets = {
            b.name: CatalogBucket(analytics if analytics and b.name in lake_buckets else self, b, stage=config.stage)
            for b in buckets
        }
        if analytics is not None:
            analytics.add_lake({n: b.bucket for n, b in platform.buckets.items() if n in lake_buckets}, identity)
            platform.analytics = analytics

        grant_kinds = {g.resource.split(":", 1)[0] for f in functions for g in f.grants}
        needs = VpcNeeds.of(functions)
        if needs is not None:
            platform.network = Network(self, "Network", needs=needs, config=config)
            if "redis" in grant_kinds:
                platform.redis = Redis(self, "Redis", network=platform.network, config=config)
            if "opensearch" in grant_kinds:
                platform.search = Search(self, "Search", network=platform.network, config=config, runtime=RUNTIME)
        websocket = None
        if any(f.websocket_routes for f in functions):
            websocket = WebSocketApi(self, "WebSocket", config=config)
            platform.websocket_stage = websocket.stage

        built = [WarblerFunction(self, spec, platform) for spec in functions]
        # The redrive replays parked records through the consumer that failed on them.
        for invoker in (fn for fn in built if "redrive" in _kinds(fn.spec)):
            for consumer in (fn for fn in built if fn.spec.streams):
                consumer.function.grant_invoke(invoker.function)

        rest = RestApi(self, "Rest", functions=built, user_pool=identity.user_pool, config=config)
        links_base = short_link_base_url(rest.api.rest_api_id, config.stage, config.short_link_base_url)
        for fn in built:
            fn.function.add_environment(env_name("short_link_base_url"), links_base)
        RestWaf(self, "Waf", api=rest.api, config=config)
        if websocket is not None:
            websocket.add_routes(built)
            websocket.depend_on_account(rest.account)
        self.web = web = WebClient(
            self,
            "Web",
            config=config,
            rest_api=rest.api,
            websocket_api=websocket.api if websocket is not None else None,
            websocket_stage=websocket.stage if websocket is not None else None,
            # The media store presigns against the regional endpoint (warbler.media.store._s3).
            upload_urls=[
                f"https://{b.bucket.bucket_regional_domain_name}"
                for b in platform.buckets.values()
                if b.spec.browser_uploads
            ],
            media_urls=[b.base_url for b in platform.buckets.values() if b.base_url is not None],
        )
        for fn in built:
            fn.function.add_environment(env_name("web_origin"), web.origin)
        if platform.search is not None:
            platform.search.map_roles()
        if platform.network is not None:
            platform.network.scope_endpoints(
                EndpointScope(
                    table_arns=[t.table_arn for t in data.tables.values()],
                    stream_arns=[s.stream_arn for s in data.streams.values()],
                    user_pool_arn=identity.user_pool.user_pool_arn,
                    secret_arns=[platform.redis.auth_secret.secret_arn] if platform.redis else [],
                    bucket_arns=[b.bucket.bucket_arn for b in platform.buckets.values()],
                )
            )
        # Alarms and the dashboard live in a nested stack: ~100 resources that would otherwise
        # push this one past CloudFormation's 500-resource limit.
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            watched=Watched(
                functions=built,
                dlq=data.dlq,
                dead=data.dead,
                rest_api=rest.api,
                tables=data.tables,
                streams=data.streams,
                redis=platform.redis,
                search=platform.search,
            ),
            config=config,
        )

        Aspects.of(self).add(OwnLogGroups(config.log_retention_days))

        CfnOutput(self, "WebUrl", value=web.origin)
        CfnOutput(self, "RestApiUrl", value=rest.api.url)
        for name, bucket in platform.buckets.items():
            if bucket.base_url is not None:
                CfnOutput(self, f"{pascal(name)}CdnUrl", value=bucket.base_url)
        CfnOutput(self, "UserPoolId", value=identity.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=identity.client.user_pool_client_id)
        if websocket is not None:
            CfnOutput(self, "WebSocketUrl", value=websocket.stage.url)
            CfnOutput(self, "WebSocketManagementEndpoint", value=websocket.stage.callback_url)


def _layer_code(config: DeployConfig) -> lambda_.AssetCode:
    if config.layer_dir:
        return lambda_.Code.from_asset(config.layer_dir)
    directory, content_hash = layer_build.layer_directory(config.repo_root)
    # The build already hashed its inputs; fingerprinting ~5,000 files again would only cost time.
    return lambda_.Code.from_asset(str(directory), asset_hash=content_hash, asset_hash_type=AssetHashType.CUSTOM)


def _kinds(spec: catalog.Function) -> set[str]:
    return {g.resource.split(":", 1)[0] for g in spec.grants}
