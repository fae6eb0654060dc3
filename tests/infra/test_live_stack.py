"""The real catalog's WebSocket API: routes to the live function, pushes allowed to pushers only."""

from __future__ import annotations

from typing import Any

from cfn import actions_on, function_id, function_props, logical_id, resources, table_id

from infra import catalog
from infra.cdk.config import env_name

PUSHERS = {"live", "fanout_planner", "fanout_worker", "notifier"}


def test_every_websocket_route_reaches_the_live_function(template: dict[str, Any]) -> None:
    routes = {r["Properties"]["RouteKey"] for r in resources(template, "AWS::ApiGatewayV2::Route").values()}
    assert routes == {"$connect", "$disconnect", "$default", "ping"}
    live = function_id(template, "live")
    integrations = resources(template, "AWS::ApiGatewayV2::Integration").values()
    assert all(live in str(i["Properties"]["IntegrationUri"]) for i in integrations)


def test_manage_connections_is_granted_to_exactly_the_functions_that_push(template: dict[str, Any]) -> None:
    api = logical_id(template, "WebSocketApi", "AWS::ApiGatewayV2::Api")
    granted = {f.name for f in catalog.FUNCTIONS if actions_on(template, f.name, api)}
    assert granted == PUSHERS
    for name in PUSHERS:
        assert actions_on(template, name, api) == {"execute-api:ManageConnections"}
        env = function_props(template, name)["Environment"]["Variables"]
        assert env_name("websocket_endpoint") in env
        assert env[env_name("connections_table")] == {"Ref": table_id(template, "connections")}


def test_pushers_in_the_vpc_reach_the_management_api_through_a_nat(template: dict[str, Any]) -> None:
    assert len(resources(template, "AWS::EC2::NatGateway")) == 1
