"""Every AWS command the redrive sends: the on-failure queue (SQS), the streams the on-failure
records point into (Kinesis, DynamoDB Streams), and the consumer functions (Lambda Invoke)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from warbler.redrive.records import dynamodb_event_record, kinesis_event_record
from warbler.settings import get_settings

# A stream read that finds nothing this many times in a row has reached the end of what exists.
_EMPTY_READS = 5
_MAX_READS = 200


@dataclass(frozen=True)
class QueuedFailure:
    message_id: str
    receipt_handle: str
    body: str
    receive_count: int


@dataclass(frozen=True)
class Invocation:
    function_error: str | None  # Lambda's X-Amz-Function-Error ("Unhandled"), None on success
    payload: Any


class RedriveStore:
    def __init__(self, sqs: Any = None, kinesis: Any = None, streams: Any = None, lambda_: Any = None) -> None:
        s = get_settings()
        self._queue_url = s.require("stream_failures_queue_url")
        region = s.aws_region
        # The invoke waits for a consumer that may itself wait on a slow dependency.
        invoke_config = Config(read_timeout=900, retries={"max_attempts": 0})
        self._sqs = sqs or boto3.client("sqs", region_name=region)
        self._kinesis = kinesis or boto3.client("kinesis", region_name=region)
        self._streams = streams or boto3.client("dynamodbstreams", region_name=region)
        self._lambda = lambda_ or boto3.client("lambda", region_name=region, config=invoke_config)
        self._region = region

    # -- the queue --

    def receive(self, visibility_seconds: int, max_messages: int = 10) -> list[QueuedFailure]:
        """Up to ``max_messages`` on-failure records, hidden from other readers for a while."""
        reply = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=max_messages,
            VisibilityTimeout=visibility_seconds,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            QueuedFailure(
                m["MessageId"],
                m["ReceiptHandle"],
                m["Body"],
                int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            )
            for m in reply.get("Messages", [])
        ]

    def release(self, message: QueuedFailure, after_seconds: int = 0) -> None:
        """Visible again after ``after_seconds`` (not after the whole visibility timeout)."""
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=message.receipt_handle, VisibilityTimeout=after_seconds
        )

    def delete(self, message: QueuedFailure) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message.receipt_handle)

    # -- the streams --

    def kinesis_records(self, stream_arn: str, shard_id: str, first: str, last: str) -> list[dict]:
        """The Kinesis event records ``first``..``last`` (sequence numbers, inclusive) of a shard."""
        name = stream_arn.rsplit("/", 1)[-1]
        iterator = self._kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=first
        )["ShardIterator"]
        raw = self._read(lambda it: self._kinesis.get_records(ShardIterator=it, Limit=1000), iterator, last)
        return [
            kinesis_event_record(
                r, shard_id=shard_id, stream_arn=stream_arn, region=self._region, invoke_identity_arn=""
            )
            for r in raw
        ]

    def dynamodb_records(self, stream_arn: str, shard_id: str, first: str, last: str) -> list[dict]:
        """The DynamoDB stream event records ``first``..``last`` (inclusive) of a shard."""
        iterator = self._streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=first
        )["ShardIterator"]
        raw = self._read(lambda it: self._streams.get_records(ShardIterator=it, Limit=1000), iterator, last)
        return [dynamodb_event_record(r, stream_arn=stream_arn, region=self._region) for r in raw]

    @staticmethod
    def _read(get_records: Any, iterator: str | None, last: str) -> list[dict]:
        out: list[dict] = []
        empty = 0
        for _ in range(_MAX_READS):
            if iterator is None or empty >= _EMPTY_READS:
                break
            reply = get_records(iterator)
            records = reply.get("Records", [])
            empty = 0 if records else empty + 1
            for record in records:
                if int(_sequence(record)) > int(last):
                    return out
                out.append(record)
            iterator = reply.get("NextShardIterator")
        return out

    # -- the consumers --

    def invoke(self, function_arn: str, event: dict) -> Invocation:
        reply = self._lambda.invoke(
            FunctionName=function_arn, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
        )
        body = reply["Payload"].read()
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = body.decode(errors="replace")
        return Invocation(reply.get("FunctionError"), payload)


def _sequence(record: dict) -> str:
    return str(record["SequenceNumber"] if "SequenceNumber" in record else record["dynamodb"]["SequenceNumber"])
