"""Lambda's event source mappings, played locally: stream pollers and scheduled rules.

For every ``StreamSource`` of every catalog ``Function`` a ``StreamMapping`` reads the DynamoDB
stream or Kinesis stream in moto and invokes the function with real event shapes, with the
semantics of a mapping that has ``ReportBatchItemFailures`` enabled:

* one consumer thread per shard: records of a shard are delivered in order, shards in parallel
  (a child shard starts once its parent is drained, as Lambda does after a split);
* batches of at most ``batch_size``, gathered for up to ``max_batching_window_seconds``;
* ``{"batchItemFailures": [{"itemIdentifier": seq}]}`` -> retry from the first failed record;
* a function error -> split the batch in two (``bisect_on_error``), a single record is retried;
* at most ``retry_attempts`` retries, records older than ``max_record_age_seconds`` are dropped;
  what is given up on is described in an on-failure record sent to the SQS queue
  ``catalog.DLQ_NAME`` (the shape Lambda sends: ``requestContext`` + ``KinesisBatchInfo`` or
  ``DDBStreamBatchInfo``) and the shard moves on.

``parallelization_factor`` is not emulated: one batch per shard at a time, which is the strict
form of the per-partition-key ordering Lambda guarantees with a higher factor.

``Pollers.wait_idle`` lets tests wait for the whole pipeline (table stream -> function ->
Kinesis -> function) to drain instead of sleeping.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra import catalog
from infra.local.bootstrap import ACCOUNT_ID, REGION, Resources, aws_client
from infra.local.functions import FunctionRegistry
from infra.local.wakeups import Wakeups
from warbler.redrive.records import dynamodb_event_record, kinesis_event_record

log = logging.getLogger(__name__)

SCHEDULE_OVERRIDE_ENV = "WARBLER_LOCAL_SCHEDULE_SECONDS"


@dataclass
class Record:
    sequence: str
    arrival: float  # epoch seconds, for max record age and the on-failure record
    event: dict[str, Any]  # the element of ``event["Records"]`` the function receives


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- the two kinds of stream ----------------------------------------------------------------


class DynamoDBStream:
    kind = "dynamodb"
    batch_info_key = "DDBStreamBatchInfo"

    def __init__(self, endpoint: str, arn: str) -> None:
        self.arn = arn
        self._client = aws_client("dynamodbstreams", endpoint)

    def shards(self) -> list[tuple[str, str | None]]:
        shards, kwargs = [], {"StreamArn": self.arn}
        while True:
            desc = self._client.describe_stream(**kwargs)["StreamDescription"]
            shards += [(s["ShardId"], s.get("ParentShardId")) for s in desc.get("Shards", [])]
            last = desc.get("LastEvaluatedShardId")
            if not last:
                return shards
            kwargs["ExclusiveStartShardId"] = last

    def iterator(self, shard_id: str, position: str, after: str | None = None) -> str:
        kwargs = {"StreamArn": self.arn, "ShardId": shard_id, "ShardIteratorType": position}
        if after is not None:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        return self._client.get_shard_iterator(**kwargs)["ShardIterator"]

    def read(self, shard_id: str, iterator: str, limit: int) -> tuple[list[Record], str | None]:
        resp = self._client.get_records(ShardIterator=iterator, Limit=min(limit, 1000))
        records = []
        for raw in resp.get("Records", []):
            event = dynamodb_event_record(raw, stream_arn=self.arn, region=REGION)
            ddb = event["dynamodb"]
            records.append(Record(ddb["SequenceNumber"], float(ddb["ApproximateCreationDateTime"]), event))
        return records, resp.get("NextShardIterator")


class KinesisStream:
    kind = "kinesis"
    batch_info_key = "KinesisBatchInfo"

    def __init__(self, endpoint: str, name: str, arn: str, function_name: str) -> None:
        self.name, self.arn = name, arn
        self._role = f"arn:aws:iam::{ACCOUNT_ID}:role/warbler-local-{function_name}"
        self._client = aws_client("kinesis", endpoint)

    def shards(self) -> list[tuple[str, str | None]]:
        shards, kwargs = [], {"StreamName": self.name}
        while True:
            resp = self._client.list_shards(**kwargs)
            shards += [(s["ShardId"], s.get("ParentShardId")) for s in resp.get("Shards", [])]
            if not resp.get("NextToken"):
                return shards
            kwargs = {"NextToken": resp["NextToken"]}

    def iterator(self, shard_id: str, position: str, after: str | None = None) -> str:
        kwargs = {"StreamName": self.name, "ShardId": shard_id, "ShardIteratorType": position}
        if after is not None:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        return self._client.get_shard_iterator(**kwargs)["ShardIterator"]

    def read(self, shard_id: str, iterator: str, limit: int) -> tuple[list[Record], str | None]:
        resp = self._client.get_records(ShardIterator=iterator, Limit=min(limit, 10_000))
        records = []
        for raw in resp.get("Records", []):
            event = kinesis_event_record(
                raw, shard_id=shard_id, stream_arn=self.arn, region=REGION, invoke_identity_arn=self._role
            )
            records.append(Record(raw["SequenceNumber"], event["kinesis"]["approximateArrivalTimestamp"], event))
        return records, resp.get("NextShardIterator")


# -- one shard ----------------------------------------------------------------------------


class ShardConsumer:
    """Reads one shard in order and hands batches to its mapping."""

    def __init__(self, mapping: StreamMapping, shard_id: str, parent: ShardConsumer | None, position: str):
        self.mapping, self.shard_id, self.parent, self.position = mapping, shard_id, parent, position
        self.finished = threading.Event()  # the shard is closed and fully delivered
        # For wait_idle: busy while records are buffered or being delivered; an idle poll is a
        # get_records that found nothing with nothing pending, stamped with when it started.
        self.busy = False
        self.last_idle_poll_started = 0.0
        self._thread = threading.Thread(target=self._run, name=f"poll-{mapping.function}-{shard_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        stop = self.mapping.stopping
        if self.parent is not None:
            while not self.parent.finished.wait(0.05):  # a child shard waits for its parent
                self.last_idle_poll_started = time.monotonic()
                if stop.is_set():
                    return
        try:
            self._consume(stop)
        except Exception:
            log.exception("poller for %s on %s stopped", self.mapping.function, self.shard_id)

    def _consume(self, stop: threading.Event) -> None:
        stream, source = self.mapping.stream, self.mapping.source
        iterator: str | None = stream.iterator(self.shard_id, self.position)
        last_seq: str | None = None
        buffer: list[Record] = []
        window_started = 0.0
        wakeups = self.mapping.wakeups
        idle_for = wakeups.floor
        while not stop.is_set():
            poll_started = time.monotonic()
            seen = wakeups.count  # a wake-up during this read makes the next one at once
            try:
                records, next_iterator = stream.read(self.shard_id, iterator, source.batch_size)
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "ExpiredIteratorException":
                    iterator = stream.iterator(self.shard_id, self.position, after=last_seq)
                    continue
                log.warning("get_records on %s failed: %s", self.shard_id, exc)
                stop.wait(0.5)
                continue
            except BotoCoreError as exc:  # moto unreachable: keep trying, like Lambda would
                if not stop.is_set():
                    log.warning("get_records on %s failed: %s", self.shard_id, exc)
                stop.wait(0.5)
                continue
            if records:
                self.busy = True
                idle_for = wakeups.floor
                self.mapping.note_activity()
                last_seq = records[-1].sequence
                if not buffer:
                    window_started = poll_started
                buffer += records
            iterator = next_iterator
            closed = iterator is None

            window_open = time.monotonic() - window_started < source.max_batching_window_seconds
            if buffer and (closed or len(buffer) >= source.batch_size or not window_open):
                while buffer and not stop.is_set():
                    batch, buffer = buffer[: source.batch_size], buffer[source.batch_size :]
                    self.mapping.deliver(self.shard_id, batch)
                continue  # read again at once: there may be more behind this batch
            if closed:
                break
            if buffer:
                stop.wait(0.01)  # inside a batching window
                continue
            self.last_idle_poll_started = poll_started
            self.busy = False
            wakeups.wait(poll_started, idle_for, seen)
            idle_for = wakeups.next_sleep(idle_for)
        if closed_cleanly := not stop.is_set():
            log.info("shard %s of %s is closed and drained", self.shard_id, self.mapping.label)
        self.busy = False
        if closed_cleanly:
            self.finished.set()


# -- one event source mapping -------------------------------------------------------------


def _resource(source: catalog.StreamSource) -> str:
    """The grant resource a stream source reads: its table's stream or its Kinesis stream."""
    return f"{'table' if source.kind == 'dynamodb' else 'stream'}:{source.source}"


