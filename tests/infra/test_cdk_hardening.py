"""Edge protection, identity, least privilege and logging, asserted on the synthesized template."""

from __future__ import annotations

import ast
import json
from typing import Any

from cfn import actions_on, log_group_of, logical_id, resources, stream_id

from infra import catalog
from infra.cdk.config import Settings
from tests.infra.conftest import REPO_ROOT

# --- identity --------------------------------------------------------------------------------


def test_app_client_allows_only_the_admin_flow_and_no_oauth(template: dict[str, Any]) -> None:
    (client,) = (c["Properties"] for c in resources(template, "AWS::Cognito::UserPoolClient").values())
    assert client["ExplicitAuthFlows"] == ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert not {"AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs", "LogoutURLs"} & set(client)
    assert "example.com" not in json.dumps(client)
    assert client["WriteAttributes"] == []
    assert client["GenerateSecret"] is False and client["PreventUserExistenceErrors"] == "ENABLED"


def test_the_code_logs_in_with_the_admin_flow_only() -> None:
    source = (REPO_ROOT / "layers/core/python/warbler/adapters/identity.py").read_text()
    flows = {
        kw.value.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "AuthFlow" and isinstance(kw.value, ast.Constant)
    }
    assert flows == {"ADMIN_USER_PASSWORD_AUTH"}


