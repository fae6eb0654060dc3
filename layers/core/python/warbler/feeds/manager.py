"""The feed manager: every rule that writes a timeline (Mastodon's ``FeedManager`` is the model).

- **Fan-out on write, in two stages.** ``plan`` (tweets table stream) decides who should see a
  new or removed tweet and cuts its audience into chunks of at most ``fanout_chunk_size``
  follower ids; a ``FanoutBuffer`` packs the chunks of a whole planner batch — many tweets —
  into records of up to ``fanout_chunk_size`` deliveries on the Kinesis fan-out stream, so one
  planner never does the writes for a large audience itself and a small audience does not cost
  a record of its own. ``deliver`` (fan-out stream) applies a whole Kinesis batch in one Redis
  round trip, one script call per hash slot, then pushes the entries to the followers who are
  live.
- **Famous skip.** Authors with ``famous_threshold`` followers or more are not fanned out: their
  followers merge the author's newest entries at read (``warbler.feeds.reads``), from a copy
  per home bucket that the planner writes like the author's own timeline (only where a read
  made one: at most ``timeline_buckets`` writes, not one per follower); their entries are
  pushed to the author's live audience instead. ``promote_if_famous`` tells every follower of an
  account that just crossed the threshold, once.
- **Reply filter.** A reply to someone else reaches only the author's followers who also
  follow the person it answers (``Post.conversation_partner``).
- **Passive skip, retweet dedupe, trim.** Delivery writes only timelines that exist (a missing
  one is passive and is rebuilt on its next read), skips a retweet whose original (or another
  retweet of it) is among the newest ``retweet_dedupe_window`` entries, and keeps ``cap``
  entries: atomically per timeline, in the Lua of ``warbler.feeds.store``.
- **Merge and unmerge.** A follow merges the followee's newest ``follow_merge_limit`` entries
  in (a famous followee joins the read-time merge set instead); an unfollow takes them out.
- **Read-your-writes.** The author's own timelines get a new entry in the request; the planner
  repeats it for the user timeline and the fan-out for the home timeline, idempotently, so an
  entry the request could not write (Redis down) is still written once Redis answers.
- **Only entries.** A fan-out record is applied only if its entry and user ids are well formed.

Both stages are idempotent (sorted-set adds and removes), so at-least-once delivery of either
stream never duplicates an entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from warbler import live, social_graph, users
from warbler.adapters.redis_client import RedisErrors
from warbler.errors import NotFound
from warbler.feeds import reads
from warbler.feeds.entries import RULES, Op, entry, is_entry
from warbler.feeds.store import Applied, FanoutStream, TimelineStore
from warbler.segments import counters
from warbler.tweets.store import TweetStore

_USER_ID_RE = re.compile(r"[0-9A-Za-z_-]{1,64}")


@dataclass(frozen=True)
class Chunk:
    """One timeline entry (see ``warbler.feeds.entries``) for a slice of an author's audience."""

    op: Op
    entry: str
    author_id: str
    followers: list[str]

    def to_json(self) -> dict:
        return {"op": self.op.value, "entry": self.entry, "author_id": self.author_id, "followers": self.followers}

    @classmethod
    def from_json(cls, doc: dict) -> Chunk:
        """A chunk as the planner wrote it; anything else is a ValueError (the record is
        reported, never applied): its entry and follower ids become timeline members and keys."""
        try:
            op = Op(doc["op"])
        except ValueError:
            raise ValueError(f"unknown fan-out op {doc['op']!r}") from None
        entry_, followers = doc["entry"], doc["followers"]
        if not is_entry(entry_):  # what a cursor may name: ASCII digits only, whole
            raise ValueError("a fan-out entry is a tweet id, or a retweet's '<id>:<original id>'")
        if not isinstance(followers, list) or not all(
            isinstance(f, str) and _USER_ID_RE.fullmatch(f) for f in followers
        ):
            raise ValueError("fan-out followers are a list of user ids")
        return cls(op, entry_, str(doc["author_id"]), followers)


