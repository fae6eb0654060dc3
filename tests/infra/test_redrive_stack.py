"""The redrive's wiring: it consumes the on-failure queue and may invoke exactly the stream
consumers (whose parked records it replays through them)."""

from __future__ import annotations

from typing import Any

from cfn import actions_on, function_id, function_props, resources

from infra import catalog
from infra.cdk.config import env_name


def test_the_redrive_consumes_the_on_failure_queue(template: dict[str, Any]) -> None:
    (queue,) = resources(template, "AWS::SQS::Queue")
    env = function_props(template, "redrive")["Environment"]["Variables"]
    assert env[env_name("stream_failures_queue_url")] == {"Ref": queue}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= actions_on(template, "redrive", queue)


def test_the_redrive_may_invoke_every_stream_consumer_and_nothing_else(template: dict[str, Any]) -> None:
    invocable = {
        f.name
        for f in catalog.FUNCTIONS
        if "lambda:InvokeFunction" in actions_on(template, "redrive", function_id(template, f.name))
    }
    assert invocable == {f.name for f in catalog.FUNCTIONS if f.streams}
