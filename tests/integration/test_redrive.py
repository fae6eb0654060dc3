"""A fan-out record the worker gives up on while Redis is frozen is applied by the redrive once
Redis answers: the reader's home timeline gets the tweet, once, and the on-failure record is gone."""

from __future__ import annotations

import json
import os
import signal

import boto3

from infra import catalog
from infra.local.bootstrap import aws_client
from infra.local.pollers import scheduled_event
from tests.support import wait_until


def parked_by(local_stack, function: str) -> list[dict]:
    """The on-failure records ``function`` left in the queue (peeked: no visibility timeout)."""
    sqs = aws_client("sqs", local_stack.aws_endpoint)
    reply = sqs.receive_message(
        QueueUrl=local_stack.resources.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
    )
    bodies = [json.loads(m["Body"]) for m in reply.get("Messages", [])]
    return [b for b in bodies if b["requestContext"]["functionArn"].endswith(f":{function}")]


def test_a_fanout_record_parked_during_a_redis_stall_is_applied_by_the_redrive(local_stack, api, redis_server):
    author, reader = api.signup(), api.signup()
    tweet = author.post("a tweet whose delivery to the reader is lost")
    local_stack.wait_idle(30)
    assert reader.home_ids() == []  # an active reader: the timeline exists, so no rebuild on read
    # The record the planner would put for the reader (as if the reader were in the audience).
    chunk = {"op": "add", "entry": tweet["id"], "author_id": author.id, "followers": [reader.id]}
    kinesis = boto3.client("kinesis", endpoint_url=local_stack.aws_endpoint, region_name="us-east-1")

    pid = redis_server._process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        kinesis.put_record(
            StreamName=local_stack.env["WARBLER_FANOUT_STREAM"], PartitionKey=reader.id, Data=json.dumps(chunk)
        )
        wait_until(lambda: parked_by(local_stack, "fanout_worker"), timeout=60, interval=0.5)
    finally:
        os.kill(pid, signal.SIGCONT)
    local_stack.wait_idle(60)
    assert reader.home_ids() == [], "the record was applied without the redrive"

    result = local_stack.invoke("redrive", scheduled_event("redrive"))

    assert result["functions"].get("fanout_worker", 0) >= 1
    assert result["still_failing"] == 0 and result["lost"] == 0
    assert reader.home_ids() == [tweet["id"]]
    assert not parked_by(local_stack, "fanout_worker")


def test_a_record_no_replay_applies_is_given_up_after_the_queues_receive_limit(local_stack, api):
    """A parked record that fails every replay is not replayed forever: after the queue's
    maxReceiveCount (catalog.REDRIVE_MAX_RECEIVES, lowered here so the test is short) SQS moves it
    to the dead queue, where the RedriveGaveUp alarm watches it (tests/infra/test_redrive_stack.py)."""
    author, reader = api.signup(), api.signup()
    poison = {"op": "add", "entry": "x" * 19 + ":" + "1" * 19, "author_id": author.id, "followers": [reader.id]}
    kinesis = boto3.client("kinesis", endpoint_url=local_stack.aws_endpoint, region_name="us-east-1")
    sqs = aws_client("sqs", local_stack.aws_endpoint)
    queue, dead = local_stack.resources.dlq_url, local_stack.resources.dead_url
    policy = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert json.loads(policy)["maxReceiveCount"] == catalog.REDRIVE_MAX_RECEIVES
    sqs.set_queue_attributes(
        QueueUrl=queue, Attributes={"RedrivePolicy": json.dumps({**json.loads(policy), "maxReceiveCount": 3})}
    )
    try:
        put = kinesis.put_record(
            StreamName=local_stack.env["WARBLER_FANOUT_STREAM"], PartitionKey=reader.id, Data=json.dumps(poison)
        )
        # The worker refuses the malformed entry on every retry; the mapping parks it.
        parked = wait_until(lambda: _parked_holding(local_stack, put["SequenceNumber"]), timeout=60, interval=0.5)
        runs = 0
        while _parked_holding(local_stack, put["SequenceNumber"]):
            result = local_stack.invoke("redrive", scheduled_event("redrive"))
            assert result["batches"] == 0, "a poison record was taken"
            runs += 1
            assert runs <= 6, "still replayed after the receive limit"
    finally:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": policy})

    given_up = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0)
    bodies = [m["Body"] for m in given_up.get("Messages", [])]
    assert parked["Body"] in bodies


def _parked_holding(local_stack, sequence: str) -> dict | None:
    """The on-failure message (peeked, which SQS counts as a receive too) whose batch starts at or spans ``sequence``, if queued."""
    sqs = aws_client("sqs", local_stack.aws_endpoint)
    reply = sqs.receive_message(
        QueueUrl=local_stack.resources.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
    )
    for message in reply.get("Messages", []):
        info = json.loads(message["Body"]).get("KinesisBatchInfo") or {}
        if info and int(info["startSequenceNumber"]) <= int(sequence) <= int(info["endSequenceNumber"]):
            return message
    return None