def _written(function: catalog.Function) -> frozenset[str]:
    """The tables and streams ``function`` may write (its grants: on AWS it can write no other)."""
    return frozenset(g.resource for g in function.grants if g.access in ("write", "readwrite"))


class StreamMapping:
    """One ``StreamSource`` of one function: its shards, batches, retries and on-failure queue."""

    def __init__(
        self,
        pollers: Pollers,
        function: str,
        source: catalog.StreamSource,
        stream: DynamoDBStream | KinesisStream,
        starting_position: str,
    ) -> None:
        self.pollers, self.function, self.source, self.stream = pollers, function, source, stream
        self.registry = pollers.registry
        self.stopping = pollers.stopping
        self.idle_sleep = pollers.idle_sleep
        self.starting_position = starting_position
        self.label = f"{source.kind}:{source.source}->{function}"
        self.consumers: dict[str, ShardConsumer] = {}
        self.wakeups = pollers.wakeups_of(source)

    def note_activity(self) -> None:
        self.pollers.note_activity()

    def discover(self, initial: bool) -> None:
        """Start a consumer for every shard not seen before (new shards start at their beginning)."""
        for shard_id, parent_id in self.stream.shards():
            if shard_id in self.consumers:
                continue
            parent = self.consumers.get(parent_id) if parent_id else None
            position = self.starting_position if initial and parent is None else "TRIM_HORIZON"
            consumer = ShardConsumer(self, shard_id, parent, position)
            self.consumers[shard_id] = consumer
            consumer.start()

    # -- delivery with Lambda's retry semantics --

    def deliver(self, shard_id: str, records: list[Record], attempts: int = 0) -> None:
        retries = self.source.retry_attempts  # -1 means retry until the records expire
        while records and not self.stopping.is_set():
            records = self._drop_expired(shard_id, records, attempts)
            if not records:
                return
            outcome, failed_from = self._invoke(records)
            if outcome == "ok":
                return
            if outcome == "error" and self.source.bisect_on_error and len(records) > 1:
                # Splitting does not count as a retry; each half gets its own chance, in order.
                half = len(records) // 2
                self.deliver(shard_id, records[:half], attempts)
                self.deliver(shard_id, records[half:], attempts)
                return
            if outcome == "partial":
                records = records[failed_from:]  # everything before the first failure is done
            attempts += 1
            if 0 <= retries < attempts:
                self._on_failure(shard_id, records, "RetryAttemptsExhausted", attempts)
                return
            self.stopping.wait(self.pollers.retry_backoff * attempts)

    def _invoke(self, records: list[Record]) -> tuple[str, int]:
        """("ok" | "partial" | "error", index of the first failed record)."""
        event = {"Records": [r.event for r in records]}
        try:
            response = self.registry.invoke(self.function, event)
        except Exception:
            log.exception("%s failed on a batch of %d from %s", self.function, len(records), self.label)
            return "error", 0
        failures = response.get("batchItemFailures") if isinstance(response, dict) else None
        if not failures:
            return "ok", 0
        positions = {r.sequence: i for i, r in enumerate(records)}
        try:
            failed = [positions[str(f["itemIdentifier"])] for f in failures]
        except (KeyError, TypeError):
            # Lambda treats an unknown or empty itemIdentifier as a failure of the whole batch.
            log.error("%s returned invalid batchItemFailures %r", self.function, failures)
            return "error", 0
        return "partial", min(failed)

    def _drop_expired(self, shard_id: str, records: list[Record], attempts: int) -> list[Record]:
        max_age = self.source.max_record_age_seconds
        if max_age < 0:
            return records
        oldest_allowed = time.time() - max_age
        expired = [r for r in records if r.arrival < oldest_allowed]
        if expired:
            self._on_failure(shard_id, expired, "RecordAgeExceeded", attempts)
        return [r for r in records if r.arrival >= oldest_allowed]

    def _on_failure(self, shard_id: str, records: list[Record], condition: str, attempts: int) -> None:
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function}",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": _iso(time.time()),
            self.stream.batch_info_key: {
                "shardId": shard_id,
                "startSequenceNumber": records[0].sequence,
                "endSequenceNumber": records[-1].sequence,
                "approximateArrivalOfFirstRecord": _iso(records[0].arrival),
                "approximateArrivalOfLastRecord": _iso(records[-1].arrival),
                "batchSize": len(records),
                "streamArn": self.stream.arn,
            },
        }
        log.error(
            "%s gave up on %d records of %s (%s); on-failure record sent",
            self.function,
            len(records),
            shard_id,
            condition,
        )
        self.pollers.send_on_failure(message)


