"""Network least privilege, Redis AUTH, OpenSearch roles and sizing, asserted on the templates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfn import actions_on, function_props, logical_id, resources

from infra import catalog
from infra.cdk.config import env_name
from infra.cdk.network import pushes


def _sg(template: dict[str, Any], name: str) -> str:
    return logical_id(template, f"Network{name}SecurityGroup", "AWS::EC2::SecurityGroup")


def _subnet_names(template: dict[str, Any], fn: str) -> set[str]:
    return {s["Ref"].split("Subnet")[0] for s in function_props(template, fn)["VpcConfig"]["SubnetIds"]}


@pytest.mark.parametrize("name", [f.name for f in catalog.FUNCTIONS if f.needs_vpc])
def test_only_pushing_functions_sit_in_nat_subnets(template: dict[str, Any], name: str) -> None:
    spec = catalog.function(name)
    expected = "NetworkVpcapp" if pushes(spec) else "NetworkVpcdata"
    assert _subnet_names(template, name) == {expected}
    groups = function_props(template, name)["VpcConfig"]["SecurityGroupIds"]
    assert groups == [{"Fn::GetAtt": [_sg(template, "Pusher" if pushes(spec) else "Function"), "GroupId"]}]


def _egress(template: dict[str, Any], group: str) -> list[dict[str, Any]]:
    inline = template["Resources"][group]["Properties"].get("SecurityGroupEgress", [])
    separate = [
        r["Properties"]
        for r in resources(template, "AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}
    ]
    return inline + separate


def test_isolated_functions_reach_only_endpoints_redis_opensearch_and_the_dynamodb_and_s3_prefix_lists(
    template: dict[str, Any],
) -> None:
    rules = _egress(template, _sg(template, "Function"))
    assert not any(r.get("CidrIp") == "0.0.0.0/0" for r in rules), rules
    targets = {json.dumps(r.get("DestinationSecurityGroupId") or r.get("DestinationPrefixListId")): r for r in rules}
    redis = logical_id(template, "RedisSecurityGroup", "AWS::EC2::SecurityGroup")
    search = logical_id(template, "SearchSecurityGroup", "AWS::EC2::SecurityGroup")
    ports = {(r["FromPort"], r["ToPort"]) for r in rules if redis in json.dumps(r)}
    assert ports == {(6379, 6379)}
    assert {(r["FromPort"], r["ToPort"]) for r in rules if search in json.dumps(r)} == {(443, 443)}
    prefix = [r for r in rules if "DestinationPrefixListId" in r]
    assert len(prefix) == 2 and all(r["FromPort"] == 443 for r in prefix)
    named = sorted(json.dumps(r["DestinationPrefixListId"]) for r in prefix)
    assert "DynamoDbPrefixList" in named[0] and "S3PrefixList" in named[1]
    endpoint_groups = {
        e["Properties"]["SecurityGroupIds"][0]["Fn::GetAtt"][0]
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    }
    for group in endpoint_groups:
        assert any(group in key for key in targets), group
    # Everything the group may reach is one of the above.
    allowed = {redis, search, *endpoint_groups}
    for r in rules:
        if "DestinationSecurityGroupId" in r:
            assert r["DestinationSecurityGroupId"]["Fn::GetAtt"][0] in allowed


def test_pushers_also_get_https_out_through_the_nat(template: dict[str, Any]) -> None:
    rules = _egress(template, _sg(template, "Pusher"))
    assert {"CidrIp": "0.0.0.0/0", "Description": "WebSocket @connections via NAT", "FromPort": 443} in [
        {k: r.get(k) for k in ("CidrIp", "Description", "FromPort")} for r in rules
    ]


def test_endpoint_policies_name_this_stacks_resources(template: dict[str, Any]) -> None:
    for logical, endpoint in resources(template, "AWS::EC2::VPCEndpoint").items():
        statements = endpoint["Properties"]["PolicyDocument"]["Statement"]
        service = json.dumps(endpoint["Properties"]["ServiceName"])
        for statement in statements:
            if "xray" in service:
                assert statement["Resource"] == "*"
                assert all(a.startswith("xray:Put") or a.startswith("xray:GetSampling") for a in statement["Action"])
            else:
                text = json.dumps(statement["Resource"])
                assert statement["Resource"] != "*" and ("Ref" in text or "Fn::GetAtt" in text), logical


def test_prod_has_a_nat_per_az_dev_one(template: dict[str, Any], prod_template: dict[str, Any]) -> None:
    assert len(resources(template, "AWS::EC2::NatGateway")) == 1
    assert len(resources(prod_template, "AWS::EC2::NatGateway")) == 2


# --- Redis -----------------------------------------------------------------------------------


def test_redis_requires_an_auth_token_from_secrets_manager_and_snapshots_on_delete(template: dict[str, Any]) -> None:
    (logical,) = resources(template, "AWS::ElastiCache::ReplicationGroup")
    group = template["Resources"][logical]
    assert "{{resolve:secretsmanager:" in json.dumps(group["Properties"]["AuthToken"])
    assert group["Properties"]["TransitEncryptionEnabled"] is True
    assert group["DeletionPolicy"] == group["UpdateReplacePolicy"] == "Snapshot"
    secret = logical_id(template, "RedisAuthToken", "AWS::SecretsManager::Secret")
    for spec in catalog.FUNCTIONS:
        env = function_props(template, spec.name)["Environment"]["Variables"]
        uses_redis = any(g.resource == "redis" for g in spec.grants)
        assert (env.get(env_name("redis_auth_secret_arn")) == {"Ref": secret}) is uses_redis
        assert ("secretsmanager:GetSecretValue" in actions_on(template, spec.name, secret)) is uses_redis


# --- OpenSearch ------------------------------------------------------------------------------


def _domain(template: dict[str, Any]) -> dict[str, Any]:
    (domain,) = resources(template, "AWS::OpenSearchService::Domain").values()
    return domain


def test_prod_search_has_three_dedicated_masters_non_burstable_nodes_and_is_retained(
    prod_template: dict[str, Any], template: dict[str, Any]
) -> None:
    domain = _domain(prod_template)
    cluster = domain["Properties"]["ClusterConfig"]
    assert cluster["DedicatedMasterEnabled"] is True and cluster["DedicatedMasterCount"] == 3
    assert not cluster["InstanceType"].startswith("t") and not cluster["DedicatedMasterType"].startswith("t")
    assert domain["DeletionPolicy"] == "Retain"
    assert _domain(template)["Properties"]["ClusterConfig"].get("DedicatedMasterEnabled") in (None, False)


def test_search_publishes_error_slow_and_audit_logs(template: dict[str, Any]) -> None:
    options = _domain(template)["Properties"]["LogPublishingOptions"]
    assert set(options) == {"ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "AUDIT_LOGS"}
    assert all(o["Enabled"] is True for o in options.values())


def test_search_roles_follow_the_grant_access_level_and_none_is_all_access(template: dict[str, Any]) -> None:
    (mapping,) = resources(template, "AWS::CloudFormation::CustomResource").values()
    roles = {r["Name"]: r for r in mapping["Properties"]["Roles"]}
    assert set(roles) == {"warbler_reader", "warbler_writer"}
    assert "all_access" not in json.dumps(mapping)
    for role in roles.values():
        (permissions,) = role["Body"]["index_permissions"]
        assert permissions["index_patterns"] == ["warbler-dev-*"]
    assert not {"crud", "create_index"} & set(
        roles["warbler_reader"]["Body"]["index_permissions"][0]["allowed_actions"]
    )
    domain = logical_id(template, "SearchDomain", "AWS::OpenSearchService::Domain")
    for spec in catalog.FUNCTIONS:
        (grant,) = [g for g in spec.grants if g.resource == "opensearch"] or [None]
        role = function_props(template, spec.name)["Role"]["Fn::GetAtt"][0]
        in_reader = role in json.dumps(roles["warbler_reader"]["BackendRoles"])
        in_writer = role in json.dumps(roles["warbler_writer"]["BackendRoles"])
        http = actions_on(template, spec.name, domain)
        if grant is None:
            assert not (in_reader or in_writer or http), spec.name
        elif grant.access == "read":
            assert in_reader and not in_writer and http == {"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"}
        else:
            assert in_writer and not in_reader and {"es:ESHttpPut", "es:ESHttpDelete"} <= http


def test_the_s3_gateway_endpoint_reaches_this_stacks_buckets_only(template: dict[str, Any]) -> None:
    """VPC functions with a bucket grant (admin, segmenter) reach S3 through a gateway endpoint
    whose policy names this stack's buckets and nothing else."""
    (s3,) = [
        e
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Gateway" and "s3" in json.dumps(e["Properties"]["ServiceName"])
    ]
    (statement,) = s3["Properties"]["PolicyDocument"]["Statement"]
    assert set(statement["Action"]) == {"s3:GetObject", "s3:PutObject", "s3:ListBucket"}
    assert "*" not in json.dumps(statement["Resource"]).replace("/*", "")
