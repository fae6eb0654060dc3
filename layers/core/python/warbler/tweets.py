"""Tweets: post (plain, reply, quote), read, delete, and hydration of timeline entries.

A tweet, its author's ``tweets_count`` and its parent's ``reply_count``/``quote_count`` change in
one transaction. The author's own timelines are updated in the request (read-your-writes);
everyone else's happens from the table stream in ``warbler.fanout``. The cache is aside: a
delete leaves a tombstone that a concurrent reader's late cache fill cannot overwrite (fills use
SET NX), so a deleted tweet never comes back.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler import clock, engagement, ids, limits, pagination, timelines, users
from warbler.adapters.dynamo import EngagementModel, HandleModel, MentionAttribute, TweetModel, UserModel
from warbler.adapters.redis_store import Keys, RedisErrors, client
from warbler.errors import Forbidden, InvalidInput, NotFound
from warbler.pagination import Page
from warbler.text import handle_key, parse_tweet_text

TWEET_TTL_SECONDS = 3 * 24 * 3600
TOMBSTONE = "-"
MAX_ANCESTORS = 30
_COUNTS = ("like_count", "retweet_count", "reply_count", "quote_count")
_LINKS = ("retweet_of_id", "quote_of_id", "reply_to_id", "conversation_id", "parent_author_id")
_MAX_ID_ATTEMPTS = 3


def record(tweet: TweetModel) -> dict:
    """The cached form of a tweet: everything but the author card, which changes separately."""
    return {
        "id": tweet.tweet_id,
        "author_id": tweet.author_id,
        "text": tweet.text,
        "created_at": tweet.created_at,
        "hashtags": list(tweet.hashtags or []),
        "mentions": [{"id": m.id, "handle": m.handle} for m in (tweet.mentions or [])],
        **{name: int(getattr(tweet, name) or 0) for name in _COUNTS},
        **{name: getattr(tweet, name) for name in _LINKS},
    }


def _tx() -> TransactWrite:
    return TransactWrite(connection=TweetModel._get_connection().connection)


def condition_failed_at(error: TransactWriteError, index: int) -> bool:
    reasons = getattr(error, "cancellation_reasons", None) or []
    return len(reasons) > index and reasons[index] is not None and reasons[index].code == "ConditionalCheckFailed"


def get_model(tweet_id: str) -> TweetModel:
    try:
        return TweetModel.get(tweet_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such tweet") from None


def _resolve_mentions(handles: Sequence[str]) -> list[dict]:
    if not handles:
        return []
    keys = [handle_key(h) for h in handles]
    claims = {c.handle_key: c.user_id for c in HandleModel.batch_get(keys)}
    by_id = users.users_by_id(claims.values())
    return [{"id": claims[k], "handle": by_id[claims[k]].handle} for k in keys if k in claims and claims[k] in by_id]


def post_tweet(author_id: str, text: str, reply_to_id: str | None = None, quote_of_id: str | None = None) -> dict:
    parsed = parse_tweet_text(text)
    limits.spend(author_id, "tweet")
    mentions = _resolve_mentions(parsed.mention_handles)
    users.get_user(author_id)
    parent = get_model(reply_to_id) if reply_to_id else None
    quoted = get_model(quote_of_id) if quote_of_id else None
    if parent is not None and parent.retweet_of_id:
        raise InvalidInput("reply to the original tweet, not to a retweet")
    if quoted is not None and quoted.retweet_of_id:
        quoted = get_model(quoted.retweet_of_id)
    for attempt in range(_MAX_ID_ATTEMPTS):
        tweet = TweetModel(
            tweet_id=ids.new_id(),
            author_id=author_id,
            text=parsed.text,
            created_at=clock.now_iso(),
            hashtags=parsed.hashtags,
            mentions=[MentionAttribute(**m) for m in mentions],
        )
        if parent is not None:
            tweet.reply_to_id = parent.tweet_id
            tweet.conversation_id = parent.conversation_id or parent.tweet_id
            tweet.parent_author_id = parent.author_id
        if quoted is not None:
            tweet.quote_of_id = quoted.tweet_id
            tweet.parent_author_id = tweet.parent_author_id or quoted.author_id
        try:
            with _tx() as tx:
                tx.save(tweet, condition=TweetModel.tweet_id.does_not_exist())
                tx.update(UserModel(author_id), actions=[UserModel.tweets_count.add(1)])
                if parent is not None:
                    tx.update(
                        TweetModel(parent.tweet_id),
                        actions=[TweetModel.reply_count.add(1)],
                        condition=TweetModel.tweet_id.exists(),
                    )
                if quoted is not None:
                    tx.update(
                        TweetModel(quoted.tweet_id),
                        actions=[TweetModel.quote_count.add(1)],
                        condition=TweetModel.tweet_id.exists(),
                    )
            break
        except TransactWriteError as error:
            if condition_failed_at(error, 2) or condition_failed_at(error, 3):
                raise NotFound("the tweet you reply to or quote was deleted") from None
            if not condition_failed_at(error, 0) or attempt == _MAX_ID_ATTEMPTS - 1:
                raise
    forget([t.tweet_id for t in (parent, quoted) if t is not None])
    rec = record(tweet)
    cache_put(rec)
    timelines.add_own_tweet(author_id, timelines.entry(tweet.tweet_id))
    return hydrate([tweet.tweet_id], caller_id=author_id)[0]


def cache_put(rec: dict) -> None:
    with contextlib.suppress(*RedisErrors):
        client().set(Keys.tweet(rec["id"]), json.dumps(rec), ex=TWEET_TTL_SECONDS)


def get_tweet(tweet_id: str, caller_id: str | None = None) -> dict:
    hydrated = hydrate([tweet_id], caller_id)
    if not hydrated:
        raise NotFound("no such tweet")
    return hydrated[0]


def delete_tweet(caller_id: str, tweet_id: str) -> None:
    tweet = get_model(tweet_id)
    if tweet.author_id != caller_id:
        raise Forbidden("only the author can delete a tweet")
    if tweet.retweet_of_id:
        engagement.unretweet(caller_id, tweet.retweet_of_id)
        return
    parent_id = tweet.reply_to_id or tweet.quote_of_id
    counter = TweetModel.reply_count if tweet.reply_to_id else TweetModel.quote_count
    for with_parent in (True, False):
        try:
            with _tx() as tx:
                tx.delete(tweet, condition=TweetModel.tweet_id.exists())
                tx.update(UserModel(caller_id), actions=[UserModel.tweets_count.add(-1)])
                if parent_id and with_parent:
                    tx.update(TweetModel(parent_id), actions=[counter.add(-1)], condition=TweetModel.tweet_id.exists())
            break
        except TransactWriteError as error:
            if condition_failed_at(error, 0):
                raise NotFound("no such tweet") from None
            if not (with_parent and parent_id and condition_failed_at(error, 2)):
                raise
            # The parent was deleted meanwhile: there is no count left to correct.
    bury(tweet_id)
    forget([parent_id] if parent_id else [])
    timelines.remove_own_tweet(caller_id, timelines.entry(tweet_id))
    engagement.remove_all(tweet_id)


def bury(tweet_id: str) -> None:
    """Tombstone a deleted tweet's cache entry; the table stream repeats it until it holds."""
    with contextlib.suppress(*RedisErrors):
        client().set(Keys.tweet(tweet_id), TOMBSTONE, ex=TWEET_TTL_SECONDS)


