"""Log retention everywhere, including the log groups CDK's own constructs would leave to Lambda.

A Lambda function without ``LoggingConfig.LogGroup`` writes to ``/aws/lambda/<name>``, which
Lambda creates on first use with no retention and which the stack does not own. Custom-resource
providers (the VPC's default-security-group restriction, the ``cr.Provider`` framework,
``AwsCustomResource``) and whatever constructs other modules add create such functions. The
``OwnLogGroups`` aspect gives every one of them a stack-owned group with the stage's retention,
and sets the retention on any log group created without one.
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, NestedStack, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
}


def retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"log retention {days} days is not one CloudWatch Logs offers: {sorted(_RETENTION)}")
    return _RETENTION[days]


class FunctionLogGroups(NestedStack):
    """Every catalog function's log group, with the stage's retention. The groups take no input
    from the parent (CloudFormation names them), so this stack depends on nothing and deploys
    first: a function never runs before its group exists (Lambda would create an unowned one)."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str, days: int) -> None:
        super().__init__(scope, construct_id, description=f"Warbler function log groups ({stage})")
        self._days = days
        retention(days)

    def group_for(self, function_name: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            function_name,
            retention=retention(self._days),
            removal_policy=RemovalPolicy.DESTROY,
        )


@jsii.implements(IAspect)
class OwnLogGroups:
    def __init__(self, days: int) -> None:
        self._days = days
        retention(days)  # fail early on an impossible value

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, logs.CfnLogGroup):
            if node.retention_in_days is None:
                node.retention_in_days = self._days
            return
        if not isinstance(node, CfnResource) or node.cfn_resource_type != "AWS::Lambda::Function":
            return
        if isinstance(node, lambda_.CfnFunction) and getattr(node.logging_config, "log_group", None):
            return
        group = logs.LogGroup(
            node.node.scope,  # type: ignore[arg-type]
            f"{node.node.id}LogGroup",
            retention=retention(self._days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        # An override merges with any LoggingConfig already set (log format, levels), and works on
        # custom-resource providers' raw AWS::Lambda::Function resources too.
        node.add_property_override("LoggingConfig.LogGroup", group.log_group_name)
