"""WAF in front of the REST API: AWS's common and known-bad-inputs rule groups, a per-IP rate
limit, and a tighter one on ``/auth/*`` (sign-up and login are what credential stuffing hits).
The common rule set skips the routes that take a file (``not_file_uploads``).

WAF cannot be associated with API Gateway WebSocket APIs (only REST APIs, ALBs, AppSync,
CloudFront, Cognito and App Runner), so the WebSocket API relies on its stage throttle and on
``$connect`` refusing any connection without a valid Cognito ID token.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import catalog
from infra.cdk.config import DeployConfig
from infra.cdk.log_groups import retention

WAF = wafv2.CfnWebACL


def _visibility(name: str) -> WAF.VisibilityConfigProperty:
    return WAF.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


# The common rule set blocks any body over 8 KB; the API takes up to ``Settings.max_body_bytes``
# (16 KB: a 280-character tweet with its media ids is far below, a full profile edit is not) and
# answers a larger one itself with a 413 in the error envelope. So that one rule only counts.
COUNTED_COMMON_RULES = ("SizeRestrictions_BODY",)


def _managed(
    priority: int, name: str, scope_down: WAF.StatementProperty | None = None, counted: tuple[str, ...] = ()
) -> WAF.RuleProperty:
    overrides = [
        WAF.RuleActionOverrideProperty(name=rule, action_to_use=WAF.RuleActionProperty(count={})) for rule in counted
    ]
    return WAF.RuleProperty(
        name=name,
        priority=priority,
        override_action=WAF.OverrideActionProperty(none={}),
        statement=WAF.StatementProperty(
            managed_rule_group_statement=WAF.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name, scope_down_statement=scope_down, rule_action_overrides=overrides or None
            )
        ),
        visibility_config=_visibility(name),
    )


def _path_match(constraint: str, value: str) -> WAF.StatementProperty:
    return WAF.StatementProperty(
        byte_match_statement=WAF.ByteMatchStatementProperty(
            field_to_match=WAF.FieldToMatchProperty(uri_path={}),
            positional_constraint=constraint,
            search_string=value,
            text_transformations=[WAF.TextTransformationProperty(priority=0, type="LOWERCASE")],
        )
    )


def _path_starts_with(prefix: str) -> WAF.StatementProperty:
    return _path_match("STARTS_WITH", prefix)


def not_file_uploads() -> WAF.StatementProperty | None:
    """Every request but those to a catalog route that ``takes_file``: the common rule set's body
    rules (8 KB size cap, XSS/LFI patterns) would block an image's bytes; the function checks
    those bodies itself (size, multipart, the file's real type). Paths end the same with or
    without the stage prefix."""
    paths = sorted({r.path.lower() for f in catalog.FUNCTIONS for r in f.routes if r.takes_file})
    if not paths:
        return None
    uploads = [_path_match("ENDS_WITH", p) for p in paths]
    either = (
        uploads[0]
        if len(uploads) == 1
        else WAF.StatementProperty(or_statement=WAF.OrStatementProperty(statements=uploads))
    )
    return WAF.StatementProperty(not_statement=WAF.NotStatementProperty(statement=either))


def _rate(priority: int, name: str, limit: int, scope_down: WAF.StatementProperty | None = None) -> WAF.RuleProperty:
    return WAF.RuleProperty(
        name=name,
        priority=priority,
        action=WAF.RuleActionProperty(block={}),
        statement=WAF.StatementProperty(
            rate_based_statement=WAF.RateBasedStatementProperty(
                aggregate_key_type="IP", limit=limit, evaluation_window_sec=300, scope_down_statement=scope_down
            )
        ),
        visibility_config=_visibility(name),
    )


class RestWaf(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, api: apigw.RestApi, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        # The path WAF sees includes the stage on the execute-api hostname (/prod/auth/login)
        # and not on a custom domain (/auth/login): match both.
        auth_paths = WAF.StatementProperty(
            or_statement=WAF.OrStatementProperty(
                statements=[_path_starts_with("/auth/"), _path_starts_with(f"/{config.stage.lower()}/auth/")]
            )
        )
        self.acl = WAF(
            self,
            "WebAcl",
            name=f"warbler-{config.stage}-rest",
            scope="REGIONAL",
            default_action=WAF.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"warbler-{config.stage}-rest"),
            rules=[
                _rate(0, "AuthPerIp", config.waf_auth_limit_per_5min, auth_paths),
                _rate(1, "PerIp", config.waf_limit_per_5min),
                _managed(2, "AWSManagedRulesCommonRuleSet", not_file_uploads(), COUNTED_COMMON_RULES),
                _managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=self.acl.attr_arn
        )
        # WAF requires the aws-waf-logs- prefix on a CloudWatch destination.
        name = f"aws-waf-logs-{Stack.of(self).stack_name}".lower()
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=name,
            retention=retention(config.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        # WAF wants the group's ARN without the ":*" the LogGroup construct's ARN ends with.
        arn = Stack.of(self).format_arn(
            service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        logging = wafv2.CfnLoggingConfiguration(
            self, "Logging", resource_arn=self.acl.attr_arn, log_destination_configs=[arn]
        )
        logging.node.add_dependency(log_group)