def forget(tweet_ids: Iterable[str]) -> None:
    """Drop cached copies after a count changed (cache-aside invalidation)."""
    keys = [Keys.tweet(t) for t in tweet_ids]
    if keys:
        with contextlib.suppress(*RedisErrors):
            client().delete(*keys) if len(keys) == 1 else _pipeline_delete(keys)


def _pipeline_delete(keys: list[str]) -> None:
    pipe = client().pipeline(transaction=False)
    for key in keys:
        pipe.delete(key)
    pipe.execute()


def records(tweet_ids: Sequence[str]) -> dict[str, dict]:
    """Tweet records by id, cache-aside: one Redis round trip, one DynamoDB batch for misses.
    Deleted and unknown ids are absent from the result."""
    return records_and(tweet_ids, None)[0]


def records_and(tweet_ids: Sequence[str], also: Callable[[Any], None] | None) -> tuple[dict[str, dict], list | None]:
    """``records``, plus whatever ``also`` queues on the same pipeline: its replies come back
    second (None when Redis was unavailable), so a caller saves a round trip."""
    wanted = list(dict.fromkeys(tweet_ids))
    found: dict[str, dict] = {}
    dead: set[str] = set()
    extra: list | None = None
    r = None
    try:
        r = client()
        pipe = r.pipeline(transaction=False)
        for tid in wanted:
            pipe.get(Keys.tweet(tid))
        if also is not None:
            also(pipe)
        replies = pipe.execute()
        extra = replies[len(wanted) :]
        for tid, raw in zip(wanted, replies[: len(wanted)], strict=True):
            if raw == TOMBSTONE:
                dead.add(tid)
            elif raw:
                found[tid] = json.loads(raw)
    except RedisErrors:
        r = None
    missing = [t for t in wanted if t not in found and t not in dead]
    if missing:
        loaded = {t.tweet_id: record(t) for t in TweetModel.batch_get(missing)}
        found.update(loaded)
        if r is not None and loaded:
            with contextlib.suppress(*RedisErrors):
                pipe = r.pipeline(transaction=False)
                for tid, rec in loaded.items():
                    pipe.set(Keys.tweet(tid), json.dumps(rec), ex=TWEET_TTL_SECONDS, nx=True)
                pipe.execute()
    return found, extra


