"""Per-user write limits, as Twitter has (2,400 tweets a day, 400 follows a day, ...).

A fixed-window counter in Redis per (user, action, window): one round trip
(``warbler.limits.store``). When Redis is down the limit is not enforced: refusing every write
because the cache is away would turn a cache outage into a write outage."""

from __future__ import annotations

import time

from warbler.adapters.redis_client import RedisErrors
from warbler.errors import RateLimited
from warbler.limits.store import LimitStore
from warbler.settings import get_settings


def _limit(action: str) -> tuple[int, int]:
    s = get_settings()
    return {
        "tweet": (s.tweet_limit, s.tweet_limit_window_seconds),
        "follow": (s.follow_limit, s.follow_limit_window_seconds),
        "like": (s.like_limit, s.like_limit_window_seconds),
    }[action]


def spend(user_id: str, action: str) -> None:
    """Count one ``action`` by ``user_id``; raise RateLimited past the window's allowance."""
    limit, window = _limit(action)
    now = int(time.time())
    try:
        used = LimitStore().count(user_id, action, now // window, window)
    except RedisErrors:
        return
    if used > limit:
        retry_in = window - now % window
        raise RateLimited(f"{action} limit of {limit} reached; try again in {retry_in} s")
