"""moto's server, made safe for the concurrency our handlers produce.

moto serves each request on its own thread, but its DynamoDB and Kinesis backends are not
thread-safe, and two of the resulting faults break exactly what Warbler relies on:

* sequence numbers are taken as ``len(items)`` (DynamoDB streams) or ``max + 1`` (Kinesis,
  whose ``Shard.put_record`` says so in a comment) without a lock, so concurrent writes can
  share a number: a Kinesis record is overwritten, a stream reader re-reads one record;
* a cancelled ``TransactWriteItems`` rolls back by putting a deep copy of each table back. That
  copy has a new stream shard object, so every open shard iterator keeps reading the old one and
  never sees another record, and any write another thread made meanwhile is undone.

So all DynamoDB writes and Kinesis appends take one lock (a transaction is then atomic with
respect to other writes, as on AWS), and a rolled-back table keeps its live stream shard,
trimmed back to its length before the transaction. Reads stay concurrent.
"""

from __future__ import annotations

import functools
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.kinesis.models import Shard
from moto.server import main

_write_lock = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _write_lock:
            return method(*args, **kwargs)

    return wrapper


def _transaction_keeping_stream_shards(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _write_lock:
            shards = {name: table.stream_shard for name, table in self.tables.items()}
            lengths = {name: len(shard.items) for name, shard in shards.items() if shard is not None}
            try:
                return method(self, *args, **kwargs)
            finally:
                for name, shard in shards.items():
                    table = self.tables.get(name)
                    if shard is not None and table is not None and table.stream_shard is not shard:
                        del shard.items[lengths[name] :]
                        shard.table = table
                        table.stream_shard = shard

    return wrapper


for _name in ("put_item", "update_item", "delete_item"):
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))
DynamoDBBackend.transact_write_items = _transaction_keeping_stream_shards(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
Shard.put_record = _serialised(Shard.put_record)  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