def _view(
    rec: dict, authors: dict[str, dict], recs: dict[str, dict], flags: engagement.Flags | None, embed: bool
) -> dict | None:
    author = authors.get(rec["author_id"])
    if author is None:
        return None
    out: dict = {
        "id": rec["id"],
        "text": rec["text"],
        "created_at": rec["created_at"],
        "author": author,
        "hashtags": rec["hashtags"],
        "mentions": rec["mentions"],
        **{name: rec[name] for name in _COUNTS},
        "reply_to_id": rec.get("reply_to_id"),
        "conversation_id": rec.get("conversation_id") or rec["id"],
        "quote_of_id": rec.get("quote_of_id"),
    }
    if flags is not None:
        out["liked"] = rec["id"] in flags.liked
        out["retweeted"] = rec["id"] in flags.retweeted
    if embed and rec.get("quote_of_id"):
        quoted = recs.get(rec["quote_of_id"])
        out["quote_of"] = _view(quoted, authors, recs, flags, embed=False) if quoted else None
    return out


def hydrate(entries: Sequence[str], caller_id: str | None = None) -> list[dict]:
    """Tweet views for timeline entries, in order, in a constant number of round trips for any
    page size: the entries' records with the caller's likes and retweets, then the tweets they
    quote (if any), then the author cards (mostly memoised). Deleted tweets (and retweets of
    them) drop out."""
    base = [timelines.entry_tweet_id(e) for e in entries]
    # A retweet entry names its original, so the records of both, and the caller's likes and
    # retweets of all of them, are read in one round trip.
    originals = [e[len(b) + 1 :] for e, b in zip(entries, base, strict=True) if len(e) > len(b)]
    named = list(dict.fromkeys(base + originals))
    also = (lambda pipe: engagement.flag_commands(pipe, caller_id, named)) if caller_id and named else None
    recs, flag_replies = records_and(named, also)
    referenced = {r[k] for r in recs.values() for k in ("retweet_of_id", "quote_of_id") if r.get(k)} - set(recs)
    if referenced:
        recs.update(records(sorted(referenced)))
    authors = users.cards(r["author_id"] for r in recs.values())
    flags = None
    if caller_id:
        flags = engagement.flags_from(caller_id, named, flag_replies)
        if referenced:  # quoted tweets: rare, one more read
            more = engagement.flags(caller_id, sorted(referenced))
            flags = engagement.Flags(flags.liked | more.liked, flags.retweeted | more.retweeted)
    out = []
    for tid in base:
        rec = recs.get(tid)
        if rec is None:
            continue
        if rec.get("retweet_of_id"):
            original = recs.get(rec["retweet_of_id"])
            retweeter = authors.get(rec["author_id"])
            embedded = _view(original, authors, recs, flags, embed=True) if original else None
            if embedded is None or retweeter is None:
                continue
            out.append(
                {
                    "id": rec["id"],
                    "created_at": rec["created_at"],
                    "author": retweeter,
                    "retweeted_by": retweeter,
                    "retweet_of": embedded,
                }
            )
        else:
            view = _view(rec, authors, recs, flags, embed=True)
            if view is not None:
                out.append(view)
    return out


def replies(tweet_id: str, limit: int, cursor: str | None, caller_id: str | None) -> Page:
    """Direct replies, oldest first."""
    start = pagination.decode(cursor)
    result = TweetModel.by_parent.query(
        tweet_id, limit=limit, last_evaluated_key=start, page_size=limit, attributes_to_get=["tweet_id"]
    )
    reply_ids = [t.tweet_id for t in result]
    last = result.last_evaluated_key
    return Page(hydrate(reply_ids, caller_id), pagination.encode(last) if last else None)


def context(tweet_id: str, caller_id: str, limit: int) -> dict:
    """A conversation around one tweet: its ancestors (root first), itself, its first replies.
    A deleted ancestor ends the chain: the reply keeps ``reply_to_id``, the parent is absent."""
    tweet = get_tweet(tweet_id, caller_id)
    chain: list[str] = []
    parent_id = tweet.get("reply_to_id")
    while parent_id and len(chain) < MAX_ANCESTORS:
        parent = records([parent_id]).get(parent_id)
        if parent is None:
            break
        chain.append(parent_id)
        parent_id = parent.get("reply_to_id")
    return {
        "ancestors": hydrate(list(reversed(chain)), caller_id),
        "tweet": tweet,
        "replies": replies(tweet_id, limit, None, caller_id).as_dict(),
    }


def liked_by(caller_id: str, handle: str, limit: int, cursor: str | None) -> Page:
    user_id = users.user_id_for_handle(handle)
    result = EngagementModel.by_user.query(
        engagement.user_kind(user_id, engagement.LIKE),
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=pagination.decode(cursor),
    )
    liked_ids = [row.tweet_id for row in result]
    last = result.last_evaluated_key
    return Page(hydrate(liked_ids, caller_id), pagination.encode(last) if last else None)
