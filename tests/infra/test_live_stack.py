"""The real catalog's WebSocket API: routes to the live function, pushes allowed to pushers only,
and the pushers (in the VPC, for Redis) routed out to the management API through the NAT."""

from __future__ import annotations

import json
from typing import Any

from cfn import actions_on, function_id, function_props, logical_id, resources, table_id

from infra import catalog
from infra.cdk.config import env_name

PUSHERS = {f.name for f in catalog.FUNCTIONS if any(g.resource == "websocket" for g in f.grants)}


def test_the_pushers_are_the_functions_that_deliver_live_messages() -> None:
    assert {"live", "fanout_planner", "fanout_worker", "notifier"} == PUSHERS


def test_every_websocket_route_selects_on_action_and_targets_the_live_function(template: dict[str, Any]) -> None:
    (api,) = resources(template, "AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.action"
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"] for r in resources(template, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == set(catalog.function("live").websocket_routes)
    integrations = resources(template, "AWS::ApiGatewayV2::Integration")
    live = function_id(template, "live")
    for props in routes.values():
        integration = props["Target"]["Fn::Join"][1][1]["Ref"]  # "integrations/<Ref>"
        assert live in json.dumps(integrations[integration]["Properties"]["IntegrationUri"])
    (stage,) = resources(template, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AutoDeploy"] is True


def test_manage_connections_is_granted_to_exactly_the_functions_that_push(template: dict[str, Any]) -> None:
    api = logical_id(template, "WebSocketApi", "AWS::ApiGatewayV2::Api")
    granted = {f.name for f in catalog.FUNCTIONS if actions_on(template, f.name, api)}
    assert granted == PUSHERS
    for name in PUSHERS:
        assert actions_on(template, name, api) == {"execute-api:ManageConnections"}
        env = function_props(template, name)["Environment"]["Variables"]
        endpoint = env[env_name("websocket_endpoint")]["Fn::Join"][1]
        assert endpoint[0] == "https://" and endpoint[1] == {"Ref": api}
        assert env[env_name("connections_table")] == {"Ref": table_id(template, "connections")}
    for spec in catalog.FUNCTIONS:
        if spec.name not in PUSHERS:
            assert env_name("websocket_endpoint") not in function_props(template, spec.name)["Environment"]["Variables"]


def _default_route(template: dict[str, Any], subnet: str) -> dict[str, Any]:
    """The 0.0.0.0/0 route of the route table associated with ``subnet``."""
    (table,) = [
        a["Properties"]["RouteTableId"]["Ref"]
        for a in resources(template, "AWS::EC2::SubnetRouteTableAssociation").values()
        if a["Properties"]["SubnetId"] == {"Ref": subnet}
    ]
    (route,) = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::Route").values()
        if r["Properties"]["RouteTableId"] == {"Ref": table} and r["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
    ]
    return route


def test_pushers_in_the_vpc_reach_the_management_api_through_the_nat(template: dict[str, Any]) -> None:
    # The @connections API has no VPC endpoint: a pusher's subnets must route 0.0.0.0/0 to the
    # NAT, and the NAT's own subnet to the internet gateway.
    (nat_id, nat), *others = resources(template, "AWS::EC2::NatGateway").items()
    assert others == []
    (igw,) = resources(template, "AWS::EC2::InternetGateway")
    assert _default_route(template, nat["Properties"]["SubnetId"]["Ref"]).get("GatewayId") == {"Ref": igw}

    in_vpc = [name for name in PUSHERS if catalog.function(name).needs_vpc]
    assert in_vpc  # the live pushers need Redis, hence the VPC
    for name in in_vpc:
        subnets = function_props(template, name)["VpcConfig"]["SubnetIds"]
        assert len(subnets) == 2
        for subnet in subnets:
            assert _default_route(template, subnet["Ref"]).get("NatGatewayId") == {"Ref": nat_id}, (name, subnet)
