"""Every timeline rule lives here: what a home timeline holds, how it is read, merged, rebuilt.

- A home timeline is a capped sorted set of tweet ids in Redis, written by fan-out.
- Its presence marks the reader *active*; it expires after ``passive_after_seconds`` without a
  read, which makes the reader *passive*: fan-out skips missing timelines, and the next read
  rebuilds a complete one from the people they follow.
- *Famous* authors (``followers_count >= famous_threshold``) are never fanned out; each reader
  keeps the set of famous accounts they follow, and a read merges those authors' own timelines
  in, at most ``famous_merge_limit`` of them, each costing one range read in one round trip.
- A follow merges the followee's recent tweets in; an unfollow takes them out.
- With Redis down, the home timeline is computed from DynamoDB: slower, still correct.
- An *entry* is a tweet id, or "<retweet id>:<original id>" for a retweet, so that fan-out can
  skip a retweet whose original is already near the top of a timeline.
"""

from __future__ import annotations

import contextlib
import heapq
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.exceptions import UpdateError

from warbler import activity, clock, ids, pagination
from warbler.adapters.dynamo import FollowModel, TweetModel, UserModel
from warbler.adapters.redis_store import Keys, RedisErrors, TimelineStore, client
from warbler.errors import BadRequest
from warbler.observability import logger
from warbler.settings import get_settings

SEEN_THROTTLE_SECONDS = 3600
_REBUILD_THREADS = 8
_ENTRY_RE = re.compile(r"^\d{19}(:\d{19})?$")


def entry(tweet_id: str, retweet_of_id: str | None = None) -> str:
    return f"{tweet_id}:{retweet_of_id}" if retweet_of_id else tweet_id


def entry_tweet_id(timeline_entry: str) -> str:
    return timeline_entry[: ids.ID_WIDTH]


def is_famous(user: UserModel) -> bool:
    return int(user.followers_count or 0) >= get_settings().famous_threshold


# ----------------------------------------------------------------------------- cursors


def _bounds(cursor: str | None, since_id: str | None) -> tuple[str | None, str | None]:
    before = pagination.decode(cursor) if cursor else None
    if before is not None and (not isinstance(before, str) or not _ENTRY_RE.match(before)):
        raise BadRequest("cursor is not valid")
    after = None
    if since_id:
        since = ids.normalize_id(since_id)
        if since is None:
            raise BadRequest("since_id must be a tweet id")
        after = since + ";"  # ";" sorts after ":", so the since tweet's own retweet entry is out too
    return before, after


def _page_of(ids_newest_first: list[str], limit: int) -> tuple[list[str], str | None]:
    page = ids_newest_first[:limit]
    more = len(ids_newest_first) > limit
    return page, (pagination.encode(page[-1]) if more and page else None)


def _window(tweet_ids: Iterable[str], before: str | None, after: str | None) -> list[str]:
    return [t for t in tweet_ids if (before is None or t < before) and (after is None or t > after)]


# ----------------------------------------------------------------------------- writes


def add_own_tweet(author_id: str, tweet_entry: str) -> None:
    """Read-your-writes: the author sees the tweet at once; fan-out repeats this idempotently."""
    try:
        TimelineStore().apply(
            "add", [(Keys.home(author_id), tweet_entry), (Keys.user_timeline(author_id), tweet_entry)]
        )
    except RedisErrors:
        pass  # the fan-out of this tweet (from the table stream) also covers the author


def remove_own_tweet(author_id: str, tweet_entry: str) -> None:
    try:
        TimelineStore().apply(
            "rem", [(Keys.home(author_id), tweet_entry), (Keys.user_timeline(author_id), tweet_entry)]
        )
    except RedisErrors:
        pass  # hydration drops deleted tweets; the stream-driven removal retries the cleanup


