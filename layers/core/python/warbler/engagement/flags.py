"""Which tweets of a page the caller liked or retweeted.

Each user's recent likes and retweets (up to ``ENGAGED_CACHE_LIMIT`` of each) are cached as
sets, with the id of the oldest engagement they hold. An engagement always comes after the
tweet, so for a tweet newer than that id the set's answer is complete; only older tweets (rare in
a timeline) are asked of DynamoDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warbler.adapters.redis_client import RedisErrors
from warbler.engagement.store import LIKE, RETWEET, EngagementStore

ENGAGED_CACHE_LIMIT = 2000
ENGAGED_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Flags:
    liked: set[str] = field(default_factory=set)
    retweeted: set[str] = field(default_factory=set)


def flags(user_id: str, tweet_ids: list[str]) -> Flags:
    """The flags for a page: one Redis round trip (more only for old tweets or a cold cache)."""
    if not tweet_ids:
        return Flags()
    replies: list | None
    try:
        replies = EngagementStore().cached_flags(user_id, tweet_ids)
    except RedisErrors:
        replies = None
    return flags_from(user_id, tweet_ids, replies)


def flags_from(user_id: str, tweet_ids: list[str], replies: list | None) -> Flags:
    """The flags from the replies to ``EngagementStore.flag_commands`` (None: Redis was unavailable)."""
    store = EngagementStore()
    found: dict[str, set[str]] = {LIKE: set(), RETWEET: set()}
    unsure: dict[str, list[str]] = {LIKE: list(tweet_ids), RETWEET: list(tweet_ids)}
    if replies is not None and tweet_ids:
        try:
            since_like, like_hits, since_rt, rt_hits = replies
            for kind, since, hits in ((LIKE, since_like, like_hits), (RETWEET, since_rt, rt_hits)):
                if since is None:
                    since, engaged = store.load_engaged(user_id, kind, ENGAGED_CACHE_LIMIT, ENGAGED_CACHE_SECONDS)
                    found[kind] = {t for t in tweet_ids if t in engaged}
                else:
                    found[kind] = {t for t, hit in zip(tweet_ids, hits, strict=True) if hit}
                unsure[kind] = [t for t in tweet_ids if t not in found[kind] and t <= since and since != "0"]
        except RedisErrors:
            found = {LIKE: set(), RETWEET: set()}
            unsure = {LIKE: list(tweet_ids), RETWEET: list(tweet_ids)}
    from_table = store.engaged_rows(user_id, unsure)
    return Flags(liked=found[LIKE] | from_table[LIKE], retweeted=found[RETWEET] | from_table[RETWEET])
