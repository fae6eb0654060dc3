"""The five segments, each defined once here.

* **famous**: at least ``WARBLER_FAMOUS_THRESHOLD`` followers (the feeds' rule: not fanned out,
  merged at read; ``feeds.entries.RULES.is_famous`` is this rule's other name).
* **live**: an open WebSocket now.
* **active**: seen within ``WARBLER_PASSIVE_AFTER_SECONDS``.
* **passive**: not seen for that long, not yet inactive: no fan-out, the home timeline is rebuilt
  on return (``feeds.reads``).
* **inactive**: not seen for ``WARBLER_INACTIVE_AFTER_SECONDS`` (default 365 days): soft-deleted
  by the segmenter, restored when they sign in again (``segments.lifecycle``).

Active, passive and inactive partition the accounts by their last-seen time (an account never
seen counts from its creation); famous and live cut across them.

"Seen" is a home-timeline read (stamped at most hourly), a sign-up or a sign-in. The users table
holds the seen *day* in ``seen_day`` as ``YYYY-MM-DD#NN``: one of ``SEEN_DAY_SHARDS`` buckets per
day (crc32 of the user id), so no index partition takes a whole day's writes. The index
``by_seen_day`` is sparse: a soft-deleted account has no ``seen_day`` and is not in it.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta

from warbler.feeds.entries import RULES
from warbler.settings import get_settings

SEGMENTS = ("famous", "live", "active", "passive", "inactive")
SEEN_DAY_SHARDS = 32


def passive_after() -> timedelta:
    return timedelta(seconds=get_settings().passive_after_seconds)


def inactive_after() -> timedelta:
    return timedelta(seconds=get_settings().inactive_after_seconds)


def is_famous(followers_count: int | None) -> bool:
    return RULES.is_famous(followers_count)


def is_live(open_connections: int) -> bool:
    return open_connections > 0


def is_active(last_seen: datetime, now: datetime) -> bool:
    return now - last_seen < passive_after()


def is_inactive(last_seen: datetime, now: datetime) -> bool:
    return now - last_seen >= inactive_after()


def is_passive(last_seen: datetime, now: datetime) -> bool:
    return not is_active(last_seen, now) and not is_inactive(last_seen, now)


def segment_of(last_seen: datetime, now: datetime) -> str:
    """Which of active / passive / inactive an account seen last at ``last_seen`` is in."""
    return "active" if is_active(last_seen, now) else "inactive" if is_inactive(last_seen, now) else "passive"


def inactive_cutoff(now: datetime) -> datetime:
    """Accounts last seen before this instant are inactive at ``now``."""
    return now - inactive_after()


def seen_bucket(user_id: str, day: date) -> str:
    """The ``seen_day`` value of an account seen on ``day``."""
    return f"{day.isoformat()}#{zlib.crc32(user_id.encode()) % SEEN_DAY_SHARDS:02d}"


def buckets_of(day: date) -> list[str]:
    """Every ``seen_day`` value of one day: the segmenter queries each."""
    return [f"{day.isoformat()}#{shard:02d}" for shard in range(SEEN_DAY_SHARDS)]
