"""Every command of the segments: the users table's sparse ``by_seen_day`` index and the
soft-delete/restore writes (DynamoDB), the segment counters and freeing a soft-deleted account's
Redis state (Redis). No rule lives here: cut-offs, buckets and windows come from ``segments.rules``
through ``segments.lifecycle``.

Counters (one hash tag, ``Keys.segment_*``): accounts (a counter, +1 per sign-up), inactive (a
counter: +1 when a soft-delete's conditional write succeeds, -1 when a return's does, so a
repeated run counts nobody twice), famous (a set of ids), and the accounts seen per UTC hour (a
HyperLogLog each, 12 KB: the active count is one PFCOUNT over the window's hours, within 1 %).
Live is the live index itself (``live:{b<n>}``, a hash per bucket): one HLEN per bucket.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pynamodb.exceptions import PynamoDBException

from warbler.adapters.dynamo import UserModel
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis, client
from warbler.adapters.transactions import failed_conditions
from warbler.settings import get_settings

QUERY_PAGE = 500


class SeenDayStore:
    """The users table as the segmenter sees it: day buckets in, conditional state changes out."""

    def user_ids(self, bucket: str) -> Iterator[list[str]]:
        """The ids in one ``seen_day`` bucket, a page at a time (a Query of the keys-only index)."""
        page: list[str] = []
        for row in UserModel.by_seen_day.query(bucket, page_size=QUERY_PAGE):
            page.append(row.user_id)
            if len(page) == QUERY_PAGE:
                yield page
                page = []
        if page:
            yield page

    def last_seen(self, user_ids: Sequence[str]) -> dict[str, str]:
        """When each account was last seen (its creation when never), for those that exist."""
        rows = UserModel.batch_get(list(user_ids), attributes_to_get=["user_id", "last_seen_at", "created_at"])
        return {row.user_id: row.last_seen_at or row.created_at for row in rows}

    def deactivate(self, user_id: str, bucket: str, cutoff: str, at: str) -> bool:
        """Soft-delete: mark it and take it out of the index, only if it is still in ``bucket``
        and was last seen before ``cutoff`` (a sign-in since moved it). False: nothing changed."""
        seen_before = (UserModel.last_seen_at < cutoff) | (
            UserModel.last_seen_at.does_not_exist() & (UserModel.created_at < cutoff)
        )
        return self._update(
            user_id,
            [UserModel.deactivated_at.set(at), UserModel.seen_day.remove()],
            (UserModel.seen_day == bucket) & seen_before & UserModel.deactivated_at.does_not_exist(),
        )

    def reactivate(self, user_id: str, bucket: str, at: str) -> bool:
        """Restore a soft-deleted account (back in the index, seen at ``at``); False if it was not."""
        return self._update(
            user_id,
            [UserModel.deactivated_at.remove(), UserModel.seen_day.set(bucket), UserModel.last_seen_at.set(at)],
            UserModel.deactivated_at.exists(),
        )

    @staticmethod
    def _update(user_id: str, actions: list, condition) -> bool:
        try:
            UserModel(user_id).update(actions=actions, condition=condition)
        except PynamoDBException as error:
            if failed_conditions(error):
                return False
            raise
        return True


class SegmentStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r or client()

    def account_created(self) -> None:
        self._r.incr(Keys.segment_accounts())

    def inactive_changed(self, delta: int) -> None:
        self._r.incrby(Keys.segment_inactive(), delta)

    def famous(self, user_id: str, is_famous: bool) -> None:
        if is_famous:
            self._r.sadd(Keys.segment_famous(), user_id)
        else:
            self._r.srem(Keys.segment_famous(), user_id)

    def seen(self, user_id: str, hour: int, keep_seconds: int) -> None:
        pipe = self._r.pipeline(transaction=False)
        pipe.pfadd(Keys.segment_seen(hour), user_id)
        pipe.expire(Keys.segment_seen(hour), keep_seconds)
        pipe.execute()

    def counts(self, seen_hours: Sequence[int]) -> dict[str, int]:
        """accounts, inactive, famous, live and the accounts seen in ``seen_hours``: one round trip
        (plus the live index's buckets)."""
        buckets = get_settings().timeline_buckets
        pipe = self._r.pipeline(transaction=False)
        pipe.get(Keys.segment_accounts())
        pipe.get(Keys.segment_inactive())
        pipe.scard(Keys.segment_famous())
        pipe.pfcount(*[Keys.segment_seen(h) for h in seen_hours])
        for bucket in range(buckets):
            pipe.hlen(Keys.live_of_tag(f"{{b{bucket}}}"))
        accounts, inactive, famous, seen, *live = pipe.execute()
        return {
            "accounts": int(accounts or 0),
            "inactive": int(inactive or 0),
            "famous": int(famous or 0),
            "seen": int(seen or 0),
            "live": sum(int(n or 0) for n in live),
        }

    def free(self, user_id: str) -> None:
        """A soft-deleted account's Redis state: its timelines, merge set, caches and stamps. Its
        connections go through the live store (their rows say where they are indexed)."""
        keys = [
            Keys.home(user_id),
            Keys.user_timeline(user_id),
            Keys.famous_followees(user_id),
            Keys.seen(user_id),
            Keys.user_card(user_id),
            *(Keys.engaged(user_id, kind) for kind in ("like", "rt")),
            *(Keys.engaged_since(user_id, kind) for kind in ("like", "rt")),
            *Keys.famous_copies(user_id),  # a famous account's copies in every home bucket
        ]
        pipe = self._r.pipeline(transaction=False)
        for key in keys:  # one DEL per key: they live in different slots
            pipe.delete(key)
        pipe.execute()