# -- all mappings -------------------------------------------------------------------------


class Pollers:
    """Every stream mapping of the registry's functions, with ``wait_idle`` for tests."""

    def __init__(
        self,
        registry: FunctionRegistry,
        resources: Resources,
        aws_endpoint: str,
        *,
        starting_position: str | None = "TRIM_HORIZON",
        idle_sleep: float = 0.05,
        max_idle_sleep: float = 1.0,
        retry_backoff: float = 0.05,
        discovery_interval: float = 5.0,
    ) -> None:
        """``starting_position`` overrides the catalog's at startup (None keeps the catalog's):
        locally the tables are created by us moments before, so nothing written is skipped.

        An idle shard is read again after ``idle_sleep``, backing off to ``max_idle_sleep``, and
        soon after any function of the registry has run (``infra.local.wakeups``)."""
        self.registry = registry
        self.idle_sleep, self.retry_backoff, self.discovery_interval = idle_sleep, retry_backoff, discovery_interval
        self.stopping = threading.Event()
        self.idle_sleep, self.max_idle_sleep = idle_sleep, max_idle_sleep
        # One set of wake-ups per table or stream, rung only by a function granted to write to
        # it: waking every shard of every stream after each invocation made each invocation a
        # burst of some forty reads at moto, which the next hop's read queued behind.
        self._wakeups: dict[str, Wakeups] = {}
        self._writes = {f.name: _written(f) for f in registry.functions}
        registry.after_invoke.append(self._woken_by)
        self._activity = 0
        self.parked = 0  # on-failure records sent (the drills report them)
        self._activity_lock = threading.Lock()
        self._dlq_url = resources.dlq_url
        self._sqs = aws_client("sqs", aws_endpoint) if resources.dlq_url else None
        self._discovery: threading.Thread | None = None
        self.mappings: list[StreamMapping] = []
        for function in registry.functions:
            for source in function.streams:
                if source.kind == "dynamodb":
                    stream: DynamoDBStream | KinesisStream = DynamoDBStream(
                        aws_endpoint, resources.table_stream_arns[source.source]
                    )
                else:
                    stream = KinesisStream(
                        aws_endpoint,
                        resources.stream_names[source.source],
                        resources.kinesis_arns[source.source],
                        function.name,
                    )
                position = starting_position or source.starting_position
                self.mappings.append(StreamMapping(self, function.name, source, stream, position))

    def wakeups_of(self, source: catalog.StreamSource) -> Wakeups:
        key = _resource(source)
        if key not in self._wakeups:
            self._wakeups[key] = Wakeups(self.idle_sleep, self.max_idle_sleep, self.stopping)
        return self._wakeups[key]

    def _woken_by(self, function: str) -> None:
        written = self._writes.get(function)
        if written is None:  # not a catalog function: it may have written anything
            self.wake_all()
            return
        for key in written:
            if key in self._wakeups:
                self._wakeups[key].wake()

    def wake_all(self) -> None:
        for wakeups in list(self._wakeups.values()):
            wakeups.wake()

    def start(self) -> Pollers:
        for mapping in self.mappings:
            mapping.discover(initial=True)
        self._discovery = threading.Thread(target=self._discover_forever, name="poll-discovery", daemon=True)
        self._discovery.start()
        return self

    def _discover_forever(self) -> None:
        while not self.stopping.wait(self.discovery_interval):
            for mapping in self.mappings:
                try:
                    mapping.discover(initial=False)
                except Exception:
                    log.exception("shard discovery failed for %s", mapping.label)

    def stop(self) -> None:
        self.stopping.set()
        self.wake_all()
        for consumer in self.consumers():
            consumer.join(5)
        if self._discovery is not None:
            self._discovery.join(5)

    def consumers(self) -> list[ShardConsumer]:
        return [c for m in self.mappings for c in list(m.consumers.values())]

    def note_activity(self) -> None:
        with self._activity_lock:
            self._activity += 1

    def send_on_failure(self, message: dict) -> None:
        self.parked += 1
        if self._sqs is None:
            log.error("no on-failure queue; dropped: %s", json.dumps(message))
            return
        self._sqs.send_message(QueueUrl=self._dlq_url, MessageBody=json.dumps(message))

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Return once every shard is drained and no function is running a batch.

        Idle means: at the start of a round no consumer is busy; during the round every consumer
        completes a get_records that started after the round began and found nothing; and no
        consumer fetched anything meanwhile. A batch whose function writes to another stream
        keeps its consumer busy until the write is done, so chains of mappings drain too.
        Raises ``TimeoutError`` naming the busy shards.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            round_started = time.monotonic()
            self.wake_all()  # idle shards read now, not after their backed-off sleep
            activity = self._activity
            consumers = self.consumers()
            if any(c.busy for c in consumers):
                time.sleep(0.01)
                continue
            while time.monotonic() < deadline:
                pending = [c for c in consumers if not c.finished.is_set() and c.last_idle_poll_started < round_started]
                if not pending or self._activity != activity:
                    break
                time.sleep(0.01)
            if self._activity == activity and len(self.consumers()) == len(consumers) and not pending:
                return
        busy = [f"{c.mapping.label}/{c.shard_id}" for c in self.consumers() if c.busy]
        raise TimeoutError(f"pollers not idle after {timeout} s; busy: {busy or 'none (still polling)'}")


