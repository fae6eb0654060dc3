"""Tweets: post, read, delete, and hydration of ids into the Tweet view.

A tweet and its author's ``tweets_count`` change in one transaction. The author's own timelines
are updated in the request (read-your-writes); everyone else's happens from the table stream in
``warbler.fanout``. The cache is aside: a delete leaves a tombstone that a concurrent reader's
late cache fill cannot overwrite (fills use SET NX), so a deleted tweet never comes back.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler import clock, ids, timelines, users
from warbler.adapters.dynamo import HandleModel, MentionAttribute, TweetModel, UserModel
from warbler.adapters.redis_store import Keys, RedisErrors, cached_json_many, client
from warbler.errors import Forbidden, NotFound
from warbler.text import handle_key, parse_tweet_text

TWEET_TTL_SECONDS = 3 * 24 * 3600
TOMBSTONE = "-"
_COUNTS = ("like_count", "retweet_count", "reply_count", "quote_count")
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
    }


def view(rec: dict, author: dict) -> dict:
    out = {k: v for k, v in rec.items() if k != "author_id"}
    out["author"] = author
    return out


def _resolve_mentions(handles: Sequence[str]) -> list[dict]:
    if not handles:
        return []
    keys = [handle_key(h) for h in handles]
    claims = {c.handle_key: c.user_id for c in HandleModel.batch_get(keys)}
    by_id = users.users_by_id(claims.values())
    return [{"id": claims[k], "handle": by_id[claims[k]].handle} for k in keys if k in claims and claims[k] in by_id]


def post_tweet(author_id: str, text: str) -> dict:
    parsed = parse_tweet_text(text)
    mentions = _resolve_mentions(parsed.mention_handles)
    author = users.get_user(author_id)
    for attempt in range(_MAX_ID_ATTEMPTS):
        tweet = TweetModel(
            tweet_id=ids.new_id(),
            author_id=author_id,
            text=parsed.text,
            created_at=clock.now_iso(),
            hashtags=parsed.hashtags,
            mentions=[MentionAttribute(**m) for m in mentions],
        )
        try:
            with TransactWrite(connection=TweetModel._get_connection().connection) as tx:
                tx.save(tweet, condition=TweetModel.tweet_id.does_not_exist())
                tx.update(UserModel(author_id), actions=[UserModel.tweets_count.add(1)])
            break
        except TransactWriteError as error:
            reasons = getattr(error, "cancellation_reasons", None) or []
            collided = bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"
            if not collided or attempt == _MAX_ID_ATTEMPTS - 1:
                raise
    rec = record(tweet)
    _cache_put(rec)
    timelines.add_own_tweet(author_id, tweet.tweet_id)
    return view(rec, users.card(author))


def _cache_put(rec: dict) -> None:
    with contextlib.suppress(*RedisErrors):
        client().set(Keys.tweet(rec["id"]), json.dumps(rec), ex=TWEET_TTL_SECONDS)


def get_record(tweet_id: str) -> dict:
    found = records([tweet_id]).get(tweet_id)
    if found is None:
        raise NotFound("no such tweet")
    return found


def get_tweet(tweet_id: str) -> dict:
    hydrated = hydrate([tweet_id])
    if not hydrated:
        raise NotFound("no such tweet")
    return hydrated[0]


def delete_tweet(caller_id: str, tweet_id: str) -> None:
    try:
        tweet = TweetModel.get(tweet_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such tweet") from None
    if tweet.author_id != caller_id:
        raise Forbidden("only the author can delete a tweet")
    try:
        with TransactWrite(connection=TweetModel._get_connection().connection) as tx:
            tx.delete(tweet, condition=TweetModel.tweet_id.exists())
            tx.update(UserModel(caller_id), actions=[UserModel.tweets_count.add(-1)])
    except TransactWriteError as error:
        reasons = getattr(error, "cancellation_reasons", None) or []
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise NotFound("no such tweet") from None
        raise
    try:
        client().set(Keys.tweet(tweet_id), TOMBSTONE, ex=TWEET_TTL_SECONDS)
    except RedisErrors:
        # Without the tombstone a stale cached copy could be served until it expires; the
        # stream-driven cleanup retries this (fanout.remove_tweet), so it is not lost.
        pass
    timelines.remove_own_tweet(caller_id, tweet_id)


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
    wanted = list(dict.fromkeys(tweet_ids))
    found: dict[str, dict] = {}
    dead: set[str] = set()
    r = None
    try:
        r = client()
        for tid, raw in zip(wanted, cached_json_many(r, [Keys.tweet(t) for t in wanted]), strict=False):
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
            try:
                pipe = r.pipeline(transaction=False)
                for tid, rec in loaded.items():
                    pipe.set(Keys.tweet(tid), json.dumps(rec), ex=TWEET_TTL_SECONDS, nx=True)
                pipe.execute()
            except RedisErrors:
                pass
    return found


def hydrate(tweet_ids: Sequence[str]) -> list[dict]:
    """Tweet views in the given order, in a constant number of round trips for any page size."""
    recs = records(tweet_ids)
    authors = users.cards(rec["author_id"] for rec in recs.values())
    return [
        view(recs[t], authors[recs[t]["author_id"]]) for t in tweet_ids if t in recs and recs[t]["author_id"] in authors
    ]


def bury(tweet_id: str) -> None:
    """Tombstone a deleted tweet's cache entry (from the table stream: retried until it holds)."""
    client().set(Keys.tweet(tweet_id), TOMBSTONE, ex=TWEET_TTL_SECONDS)