def recent_entries(author_id: str, limit: int) -> list[str]:
    """An author's newest timeline entries: their cached user timeline, else DynamoDB (and cache it)."""
    store = TimelineStore()
    key = Keys.user_timeline(author_id)
    try:
        pipe = client().pipeline(transaction=False)
        pipe.exists(key)
        store.page_commands(pipe, key, limit, None, None)
        present, page = pipe.execute()
        if present:
            return page
    except RedisErrors:
        return _authored(author_id, limit)
    newest = _authored(author_id, get_settings().timeline_cap)
    with contextlib.suppress(*RedisErrors):
        store.replace(key, newest, get_settings().passive_after_seconds)
    return newest[:limit]


def _authored(author_id: str, limit: int, before: str | None = None, after: str | None = None) -> list[str]:
    # Entries bound the window; the range key is the bare tweet id, so bound it by those.
    low, high = (entry_tweet_id(after) if after else None), (entry_tweet_id(before) if before else None)
    condition: Any = None
    if low is not None and high is not None:
        condition = TweetModel.tweet_id.between(low, high)
    elif high is not None:
        condition = TweetModel.tweet_id <= high
    elif low is not None:
        condition = TweetModel.tweet_id >= low
    found = TweetModel.by_author.query(
        author_id,
        range_key_condition=condition,
        scan_index_forward=False,
        limit=limit + 2,
        attributes_to_get=["tweet_id", "retweet_of_id"],
    )
    return _window((entry(t.tweet_id, t.retweet_of_id) for t in found), before, after)[:limit]


def merge_followee(follower_id: str, followee_id: str) -> None:
    """After a follow: famous followees join the read-time merge set; others' recent tweets are
    merged into the follower's home timeline (if it is cached: a passive one is rebuilt later)."""
    followee = UserModel.get(followee_id)
    if is_famous(followee):
        client().sadd(Keys.famous_followees(follower_id), followee_id)
        return
    recent = recent_entries(followee_id, get_settings().follow_merge_limit)
    TimelineStore().apply("add", [(Keys.home(follower_id), t) for t in recent])


def unmerge_followee(follower_id: str, followee_id: str) -> None:
    client().srem(Keys.famous_followees(follower_id), followee_id)
    recent = recent_entries(followee_id, get_settings().timeline_cap)
    TimelineStore().apply("rem", [(Keys.home(follower_id), t) for t in recent])


# ----------------------------------------------------------------------------- reads