# -- schedules ----------------------------------------------------------------------------


def scheduled_event(function: str, region: str = REGION) -> dict[str, Any]:
    """What an EventBridge rate rule delivers."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/warbler-local-{function}-schedule"],
        "detail": {},
    }


_DOW = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}


def _cron_field(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The values one EventBridge cron field allows: ``*``/``?``, ``a``, ``a-b``, ``*/n``, ``a/n``, lists."""
    allowed: set[int] = set()
    for part in field.upper().split(","):
        for name, number in (names or {}).items():
            part = part.replace(name, str(number))
        base, _, step = part.partition("/")
        if base in {"*", "?"}:
            first, last = low, high
        elif "-" in base:
            first, last = (int(x) for x in base.split("-"))
        else:
            first = int(base)
            last = high if step else first
        allowed.update(range(first, last + 1, int(step or 1)))
    return allowed


def next_cron_time(cron: str, after: datetime) -> datetime:
    """The first minute strictly after ``after`` (UTC) that an EventBridge cron expression fires.
    (EventBridge's ``L``, ``W`` and ``#`` are not supported: the catalog uses none.)"""
    minute, hour, dom, month, dow, year = cron.split()
    minutes, hours = _cron_field(minute, 0, 59), _cron_field(hour, 0, 23)
    days, months = _cron_field(dom, 1, 31), _cron_field(month, 1, 12, _MONTHS)
    weekdays, years = _cron_field(dow, 1, 7, _DOW), _cron_field(year, 1970, 2199)
    moment = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24 * 60 * 5):
        weekday = moment.isoweekday() % 7 + 1  # EventBridge: 1 = Sunday
        if moment.year in years and moment.month in months and moment.day in days and weekday in weekdays:
            if moment.hour in hours and moment.minute in minutes:
                return moment
            moment += timedelta(minutes=1)
        else:
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
    raise ValueError(f"cron({cron}) never fires")


