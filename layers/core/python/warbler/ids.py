"""Snowflake ids: 41 bits of milliseconds since Twitter's epoch, 10 bits of worker, 12 of sequence.

Each process draws a random worker number at start, so concurrent functions need no coordination
round trip per id; the tweet write is conditional on the id being new, which turns the rare
worker collision into a retry instead of an overwrite. From Twitter's epoch every id minted after
2018 has 19 digits, so the decimal string sorts in time order, which the Redis timelines (sorted
sets compared lexicographically) and the DynamoDB range keys rely on.
"""

from __future__ import annotations

import os
import threading
import time

EPOCH_MS = 1288834974657
_WORKER_BITS = 10
_SEQUENCE_BITS = 12
_MAX_SEQUENCE = (1 << _SEQUENCE_BITS) - 1
ID_WIDTH = 19
# A member that sorts below every real id: keeps an empty timeline key alive in Redis.
FLOOR_ID = "0" * ID_WIDTH


class SnowflakeGenerator:
    def __init__(self, worker_id: int | None = None, clock=time.time) -> None:
        if worker_id is None:
            worker_id = int.from_bytes(os.urandom(2), "big") & ((1 << _WORKER_BITS) - 1)
        self._worker = worker_id
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> str:
        with self._lock:
            now = int(self._clock() * 1000) - EPOCH_MS
            if now < self._last_ms:  # the clock stepped back: keep ids increasing
                now = self._last_ms
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & _MAX_SEQUENCE
                if self._sequence == 0:
                    now = self._last_ms + 1  # borrow the next millisecond instead of spinning
            else:
                self._sequence = 0
            self._last_ms = now
            value = (now << (_WORKER_BITS + _SEQUENCE_BITS)) | (self._worker << _SEQUENCE_BITS) | self._sequence
        return str(value).zfill(ID_WIDTH)


_default = SnowflakeGenerator()


def new_id() -> str:
    return _default.next_id()


def timestamp_ms(snowflake: str) -> int:
    return (int(snowflake) >> (_WORKER_BITS + _SEQUENCE_BITS)) + EPOCH_MS


def is_ascii_digits(raw: str) -> bool:
    """Only 0-9: ``str.isdigit`` also accepts "²" and "⑨", which ``int`` then refuses."""
    return bool(raw) and raw.isascii() and raw.isdigit()


def normalize_id(raw: str) -> str | None:
    """The canonical 19-digit form of an id from a client, or None if it is not one."""
    raw = raw.strip()
    if not is_ascii_digits(raw) or len(raw) > ID_WIDTH:
        return None
    value = int(raw)
    if value <= 0 or value >= 1 << 63:
        return None
    return str(value).zfill(ID_WIDTH)
