"""Counting what the handlers send, per function: the measuring side of the capacity model.

The local stack runs every handler in-process, each in the thread that invokes it, so a
thread-local "current function" attributes every call that thread makes — a DynamoDB request
(with the request units it costs, from the item sizes it writes or reads), a Kinesis record, a
Redis round trip, an OpenSearch request, a WebSocket push — to the function that made it. The
probe wraps the client libraries' one send method each (botocore's ``_make_api_call``, redis-py's
``send_packed_command``, opensearch-py's ``perform_request``); it changes no behaviour and is
removed by ``uninstall``.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from infra import catalog
from infra.local.functions import FunctionRegistry

_current = threading.local()


def _function() -> str:
    return getattr(_current, "name", "") or "(driver)"


# ----------------------------------------------------------------------------- DynamoDB sizes


def attribute_bytes(value: dict) -> float:
    """The stored size of one DynamoDB-JSON attribute value (the documented sizing rules)."""
    (kind, v), = value.items()  # fmt: skip
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = str(Decimal(v).normalize()).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(base64.b64decode(v)) if isinstance(v, str) else len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(attribute_bytes({"N": n}) for n in v)
    if kind == "BS":
        return sum(attribute_bytes({"B": b}) for b in v)
    if kind == "L":
        return 3 + sum(1 + attribute_bytes(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_bytes(x) for k, x in v.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_bytes(item: dict) -> float:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


def _table(name: str) -> catalog.Table | None:
    for table in catalog.TABLES:
        if name == table.name or name.endswith("-" + table.name):
            return table
    return None


def _index_copies(table: catalog.Table | None, item: dict | None) -> int:
    """Global index copies a write to ``item`` also writes (the index's hash key is present)."""
    if table is None:
        return 0
    if item is None:
        return len(table.indexes)
    return sum(1 for index in table.indexes if index.hash_key in item)


# ----------------------------------------------------------------------------- tallies


@dataclass
class FunctionTally:
    invocations: int = 0
    records: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # "dynamodb.PutItem"
    wru: float = 0.0
    rru: float = 0.0
    redis_round_trips: int = 0
    opensearch_requests: int = 0
    opensearch_bytes: int = 0
    kinesis_records: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kinesis_bytes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pushes: int = 0
    push_bytes: int = 0
    pending_updates: list[tuple[str, float]] = field(default_factory=list)  # (table, factor)

    def calls_of(self, service: str) -> int:
        return sum(n for key, n in self.calls.items() if key.startswith(service + "."))


class Probe:
    """Per-function tallies of one phase at a time: ``with probe.phase() as tallies``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tallies: dict[str, FunctionTally] = defaultdict(FunctionTally)
        self._undo: list[tuple[Any, str, Any]] = []

    def tally(self) -> FunctionTally:
        return self.tallies[_function()]

    @contextmanager
    def phase(self) -> Iterator[dict[str, FunctionTally]]:
        with self._lock:
            self.tallies = defaultdict(FunctionTally)
        yield self.tallies

    # -- wrapping the clients --

    def install(self) -> Probe:
        import botocore.client
        import opensearchpy.transport
        import redis.connection

        probe = self

        original_api_call = botocore.client.BaseClient._make_api_call

        def _make_api_call(client, operation_name, api_params):
            service = client.meta.service_model.service_name
            response = original_api_call(client, operation_name, api_params)
            probe._record_aws(service, operation_name, api_params, response)
            return response

        original_send = redis.connection.Connection.send_packed_command

        def send_packed_command(connection, command, check_health=True):
            probe.tally().redis_round_trips += 1
            return original_send(connection, command, check_health)

        original_perform = opensearchpy.transport.Transport.perform_request

        def perform_request(transport, method, url, params=None, body=None, *args, **kwargs):
            tally = probe.tally()
            tally.opensearch_requests += 1
            if body is not None:
                tally.opensearch_bytes += len(body if isinstance(body, (bytes, str)) else str(body))
            return original_perform(transport, method, url, params, body, *args, **kwargs)

        for owner, name, replacement, original in (
            (botocore.client.BaseClient, "_make_api_call", _make_api_call, original_api_call),
            (redis.connection.Connection, "send_packed_command", send_packed_command, original_send),
            (opensearchpy.transport.Transport, "perform_request", perform_request, original_perform),
        ):
            setattr(owner, name, replacement)
            self._undo.append((owner, name, original))
        return self

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    # -- AWS calls --

    def _record_aws(self, service: str, operation: str, params: dict, response: dict) -> None:
        tally = self.tally()
        tally.calls[f"{service}.{operation}"] += 1
        if service == "dynamodb":
            self._dynamodb_units(tally, operation, params, response)
        elif service == "kinesis" and operation in ("PutRecords", "PutRecord"):
            records = params.get("Records") or [params]
            stream = str(params.get("StreamName") or params.get("StreamARN", "")).rsplit("-", 1)[-1].rsplit("/", 1)[-1]
            tally.kinesis_records[stream] += len(records)
            tally.kinesis_bytes[stream] += sum(len(r["Data"]) + len(r["PartitionKey"]) for r in records)
        elif service == "apigatewaymanagementapi" and operation == "PostToConnection":
            tally.pushes += 1
            tally.push_bytes += len(params.get("Data", b""))

    def _dynamodb_units(self, tally: FunctionTally, operation: str, params: dict, response: dict) -> None:
        def write(table_name: str, item: dict | None, factor: float = 1.0) -> None:
            table = _table(table_name)
            if item is None:  # an update or delete: sized later from the table's average item
                tally.pending_updates.append((table_name, factor))
                return
            tally.wru += factor * math.ceil(max(1.0, item_bytes(item)) / 1024) * (1 + _index_copies(table, item))

        def read(items: list[dict], factor: float) -> None:
            size = sum(item_bytes(i) for i in items)
            tally.rru += factor * max(1, math.ceil(size / 4096))

        consistent = 1.0 if params.get("ConsistentRead") else 0.5
        if operation == "PutItem":
            write(params["TableName"], params["Item"])
        elif operation in ("UpdateItem", "DeleteItem"):
            write(params["TableName"], None)
        elif operation == "BatchWriteItem":
            for table_name, requests in params["RequestItems"].items():
                for request in requests:
                    write(table_name, request["PutRequest"]["Item"] if "PutRequest" in request else None)
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                (kind, body), = action.items()  # fmt: skip
                write(body["TableName"], body.get("Item") if kind == "Put" else None, factor=2.0)
        elif operation == "GetItem":
            read([response["Item"]] if response.get("Item") else [], consistent)
        elif operation == "BatchGetItem":
            for items in response.get("Responses", {}).values():
                for item in items:
                    read([item], consistent)
        elif operation in ("Query", "Scan"):
            read(response.get("Items", []), consistent)
        elif operation == "TransactGetItems":
            for entry in response.get("Responses", []):
                read([entry.get("Item", {})], 2.0)

    def settle_updates(self, average_item_bytes: dict[str, float], index_share: dict[str, float]) -> None:
        """Price the updates and deletes of this phase with each table's measured average item."""
        for tally in self.tallies.values():
            for table_name, factor in tally.pending_updates:
                table = _table(table_name)
                key = table.name if table else table_name
                size = average_item_bytes.get(key, 1024.0)
                tally.wru += factor * math.ceil(max(1.0, size) / 1024) * (1 + index_share.get(key, 0.0))
            tally.pending_updates.clear()


class MeasuredRegistry(FunctionRegistry):
    """The catalog's functions, with each invocation's thread CPU, wall time and records tallied."""

    def __init__(self, probe: Probe, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.probe = probe

    def invoke(self, name: str, event: dict) -> Any:
        previous = getattr(_current, "name", None)
        _current.name = name
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return super().invoke(name, event)
        finally:
            tally = self.probe.tallies[name]
            tally.invocations += 1
            tally.records += len(event.get("Records", ())) if isinstance(event, dict) else 0
            tally.cpu_seconds += time.thread_time() - cpu
            tally.wall_seconds += time.perf_counter() - wall
            _current.name = previous