def chunks_of_record(doc: dict) -> list[Chunk]:
    """The chunks of one fan-out record: packed (``{"chunks": [...]}``, what ``FanoutBuffer``
    writes) or a single chunk (the format before packing, still accepted while it drains)."""
    if not isinstance(doc, dict):
        raise ValueError("a fan-out record is a JSON object")
    if "chunks" in doc:
        if not isinstance(doc["chunks"], list):
            raise ValueError("a packed fan-out record holds a list of chunks")
        return [Chunk.from_json(c) for c in doc["chunks"]]
    return [Chunk.from_json(doc)]


def pack(chunks: Iterable[tuple[str, Chunk]], per_record: int) -> list[tuple[str, dict]]:
    """(partition key, chunk) pairs → packed records of up to ``per_record`` deliveries each (a
    chunk is never split), in order; a record is keyed by its first chunk's key."""
    records: list[tuple[str, dict]] = []
    current: list[dict] = []
    key, size = "", 0
    for chunk_key, chunk in chunks:
        if current and size + len(chunk.followers) > per_record:
            records.append((key, {"chunks": current}))
            current, size = [], 0
        if not current:
            key = chunk_key
        current.append(chunk.to_json())
        size += len(chunk.followers)
    if current:
        records.append((key, {"chunks": current}))
    return records


class FanoutBuffer:
    """The chunks a planner batch plans, packed into records and put together (``flush``); it
    puts early when a batch's chunks would fill a PutRecords call, so memory stays bounded."""

    def __init__(self, stream: FanoutStream | None = None) -> None:
        self._stream = stream or FanoutStream()
        self._chunks: list[tuple[str, Chunk]] = []
        self._deliveries = 0

    def add(self, key: str, chunk: Chunk) -> None:
        self._chunks.append((key, chunk))
        self._deliveries += len(chunk.followers)
        if self._deliveries >= self._stream.MAX_RECORDS_PER_CALL * RULES.fanout_chunk_size:
            self.flush()

    def flush(self) -> None:
        if self._chunks:
            self._stream.put(pack(self._chunks, RULES.fanout_chunk_size))
        self._chunks, self._deliveries = [], 0


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
        return entry(self.tweet_id, self.retweet_of_id)

    @property
    def conversation_partner(self) -> str | None:
        """Whom a reply answers, when that is someone else: only their common followers see it."""
        if self.reply_to_id and self.parent_author_id and self.parent_author_id != self.author_id:
            return self.parent_author_id
        return None


@dataclass(frozen=True)
class Delivered:
    applied: int
    pushed: int


# ----------------------------------------------------------------------------- read-your-writes


def add_own_tweet(author_id: str, tweet_entry: str) -> None:
    """Read-your-writes: the author sees the tweet at once; fan-out repeats this idempotently."""
    try:
        TimelineStore().apply_own(Op.ADD, author_id, tweet_entry)
    except RedisErrors:
        pass  # the fan-out of this tweet (from the table stream) also covers the author


def remove_own_tweet(author_id: str, tweet_entry: str) -> None:
    try:
        TimelineStore().apply_own(Op.REMOVE, author_id, tweet_entry)
    except RedisErrors:
        pass  # hydration drops deleted tweets; the stream-driven removal retries the cleanup


# ----------------------------------------------------------------------------- fan-out


def plan_new(post: Post, out: FanoutBuffer | None = None) -> int:
    """A new tweet (tweets table stream INSERT): plan its fan-out."""
    return plan(Op.ADD, post, out)


def plan_removal(post: Post, out: FanoutBuffer | None = None) -> int:
    """A deleted tweet (REMOVE): tombstone its cache entry (the request did, unless Redis was
    down then: the stream repeats it until it holds), then plan its removal everywhere."""
    TweetStore().bury(post.tweet_id)
    return plan(Op.REMOVE, post, out)


def plan(op: Op, post: Post, out: FanoutBuffer | None = None) -> int:
    """Add the fan-out chunks of one tweet to ``out`` (a batch's buffer; without one, they are
    put at once); returns the audience size."""
    buffer = out or FanoutBuffer()
    audience = _plan(op, post, buffer)
    if out is None:
        buffer.flush()
    return audience


