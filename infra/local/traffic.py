"""Synthetic activity traffic for the trends tests and benchmark: events as the activity
publisher writes them, and the Kinesis and schedule shapes they travel in. Shared by tests/ and
bench/, hence here."""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

_sequence = itertools.count(49590338271490256608559692538361571095921575989136588898)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def activity(
    actor: str, at: datetime, hashtags: Iterable[str] = (), text: str = "", kind: str = "post", **extra
) -> dict:
    tags = list(hashtags)
    return {
        "event_id": uuid.uuid4().hex,
        "type": kind,
        "actor_id": actor,
        "at": iso(at),
        "tweet_id": str(2124487665738072064 + next(_sequence) % 10**9),
        "hashtags": tags,
        "mentions": [],
        "text": text or " ".join(f"#{t}" for t in tags),
        **extra,
    }


def spread(start: datetime, minutes: float, count: int) -> Iterator[datetime]:
    """``count`` moments evenly over ``minutes`` from ``start``."""
    for i in range(count):
        yield start + timedelta(minutes=minutes * i / max(count, 1))


def kinesis_event(events: Iterable[dict], stream_arn: str = "arn:aws:kinesis:us-east-1:123456789012:stream/activity"):
    """A Lambda Kinesis event carrying ``events`` as records, in order."""
    records = []
    for e in events:
        seq = str(next(_sequence))
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": str(e.get("actor_id", "-")),
                    "sequenceNumber": seq,
                    "data": base64.b64encode(json.dumps(e).encode()).decode(),
                    "approximateArrivalTimestamp": 1795352290.5,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:{seq}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/warbler-trends-aggregator",
                "awsRegion": "us-east-1",
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": records}


def scheduled_event(at: datetime) -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/warbler-local-trends_ranker-schedule"],
        "detail": {},
    }
