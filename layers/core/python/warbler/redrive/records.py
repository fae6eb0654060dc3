"""The records a Lambda event source mapping hands a function, built from ``GetRecords`` output.

One builder per stream kind, used by the redrive (which re-reads what an on-failure record names)
and by the local emulator's pollers (which play the mapping itself), so both deliver exactly the
shape the stream consumers parse.
"""

from __future__ import annotations

import base64
import time
from datetime import datetime
from typing import Any


def epoch_seconds(value: Any) -> float:
    """boto3 gives datetimes; a raw JSON reply gives epoch seconds."""
    return value.timestamp() if isinstance(value, datetime) else float(value)


def kinesis_event_record(
    raw: dict[str, Any], *, shard_id: str, stream_arn: str, region: str, invoke_identity_arn: str
) -> dict[str, Any]:
    """One ``Records`` element of a Kinesis event, from a ``kinesis.get_records`` record."""
    seq = raw["SequenceNumber"]
    data = raw["Data"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": raw["PartitionKey"],
            "sequenceNumber": seq,
            "data": base64.b64encode(data if isinstance(data, bytes) else str(data).encode()).decode(),
            "approximateArrivalTimestamp": epoch_seconds(raw["ApproximateArrivalTimestamp"]),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{seq}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": invoke_identity_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def dynamodb_event_record(raw: dict[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """One ``Records`` element of a DynamoDB stream event, from a ``dynamodbstreams.get_records``
    record (``ApproximateCreationDateTime`` as epoch seconds, as Lambda sends it)."""
    ddb = dict(raw["dynamodb"])
    ddb["ApproximateCreationDateTime"] = int(epoch_seconds(ddb.get("ApproximateCreationDateTime", time.time())))
    event = {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion", region),
        "dynamodb": ddb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in raw:  # TTL deletions say who deleted
        event["userIdentity"] = raw["userIdentity"]
    return event
