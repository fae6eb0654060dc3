"""Fan-out on write, in two stages.

1. ``plan`` (tweets table stream): who should see a new tweet. It reads the author's followers a
   page at a time and puts chunks of ``fanout_chunk_size`` follower ids on the Kinesis fan-out
   stream, so one planner never does the writes for a large audience itself. Famous authors are
   not fanned out (their tweets are merged at read, see ``warbler.timelines``).
2. ``deliver`` (fan-out stream): a whole Kinesis batch becomes one Redis round trip, one script
   call per hash slot. Passive followers' timelines are absent, and the script skips them.

Both stages are idempotent (sorted-set adds and removes), so at-least-once delivery of either
stream never duplicates an entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from warbler import live, social_graph, timelines
from warbler.adapters import kinesis
from warbler.adapters.dynamo import UserModel
from warbler.adapters.redis_store import Applied, Groups, Keys, TimelineStore, client
from warbler.settings import get_settings

ADD = "add"
REMOVE = "rem"


@dataclass(frozen=True)
class Chunk:
    """One timeline entry (see ``timelines.entry``) for a slice of an author's audience."""

    op: str
    entry: str
    author_id: str
    followers: list[str]

    def to_json(self) -> dict:
        return {"op": self.op, "entry": self.entry, "author_id": self.author_id, "followers": self.followers}

    @classmethod
    def from_json(cls, doc: dict) -> Chunk:
        op = doc["op"]
        if op not in (ADD, REMOVE):
            raise ValueError(f"unknown fan-out op {op!r}")
        return cls(op, str(doc["entry"]), str(doc["author_id"]), [str(f) for f in doc["followers"]])


@dataclass(frozen=True)
class Post:
    """What fan-out needs of a tweet, from its table-stream image."""

    tweet_id: str
    author_id: str
    retweet_of_id: str | None = None
    reply_to_id: str | None = None
    parent_author_id: str | None = None

    @classmethod
    def from_image(cls, image: dict) -> Post:
        return cls(
            image["tweet_id"],
            image["author_id"],
            image.get("retweet_of_id"),
            image.get("reply_to_id"),
            image.get("parent_author_id"),
        )

    @property
    def entry(self) -> str:
        return timelines.entry(self.tweet_id, self.retweet_of_id)

    @property
    def conversation_partner(self) -> str | None:
        """Whom a reply answers, when that is someone else: only their common followers see it."""
        if self.reply_to_id and self.parent_author_id and self.parent_author_id != self.author_id:
            return self.parent_author_id
        return None


def plan(op: str, post: Post) -> int:
    """Put the fan-out chunks of one tweet on the fan-out stream; returns the audience size."""
    tweet_id, author_id = post.tweet_id, post.author_id
    # The author's own timeline first: the request already wrote it, unless Redis was down then.
    chunks: list[tuple[str, dict]] = [(f"{tweet_id}:self", Chunk(op, post.entry, author_id, [author_id]).to_json())]
    try:
        author = UserModel.get(author_id)
    except DoesNotExist:
        author = None
    if author is None or timelines.is_famous(author):
        kinesis.put_json(get_settings().fanout_stream, chunks)
        if author is not None:  # not in their followers' timelines, but pushed to the live ones
            live.push_to_live_audience(op, post.entry, author_id, post.conversation_partner)
        return 0
    size = get_settings().fanout_chunk_size
    audience = 0
    partner = post.conversation_partner
    for page in social_graph.follower_id_pages(author_id, page_size=size):
        if partner is not None:
            page = social_graph.who_follow(page, partner)
        audience += len(page)
        for start in range(0, len(page), size):
            part = page[start : start + size]
            chunks.append((f"{tweet_id}:{part[0]}", Chunk(op, post.entry, author_id, part).to_json()))
        if len(chunks) >= kinesis.MAX_RECORDS_PER_CALL:
            kinesis.put_json(get_settings().fanout_stream, chunks)
            chunks = []
    if chunks:
        kinesis.put_json(get_settings().fanout_stream, chunks)
    return audience


def deliver(chunks: Iterable[Chunk]) -> Applied:
    """Apply chunks to home timelines: one round trip per operation for the whole batch. Also
    returns the open connections of the followers it reached, for live pushes."""
    groups: dict[str, Groups] = {
        ADD: defaultdict(lambda: defaultdict(list)),
        REMOVE: defaultdict(lambda: defaultdict(list)),
    }
    for chunk in chunks:
        by_tag = groups[chunk.op]
        for tag, key in Keys.homes_by_tag(chunk.followers):
            by_tag[tag][chunk.entry].append(key)
    store = TimelineStore()
    added, removed = store.apply_groups(ADD, groups[ADD]), store.apply_groups(REMOVE, groups[REMOVE])
    return Applied(added.applied + removed.applied, {**added.live, **removed.live})


def promote_if_famous(user_id: str) -> bool:
    """When an account crosses the famous threshold its followers stop receiving its tweets by
    fan-out, so each of them must start merging it at read. Done once per account."""
    user = UserModel.get(user_id)
    if not timelines.is_famous(user):
        return False
    r = client()
    if r.exists(Keys.famous_marker(user_id)):
        return False
    for page in social_graph.follower_id_pages(user_id):
        pipe = r.pipeline(transaction=False)
        for follower in page:
            pipe.sadd(Keys.famous_followees(follower), user_id)
        pipe.execute()
    # Marked only when complete: a crash half-way repeats the (idempotent) promotion.
    r.set(Keys.famous_marker(user_id), "1")
    return True
