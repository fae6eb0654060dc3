"""moto's server, made safe for the concurrency our handlers produce.

moto serves each request on its own thread, but its DynamoDB and Kinesis backends are not
thread-safe, and two of the resulting faults break exactly what Warbler relies on:

* sequence numbers are taken as ``len(items)`` (DynamoDB streams) or ``max + 1`` (Kinesis,
  whose ``Shard.put_record`` says so in a comment) without a lock, so concurrent writes can
  share a number: a Kinesis record is overwritten, a stream reader re-reads one record;
* ``TransactWriteItems`` backs up each table it touches by deep-copying the whole table (its
  items and its stream's records) before every transaction, and a cancelled one puts the copies
  back. The copy costs time in proportion to the table: a follow took 200 ms against a table
  of a few thousand items, with the write lock held. And the restored copy has a new stream
  shard object, so every open shard iterator kept reading the old one and never saw another
  record, and any write another thread made meanwhile was undone.

So all DynamoDB writes and Kinesis appends take one lock (a transaction is then atomic with
respect to other writes, as on AWS), and a transaction backs up only the items it names: a
cancelled one puts those back and trims the streams to their length before it, so no record
of it remains and the tables (and their live stream shards) are the same objects throughout.
Reads stay concurrent.
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.kinesis.models import Shard
from moto.server import main

_write_lock = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _write_lock:
            return method(*args, **kwargs)

    return wrapper


class _TablesNotCopied:
    """The ``copy`` module as moto's DynamoDB backend sees it: its whole-table backup before a
    transaction gets the table itself (``_transaction_backing_up_its_items`` backs up what the
    transaction names instead); every other copy is a real one."""

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _named_items(backend: DynamoDBBackend, transact_items: list[dict]) -> list[tuple[Table, Any, Any, Item | None]]:
    """(table, hash key, range key, a copy of the item there or None) for each item named."""
    named = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        attrs = op.get("Item") or op.get("Key") or {}
        if table is None or table.hash_key_attr not in attrs:
            continue  # moto refuses it before writing anything
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in attrs:
                continue
            range_key = DynamoType(attrs[table.range_key_attr])
        named.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    return named


def _put_back(table: Table, hash_key: Any, range_key: Any, saved: Item | None) -> None:
    """The item as it was, written to the table's storage directly (no stream record)."""
    if range_key is None:
        if saved is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = saved
    elif saved is None:
        if hash_key in table.items:
            table.items[hash_key].pop(range_key, None)
    else:
        table.items[hash_key][range_key] = saved


def _transaction_backing_up_its_items(method):
    @functools.wraps(method)
    def wrapper(self, transact_items, *args, **kwargs):
        with _write_lock:
            named = _named_items(self, transact_items)
            lengths = {t.name: len(t.stream_shard.items) for t, *_ in named if t.stream_shard is not None}
            try:
                return method(self, transact_items, *args, **kwargs)
            except BaseException:
                for table, hash_key, range_key, saved in named:
                    _put_back(table, hash_key, range_key, saved)
                for table, *_ in named:
                    if table.stream_shard is not None:
                        del table.stream_shard.items[lengths[table.name] :]
                raise

    return wrapper


for _name in ("put_item", "update_item", "delete_item"):
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))
DynamoDBBackend.transact_write_items = _transaction_backing_up_its_items(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
dynamodb_models.copy = _TablesNotCopied()  # type: ignore[assignment]
Shard.put_record = _serialised(Shard.put_record)  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
