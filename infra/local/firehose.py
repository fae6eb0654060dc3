"""Kinesis Data Firehose's source side, played locally: Kinesis stream → moto's Firehose → moto's S3.

On AWS a delivery stream with ``KinesisStreamAsSource`` reads the stream itself, extracts the day
from each record (dynamic partitioning, ``partitionKeyFromQuery:dt``), appends a newline, gzips
and writes ``<prefix>dt=YYYY-MM-DD/<object>.gz`` (``infra/cdk/analytics.py``). moto's Firehose
stores a delivery stream with a Kinesis source but never reads it, does not evaluate prefix
expressions (it writes ``<Prefix>YYYY/MM/DD/HH/<name>`` by arrival time), does not compress and
does not append delimiters. So for each catalog ``DeliveryStream`` the stack runs a stream mapping
(the same poller as Lambda's, ``infra.local.pollers``) whose handler does the part moto lacks:

* groups the batch by day (the first ten characters of ``partition_field``, as the CDK's jq query);
* points the delivery stream at that day's partition (``UpdateDestination`` of its ``Prefix``),
  then puts the day's records as one gzip member of newline-delimited JSON with
  ``PutRecordBatch``: moto concatenates the batch, and concatenated gzip members are one valid
  gzip file, so the object is what Firehose writes, one folder level deeper;
* records without a usable day go to ``<error_prefix>partitioning-failed/`` (Firehose's
  ``!{firehose:error-output-type}``), so nothing is silently dropped.

One lock per delivery stream: the prefix switch and the put must not interleave.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import re
import threading
from typing import Any

from infra import catalog
from infra.local.bootstrap import Resources, aws_client, delivery_stream_name
from infra.local.functions import FunctionRegistry
from infra.local.pollers import Pollers

log = logging.getLogger(__name__)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def source_function_name(stream: catalog.DeliveryStream) -> str:
    return f"firehose_{stream.name}"


class FirehoseSource:
    """The handler of one delivery stream's local source mapping."""

    def __init__(self, spec: catalog.DeliveryStream, aws_endpoint: str, stage: str = "local") -> None:
        self.spec = spec
        self.name = delivery_stream_name(spec, stage)
        self._firehose = aws_client("firehose", aws_endpoint)
        self._lock = threading.Lock()
        self.delivered = 0

    def partition(self, data: bytes) -> str | None:
        """The record's day, or None when it cannot be partitioned (not JSON, no ISO time)."""
        try:
            value = json.loads(data).get(self.spec.partition_field)
        except (ValueError, AttributeError):
            return None
        day = value[:10] if isinstance(value, str) else ""
        return day if _DAY.fullmatch(day) else None

    def __call__(self, event: dict, _context: Any) -> dict:
        by_prefix: dict[str, list[bytes]] = {}
        for record in event["Records"]:
            data = base64.b64decode(record["kinesis"]["data"])
            day = self.partition(data)
            prefix = f"{self.spec.prefix}dt={day}/" if day else f"{self.spec.error_prefix}partitioning-failed/"
            by_prefix.setdefault(prefix, []).append(data.rstrip(b"\n") + b"\n")
        with self._lock:
            for prefix, lines in by_prefix.items():
                self._deliver(prefix, gzip.compress(b"".join(lines)))
                self.delivered += len(lines)
        # Any failure raised above fails the batch: the mapping retries it (Firehose's own retry).
        return {"batchItemFailures": []}

    def _deliver(self, prefix: str, body: bytes) -> None:
        description = self._firehose.describe_delivery_stream(DeliveryStreamName=self.name)["DeliveryStreamDescription"]
        destination = description["Destinations"][0]
        if destination["ExtendedS3DestinationDescription"].get("Prefix") != prefix:
            self._firehose.update_destination(
                DeliveryStreamName=self.name,
                CurrentDeliveryStreamVersionId=description["VersionId"],
                DestinationId=destination["DestinationId"],
                ExtendedS3DestinationUpdate={"Prefix": prefix},
            )
        result = self._firehose.put_record_batch(DeliveryStreamName=self.name, Records=[{"Data": body}])
        if result.get("FailedPutCount"):
            raise RuntimeError(f"Firehose {self.name} refused a record: {result}")


def source_pollers(aws_endpoint: str, res: Resources) -> tuple[Pollers, dict[str, FirehoseSource]]:
    """A stream mapping per delivery stream, reading its Kinesis source from the start."""
    sources = {source_function_name(s): FirehoseSource(s, aws_endpoint) for s in catalog.DELIVERY_STREAMS}
    functions = [
        catalog.Function(
            source_function_name(s),
            f"local Firehose source of {s.name}",
            streams=(catalog.StreamSource("kinesis", s.source, batch_size=500),),
        )
        for s in catalog.DELIVERY_STREAMS
    ]
    registry = FunctionRegistry(functions, handlers=sources)
    return Pollers(registry, res, aws_endpoint), sources
