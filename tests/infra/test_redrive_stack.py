"""The redrive's wiring: it consumes the on-failure queue and may invoke exactly the stream
consumers (whose parked records it replays through them)."""

from __future__ import annotations

from typing import Any

from cfn import actions_on, function_id, function_props, resources

from infra import catalog
from infra.cdk.config import env_name


def _queues(template: dict[str, Any]) -> tuple[str, str]:
    """(the on-failure queue, the dead queue it moves given-up records to)."""
    queues = resources(template, "AWS::SQS::Queue")
    (source,) = [q for q in queues if "RedrivePolicy" in template["Resources"][q]["Properties"]]
    (dead,) = [q for q in queues if q != source]
    return source, dead


def test_the_redrive_consumes_the_on_failure_queue(template: dict[str, Any]) -> None:
    queue, _ = _queues(template)
    env = function_props(template, "redrive")["Environment"]["Variables"]
    assert env[env_name("stream_failures_queue_url")] == {"Ref": queue}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions_on(template, "redrive", queue)


def test_a_record_received_too_often_moves_to_the_dead_queue_and_is_alarmed(template: dict[str, Any]) -> None:
    queue, dead = _queues(template)
    policy = template["Resources"][queue]["Properties"]["RedrivePolicy"]
    assert policy["maxReceiveCount"] == catalog.REDRIVE_MAX_RECEIVES
    assert policy["deadLetterTargetArn"] == {"Fn::GetAtt": [dead, "Arn"]}


def test_the_redrive_may_invoke_every_stream_consumer_and_nothing_else(template: dict[str, Any]) -> None:
    invocable = {
        f.name
        for f in catalog.FUNCTIONS
        if "lambda:InvokeFunction" in actions_on(template, "redrive", function_id(template, f.name))
    }
    assert invocable == {f.name for f in catalog.FUNCTIONS if f.streams}


def test_the_dead_queue_pages_someone(monitoring_template: dict[str, Any]) -> None:
    alarms = [
        r["Properties"]
        for r in monitoring_template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and "redrive gave up" in r["Properties"].get("AlarmDescription", "")
    ]
    (alarm,) = alarms
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Threshold"] == 1
    assert alarm["AlarmActions"], "the alarm notifies"
