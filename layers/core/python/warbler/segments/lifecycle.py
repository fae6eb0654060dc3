"""The inactive segment's lifecycle: the daily segmenter soft-deletes the accounts that crossed
into *inactive*, and signing in again restores them.

Soft-deleted means (docs/analytics.md, "Segments"): the profile answers 404 like an unknown handle;
the account is absent from follower/following lists and user search (``users.users_by_id`` leaves it
out, and the indexer deletes its document); its tweets are served nowhere (a tweet view needs its
author's card, which it no longer has: timelines, search, replies, a tweet by id); it disappears
from other people's notifications; its Redis state is freed. Nothing is removed from DynamoDB, and
follower/following counts keep counting it (they are the edges' exact counters; the lists are what
hides it). Signing in again clears the mark: profile, lists, search document and tweets are back at
once, and the home timeline, freed, is rebuilt by the first read (the passive path).

The segmenter finds the crossing accounts without a scan: it queries the sparse ``by_seen_day``
index for the day buckets up to the cut-off day (``rules.buckets_of``). Accounts in an earlier day's
bucket all crossed; those in the cut-off day's own bucket are checked against the cut-off instant
first. The write is conditional on the bucket and the last-seen time, so an account seen since is
never soft-deleted, and a rerun soft-deletes nobody twice.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from warbler import clock, users
from warbler.analytics.store import LakeStore, segments_key
from warbler.live.store import ConnectionStore
from warbler.segments import counters, rules
from warbler.segments.store import SeenDayStore, SegmentStore

# The day buckets one run reads, ending at the cut-off day: runs missed for up to this many days
# catch up (an event's ``lookback_days`` reaches further back).
LOOKBACK_DAYS = 7


def soft_delete(user_id: str, bucket: str, cutoff: datetime, now: datetime) -> bool:
    """Soft-delete one account of ``bucket`` last seen before ``cutoff``; False if it was not
    (seen since, or already). Redis first: freeing caches of an account that turns out to have
    returned costs only a rebuild."""
    connections = ConnectionStore()
    for connection in connections.of_users([user_id]):
        connections.remove(connection.connection_id, user_id)
    SegmentStore().free(user_id)
    if not SeenDayStore().deactivate(user_id, bucket, clock.iso(cutoff), clock.iso(now)):
        return False
    users.forget_cards([user_id])
    counters.inactive_changed(+1)
    counters.famous(user_id, None, visible=False)
    return True


def returned(user_id: str, now: datetime | None = None) -> bool:
    """A sign-in: the account is seen now, and restored if it was soft-deleted (True then)."""
    now = now or clock.now()
    user = users.get_user(user_id)
    if user.deactivated_at is None:
        users.stamp_seen(user_id, clock.iso(now))
        return False
    if not SeenDayStore().reactivate(user_id, rules.seen_bucket(user_id, now.date()), clock.iso(now)):
        return False  # restored by a concurrent sign-in
    users.forget_cards([user_id])
    counters.inactive_changed(-1)
    counters.seen(user_id, now)
    counters.famous(user_id, user.followers_count)
    return True


def log_in(handle: str, password: str) -> tuple[dict, str]:
    """``POST /auth/login`` (and the Mastodon password grant): sign in, and come back."""
    view, token = users.log_in(handle, password)
    returned(view["id"])
    return view, token


def run(now: datetime, lookback_days: int = LOOKBACK_DAYS) -> dict[str, Any]:
    """The daily segmenter: soft-delete every account that crossed into inactive by ``now``."""
    cutoff = rules.inactive_cutoff(now)
    last_day = cutoff.date()
    store = SeenDayStore()
    examined = deleted = 0
    for offset in range(lookback_days - 1, -1, -1):
        day = last_day - timedelta(days=offset)
        for bucket in rules.buckets_of(day):
            for page in store.user_ids(bucket):
                examined += len(page)
                if day == last_day:  # the cut-off day: only those seen before the cut-off instant
                    seen = store.last_seen(page)
                    page = [u for u in page if u in seen and clock.parse_iso(seen[u]) < cutoff]
                deleted += sum(soft_delete(u, bucket, cutoff, now) for u in page)
    return {
        "cutoff": clock.iso(cutoff),
        "days": [(last_day - timedelta(days=o)).isoformat() for o in range(lookback_days - 1, -1, -1)],
        "examined": examined,
        "soft_deleted": deleted,
        "segments": counters.counts(now),
    }


def counts(now: datetime | None = None) -> dict[str, int]:
    """``GET /admin/segments``."""
    return counters.counts(now or clock.now())


def save_counts(day: date, counts_now: dict[str, int], lake: LakeStore | None = None) -> str:
    """Snapshot the counts for the reports: ``day``'s start (the report of the day before reads it)."""
    body = json.dumps({"day": day.isoformat(), "taken_at": clock.now_iso(), "counts": counts_now}).encode()
    (lake or LakeStore()).put(segments_key(day), body, "application/json")
    return segments_key(day)