class Schedules:
    """One timer thread per catalog ``Schedule``: a rate rule every period, a cron rule at its next
    UTC time (with that time as the event's ``time``). ``WARBLER_LOCAL_SCHEDULE_SECONDS`` overrides
    every schedule with a period so a job can be watched locally (first run after one period, as AWS)."""

    def __init__(self, registry: FunctionRegistry, period_override: float | None = None) -> None:
        self.registry = registry
        if period_override is None and os.environ.get(SCHEDULE_OVERRIDE_ENV):
            period_override = float(os.environ[SCHEDULE_OVERRIDE_ENV])
        self.stopping = threading.Event()
        self._jobs: list[tuple[str, float | None, str | None]] = []
        for f in registry.functions:
            for s in f.schedules:
                if period_override or s.rate_minutes is not None:
                    self._jobs.append((f.name, period_override or float(s.rate_minutes or 0) * 60.0, None))
                else:
                    self._jobs.append((f.name, None, s.cron))
        self._threads: list[threading.Thread] = []
        self.runs: dict[str, int] = {name: 0 for name, _, _ in self._jobs}

    def start(self) -> Schedules:
        for name, period, cron in self._jobs:
            target, arg = (self._run_cron, cron) if cron else (self._run, period)
            thread = threading.Thread(target=target, args=(name, arg), name=f"schedule-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _invoke(self, name: str, event: dict[str, Any]) -> None:
        try:
            self.registry.invoke(name, event)
        except Exception:
            log.exception("scheduled run of %s failed", name)
        self.runs[name] += 1

    def _run(self, name: str, period: float) -> None:
        next_run = time.monotonic() + period
        while not self.stopping.wait(max(0.0, next_run - time.monotonic())):
            next_run += period
            self._invoke(name, scheduled_event(name))

    def _run_cron(self, name: str, cron: str) -> None:
        while True:
            fire_at = next_cron_time(cron, datetime.now(UTC))
            if self.stopping.wait(max(0.0, (fire_at - datetime.now(UTC)).total_seconds())):
                return
            event = scheduled_event(name)
            event["time"] = fire_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            self._invoke(name, event)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(5)
