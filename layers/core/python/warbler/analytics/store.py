"""Every AWS command of analytics: the lake and report objects in S3, the report mail in SES, and
Athena queries. No rule lives here: which days to read, what to write and whom to mail are decided
in ``warbler.analytics.report``.

Lake layout (written by the Firehose delivery stream, ``infra.catalog.DELIVERY_STREAMS``):
``activity/dt=YYYY-MM-DD/<object>``, each object gzip-compressed newline-delimited JSON. Locally
moto's Firehose adds its own ``YYYY/MM/DD/HH/`` folders under the partition and no ``.gz``
suffix, so objects are found by listing the partition prefix and recognised as gzip by their
magic bytes, not their names.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from warbler.analytics.lake import LAKE_PREFIX, PARTITION_COLUMN
from warbler.settings import get_settings

REPORTS_PREFIX = "reports/"
GZIP_MAGIC = b"\x1f\x8b"
_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"})


def _client(service: str):
    return boto3.client(service, region_name=get_settings().aws_region, config=_CONFIG)


def segments_key(day: date) -> str:
    """The segmenter's snapshot of the segment counts at the start of ``day`` (JSON)."""
    return f"{REPORTS_PREFIX}segments/{day.isoformat()}.json"


def partition_prefix(day: date) -> str:
    return f"{LAKE_PREFIX}{PARTITION_COLUMN}={day.isoformat()}/"


class LakeStore:
    """The analytics bucket: lake partitions in, report objects out."""

    def __init__(self, s3=None, bucket: str | None = None) -> None:
        self._s3 = s3 or _client("s3")
        self.bucket = bucket or get_settings().analytics_bucket

    def partition_keys(self, day: date) -> list[str]:
        """Every object of one day's partition (recursively: moto nests folders under it)."""
        keys: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=partition_prefix(day)
        ):
            keys += [o["Key"] for o in page.get("Contents", []) if o["Size"] > 0]
        return keys

    def download(self, key: str, to: Path) -> Path:
        """Copy one lake object to ``to``; return the path (named ``.json.gz`` or ``.json``)."""
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        path = to.with_suffix(".json.gz" if body[:2] == GZIP_MAGIC else ".json")
        path.write_bytes(body)
        return path

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None

    def link(self, key: str, seconds: int) -> str:
        """A presigned GET of a report object (valid for ``seconds``, or the signer's session)."""
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )


class MailStore:
    """SES: one message with an HTML and a text part."""

    def __init__(self, ses=None) -> None:
        self._ses = ses or _client("ses")

    def send(self, sender: str, recipients: Sequence[str], subject: str, text: str, html: str) -> str:
        result = self._ses.send_email(
            Source=sender,
            Destination={"ToAddresses": list(recipients)},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}},
            },
        )
        return result["MessageId"]


class AthenaStore:
    """Runs one query in the workgroup (which holds the result bucket) and returns typed rows."""

    _NUMERIC = {"bigint": int, "integer": int, "smallint": int, "tinyint": int, "double": float, "float": float}

    def __init__(self, athena=None, workgroup: str | None = None, database: str | None = None) -> None:
        s = get_settings()
        self._athena = athena or _client("athena")
        self.workgroup = workgroup or s.athena_workgroup
        self.database = database or s.athena_database

    def query(self, sql: str, timeout_seconds: float = 600.0, poll_seconds: float = 0.5) -> list[dict[str, Any]]:
        execution = self._athena.start_query_execution(
            QueryString=sql, QueryExecutionContext={"Database": self.database}, WorkGroup=self.workgroup
        )["QueryExecutionId"]
        deadline = time.monotonic() + timeout_seconds
        while True:
            status = self._athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"]["Status"]
            if status["State"] == "SUCCEEDED":
                break
            if status["State"] in {"FAILED", "CANCELLED"}:
                raise RuntimeError(f"Athena query {execution} {status['State']}: {status.get('StateChangeReason', '')}")
            if time.monotonic() > deadline:
                self._athena.stop_query_execution(QueryExecutionId=execution)
                raise TimeoutError(f"Athena query {execution} still running after {timeout_seconds} s")
            time.sleep(poll_seconds)
        return list(self._rows(execution))

    def _rows(self, execution: str) -> Iterator[dict[str, Any]]:
        columns: list[tuple[str, str]] = []
        first = True
        for page in self._athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution):
            result = page["ResultSet"]
            if not columns:
                columns = [(c["Name"], c["Type"]) for c in result["ResultSetMetadata"]["ColumnInfo"]]
            rows = result["Rows"]
            if first:
                rows, first = rows[1:], False  # the header row
            for row in rows:
                yield {
                    name: self._value(kind, cell.get("VarCharValue"))
                    for (name, kind), cell in zip(columns, row["Data"], strict=True)
                }

    def _value(self, kind: str, raw: str | None) -> Any:
        if raw is None:
            return None
        convert = self._NUMERIC.get(kind)
        return convert(raw) if convert else raw
