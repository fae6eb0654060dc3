"""Helpers shared by every test suite."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.02, message: str = "") -> T:
    """Poll ``predicate`` until it returns something truthy; return it, or fail at the deadline.

    The way to wait for an asynchronous effect (a stream consumer, a search index) in a test:
    it returns as soon as the condition holds and fails loudly when it never does, unlike a sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout} s: {predicate!r}")
        time.sleep(interval)


def raw_home_entries(redis_url: str, user_id: str) -> list[str]:
    """The members of a user's cached home timeline as fan-out wrote them, newest first, without
    the floor marker: ``<tweet id>`` or ``<retweet id>:<original id>``. What a read returns is
    filtered by hydration (a deleted tweet no longer hydrates), so this is how a test sees
    whether fan-out itself added or removed an entry."""
    import redis  # noqa: PLC0415 - only the tests that look inside Redis need it

    from warbler.adapters.keys import Keys  # noqa: PLC0415
    from warbler.ids import FLOOR_ID  # noqa: PLC0415

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return [m for m in client.zrevrange(Keys.home(user_id), 0, -1) if m != FLOOR_ID]
    finally:
        client.close()


def mentions(entries: list[str], tweet_id: str) -> list[str]:
    """The entries that are ``tweet_id`` or a retweet of it."""
    return [m for m in entries if m == tweet_id or m.endswith(f":{tweet_id}")]