def _plan(op: Op, post: Post, out: FanoutBuffer) -> int:
    tweet_id, author_id = post.tweet_id, post.author_id
    # The author's user timeline (what /users/{h}/tweets and famous merges read): the request
    # wrote it, unless Redis was down then; a cached one that missed it would never be repaired,
    # so the stream writes it too (failing the record while Redis is down: retried, redriven).
    TimelineStore().apply_user_timeline(op, author_id, post.entry)
    # The author's own timeline first: the request already wrote it, unless Redis was down then.
    out.add(f"{tweet_id}:self", Chunk(op, post.entry, author_id, [author_id]))
    author = users.find_user(author_id)
    if author is None or RULES.is_famous(author.followers_count):
        if author is not None:  # not in their followers' timelines: in the copies their merge
            # reads (after the user timeline, which a claimed copy is filled from), and pushed
            TimelineStore().apply_famous_copies(op, author_id, post.entry, RULES.famous_copy_cap)
            live.push_to_live_audience(op, post.entry, author_id, post.conversation_partner)
        return 0
    size = RULES.fanout_chunk_size
    audience = 0
    partner = post.conversation_partner
    for page in social_graph.follower_id_pages(author_id, page_size=size):
        if partner is not None:
            page = social_graph.who_follow(page, partner)
        audience += len(page)
        for start in range(0, len(page), size):
            part = page[start : start + size]
            out.add(f"{tweet_id}:{part[0]}", Chunk(op, post.entry, author_id, part))
    return audience


def deliver(chunks: Iterable[Chunk]) -> Applied:
    """Apply chunks to home timelines: one round trip per operation for the whole batch. Also
    returns the open connections of the followers it reached, for live pushes."""
    adds: list[tuple[str, list[str]]] = []
    removes: list[tuple[str, list[str]]] = []
    for chunk in chunks:
        (adds if chunk.op == Op.ADD else removes).append((chunk.entry, chunk.followers))
    store = TimelineStore()
    added, removed = store.apply_to_homes(Op.ADD, adds), store.apply_to_homes(Op.REMOVE, removes)
    return Applied(added.applied + removed.applied, {**added.live, **removed.live})


def deliver_and_push(chunks: list[Chunk]) -> Delivered:
    """A fan-out batch: the timelines first, then the live pushes to exactly the followers it
    reached (best effort: a push never fails the batch, see ``warbler.live``)."""
    applied = deliver(chunks)
    pushed = live.push_timeline([(c.op, c.entry, c.followers) for c in chunks], applied.live)
    return Delivered(applied.applied, pushed)


# ----------------------------------------------------------------------------- the social graph


def on_follow(follower_id: str, followee_id: str) -> None:
    """A new follow edge (follows table stream INSERT)."""
    promote_if_famous(followee_id)
    merge_followee(follower_id, followee_id)


def on_unfollow(follower_id: str, followee_id: str) -> None:
    unmerge_followee(follower_id, followee_id)
    followee = users.find_user(followee_id)
    if followee is not None:  # below the threshold now: out of the famous segment's count
        counters.famous(followee_id, followee.followers_count, users.is_visible(followee))


def _user(user_id: str):
    user = users.find_user(user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def promote_if_famous(user_id: str) -> bool:
    """When an account crosses the famous threshold its followers stop receiving its tweets by
    fan-out, so each of them must start merging it at read. Done once per account."""
    user = _user(user_id)
    if not RULES.is_famous(user.followers_count):
        return False
    counters.famous(user_id, user.followers_count, users.is_visible(user))
    store = TimelineStore()
    if store.promoted(user_id):
        return False
    for page in social_graph.follower_id_pages(user_id):
        store.add_famous_to_followers(user_id, page)
    # Marked only when complete: a crash half-way repeats the (idempotent) promotion.
    store.mark_promoted(user_id)
    return True


def merge_followee(follower_id: str, followee_id: str) -> None:
    """After a follow: famous followees join the read-time merge set; others' recent tweets are
    merged into the follower's home timeline (if it is cached: a passive one is rebuilt later)."""
    store = TimelineStore()
    if RULES.is_famous(_user(followee_id).followers_count):
        store.add_famous_followee(follower_id, followee_id)
        return
    recent = reads.recent_entries(followee_id, RULES.follow_merge_limit)
    store.apply_home(Op.ADD, follower_id, recent)


def unmerge_followee(follower_id: str, followee_id: str) -> None:
    store = TimelineStore()
    store.remove_famous_followee(follower_id, followee_id)
    recent = reads.recent_entries(followee_id, RULES.cap)
    store.apply_home(Op.REMOVE, follower_id, recent)
