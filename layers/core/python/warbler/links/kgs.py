"""The key generation service as each function instance sees it: a block of keys in memory.

An instance reserves ``link_key_block_size`` counters at once (one atomic DynamoDB update, see
``LinkStore.reserve``) and hands out their keys from memory, so a post pays no round trip for
its key. When the block runs out mid-request, that request reserves the next block itself: one
extra UpdateItem (a few milliseconds), nothing else. An instance that dies loses the unused rest
of its block - never a duplicate, at most one lost block (62^7 / 1,000 = 3.5 x 10^9 blocks).
"""

from __future__ import annotations

import threading

from warbler.errors import WarblerError
from warbler.links import keys
from warbler.links.store import LinkStore


class KeysExhausted(WarblerError):
    code = "keys_exhausted"


class KeyPool:
    def __init__(self, store: LinkStore, block_size: int) -> None:
        if block_size < 1:
            raise ValueError("block_size must be positive")
        self._store = store
        self._block_size = block_size
        self._lock = threading.Lock()
        self._next = self._end = 0
        self._permutation: keys.Permutation | None = None
        self._returned: list[str] = []  # drawn but never written: handed out again first
        self.reservations = 0

    def take(self) -> str:
        with self._lock:
            if self._returned:
                return self._returned.pop()
            if self._next >= self._end or self._permutation is None:
                self._refill()
            assert self._permutation is not None
            counter = self._next
            self._next += 1
            return self._permutation.key(counter)

    def give_back(self, key: str) -> None:
        """A key whose claim wrote nothing (its URL had a key already) is still unused."""
        with self._lock:
            self._returned.append(key)

    def _refill(self) -> None:
        block = self._store.reserve(self._block_size)
        if block.end > keys.KEY_SPACE:
            raise KeysExhausted(f"all {keys.KEY_SPACE} short keys are handed out")
        self._permutation = keys.Permutation(block.secret)
        self._next, self._end = block.start, block.end
        self.reservations += 1
