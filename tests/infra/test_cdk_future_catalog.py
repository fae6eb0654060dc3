"""The generator handles catalog shapes no function uses yet (see ``future_template`` in conftest):
WebSocket routes and pushes, schedules, OpenSearch, stream read/write grants, a new table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cfn import actions_on, function_id, function_props, logical_id, resources, stream_id, table_id

from infra import catalog, functions
from infra.cdk.config import DeployConfig, env_name
from infra.cdk.stack import WarblerStack
from tests.infra.conftest import FUTURE_FUNCTIONS, FUTURE_TABLES, REPO_ROOT


def test_every_future_function_and_table_is_synthesized(future_template: dict[str, Any]) -> None:
    for spec in FUTURE_FUNCTIONS:
        function_id(future_template, spec.name)
    for table in FUTURE_TABLES:
        table_id(future_template, table.name)
    env = function_props(future_template, "realtime")["Environment"]["Variables"]
    assert env[env_name("connections_table")] == {"Ref": table_id(future_template, "connections")}


def test_websocket_routes_select_on_action_and_hit_their_function(future_template: dict[str, Any]) -> None:
    (api,) = resources(future_template, "AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.action"
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in resources(future_template, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"$connect", "$disconnect", "$default", "ping"}
    integrations = resources(future_template, "AWS::ApiGatewayV2::Integration")
    realtime = function_id(future_template, "realtime")
    for props in routes.values():
        integration = props["Target"]["Fn::Join"][1][1]["Ref"]
        assert realtime in json.dumps(integrations[integration]["Properties"]["IntegrationUri"])
    (stage,) = resources(future_template, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AutoDeploy"] is True
    assert {"WebSocketUrl", "WebSocketManagementEndpoint"} <= set(future_template["Outputs"])


def test_websocket_grant_manages_connections_of_that_api_only(future_template: dict[str, Any]) -> None:
    api = logical_id(future_template, "WebSocketApi", "AWS::ApiGatewayV2::Api")
    pusher = actions_on(future_template, "pusher", api)
    assert pusher == {"execute-api:ManageConnections"}
    env = function_props(future_template, "pusher")["Environment"]["Variables"]
    assert env[env_name("websocket_endpoint")]["Fn::Join"][1][0] == "https://"
    assert not actions_on(future_template, "realtime", api)  # routes alone don't grant pushes


def test_a_vpc_function_that_pushes_gets_egress_through_one_nat(future_template: dict[str, Any]) -> None:
    assert len(resources(future_template, "AWS::EC2::NatGateway")) == 1
    subnets = function_props(future_template, "pusher")["VpcConfig"]["SubnetIds"]
    assert all("appSubnet" in s["Ref"] for s in subnets)
    assert "VpcConfig" not in function_props(future_template, "realtime")


def test_schedules_become_rate_rules_targeting_the_function(future_template: dict[str, Any]) -> None:
    (rule,) = resources(future_template, "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id(future_template, "trends"), "Arn"]}


def test_opensearch_domain_is_private_encrypted_and_fine_grained(future_template: dict[str, Any]) -> None:
    (domain,) = resources(future_template, "AWS::OpenSearchService::Domain").values()
    props = domain["Properties"]
    assert props["ClusterConfig"]["ZoneAwarenessEnabled"] is True
    assert props["ClusterConfig"]["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 2}
    assert props["EncryptionAtRestOptions"] == {"Enabled": True}
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["AdvancedSecurityOptions"]["Enabled"] is True
    assert "MasterUserARN" in props["AdvancedSecurityOptions"]["MasterUserOptions"]
    assert len(props["VPCOptions"]["SubnetIds"]) == 2

    (mapping,) = resources(future_template, "AWS::CloudFormation::CustomResource").values()
    mapped = json.dumps(mapping["Properties"]["BackendRoles"])
    for name in ("search_indexer", "trends"):
        role = function_props(future_template, name)["Role"]["Fn::GetAtt"][0]
        assert role in mapped
    assert function_props(future_template, "search_indexer")["Role"]["Fn::GetAtt"][0] in mapped
    env = function_props(future_template, "trends")["Environment"]["Variables"]
    assert env["OPENSEARCH_URL"]["Fn::Join"][1][0] == "https://"


@pytest.mark.parametrize("name", ["search_indexer", "trends"])
def test_opensearch_grant_is_http_on_that_domain(future_template: dict[str, Any], name: str) -> None:
    domain = logical_id(future_template, "SearchDomain", "AWS::OpenSearchService::Domain")
    assert actions_on(future_template, name, domain) == {
        "es:ESHttpGet",
        "es:ESHttpHead",
        "es:ESHttpPost",
        "es:ESHttpPut",
        "es:ESHttpDelete",
    }


def test_stream_read_grant_without_mapping_is_read_only(future_template: dict[str, Any]) -> None:
    activity = stream_id(future_template, "activity")
    trends = actions_on(future_template, "trends", activity)
    assert "kinesis:GetRecords" in trends and not {"kinesis:PutRecord", "kinesis:PutRecords"} & trends
    assert actions_on(future_template, "search_indexer", activity) == {"kinesis:PutRecord", "kinesis:PutRecords"}


def test_kinesis_mapping_honours_trim_horizon_and_batching_window(future_template: dict[str, Any]) -> None:
    esms = {
        e["Properties"]["FunctionName"]["Ref"]: e["Properties"]
        for e in resources(future_template, "AWS::Lambda::EventSourceMapping").values()
    }
    assert esms[function_id(future_template, "pusher")]["StartingPosition"] == "TRIM_HORIZON"
    assert esms[function_id(future_template, "search_indexer")]["MaximumBatchingWindowInSeconds"] == 5


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
        grants=(catalog.Grant("bucket:media"),),
    )
    functions.code_dir(odd, tmp_path / "functions").mkdir(parents=True)
    with pytest.raises(ValueError, match="bucket:media"):
        _construct(tmp_path, (odd,))