def test_user_pool_has_a_real_password_policy_optional_totp_threat_protection_and_deletion_protection(
    template: dict[str, Any],
) -> None:
    (pool,) = resources(template, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert props["MfaConfiguration"] == "OPTIONAL" and props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["UserPoolTier"] == "PLUS" and props["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert props["DeletionProtection"] == "ACTIVE"
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert "UsernameAttributes" not in props  # sign in by username (our user id)
    assert pool["DeletionPolicy"] == "Retain"


# --- least privilege -------------------------------------------------------------------------


def _cognito_calls() -> set[str]:
    """``cognito-idp:Admin...`` for every ``_cognito().admin_...(`` call in the identity adapter."""
    source = (REPO_ROOT / "layers/core/python/warbler/adapters/identity.py").read_text()
    calls = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("admin_"):
            calls.add("cognito-idp:" + "".join(w.capitalize() for w in node.attr.split("_")))
    return calls


def test_cognito_actions_are_exactly_the_calls_the_code_makes(template: dict[str, Any]) -> None:
    pool = logical_id(template, "IdentityUserPool", "AWS::Cognito::UserPool")
    assert _cognito_calls() == {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminSetUserPassword",
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:AdminInitiateAuth",
    }
    logins = {"cognito-idp:AdminInitiateAuth"}
    for spec in catalog.FUNCTIONS:
        granted = {a for a in actions_on(template, spec.name) if a.startswith("cognito-idp:")}
        (grant,) = [g for g in spec.grants if g.resource == "cognito"] or [None]
        if grant is None:
            assert not granted, spec.name
        elif grant.access == "read":  # logs users in (the Mastodon password grant)
            assert granted == logins == actions_on(template, spec.name, pool) & granted, spec.name
        else:  # the auth function: sign-up creates the login, a failed sign-up deletes it
            assert granted == _cognito_calls() == actions_on(template, spec.name, pool), spec.name


def test_scan_only_where_a_grant_says_scan(template: dict[str, Any]) -> None:
    for spec in catalog.FUNCTIONS:
        scans = any(g.scan for g in spec.grants)
        assert ("dynamodb:Scan" in actions_on(template, spec.name)) is scans, spec.name


# --- edge ------------------------------------------------------------------------------------


def test_rest_api_has_a_waf_with_managed_rules_and_per_ip_rate_limits(template: dict[str, Any]) -> None:
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in props["Rules"]}
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    # Its 8 KB body cap would refuse bodies the API takes (up to max_body_bytes, 16 KB): counted only.
    common = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    assert Settings.__dataclass_fields__["max_body_bytes"].default > 8 * 1024
    per_ip = rules["PerIp"]["Statement"]["RateBasedStatement"]
    auth = rules["AuthPerIp"]["Statement"]["RateBasedStatement"]
    assert per_ip["AggregateKeyType"] == auth["AggregateKeyType"] == "IP"
    assert auth["Limit"] < per_ip["Limit"]
    assert "ScopeDownStatement" not in per_ip
    prefixes = {
        s["ByteMatchStatement"]["SearchString"] for s in auth["ScopeDownStatement"]["OrStatement"]["Statements"]
    }
    assert prefixes == {"/auth/", "/dev/auth/"}
    assert rules["AuthPerIp"]["Action"] == rules["PerIp"]["Action"] == {"Block": {}}

    (association,) = resources(template, "AWS::WAFv2::WebACLAssociation").values()
    stage = logical_id(template, "RestApiDeploymentStagedev", "AWS::ApiGateway::Stage")
    assert stage in json.dumps(association["Properties"]["ResourceArn"])
    (waf_logging,) = resources(template, "AWS::WAFv2::LoggingConfiguration").values()
    assert "aws-waf-logs-" in json.dumps(waf_logging["Properties"]["LogDestinationConfigs"])


# --- logging ---------------------------------------------------------------------------------


def test_rest_and_websocket_stages_write_json_access_logs(template: dict[str, Any]) -> None:
    (rest,) = resources(template, "AWS::ApiGateway::Stage").values()
    rest_format = json.loads(rest["Properties"]["AccessLogSetting"]["Format"])
    assert {"requestId", "ip", "status", "path", "latency"} <= set(rest_format)
    assert rest["Properties"]["MethodSettings"][0]["LoggingLevel"] == "ERROR"
    assert rest["Properties"]["MethodSettings"][0]["DataTraceEnabled"] is False
    (ws,) = resources(template, "AWS::ApiGatewayV2::Stage").values()
    ws_format = json.loads(ws["Properties"]["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "eventType", "connectionId", "status"} <= set(ws_format)
    # One account-level API Gateway role, kept when the stack goes; the WebSocket stage waits for it.
    (account,) = resources(template, "AWS::ApiGateway::Account")
    assert template["Resources"][account]["DeletionPolicy"] == "Retain"
    assert account in ws["DependsOn"]


def test_every_log_group_has_retention_and_every_function_its_own_group(
    template: dict[str, Any], function_logs_template: dict[str, Any]
) -> None:
    groups = resources(template, "AWS::Logs::LogGroup")
    nested_groups = resources(function_logs_template, "AWS::Logs::LogGroup")
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in [*groups.values(), *nested_groups.values()])
    functions = resources(template, "AWS::Lambda::Function")
    written_to = [id(log_group_of(template, function_logs_template, logical)) for logical in functions]
    assert len(set(written_to)) == len(functions), "two functions share a log group"
    # The nested stack holds nothing but the catalog functions' groups, and each one is used.
    assert len(nested_groups) == len(function_logs_template["Resources"])
    assert {id(g) for g in nested_groups.values()} <= set(written_to)
    names = json.dumps([g["Properties"].get("LogGroupName") for g in groups.values()])
    assert "API-Gateway-Execution-Logs_" in names


def test_vpc_flow_logs_go_to_a_log_group(template: dict[str, Any]) -> None:
    (flow,) = resources(template, "AWS::EC2::FlowLog").values()
    assert flow["Properties"]["TrafficType"] == "ALL"
    assert flow["Properties"]["LogGroupName"]["Ref"] in resources(template, "AWS::Logs::LogGroup")


def test_kinesis_keeps_records_seven_days(template: dict[str, Any]) -> None:
    for spec in catalog.KINESIS_STREAMS:
        assert template["Resources"][stream_id(template, spec.name)]["Properties"]["RetentionPeriodHours"] == 168
