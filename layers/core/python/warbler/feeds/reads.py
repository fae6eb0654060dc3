"""Reading timelines: the home timeline (with the famous merge and the passive rebuild) and an
author's own timeline.

- A home timeline is a capped sorted set of entries in Redis, written by fan-out
  (``warbler.feeds.manager``). Its presence marks the reader *active*; it expires after
  ``passive_after_seconds`` without a read, which makes the reader *passive*: fan-out skips
  missing timelines, and the next read rebuilds a complete one from the people they follow.
- *Famous* authors are never fanned out; each reader keeps the set of famous accounts they
  follow, and a read merges those authors' newest entries in, at most ``famous_merge_limit`` of
  them. It reads them from copies in the reader's own home bucket (``famous_copy_cap`` entries
  per author and bucket, kept by fan-out like the author's timeline), so a warm read with its
  famous merge is one round trip; a copy the read finds missing is claimed there and filled
  from the author's timeline, and a page older than a copy reads the author's timeline too.
- With Redis down, the home timeline is computed from DynamoDB: slower, still correct.
"""

from __future__ import annotations

import contextlib
import heapq
from concurrent.futures import ThreadPoolExecutor

from warbler import activity, clock, ids, pagination, social_graph, users
from warbler.adapters.redis_client import RedisErrors
from warbler.errors import BadRequest, InvalidCursor, NotFound
from warbler.feeds.entries import RULES, is_entry
from warbler.feeds.store import AuthoredEntries, TimelineStore, window
from warbler.observability import logger
from warbler.pagination import Page
from warbler.tweets import views

SEEN_THROTTLE_SECONDS = 3600
_REBUILD_THREADS = 8


# ----------------------------------------------------------------------------- cursors


def _bounds(cursor: str | None, since_id: str | None) -> tuple[str | None, str | None]:
    before = pagination.decode(cursor) if cursor else None
    if before is not None and not is_entry(before):
        raise InvalidCursor("cursor is not valid")
    after = None
    if since_id:
        # Any id (ASCII digits, as the API's pattern says) bounds the page, whether or not a tweet
        # has it: "0" is before every tweet, a 19-digit id beyond the newest after all of them.
        if not ids.is_ascii_digits(since_id) or len(since_id) > ids.ID_WIDTH:
            raise BadRequest("since_id must be a tweet id")
        after = (
            since_id.zfill(ids.ID_WIDTH) + ";"
        )  # ";" sorts after ":", so the since tweet's own retweet entry is out too
    return before, after


def _page_of(ids_newest_first: list[str], limit: int) -> tuple[list[str], str | None]:
    page = ids_newest_first[:limit]
    more = len(ids_newest_first) > limit
    return page, (pagination.encode(page[-1]) if more and page else None)


# ----------------------------------------------------------------------------- an author's entries


def recent_entries(author_id: str, limit: int) -> list[str]:
    """An author's newest timeline entries: their cached user timeline, else DynamoDB (and cache it)."""
    store = TimelineStore()
    try:
        page = store.cached_user_timeline(author_id, limit)
        if page is not None:
            return page
    except RedisErrors:
        return AuthoredEntries().newest(author_id, limit)
    newest = AuthoredEntries().newest(author_id, RULES.cap)
    with contextlib.suppress(*RedisErrors):
        store.replace_user_timeline(author_id, newest, RULES.passive_after_seconds)
    return newest[:limit]


# ----------------------------------------------------------------------------- reads


