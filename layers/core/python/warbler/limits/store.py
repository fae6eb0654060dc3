"""The Redis counters behind write limits: one fixed-window counter per (user, action, window)."""

from __future__ import annotations

from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis, client


class LimitStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r or client()

    def count(self, user_id: str, action: str, window_number: int, window_seconds: int) -> int:
        """Count one use in the window; returns the window's uses so far. One round trip."""
        key = Keys.rate(user_id, action, window_number)
        pipe = self._r.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window_seconds, nx=True)
        used, _ = pipe.execute()
        return int(used)
