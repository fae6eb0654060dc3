"""What the synthesized stack must contain, asserted against the real catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cfn import (
    actions_on,
    event_source_mappings,
    function_id,
    function_props,
    log_group_of,
    logical_id,
    resources,
    rest_routes,
    role_statements,
    stream_id,
    table_id,
)

from infra import catalog
from infra.cdk.config import DeployConfig, env_name
from infra.cdk.stack import WarblerStack
from infra.functions import code_dir
from tests.infra.conftest import REPO_ROOT

FUNCTIONS = [f.name for f in catalog.FUNCTIONS]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_runs_the_catalog_code_with_the_layer_and_tracing(
    template: dict[str, Any], function_logs_template: dict[str, Any], name: str
) -> None:
    spec = catalog.function(name)
    props = function_props(template, name)
    layer = logical_id(template, "CoreLayer", "AWS::Lambda::LayerVersion")

    assert props["Handler"] == "app.lambda_handler"
    assert props["Runtime"] in {"python3.11", "python3.12"}
    assert props["Layers"] == [{"Ref": layer}]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_seconds
    log_group = log_group_of(template, function_logs_template, function_id(template, name))
    assert log_group["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_environment_names_every_table_and_stream(template: dict[str, Any], name: str) -> None:
    spec = catalog.function(name)
    env = function_props(template, name)["Environment"]["Variables"]

    for t in catalog.TABLES:
        assert env[env_name(f"{t.name}_table")] == {"Ref": table_id(template, t.name)}
    for s in catalog.KINESIS_STREAMS:
        assert env[env_name(f"{s.name}_stream")] == {"Ref": stream_id(template, s.name)}
    for key in ("WARBLER_STAGE", "WARBLER_USER_POOL_ID", "WARBLER_USER_POOL_CLIENT_ID", "LOG_LEVEL"):
        assert key in env
    assert env["POWERTOOLS_SERVICE_NAME"] == "warbler"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Warbler"
    uses_redis = any(g.resource == "redis" for g in spec.grants)
    assert ("REDIS_URL" in env) is uses_redis
    if uses_redis:
        assert json.dumps(env["REDIS_URL"]).startswith('{"Fn::Join": ["", ["rediss://"')
        assert env["WARBLER_REDIS_CLUSTER"] == "true"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_only_redis_and_opensearch_functions_run_in_the_vpc(template: dict[str, Any], name: str) -> None:
    assert ("VpcConfig" in function_props(template, name)) is catalog.function(name).needs_vpc


def test_catalog_resources_have_settings_fields() -> None:
    from infra.cdk.config import Settings

    fields = set(Settings.__dataclass_fields__)
    assert {f"{t.name}_table" for t in catalog.TABLES} <= fields
    assert {f"{s.name}_stream" for s in catalog.KINESIS_STREAMS} <= fields


def test_routes_use_the_cognito_authorizer_unless_public(api_template: dict[str, Any]) -> None:
    authorizer = logical_id(api_template, "RestCognitoAuthorizer", "AWS::ApiGateway::Authorizer")
    props = api_template["Resources"][authorizer]["Properties"]
    assert props["Type"] == "COGNITO_USER_POOLS"
    assert props["IdentitySource"] == "method.request.header.Authorization"

    routes = rest_routes(api_template)
    for spec in catalog.FUNCTIONS:
        for route in spec.routes:
            method = routes[(route.method, route.path)]
            assert method["Integration"]["Type"] == "AWS_PROXY"
            if route.auth and route.authorizer == "cognito":
                assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
                assert method["AuthorizerId"] == {"Ref": authorizer}
            elif route.auth:  # a Lambda authorizer (tests/infra/test_mastodon_parity.py)
                assert method["AuthorizationType"] == "CUSTOM"
            else:
                assert method["AuthorizationType"] == "NONE"
                assert "AuthorizerId" not in method


def test_rest_stage_traces_and_throttles(template: dict[str, Any]) -> None:
    (stage,) = resources(template, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["TracingEnabled"] is True
    (settings,) = [m for m in props["MethodSettings"] if m["ResourcePath"] == "/*"]  # routes: test_parity
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0


@pytest.mark.parametrize(
    ("response_type", "status"),
    [
        ("UNAUTHORIZED", "401"),
        ("ACCESS_DENIED", "403"),
        ("MISSING_AUTHENTICATION_TOKEN", "404"),
        ("RESOURCE_NOT_FOUND", "404"),
        ("DEFAULT_4XX", None),
        ("DEFAULT_5XX", None),
    ],
)
def test_gateway_errors_use_the_json_envelope(template: dict[str, Any], response_type: str, status: str | None) -> None:
    by_type = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in resources(template, "AWS::ApiGateway::GatewayResponse").values()
    }
    props = by_type[response_type]
    assert props.get("StatusCode") == status
    body = props["ResponseTemplates"]["application/json"]
    assert body.startswith('{"error":{"code":"') and '"message":$context.error.messageString}}' in body


@pytest.mark.parametrize("spec", catalog.TABLES, ids=lambda t: t.name)
def test_tables_match_the_catalog(template: dict[str, Any], spec: catalog.Table) -> None:
    resource = template["Resources"][table_id(template, spec.name)]
    props = resource["Properties"]
    keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
    assert keys == {"HASH": spec.hash_key, **({"RANGE": spec.range_key} if spec.range_key else {})}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"
    if spec.stream:
        assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    else:
        assert "StreamSpecification" not in props
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {i.name for i in spec.indexes}
    for index in spec.indexes:
        schema = {k["KeyType"]: k["AttributeName"] for k in indexes[index.name]["KeySchema"]}
        assert schema == {"HASH": index.hash_key, **({"RANGE": index.range_key} if index.range_key else {})}
        assert indexes[index.name]["Projection"] == {"ProjectionType": "KEYS_ONLY" if index.keys_only else "ALL"}


@pytest.mark.parametrize("spec", catalog.KINESIS_STREAMS, ids=lambda s: s.name)
def test_kinesis_streams_are_encrypted_with_catalog_shards(
    template: dict[str, Any], spec: catalog.KinesisStream
) -> None:
    props = template["Resources"][stream_id(template, spec.name)]["Properties"]
    assert props["ShardCount"] == spec.shards
    assert props["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}


@pytest.mark.parametrize("name", [f.name for f in catalog.FUNCTIONS if f.streams])
def test_event_source_mappings_report_failures_bisect_retry_and_park(template: dict[str, Any], name: str) -> None:
    dlq = logical_id(template, "DataStreamFailures", "AWS::SQS::Queue")
    sources = catalog.function(name).streams
    mappings = list(event_source_mappings(template, name))
    assert len(mappings) == len(sources)

    def settings(batch_size, window, retries, age, factor, bisect, position):
        return (batch_size, window, retries, age, factor, bisect, position)

    expected = sorted(
        settings(
            s.batch_size,
            s.max_batching_window_seconds,
            s.retry_attempts,
            s.max_record_age_seconds,
            s.parallelization_factor,
            s.bisect_on_error,
            s.starting_position,
        )
        for s in sources
    )
    actual = sorted(
        settings(
            esm["BatchSize"],
            esm.get("MaximumBatchingWindowInSeconds", 0),
            esm["MaximumRetryAttempts"],
            esm["MaximumRecordAgeInSeconds"],
            esm["ParallelizationFactor"],
            esm["BisectBatchOnFunctionError"],
            esm["StartingPosition"],
        )
        for esm in mappings
    )
    assert actual == expected
    for esm in mappings:
        assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert esm["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq, "Arn"]}}}


def test_dlq_is_encrypted_and_keeps_records_14_days(template: dict[str, Any]) -> None:
    props = template["Resources"][logical_id(template, "DataStreamFailures", "AWS::SQS::Queue")]["Properties"]
    assert props["SqsManagedSseEnabled"] is True
    assert props["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert props["QueueName"].endswith(catalog.DLQ_NAME)


def test_redis_is_a_multi_az_encrypted_cluster_reachable_only_from_functions(template: dict[str, Any]) -> None:
    (group,) = resources(template, "AWS::ElastiCache::ReplicationGroup").values()
    props = group["Properties"]
    assert props["MultiAZEnabled"] is True and props["AutomaticFailoverEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True and props["TransitEncryptionEnabled"] is True
    assert props["CacheParameterGroupName"] == "default.redis7.cluster.on"
    (sg_ref,) = props["SecurityGroupIds"]
    redis_sg = sg_ref["Fn::GetAtt"][0]
    function_sgs = {
        logical_id(template, f"Network{name}SecurityGroup", "AWS::EC2::SecurityGroup")
        for name in ("Function", "Pusher")
    }
    ingress = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [redis_sg, "GroupId"]}
    ]
    assert {r["SourceSecurityGroupId"]["Fn::GetAtt"][0] for r in ingress} == function_sgs
    assert all((r["FromPort"], r["ToPort"]) == (6379, 6379) for r in ingress)
    subnet_group = template["Resources"][props["CacheSubnetGroupName"]["Ref"]]["Properties"]
    assert len(subnet_group["SubnetIds"]) == 2


def test_vpc_has_two_azs_endpoints_and_one_nat_for_the_pushes(template: dict[str, Any]) -> None:
    # The live pushers run in the VPC (Redis) and the @connections API has no VPC endpoint.
    assert len(resources(template, "AWS::EC2::NatGateway")) == 1
    assert len(resources(template, "AWS::EC2::InternetGateway")) == 1
    assert len(resources(template, "AWS::EC2::Subnet")) == 6  # isolated, app (NAT egress), public x 2 AZs
    services = {
        json.dumps(e["Properties"]["ServiceName"]): e["Properties"]
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
    }
    by_suffix = {name.split(".")[-1].strip('"]}'): props for name, props in services.items()}
    assert by_suffix["dynamodb"]["VpcEndpointType"] == "Gateway"
    for interface in ("kinesis-streams", "xray", "cognito-idp", "secretsmanager"):
        assert by_suffix[interface]["VpcEndpointType"] == "Interface"
        assert by_suffix[interface]["PrivateDnsEnabled"] is True
    assert not any("execute-api" in name for name in services)


def test_outputs_name_the_api_and_the_user_pool(template: dict[str, Any]) -> None:
    assert {"RestApiUrl", "UserPoolId", "UserPoolClientId"} <= set(template["Outputs"])
    assert {"WebSocketUrl", "WebSocketManagementEndpoint"} <= set(template["Outputs"])  # the live function


# --- least privilege -------------------------------------------------------------------------


def test_fanout_worker_writes_no_table_but_live_connections(template: dict[str, Any]) -> None:
    actions = actions_on(template, "fanout_worker")
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for name in ("tweets", "users", "follows"):  # it reads tweets and authors to push them, nothing else
        assert not writes & actions_on(template, "fanout_worker", table_id(template, name))
    assert "dynamodb:DeleteItem" in actions_on(template, "fanout_worker", table_id(template, "connections"))
    assert "kinesis:GetRecords" in actions_on(template, "fanout_worker", stream_id(template, "fanout"))
    assert not {a for a in actions if a.startswith("kinesis:Put")}


def test_openapi_has_no_table_stream_or_cognito_access(template: dict[str, Any]) -> None:
    actions = actions_on(template, "openapi")
    assert not {a for a in actions if a.split(":")[0] in {"dynamodb", "kinesis", "cognito-idp", "sqs"}}


def test_read_grants_cannot_write_and_write_grants_can(template: dict[str, Any]) -> None:
    follows = table_id(template, "follows")
    graph_events = actions_on(template, "graph_events", follows)
    assert {"dynamodb:Query", "dynamodb:GetItem"} <= graph_events
    assert (
        not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & graph_events
    )
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= actions_on(template, "users", follows)
    # graph_events reads the follows stream (it consumes it) but not the tweets stream.
    assert "dynamodb:GetRecords" in graph_events
    assert "dynamodb:GetRecords" not in actions_on(template, "graph_events", table_id(template, "tweets"))


def test_stream_write_grant_is_put_records_on_that_stream_only(template: dict[str, Any]) -> None:
    assert actions_on(template, "fanout_planner", stream_id(template, "fanout")) == {
        "kinesis:PutRecord",
        "kinesis:PutRecords",
    }
    assert not actions_on(template, "fanout_planner", stream_id(template, "activity"))


def test_no_function_has_wildcard_data_access(template: dict[str, Any]) -> None:
    for spec in catalog.FUNCTIONS:
        for statement in role_statements(template, spec.name):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement.get("Resource") == "*":
                # X-Ray, ENI management for VPC functions and kinesis/dynamodb ListStreams only.
                assert all(
                    a.startswith(("xray:", "ec2:", "dynamodb:ListStreams", "kinesis:ListStreams")) for a in actions
                ), statement


def test_the_local_stage_cannot_be_deployed() -> None:
    # Under WARBLER_STAGE=local every missing name would fall back to a local default.
    with pytest.raises(ValueError, match="reserved for the emulator"):
        DeployConfig(stage="local")
    with pytest.raises(ValueError, match="reserved for the emulator"):
        DeployConfig.from_context({"stage": "local"}.get)


@pytest.mark.parametrize("name", [f.name for f in catalog.FUNCTIONS if f.schedules])
def test_schedules_become_rate_or_cron_rules_targeting_the_function(template: dict[str, Any], name: str) -> None:
    arn = {"Fn::GetAtt": [function_id(template, name), "Arn"]}
    rules = [r["Properties"] for r in resources(template, "AWS::Events::Rule").values()]
    targeting = sorted(r["ScheduleExpression"] for r in rules if any(t["Arn"] == arn for t in r["Targets"]))
    expected = [
        f"cron({s.cron})" if s.cron else f"rate({s.rate_minutes} minute{'s' if (s.rate_minutes or 0) > 1 else ''})"
        for s in catalog.function(name).schedules
    ]
    assert targeting == sorted(expected)


# --- OpenSearch --------------------------------------------------------------------------------

SEARCHERS = [f.name for f in catalog.FUNCTIONS if any(g.resource == "opensearch" for g in f.grants)]


def test_opensearch_domain_is_private_encrypted_and_fine_grained(template: dict[str, Any]) -> None:
    (domain,) = resources(template, "AWS::OpenSearchService::Domain").values()
    props = domain["Properties"]
    assert props["ClusterConfig"]["ZoneAwarenessEnabled"] is True
    assert props["ClusterConfig"]["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 2}
    assert props["EncryptionAtRestOptions"] == {"Enabled": True}
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["AdvancedSecurityOptions"]["Enabled"] is True
    assert "MasterUserARN" in props["AdvancedSecurityOptions"]["MasterUserOptions"]
    assert len(props["VPCOptions"]["SubnetIds"]) == 2


@pytest.mark.parametrize("name", SEARCHERS)
def test_opensearch_grant_is_http_on_that_domain_and_a_mapped_role(template: dict[str, Any], name: str) -> None:
    domain = logical_id(template, "SearchDomain", "AWS::OpenSearchService::Domain")
    (grant,) = [g for g in catalog.function(name).grants if g.resource == "opensearch"]
    methods = {"Get", "Head", "Post"} | ({"Put", "Delete"} if grant.access != "read" else set())
    assert actions_on(template, name, domain) == {f"es:ESHttp{m}" for m in methods}
    (mapping,) = resources(template, "AWS::CloudFormation::CustomResource").values()
    role = function_props(template, name)["Role"]["Fn::GetAtt"][0]
    mapped = [r["BackendRoles"] for r in mapping["Properties"]["Roles"]]
    assert sum({"Fn::GetAtt": [role, "Arn"]} in backend for backend in mapped) == 1
    url = function_props(template, name)["Environment"]["Variables"]["OPENSEARCH_URL"]["Fn::Join"][1]
    assert url == ["https://", {"Fn::GetAtt": [domain, "DomainEndpoint"]}]


def test_only_the_opensearch_functions_reach_the_domain(template: dict[str, Any]) -> None:
    assert SEARCHERS  # the indexer and the search API
    domain = logical_id(template, "SearchDomain", "AWS::OpenSearchService::Domain")
    for spec in catalog.FUNCTIONS:
        if spec.name not in SEARCHERS:
            assert not actions_on(template, spec.name, domain), spec.name
            assert "OPENSEARCH_URL" not in function_props(template, spec.name)["Environment"]["Variables"]


# --- catalog mistakes fail the synth -----------------------------------------------------------


def _construct(tmp_path: Path, functions: tuple[catalog.Function, ...]) -> None:
    app = cdk.App(context={"repo_root": str(tmp_path), "layer_dir": str(REPO_ROOT / "layers" / "core")})
    WarblerStack(app, "Broken", config=DeployConfig.from_context(app.node.try_get_context), functions=functions)


def test_a_catalog_function_without_a_directory_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="openapi"):
        _construct(tmp_path, (catalog.function("openapi"),))


def test_an_unknown_grant_kind_fails_loudly(tmp_path: Path) -> None:
    odd = catalog.Function(
        "odd",
        "Has a grant the generator doesn't know.",
        schedules=(catalog.Schedule(rate_minutes=5),),
        grants=(catalog.Grant("topic:jobs"),),
    )
    code_dir(odd, tmp_path / "functions").mkdir(parents=True)
    with pytest.raises(ValueError, match="topic:jobs"):
        _construct(tmp_path, (odd,))
