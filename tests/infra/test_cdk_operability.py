"""Alarms reach someone and watch rates; the dashboard is generated from the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cfn import function_id, logical_id, resources

from infra import catalog
from infra.cdk.config import DeployConfig
from infra.cdk.naming import pascal
from infra.cdk.stack import WarblerStack


def _alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metric stats an alarm reads, whether a plain metric or a math expression."""
    if "MetricName" in alarm:
        return [
            {
                "MetricName": alarm["MetricName"],
                "Dimensions": alarm.get("Dimensions", []),
                "Namespace": alarm["Namespace"],
            }
        ]
    return [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]


def _expression(alarm: dict[str, Any]) -> str:
    return next((m["Expression"] for m in alarm.get("Metrics", []) if "Expression" in m), "")


def _ref(construct_path: str) -> str:
    """How the nested stack names a parent resource: its parameter ``referencetoWarblerdev<path>...``."""
    return f'"referencetoWarblerdev{construct_path}'


def _watching(template: dict[str, Any], metric: str, needle: str | None = None) -> list[dict[str, Any]]:
    found = []
    for alarm in _alarms(template):
        for m in _metrics(alarm):
            if m["MetricName"] == metric and (needle is None or needle in json.dumps(m.get("Dimensions"))):
                found.append(alarm)
                break
    return found


def test_every_alarm_notifies_the_topic_which_has_a_subscriber_in_prod(
    prod_monitoring_template: dict[str, Any],
) -> None:
    topic = logical_id(prod_monitoring_template, "AlarmsTopic", "AWS::SNS::Topic")
    assert all({"Ref": topic} in a["AlarmActions"] for a in _alarms(prod_monitoring_template))
    (subscription,) = resources(prod_monitoring_template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "oncall@example.com"


def test_alarms_live_in_a_nested_stack_keeping_the_stack_under_500_resources(template: dict[str, Any]) -> None:
    nested = [k for k in resources(template, "AWS::CloudFormation::Stack") if k.startswith("MonitoringNestedStack")]
    assert len(nested) == 1
    assert not resources(template, "AWS::CloudWatch::Alarm")
    assert len(template["Resources"]) < 500


def test_a_prod_synth_without_a_subscriber_fails(tmp_path: Path) -> None:
    app = cdk.App(context={"stage": "prod"}, outdir=str(tmp_path))
    with pytest.raises(ValueError, match="alarm_email"):
        WarblerStack(app, "Unwatched", config=DeployConfig.from_context(app.node.try_get_context))


@pytest.mark.parametrize("name", [f.name for f in catalog.FUNCTIONS])
def test_function_alarms_are_error_and_throttle_rates(monitoring_template: dict[str, Any], name: str) -> None:
    fn = _ref(f"{pascal(name)}Function")
    errors = _watching(monitoring_template, "Errors", fn)
    throttles = _watching(monitoring_template, "Throttles", fn)
    assert len(errors) == 1 and "errors / MAX([invocations, 1])" in _expression(errors[0])
    assert len(throttles) == 1 and "throttles / MAX([invocations + throttles, 1])" in _expression(throttles[0])
    assert errors[0]["Threshold"] == 1  # percent
    assert bool(_watching(monitoring_template, "IteratorAge", fn)) is bool(catalog.function(name).streams)


def test_api_dynamodb_and_kinesis_alarms(monitoring_template: dict[str, Any]) -> None:
    alarms = monitoring_template
    (five_xx,) = _watching(alarms, "5XXError")
    assert five_xx["Statistic"] == "Average" and five_xx["Threshold"] == 0.01
    (latency,) = _watching(alarms, "Latency")
    assert latency["ExtendedStatistic"] == "p99"
    for table in catalog.TABLES:
        (alarm,) = _watching(alarms, "ReadThrottleEvents", _ref(f"Data{pascal(table.name)}Table"))
        assert "PERIOD" in _expression(alarm)  # per second, not a count
    for stream in catalog.KINESIS_STREAMS:
        logical = _ref(f"Data{pascal(stream.name)}Stream")
        (throttled,) = _watching(alarms, "WriteProvisionedThroughputExceeded", logical)
        assert throttled["Statistic"] == "Average" and throttled["Threshold"] < 1
        assert _watching(alarms, "GetRecords.IteratorAgeMilliseconds", logical)


def test_redis_opensearch_and_dlq_alarms(template: dict[str, Any], monitoring_template: dict[str, Any]) -> None:
    alarms = monitoring_template
    (group,) = resources(template, "AWS::ElastiCache::ReplicationGroup").values()
    nodes = 2 * 2  # shards x (1 primary + 1 replica)
    for metric in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"):
        (alarm,) = _watching(alarms, metric)
        assert len(_metrics(alarm)) == nodes and _expression(alarm).startswith("MAX(")
        ids = {d["Value"] for m in _metrics(alarm) for d in m["Dimensions"]}
        assert all(i.startswith(group["Properties"]["ReplicationGroupId"] + "-000") for i in ids)
    assert _watching(alarms, "ClusterStatus.red") and _watching(alarms, "ClusterStatus.yellow")
    (storage,) = _watching(alarms, "FreeStorageSpace")
    assert storage["ComparisonOperator"] == "LessThanThreshold" and storage["Threshold"] == 20 * 1024 / 4
    (dlq,) = _watching(alarms, "ApproximateAgeOfOldestMessage")
    assert dlq["Threshold"] == 900


def test_dashboard_has_a_widget_per_function_and_the_hot_paths(monitoring_template: dict[str, Any]) -> None:
    (dashboard,) = resources(monitoring_template, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for spec in catalog.FUNCTIONS:
        assert f'\\"title\\":\\"{spec.name}\\"' in body, spec.name
    for consumer in (f for f in catalog.FUNCTIONS if f.streams):
        assert f'\\"label\\":\\"{consumer.name}\\"' in body
    assert "TimelineDeliveries" in body and "/timelines/home" in body and "IteratorAge" in body


@pytest.mark.parametrize("stage", ["deployment_templates", "prod_deployment_templates"])
def test_every_template_of_the_deployment_stays_under_500_resources(stage: str, request: pytest.FixtureRequest) -> None:
    templates: dict[str, dict[str, Any]] = request.getfixturevalue(stage)
    counts = {name: len(t["Resources"]) for name, t in templates.items()}
    assert max(counts.values()) < 500, counts
    # The catalog functions' log groups are nested: the parent keeps headroom for routes and functions.
    stack = templates["stack"]
    for spec in catalog.FUNCTIONS:
        group = stack["Resources"][function_id(stack, spec.name)]["Properties"]["LoggingConfig"]["LogGroup"]
        assert group["Fn::GetAtt"][0].startswith("FunctionLogsNestedStack"), (spec.name, group)
