"""The read-through cache: Redis first, the source of truth on a miss, then fill Redis.

Values are JSON, one key per id. A read is one Redis round trip for any number of ids (plus
whatever the caller queues on the same pipeline with ``also``), then one load of the misses.
With Redis unavailable every id is a miss and nothing is filled: slower, still correct. A
*tombstone* value means "known gone": it is neither returned nor loaded, and with
``fill_if_absent`` (SET NX) a late fill cannot overwrite it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from warbler.adapters.redis_client import RedisErrors, client


class ReadThrough:
    def __init__(
        self,
        key: Callable[[str], str],
        ttl_seconds: int,
        *,
        fill_if_absent: bool = False,
        tombstone: str | None = None,
        worth_keeping: Callable[[Any], bool] | None = None,
        r: Any = None,
    ) -> None:
        self._key = key
        self._ttl = ttl_seconds
        self._nx = fill_if_absent
        self._tombstone = tombstone
        self._keep = worth_keeping
        self._r = r or client()

    def get_many(
        self,
        ids: Sequence[str],
        load: Callable[[list[str]], Mapping[str, Any]],
        also: Callable[[Any], None] | None = None,
    ) -> tuple[dict[str, Any], list | None]:
        """Values by id (absent: unknown or tombstoned), and the replies to what ``also`` queued
        on the same pipeline (None when Redis was unavailable)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Any] = {}
        dead: set[str] = set()
        extra: list | None = None
        up = True
        try:
            pipe = self._r.pipeline(transaction=False)
            for value_id in wanted:
                pipe.get(self._key(value_id))
            if also is not None:
                also(pipe)
            replies = pipe.execute()
            extra = replies[len(wanted) :]
            for value_id, raw in zip(wanted, replies[: len(wanted)], strict=True):
                if self._tombstone is not None and raw == self._tombstone:
                    dead.add(value_id)
                elif raw:
                    found[value_id] = orjson.loads(raw)  # the read path: orjson, ~4x the stdlib
        except RedisErrors:
            up = False
        missing = [v for v in wanted if v not in found and v not in dead]
        if missing:
            loaded = load(missing)
            found.update(loaded)
            if up and loaded:
                self.put_many(loaded)
        return found, extra

    def put_many(self, values: Mapping[str, Any]) -> None:
        """Fill (best effort: a value not cached is loaded again on the next read)."""
        keep = self._keep
        values = {k: v for k, v in values.items() if keep is None or keep(v)}
        if not values or self._ttl <= 0:
            return
        with contextlib.suppress(*RedisErrors):
            pipe = self._r.pipeline(transaction=False)
            for value_id, value in values.items():
                pipe.set(self._key(value_id), json.dumps(value), ex=self._ttl, nx=self._nx)
            pipe.execute()

    def put(self, value_id: str, value: Any, *, overwrite: bool = True) -> None:
        """Write one value now (after a write the caller knows the fresh value)."""
        with contextlib.suppress(*RedisErrors):
            self._r.set(self._key(value_id), json.dumps(value), ex=self._ttl, nx=not overwrite)

    def bury(self, value_id: str) -> None:
        """Replace the value with the tombstone: known gone, and no late fill brings it back."""
        assert self._tombstone is not None
        with contextlib.suppress(*RedisErrors):
            self._r.set(self._key(value_id), self._tombstone, ex=self._ttl)

    def forget(self, ids: Sequence[str]) -> None:
        """Drop cached values (cache-aside invalidation after a change); best effort."""
        keys = [self._key(v) for v in ids]
        if not keys:
            return
        with contextlib.suppress(*RedisErrors):
            if len(keys) == 1:
                self._r.delete(keys[0])
            else:
                pipe = self._r.pipeline(transaction=False)
                for key in keys:
                    pipe.delete(key)
                pipe.execute()
