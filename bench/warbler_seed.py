"""Seed Warbler's Redis read state for a synthetic graph, through the domain layer's own code.

Seeding 5M follows through the HTTP API (or into moto) would take hours, and a warm home read
touches only Redis, so for the graph-scale read benchmark this module writes, for each sampled
reader, exactly the state fan-out and the caches would have left behind:

- the reader's home timeline: the newest ``timeline_cap`` tweets of the non-famous accounts they
  follow and their own (``TimelineStore.replace``, as a rebuild writes it);
- the set of famous accounts they follow, and those authors' cached user timelines;
- the cached tweet records and author cards of what the first page shows (``tweets.store.record`` and
  ``users.card`` of in-memory models, stored under the domain's keys and TTLs).

The famous rule is the product's (``followers_count >= famous_threshold``), applied to the
graph's follower counts. Must be imported after the stack environment is in ``os.environ``.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from itertools import islice

from bench.graph import SocialGraph
from bench.progress import Progress

ID_BASE = 10**18  # 19-digit ids below any real snowflake minted today: posts made later sort newer


def user_id(u: int) -> str:
    return str(ID_BASE + u)


def tweet_id(i: int) -> str:
    return str(ID_BASE + i + 1)


@dataclass
class SeedResult:
    readers: list[str]
    famous_authors: int
    timeline_entries: int
    cached_tweets: int
    cached_cards: int


class TweetIndex:
    """Each author's tweets, newest first."""

    def __init__(self, graph: SocialGraph) -> None:
        self._by_author: list[list[int]] = [[] for _ in range(graph.users)]
        for i, author in enumerate(graph.tweet_author):
            self._by_author[author].append(i)

    def newest(self, author: int, n: int) -> list[int]:
        return self._by_author[author][: -n - 1 : -1]

    def newest_of_many(self, authors: list[int], n: int) -> list[int]:
        streams = [self.newest(a, n) for a in authors]
        return list(islice(heapq.merge(*streams, reverse=True), n))


def seed(graph: SocialGraph, readers: list[int], index: TweetIndex, progress: Progress, page: int = 20) -> SeedResult:
    from warbler import users
    from warbler.adapters.dynamo import TweetModel, UserModel
    from warbler.adapters.keys import Keys
    from warbler.adapters.redis_client import client
    from warbler.feeds.store import TimelineStore
    from warbler.settings import get_settings
    from warbler.tweets.store import TWEET_TTL_SECONDS, record
    from warbler.users.store import CARD_TTL_SECONDS

    s = get_settings()
    r = client()
    store = TimelineStore(r)
    famous = {u for u in range(graph.users) if graph.followers_count[u] >= s.famous_threshold}
    to_cache: set[int] = set()
    famous_seen: set[int] = set()
    entries = 0
    task = progress.task(f"seed Redis for {len(readers)} readers", len(readers))
    for reader in readers:
        followees = graph.followees_of(reader)
        pushed = [reader] + [f for f in followees if f not in famous]
        home = index.newest_of_many(pushed, s.timeline_cap)
        store.replace(Keys.home(user_id(reader)), [tweet_id(i) for i in home], s.passive_after_seconds)
        entries += len(home)
        to_cache.update(home[: page + 1])
        pulled = [f for f in followees if f in famous]
        pipe = r.pipeline(transaction=True)
        pipe.delete(Keys.famous_followees(user_id(reader)))
        if pulled:
            pipe.sadd(Keys.famous_followees(user_id(reader)), *[user_id(f) for f in pulled])
        pipe.execute()
        for f in pulled:
            if f not in famous_seen:
                famous_seen.add(f)
                own = index.newest(f, s.timeline_cap)
                store.replace(Keys.user_timeline(user_id(f)), [tweet_id(i) for i in own], s.passive_after_seconds)
                entries += len(own)
                to_cache.update(own[: page + 1])
        task.advance()
    task.done()

    authors = {graph.tweet_author[i] for i in to_cache}
    pipe = r.pipeline(transaction=False)
    for i in sorted(to_cache):
        model = TweetModel(
            tweet_id=tweet_id(i),
            author_id=user_id(graph.tweet_author[i]),
            text=f"Tweet number {i + 1} from user{graph.tweet_author[i]}, about nothing in particular.",
            created_at="2024-01-01T00:00:00.000Z",
        )
        pipe.set(Keys.tweet(model.tweet_id), json.dumps(record(model)), ex=TWEET_TTL_SECONDS)
    for a in sorted(authors):
        model = UserModel(user_id=user_id(a), handle=f"user{a}", display_name=f"User {a}")
        pipe.set(Keys.user_card(model.user_id), json.dumps(users.card(model)), ex=CARD_TTL_SECONDS)
    pipe.execute()
    return SeedResult([user_id(u) for u in readers], len(famous_seen), entries, len(to_cache), len(authors))