class HomeTimeline:
    """Reads one user's home timeline."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.key = Keys.home(user_id)
        self.settings = get_settings()

    def page_ids(
        self, limit: int, cursor: str | None = None, since_id: str | None = None
    ) -> tuple[list[str], str | None]:
        before, after = _bounds(cursor, since_id)
        try:
            return self._from_redis(limit, before, after)
        except RedisErrors:
            return _page_of(_window(self._compute(include_famous=True)[0], before, after), limit)

    def _from_redis(self, limit: int, before: str | None, after: str | None) -> tuple[list[str], str | None]:
        r = client()
        store = TimelineStore(r)
        s = self.settings
        pipe = r.pipeline(transaction=False)
        pipe.exists(self.key)
        store.trim_command(pipe, self.key)
        store.page_commands(pipe, self.key, limit + 1, before, after)
        pipe.srandmember(Keys.famous_followees(self.user_id), s.famous_merge_limit)
        pipe.expire(self.key, s.passive_after_seconds)
        pipe.set(f"seen:{{{self.user_id}}}", clock.now_iso(), nx=True, ex=SEEN_THROTTLE_SECONDS)
        present, _, own, famous, _, first_read_this_hour = pipe.execute()
        if not present:
            ids_, famous = self.rebuild()
            own = _window(ids_, before, after)[: limit + 1]
        if first_read_this_hour:
            self._record_seen()
        if famous:
            own = self._merge_famous(r, store, own, famous, limit + 1, before, after)
        return _page_of(own, limit)

    def _merge_famous(
        self, r, store: TimelineStore, own: list[str], famous: list[str], n: int, before: str | None, after: str | None
    ) -> list[str]:
        pipe = r.pipeline(transaction=False)
        for author_id in famous:
            key = Keys.user_timeline(author_id)
            pipe.exists(key)
            store.page_commands(pipe, key, n, before, after)
        replies = pipe.execute()
        streams = [own]
        for i, author_id in enumerate(famous):
            present, page = replies[2 * i], replies[2 * i + 1]
            if not present:  # a famous author's cached timeline expired: refill it once
                page = _window(recent_entries(author_id, self.settings.timeline_cap), before, after)[:n]
            streams.append(page)
        merged: list[str] = []
        for tid in heapq.merge(*streams, reverse=True):
            if not merged or merged[-1] != tid:
                merged.append(tid)
                if len(merged) == n:
                    break
        return merged

    def _record_seen(self) -> None:
        """At most hourly: stamp ``last_seen_at`` and tell the activity stream. Neither may fail
        a read, so errors are logged, not raised."""
        try:
            UserModel(self.user_id).update(
                actions=[UserModel.last_seen_at.set(clock.now_iso())], condition=UserModel.user_id.exists()
            )
            activity.publish([activity.seen(self.user_id)])
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":  # no such user: nothing to stamp
                logger.exception("recording a seen event failed")
        except Exception:  # noqa: BLE001
            logger.exception("recording a seen event failed")

    def rebuild(self) -> tuple[list[str], list[str]]:
        """Recompute from DynamoDB and cache it: the passive user is active again."""
        tweet_ids, famous = self._compute(include_famous=False)
        r = client()
        TimelineStore(r).replace(self.key, tweet_ids, self.settings.passive_after_seconds)
        pipe = r.pipeline(transaction=True)
        fam_key = Keys.famous_followees(self.user_id)
        pipe.delete(fam_key)
        if famous:
            pipe.sadd(fam_key, *famous)
        pipe.execute()
        return tweet_ids[: self.settings.timeline_cap], famous

    def _compute(self, include_famous: bool) -> tuple[list[str], list[str]]:
        followees = [e.followee_id for e in FollowModel.query(self.user_id, attributes_to_get=["followee_id"])]
        people = {u.user_id: u for u in UserModel.batch_get(followees)} if followees else {}
        famous = [uid for uid, u in people.items() if is_famous(u)]
        authors = [self.user_id] + [uid for uid in people if include_famous or uid not in famous]
        per_author = self.settings.rebuild_per_followee
        with ThreadPoolExecutor(max_workers=_REBUILD_THREADS) as pool:
            streams = list(pool.map(lambda a: _authored(a, per_author), authors))
        merged = list(heapq.merge(*streams, reverse=True))[: self.settings.timeline_cap]
        return merged, famous


class UserTimeline:
    """An author's own tweets: the cached newest ``timeline_cap`` in Redis, DynamoDB beyond."""

    def __init__(self, author_id: str) -> None:
        self.author_id = author_id
        self.key = Keys.user_timeline(author_id)

    def page_ids(
        self, limit: int, cursor: str | None = None, since_id: str | None = None
    ) -> tuple[list[str], str | None]:
        before, after = _bounds(cursor, since_id)
        cap = get_settings().timeline_cap
        try:
            pipe = client().pipeline(transaction=False)
            pipe.exists(self.key)
            TimelineStore().page_commands(pipe, self.key, limit + 1, before, after)
            pipe.zcard(self.key)
            present, window, size = pipe.execute()
            if not present:
                cached = recent_entries(self.author_id, cap)
                window, size = _window(cached, before, after)[: limit + 1], len(cached) + 1
        except RedisErrors:
            return _page_of(_authored(self.author_id, limit + 1, before, after), limit)
        if len(window) <= limit and size > cap:
            # The cache is full, so older tweets may lie past it: continue in DynamoDB.
            last = window[-1] if window else before
            window += _authored(self.author_id, limit + 1 - len(window), last, after)
        return _page_of(window, limit)
