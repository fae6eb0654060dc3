"""S3 event notifications, played locally: moto's buckets watched, functions invoked.

For every ``BucketSource`` of every catalog function a ``BucketWatcher`` lists the bucket under
its prefix (moto cannot notify a function running outside it) and, for each object it has not
seen at that ETag, invokes the function with the event S3 sends (``eventVersion`` 2.1, the key
URL-encoded, one record per object). Delivery follows Lambda's asynchronous invocation: an error
is retried twice, then an on-failure record goes to the shared failure queue.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from botocore.exceptions import BotoCoreError, ClientError

from infra import catalog
from infra.local.bootstrap import ACCOUNT_ID, REGION, Resources, aws_client
from infra.local.functions import FunctionRegistry
from infra.local.wakeups import Wakeups

log = logging.getLogger(__name__)

ASYNC_RETRIES = 2  # what Lambda does for an asynchronous invocation that fails


def s3_event(bucket: str, key: str, size: int, etag: str, event_name: str = "ObjectCreated:Post") -> dict[str, Any]:
    """The notification S3 delivers to Lambda for one created object."""
    now = datetime.now(UTC)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "eventName": event_name,
                "userIdentity": {"principalId": f"AWS:{ACCOUNT_ID}"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": uuid.uuid4().hex},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "warbler-local",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": ACCOUNT_ID},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag.strip('"'),
                        "sequencer": f"{time.time_ns():X}",
                    },
                },
            }
        ]
    }


class BucketWatcher:
    def __init__(
        self,
        registry: FunctionRegistry,
        function: str,
        source: catalog.BucketSource,
        bucket: str,
        endpoint: str,
        on_failure,
        stopping: threading.Event,
        wakeups: Wakeups,
    ) -> None:
        self.registry, self.function, self.source, self.bucket = registry, function, source, bucket
        self.label = f"s3:{bucket}/{source.prefix}->{function}"
        self._s3 = aws_client("s3", endpoint)
        self._on_failure = on_failure
        self._stopping = stopping
        self._wakeups = wakeups
        self._seen: dict[str, str] = {}  # key -> ETag delivered
        self.busy = False
        self.last_idle_poll_started = 0.0
        self._thread = threading.Thread(target=self._run, name=f"s3-{function}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _list(self) -> dict[str, tuple[str, int]]:
        found: dict[str, tuple[str, int]] = {}
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.source.prefix)
        for page in pages:
            for obj in page.get("Contents", []):
                found[obj["Key"]] = (obj["ETag"], int(obj["Size"]))
        return found

    def _run(self) -> None:
        idle_for = self._wakeups.floor
        while not self._stopping.is_set():
            started = time.monotonic()
            seen = self._wakeups.count
            try:
                listed = self._list()
            except (BotoCoreError, ClientError) as exc:
                if not self._stopping.is_set():
                    log.warning("listing %s failed: %s", self.label, exc)
                self._stopping.wait(0.5)
                continue
            new = [(k, e, n) for k, (e, n) in listed.items() if self._seen.get(k) != e]
            self._seen = {k: e for k, e in self._seen.items() if k in listed}
            if new:
                self.busy = True
                for key, etag, size in new:
                    self._seen[key] = etag
                    self._deliver(s3_event(self.bucket, key, size, etag))
                idle_for = self._wakeups.floor
                continue  # list again at once: delivering may have taken a while
            self.last_idle_poll_started = started
            self.busy = False
            self._wakeups.wait(started, idle_for, seen)
            idle_for = self._wakeups.next_sleep(idle_for)

    def _deliver(self, event: dict) -> None:
        for attempt in range(ASYNC_RETRIES + 1):
            try:
                self.registry.invoke(self.function, event)
                return
            except Exception:
                log.exception("%s failed (attempt %d of %d)", self.label, attempt + 1, ASYNC_RETRIES + 1)
                self._stopping.wait(0.05 * (attempt + 1))
        self._on_failure(
            {
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function}",
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": ASYNC_RETRIES + 1,
                },
                "requestPayload": event,
            }
        )


class BucketEvents:
    """Every bucket source of the registry's functions, with ``wait_idle`` for tests."""

    def __init__(
        self,
        registry: FunctionRegistry,
        resources: Resources,
        endpoint: str,
        interval: float = 0.05,
        max_interval: float = 1.0,
    ):
        """A prefix is listed again ``interval`` after finding nothing, backing off to
        ``max_interval``, and soon after any function has run (``infra.local.wakeups``)."""
        self.stopping = threading.Event()
        self.wakeups = Wakeups(interval, max_interval, self.stopping)
        registry.after_invoke.append(lambda _function: self.wakeups.wake())
        self._sqs = aws_client("sqs", endpoint) if resources.dlq_url else None
        self._dlq_url = resources.dlq_url
        self.watchers = [
            BucketWatcher(
                registry,
                f.name,
                source,
                resources.bucket_names[source.bucket],
                endpoint,
                self._send_on_failure,
                self.stopping,
                self.wakeups,
            )
            for f in registry.functions
            for source in f.bucket_sources
        ]

    def _send_on_failure(self, message: dict) -> None:
        log.error("gave up on an S3 event after %d attempts", ASYNC_RETRIES + 1)
        if self._sqs is not None:
            self._sqs.send_message(QueueUrl=self._dlq_url, MessageBody=json.dumps(message))

    def start(self) -> BucketEvents:
        for watcher in self.watchers:
            watcher.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.wakeups.wake()
        for watcher in self.watchers:
            watcher.join(5)

    def wait_idle(self, timeout: float = 10.0, fresh_poll: bool = True) -> None:
        """Return once no watcher is delivering; with ``fresh_poll``, only after each listed its
        prefix after this call and found nothing new (an upload just made has been processed)."""
        called = time.monotonic() if fresh_poll else 0.0
        deadline = time.monotonic() + timeout
        self.wakeups.wake()  # list now, not after a backed-off sleep
        while time.monotonic() < deadline:
            if all(not w.busy and w.last_idle_poll_started >= called for w in self.watchers):
                return
            time.sleep(0.01)
        raise TimeoutError(f"bucket events not idle after {timeout} s")
