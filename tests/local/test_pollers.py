"""The event-source-mapping pollers, on real moto streams, driving recording test handlers."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from infra import catalog
from infra.local.bootstrap import Resources, aws_client
from infra.local.functions import FunctionRegistry
from infra.local.pollers import Pollers, Schedules
from tests.support import wait_until


class Recorder:
    """A stream handler that records each batch and answers with ``respond(records)``."""

    def __init__(self, respond: Callable[[list[dict]], object] | None = None) -> None:
        self.batches: list[list[dict]] = []
        self.respond = respond or (lambda records: None)
        self.lock = threading.Lock()

    def __call__(self, event, context):
        with self.lock:
            self.batches.append(event["Records"])
        return self.respond(event["Records"])

    @property
    def payloads(self) -> list[str]:
        return [base64.b64decode(r["kinesis"]["data"]).decode() for batch in self.batches for r in batch]


@pytest.fixture
def aws(moto_server: str):
    """Fresh, uniquely named streams, tables and on-failure queue per test."""

    class Aws:
        endpoint = moto_server
        kinesis = aws_client("kinesis", moto_server)
        ddb = aws_client("dynamodb", moto_server)
        sqs = aws_client("sqs", moto_server)
        suffix = uuid.uuid4().hex[:8]
        queue_url = sqs.create_queue(QueueName=f"failures-{suffix}")["QueueUrl"]
        resources = Resources(env={}, dlq_url=queue_url)

        def kinesis_stream(self, logical: str, shards: int = 1) -> str:
            name = f"{logical}-{self.suffix}"
            self.kinesis.create_stream(StreamName=name, ShardCount=shards)
            self.resources.stream_names[logical] = name
            arn = self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
            self.resources.kinesis_arns[logical] = arn
            return name

        def table(self, logical: str) -> str:
            name = f"{logical}-{self.suffix}"
            self.ddb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )
            self.resources.table_stream_arns[logical] = self.ddb.describe_table(TableName=name)["Table"][
                "LatestStreamArn"
            ]
            return name

        def failures(self) -> list[dict]:
            msgs = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            return [json.loads(m["Body"]) for m in msgs]

    return Aws()


@pytest.fixture
def run_pollers(aws) -> Iterator[Callable[..., Pollers]]:
    started: list[Pollers] = []

    def run(functions, handlers) -> Pollers:
        registry = FunctionRegistry(functions, handlers)
        pollers = Pollers(registry, aws.resources, aws.endpoint, retry_backoff=0.0).start()
        started.append(pollers)
        return pollers

    yield run
    for pollers in started:
        pollers.stop()


def put_all(aws, stream: str, payloads: list[str], key: str = "k") -> list[str]:
    return [
        aws.kinesis.put_record(StreamName=stream, Data=p.encode(), PartitionKey=key)["SequenceNumber"] for p in payloads
    ]


def test_dynamodb_stream_records_arrive_in_order_with_lambda_shape(aws, run_pollers):
    table = aws.table("things")
    handler = Recorder()
    pollers = run_pollers(
        [catalog.Function("on_things", "t", streams=(catalog.StreamSource("dynamodb", "things"),))],
        {"on_things": handler},
    )

    aws.ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    aws.ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    aws.ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    pollers.wait_idle(10)

    records = [r for batch in handler.batches for r in batch]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    first, modify = records[0], records[1]
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"] == aws.resources.table_stream_arns["things"]
    assert first["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert first["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert modify["dynamodb"]["OldImage"]["v"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    json.dumps(records)  # the event must be plain JSON, as Lambda delivers it


def test_kinesis_records_are_batched_up_to_batch_size(aws, run_pollers):
    stream = aws.kinesis_stream("events")
    put_all(aws, stream, [f"m{i}" for i in range(7)])
    handler = Recorder()
    source = catalog.StreamSource("kinesis", "events", batch_size=3)
    pollers = run_pollers([catalog.Function("consumer", "t", streams=(source,))], {"consumer": handler})

    pollers.wait_idle(10)

    assert [len(b) for b in handler.batches] == [3, 3, 1]
    assert handler.payloads == [f"m{i}" for i in range(7)]
    record = handler.batches[0][0]
    assert record["eventSource"] == "aws:kinesis"
    assert record["eventID"] == f"shardId-000000000000:{record['kinesis']['sequenceNumber']}"
    assert record["eventSourceARN"] == aws.resources.kinesis_arns["events"]
    assert record["kinesis"]["partitionKey"] == "k" and record["kinesis"]["kinesisSchemaVersion"] == "1.0"


def test_batch_item_failures_retry_from_the_first_failed_record(aws, run_pollers):
    stream = aws.kinesis_stream("events")
    seqs = put_all(aws, stream, ["a", "b", "c", "d"])
    failed_once: list[str] = []

    def fail_c_once(records):
        for r in records:
            if base64.b64decode(r["kinesis"]["data"]) == b"c" and not failed_once:
                failed_once.append(r["kinesis"]["sequenceNumber"])
                return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]}]}
        return {"batchItemFailures": []}

    handler = Recorder(fail_c_once)
    pollers = run_pollers(
        [catalog.Function("consumer", "t", streams=(catalog.StreamSource("kinesis", "events"),))], {"consumer": handler}
    )
    pollers.wait_idle(10)

    assert handler.payloads == ["a", "b", "c", "d", "c", "d"]  # a and b are not redelivered
    assert handler.batches[1][0]["kinesis"]["sequenceNumber"] == seqs[2]
    assert aws.failures() == []


def test_function_error_bisects_and_sends_the_poison_record_to_the_on_failure_queue(aws, run_pollers):
    stream = aws.kinesis_stream("events")
    seqs = put_all(aws, stream, ["ok1", "ok2", "poison", "ok3"])

    def explode_on_poison(records):
        if any(base64.b64decode(r["kinesis"]["data"]) == b"poison" for r in records):
            raise ValueError("cannot digest")

    handler = Recorder(explode_on_poison)
    source = catalog.StreamSource("kinesis", "events", retry_attempts=2, bisect_on_error=True)
    pollers = run_pollers([catalog.Function("consumer", "t", streams=(source,))], {"consumer": handler})
    pollers.wait_idle(10)

    sizes_and_first = [(len(b), base64.b64decode(b[0]["kinesis"]["data"]).decode()) for b in handler.batches]
    # [all 4] fails -> [ok1 ok2] ok, [poison ok3] fails -> [poison] x3 (1 + 2 retries) -> [ok3]
    assert sizes_and_first == [
        (4, "ok1"),
        (2, "ok1"),
        (2, "poison"),
        (1, "poison"),
        (1, "poison"),
        (1, "poison"),
        (1, "ok3"),
    ]
    [failure] = wait_until(aws.failures, timeout=5)
    info = failure["KinesisBatchInfo"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == seqs[2]
    assert info["shardId"] == "shardId-000000000000" and info["batchSize"] == 1
    assert info["streamArn"] == aws.resources.kinesis_arns["events"]


def test_without_bisect_the_whole_batch_is_retried_then_given_up(aws, run_pollers):
    stream = aws.kinesis_stream("events")
    seqs = put_all(aws, stream, ["x", "y"])

    def always_fail(records):
        raise RuntimeError("down")

    handler = Recorder(always_fail)
    source = catalog.StreamSource("kinesis", "events", retry_attempts=1, bisect_on_error=False)
    pollers = run_pollers([catalog.Function("consumer", "t", streams=(source,))], {"consumer": handler})
    pollers.wait_idle(10)

    assert [len(b) for b in handler.batches] == [2, 2]
    [failure] = wait_until(aws.failures, timeout=5)
    assert (failure["KinesisBatchInfo"]["startSequenceNumber"], failure["KinesisBatchInfo"]["endSequenceNumber"]) == (
        seqs[0],
        seqs[1],
    )


def test_records_older_than_max_record_age_go_to_the_on_failure_queue_unprocessed(aws, run_pollers):
    table = aws.table("things")
    aws.ddb.put_item(TableName=table, Item={"pk": {"S": "old"}})
    handler = Recorder()
    source = catalog.StreamSource("dynamodb", "things", max_record_age_seconds=0)
    pollers = run_pollers([catalog.Function("consumer", "t", streams=(source,))], {"consumer": handler})
    pollers.wait_idle(10)

    assert handler.batches == []
    [failure] = wait_until(aws.failures, timeout=5)
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["DDBStreamBatchInfo"]["streamArn"] == aws.resources.table_stream_arns["things"]


def test_shards_are_consumed_in_parallel_each_in_order(aws, run_pollers):
    stream = aws.kinesis_stream("events", shards=2)
    for key in ("alpha", "beta", "gamma", "delta"):
        put_all(aws, stream, [f"{key}:{i}" for i in range(5)], key=key)
    handler = Recorder()
    source = catalog.StreamSource("kinesis", "events", batch_size=2)
    pollers = run_pollers([catalog.Function("consumer", "t", streams=(source,))], {"consumer": handler})
    pollers.wait_idle(10)

    by_key: dict[str, list[int]] = {}
    for payload in handler.payloads:
        key, index = payload.split(":")
        by_key.setdefault(key, []).append(int(index))
    assert by_key == {k: list(range(5)) for k in ("alpha", "beta", "gamma", "delta")}
    shards = {r["eventID"].split(":")[0] for b in handler.batches for r in b}
    assert len(shards) == 2


def test_wait_idle_covers_a_chain_table_stream_to_kinesis_to_function(aws, run_pollers):
    table = aws.table("things")
    stream = aws.kinesis_stream("events")
    downstream = Recorder()

    def forward(records):
        for r in records:
            aws.kinesis.put_record(StreamName=stream, Data=r["dynamodb"]["Keys"]["pk"]["S"].encode(), PartitionKey="p")

    functions = [
        catalog.Function("planner", "t", streams=(catalog.StreamSource("dynamodb", "things"),)),
        catalog.Function("worker", "t", streams=(catalog.StreamSource("kinesis", "events"),)),
    ]
    pollers = run_pollers(functions, {"planner": Recorder(forward), "worker": downstream})
    pollers.wait_idle(10)  # started and drained

    for i in range(3):
        aws.ddb.put_item(TableName=table, Item={"pk": {"S": f"item{i}"}})
    pollers.wait_idle(10)

    assert downstream.payloads == ["item0", "item1", "item2"]


def test_schedules_invoke_with_a_scheduled_event():
    events: list[dict] = []
    registry = FunctionRegistry(
        [catalog.Function("cron", "t", schedules=(catalog.Schedule(rate_minutes=5),))],
        {"cron": lambda event, context: events.append(event)},
    )
    schedules = Schedules(registry, period_override=0.05).start()
    try:
        wait_until(lambda: len(events) >= 2, timeout=5)
    finally:
        schedules.stop()
    assert events[0]["detail-type"] == "Scheduled Event" and events[0]["source"] == "aws.events"
    assert events[0]["resources"][0].startswith("arn:aws:events:")
