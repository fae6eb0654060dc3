"""The segment counters, kept as accounts cross boundaries (never a scan): what is noted when,
and how the five counts are read from them (``GET /admin/segments``, every report).

Best effort: a counter is a report figure, not a user's data, so a Redis error while noting is
logged and the action it counts goes on.
"""

from __future__ import annotations

from datetime import datetime

from warbler.adapters.redis_client import RedisErrors
from warbler.observability import logger
from warbler.segments import rules
from warbler.segments.store import SegmentStore

HOUR = 3600


def _hour(moment: datetime) -> int:
    return int(moment.timestamp()) // HOUR


def _noting(what: str, note) -> None:
    try:
        note(SegmentStore())
    except RedisErrors:
        logger.exception("a segment counter missed a change", extra={"change": what})


def account_created() -> None:
    _noting("account", lambda s: s.account_created())


def seen(user_id: str, at: datetime) -> None:
    """An account was seen at ``at``: it counts as active for the passive window after."""
    keep = int(rules.passive_after().total_seconds()) + 2 * HOUR
    _noting("seen", lambda s: s.seen(user_id, _hour(at), keep))


def inactive_changed(delta: int) -> None:
    _noting("inactive", lambda s: s.inactive_changed(delta))


def famous(user_id: str, followers_count: int | None, visible: bool = True) -> None:
    """After an account's followers changed (or it left or came back): in or out of the set."""
    is_famous = visible and rules.is_famous(followers_count)
    _noting("famous", lambda s: s.famous(user_id, is_famous))


def counts(now: datetime, store: SegmentStore | None = None) -> dict[str, int]:
    """The five segments now, and all accounts. Active is to the hour: the accounts seen in the
    hours that overlap the passive window; passive is every other account not inactive."""
    first = _hour(now - rules.passive_after())
    raw = (store or SegmentStore()).counts(range(first, _hour(now) + 1))
    accounts, inactive = raw["accounts"], max(raw["inactive"], 0)
    active = min(raw["seen"], max(accounts - inactive, 0))
    return {
        "famous": raw["famous"],
        "live": raw["live"],
        "active": active,
        "passive": max(accounts - inactive - active, 0),
        "inactive": inactive,
        "accounts": accounts,
    }