class HomeTimeline:
    """Reads one user's home timeline."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id

    def page_ids(
        self, limit: int, cursor: str | None = None, since_id: str | None = None
    ) -> tuple[list[str], str | None]:
        before, after = _bounds(cursor, since_id)
        try:
            return self._from_redis(limit, before, after)
        except RedisErrors:
            return _page_of(window(self._compute(include_famous=True)[0], before, after), limit)

    def _from_redis(self, limit: int, before: str | None, after: str | None) -> tuple[list[str], str | None]:
        store = TimelineStore()
        read = store.read_home(
            self.user_id,
            limit + 1,
            before,
            after,
            famous_limit=RULES.famous_merge_limit,
            copy_cap=RULES.famous_copy_cap,
            keep_for_seconds=RULES.passive_after_seconds,
            seen_throttle_seconds=SEEN_THROTTLE_SECONDS,
        )
        own, famous, pages = read.page, read.famous, read.famous_pages
        if not read.present:
            ids_, famous = self.rebuild(store)
            own, pages = window(ids_, before, after)[: limit + 1], [None] * len(famous)
        if read.first_read_this_hour:
            self._record_seen()
        if famous:
            own = self._merge_famous(store, own, famous, pages, limit + 1, before, after)
        return _page_of(own, limit)

    def _merge_famous(
        self,
        store: TimelineStore,
        own: list[str],
        famous: list[str],
        copies: list[list[str] | None],
        n: int,
        before: str | None,
        after: str | None,
    ) -> list[str]:
        """Merge the famous followees' pages in: from their copies in the reader's bucket; the
        authors' own timelines (one more round trip) for copies that could not answer."""
        streams = [own] + [page for page in copies if page is not None]
        missing = [author_id for author_id, page in zip(famous, copies, strict=True) if page is None]
        if missing:
            streams += self._famous_from_timelines(store, missing, n, before, after)
        merged: list[str] = []
        for tid in heapq.merge(*streams, reverse=True):
            if not merged or merged[-1] != tid:
                merged.append(tid)
                if len(merged) == n:
                    break
        return merged

    def _famous_from_timelines(
        self, store: TimelineStore, authors: list[str], n: int, before: str | None, after: str | None
    ) -> list[list[str]]:
        """Pages of famous authors' own timelines (refilled from DynamoDB where expired). On a
        newest page, the copies that could not answer are the ones the read claimed: they are
        filled with the authors' newest entries, which hold this page too."""
        copy_cap = RULES.famous_copy_cap
        if before is not None or n > copy_cap:  # a page older or longer than a copy holds
            pages = store.user_timeline_pages(authors, n, before, after)
            return [
                page if page is not None else window(recent_entries(author_id, RULES.cap), before, after)[:n]
                for author_id, page in zip(authors, pages, strict=True)
            ]
        newest = {
            author_id: cached if cached is not None else recent_entries(author_id, copy_cap)
            for author_id, cached in zip(authors, store.user_timeline_pages(authors, copy_cap, None, None), strict=True)
        }
        with contextlib.suppress(*RedisErrors):  # a copy left unfilled is filled by the next read
            store.fill_famous_copies(self.user_id, newest, copy_cap, RULES.passive_after_seconds)
        return [window(entries, None, after)[:n] for entries in newest.values()]

    def _record_seen(self) -> None:
        """At most hourly: stamp ``last_seen_at`` and tell the activity stream. Neither may fail
        a read, so errors are logged, not raised."""
        try:
            if users.stamp_seen(self.user_id, clock.now_iso()):  # False: no such user, nothing to stamp
                activity.publish([activity.seen(self.user_id)])
        except Exception:  # noqa: BLE001
            logger.exception("recording a seen event failed")

    def rebuild(self, store: TimelineStore | None = None) -> tuple[list[str], list[str]]:
        """Recompute from DynamoDB and cache it: the passive user is active again."""
        tweet_ids, famous = self._compute(include_famous=False)
        (store or TimelineStore()).replace_home(self.user_id, tweet_ids, famous, RULES.passive_after_seconds)
        return tweet_ids[: RULES.cap], famous

    def _compute(self, include_famous: bool) -> tuple[list[str], list[str]]:
        followees = social_graph.followee_ids(self.user_id)
        people = users.users_by_id(followees)
        famous = [uid for uid, u in people.items() if RULES.is_famous(u.followers_count)]
        authors = [self.user_id] + [uid for uid in people if include_famous or uid not in famous]
        per_author = RULES.rebuild_per_followee
        source = AuthoredEntries()
        with ThreadPoolExecutor(max_workers=_REBUILD_THREADS) as pool:
            streams = list(pool.map(lambda a: source.newest(a, per_author), authors))
        merged = list(heapq.merge(*streams, reverse=True))[: RULES.cap]
        return merged, famous


class UserTimeline:
    """An author's own tweets: the cached newest ``timeline_cap`` in Redis, DynamoDB beyond."""

    def __init__(self, author_id: str) -> None:
        self.author_id = author_id

    def page_ids(
        self, limit: int, cursor: str | None = None, since_id: str | None = None
    ) -> tuple[list[str], str | None]:
        before, after = _bounds(cursor, since_id)
        cap = RULES.cap
        source = AuthoredEntries()
        try:
            present, page, size = TimelineStore().user_timeline_page(self.author_id, limit + 1, before, after)
            if not present:
                cached = recent_entries(self.author_id, cap)
                page, size = window(cached, before, after)[: limit + 1], len(cached) + 1
        except RedisErrors:
            return _page_of(source.newest(self.author_id, limit + 1, before, after), limit)
        if len(page) <= limit and size > cap:
            # The cache is full, so older tweets may lie past it: continue in DynamoDB.
            last = page[-1] if page else before
            page += source.newest(self.author_id, limit + 1 - len(page), last, after)
        return _page_of(page, limit)


# ----------------------------------------------------------------------------- pages of views


def home_page(caller_id: str, limit: int, cursor: str | None = None, since_id: str | None = None) -> Page:
    """``GET /timelines/home``: the caller's home timeline as tweet views."""
    entries, next_cursor = HomeTimeline(caller_id).page_ids(limit, cursor, since_id)
    return Page(views.hydrate(entries, caller_id), next_cursor)


def user_page(caller_id: str, handle: str, limit: int, cursor: str | None = None, since_id: str | None = None) -> Page:
    """``GET /users/<handle>/tweets``: an author's own timeline as the caller sees it."""
    author_id = users.user_id_for_handle(handle)
    if not users.cards([author_id]):  # soft-deleted (warbler.segments): as if there were no such user
        raise NotFound(f"no user @{handle}")
    entries, next_cursor = UserTimeline(author_id).page_ids(limit, cursor, since_id)
    return Page(views.hydrate(entries, caller_id), next_cursor)
