"""Kinesis producer. PutRecords is not atomic: failed entries are retried with backoff until
all are in, or the call fails as a whole and the caller's stream batch is retried (consumers are
idempotent, so a partial first attempt never duplicates an effect)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence

import boto3

from warbler.settings import get_settings

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024  # PutRecords' limit, data and partition keys together
_ATTEMPTS = 6
_local = threading.local()


class KinesisPutFailed(Exception):
    pass


def _client():
    if getattr(_local, "client", None) is None:
        _local.client = boto3.client("kinesis", region_name=get_settings().aws_region)
    return _local.client


def put_json(stream_name: str, records: Sequence[tuple[str, dict]]) -> None:
    """Put (partition key, JSON document) pairs, in order per partition key."""
    call: list[dict] = []
    size = 0
    for key, doc in records:
        data = json.dumps(doc, separators=(",", ":")).encode()
        entry = {"PartitionKey": key, "Data": data}
        entry_size = len(data) + len(key.encode())
        if call and (len(call) == MAX_RECORDS_PER_CALL or size + entry_size > MAX_BYTES_PER_CALL):
            _put_all(stream_name, call)
            call, size = [], 0
        call.append(entry)
        size += entry_size
    if call:
        _put_all(stream_name, call)


def _put_all(stream_name: str, entries: list[dict]) -> None:
    pending = entries
    for attempt in range(_ATTEMPTS):
        result = _client().put_records(StreamName=stream_name, Records=pending)
        if not result.get("FailedRecordCount"):
            return
        pending = [entry for entry, outcome in zip(pending, result["Records"], strict=False) if "ErrorCode" in outcome]
        time.sleep(min(0.05 * 2**attempt, 1.0))  # throughput exceeded: back off before retrying
    raise KinesisPutFailed(f"{len(pending)} records still failing after {_ATTEMPTS} attempts")
