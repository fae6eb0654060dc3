"""Likes and retweets. One engagement row per (tweet, kind, user), written in the same
transaction as the tweet's counter: repeating an action is a no-op, and counts are exact under
concurrency and retries. A retweet is also a tweet of its own (so it fans out and orders in
timelines by its own id); undoing it deletes that tweet, which un-fans it out."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler import clock, ids, limits, timelines, tweets
from warbler.adapters.dynamo import EngagementModel, TweetModel
from warbler.adapters.redis_store import Keys, RedisErrors, client
from warbler.errors import NotFound

LIKE = "like"
RETWEET = "rt"


@dataclass(frozen=True)
class Flags:
    liked: set[str] = field(default_factory=set)
    retweeted: set[str] = field(default_factory=set)


def kind_user(kind: str, user_id: str) -> str:
    return f"{kind}#{user_id}"


def user_kind(user_id: str, kind: str) -> str:
    return f"{user_id}#{kind}"


def _tx() -> TransactWrite:
    return TransactWrite(connection=EngagementModel._get_connection().connection)


def _original(tweet_id: str) -> TweetModel:
    """Engagements land on the original: liking a retweet likes what it retweets."""
    tweet = tweets.get_model(tweet_id)
    return tweets.get_model(tweet.retweet_of_id) if tweet.retweet_of_id else tweet


def _row(tweet: TweetModel, kind: str, user_id: str, retweet_id: str | None = None) -> EngagementModel:
    return EngagementModel(
        tweet_id=tweet.tweet_id,
        kind_user=kind_user(kind, user_id),
        user_kind=user_kind(user_id, kind),
        engaged_id=ids.new_id(),
        user_id=user_id,
        author_id=tweet.author_id,
        retweet_id=retweet_id,
    )


def _existing(tweet_id: str, kind: str, user_id: str) -> EngagementModel | None:
    try:
        return EngagementModel.get(tweet_id, kind_user(kind, user_id), consistent_read=True)
    except DoesNotExist:
        return None


def like(user_id: str, tweet_id: str) -> dict:
    tweet = _original(tweet_id)
    limits.spend(user_id, "like")
    try:
        with _tx() as tx:
            tx.save(_row(tweet, LIKE, user_id), condition=EngagementModel.tweet_id.does_not_exist())
            tx.update(
                TweetModel(tweet.tweet_id),
                actions=[TweetModel.like_count.add(1)],
                condition=TweetModel.tweet_id.exists(),
            )
    except TransactWriteError as error:
        _explain(error)
    _remember(user_id, LIKE, tweet.tweet_id, engaged=True)
    return _fresh(tweet.tweet_id, user_id)


def unlike(user_id: str, tweet_id: str) -> dict:
    tweet = _original(tweet_id)
    try:
        with _tx() as tx:
            tx.delete(
                EngagementModel(tweet.tweet_id, kind_user(LIKE, user_id)), condition=EngagementModel.tweet_id.exists()
            )
            tx.update(
                TweetModel(tweet.tweet_id),
                actions=[TweetModel.like_count.add(-1)],
                condition=TweetModel.tweet_id.exists(),
            )
    except TransactWriteError as error:
        _explain(error)
    _remember(user_id, LIKE, tweet.tweet_id, engaged=False)
    return _fresh(tweet.tweet_id, user_id)


def retweet(user_id: str, tweet_id: str) -> dict:
    original = _original(tweet_id)
    retweet_item = TweetModel(
        tweet_id=ids.new_id(),
        author_id=user_id,
        text="",
        created_at=clock.now_iso(),
        retweet_of_id=original.tweet_id,
        parent_author_id=original.author_id,
    )
    try:
        with _tx() as tx:
            tx.save(
                _row(original, RETWEET, user_id, retweet_item.tweet_id),
                condition=EngagementModel.tweet_id.does_not_exist(),
            )
            tx.save(retweet_item, condition=TweetModel.tweet_id.does_not_exist())
            tx.update(
                TweetModel(original.tweet_id),
                actions=[TweetModel.retweet_count.add(1)],
                condition=TweetModel.tweet_id.exists(),
            )
    except TransactWriteError as error:
        _explain(error)
    else:
        timelines.add_own_tweet(user_id, timelines.entry(retweet_item.tweet_id, original.tweet_id))
    _remember(user_id, RETWEET, original.tweet_id, engaged=True)
    return _fresh(original.tweet_id, user_id)


def unretweet(user_id: str, tweet_id: str) -> dict:
    original = _original(tweet_id)
    row = _existing(original.tweet_id, RETWEET, user_id)
    if row is not None:
        try:
            with _tx() as tx:
                tx.delete(row, condition=EngagementModel.tweet_id.exists())
                tx.delete(TweetModel(row.retweet_id))
                tx.update(
                    TweetModel(original.tweet_id),
                    actions=[TweetModel.retweet_count.add(-1)],
                    condition=TweetModel.tweet_id.exists(),
                )
        except TransactWriteError as error:
            _explain(error)
        else:
            tweets.bury(row.retweet_id)
            timelines.remove_own_tweet(user_id, timelines.entry(row.retweet_id, original.tweet_id))
    _remember(user_id, RETWEET, original.tweet_id, engaged=False)
    return _fresh(original.tweet_id, user_id)


def _explain(error: TransactWriteError) -> None:
    """The engagement row was already in the wanted state: an idempotent repeat. The tweet
    vanishing mid-way is a 404. Anything else is a real failure."""
    if tweets.condition_failed_at(error, 0):
        return
    reasons = getattr(error, "cancellation_reasons", None) or []
    if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
        raise NotFound("no such tweet") from None
    raise error


def _fresh(tweet_id: str, user_id: str) -> dict:
    tweets.forget([tweet_id])
    return tweets.get_tweet(tweet_id, user_id)


ENGAGED_CACHE_LIMIT = 2000
ENGAGED_CACHE_SECONDS = 24 * 3600


def flags(user_id: str, tweet_ids: list[str]) -> Flags:
    """Which of these the user liked or retweeted, for a page: one Redis round trip.

    Each user's recent likes and retweets (up to ENGAGED_CACHE_LIMIT of each) are cached as
    sets, with the id of the oldest engagement they hold. An engagement always comes after the
    tweet, so for a tweet newer than that id the set's answer is complete; only older tweets
    (rare in a timeline) are asked of DynamoDB."""
    if not tweet_ids:
        return Flags()
    replies: list | None
    try:
        pipe = client().pipeline(transaction=False)
        flag_commands(pipe, user_id, tweet_ids)
        replies = pipe.execute()
    except RedisErrors:
        replies = None
    return flags_from(user_id, tweet_ids, replies)


def flag_commands(pipe, user_id: str, tweet_ids: list[str]) -> None:
    """Queue the reads ``flags_from`` needs, so a caller can send them with its own round trip
    (``tweet_ids`` must not be empty: SMISMEMBER takes at least one member)."""
    for kind in (LIKE, RETWEET):
        pipe.get(Keys.engaged_since(user_id, kind))
        pipe.smismember(Keys.engaged(user_id, kind), tweet_ids)


def flags_from(user_id: str, tweet_ids: list[str], replies: list | None) -> Flags:
    """The flags from the replies to ``flag_commands`` (None: Redis was unavailable)."""
    found: dict[str, set[str]] = {LIKE: set(), RETWEET: set()}
    unsure: dict[str, list[str]] = {LIKE: list(tweet_ids), RETWEET: list(tweet_ids)}
    if replies is not None and tweet_ids:
        try:
            since_like, like_hits, since_rt, rt_hits = replies
            for kind, since, hits in ((LIKE, since_like, like_hits), (RETWEET, since_rt, rt_hits)):
                if since is None:
                    since, engaged = _load_engaged(user_id, kind)
                    found[kind] = {t for t in tweet_ids if t in engaged}
                else:
                    found[kind] = {t for t, hit in zip(tweet_ids, hits, strict=True) if hit}
                unsure[kind] = [t for t in tweet_ids if t not in found[kind] and t <= since and since != "0"]
        except RedisErrors:
            found = {LIKE: set(), RETWEET: set()}
            unsure = {LIKE: list(tweet_ids), RETWEET: list(tweet_ids)}
    keys = [(t, kind_user(kind, user_id)) for kind, ids_ in unsure.items() for t in ids_]
    if keys:
        for row in EngagementModel.batch_get(keys, attributes_to_get=["tweet_id", "kind_user"]):
            found[LIKE if row.kind_user.startswith(LIKE + "#") else RETWEET].add(row.tweet_id)
    return Flags(liked=found[LIKE], retweeted=found[RETWEET])


def _load_engaged(user_id: str, kind: str) -> tuple[str, set[str]]:
    """Fill the cache of a user's recent engagements of one kind; return its ``since`` id and
    the tweet ids it holds."""
    rows = list(
        EngagementModel.by_user.query(
            user_kind(user_id, kind),
            scan_index_forward=False,
            limit=ENGAGED_CACHE_LIMIT,
            attributes_to_get=["tweet_id", "engaged_id"],
        )
    )
    since = rows[-1].engaged_id if len(rows) >= ENGAGED_CACHE_LIMIT else "0"
    pipe = client().pipeline(transaction=True)
    key = Keys.engaged(user_id, kind)
    pipe.delete(key)
    if rows:
        pipe.sadd(key, *[r.tweet_id for r in rows])
        pipe.expire(key, ENGAGED_CACHE_SECONDS)
    pipe.set(Keys.engaged_since(user_id, kind), since, ex=ENGAGED_CACHE_SECONDS)
    pipe.execute()
    return since, {r.tweet_id for r in rows}


def _remember(user_id: str, kind: str, tweet_id: str, engaged: bool) -> None:
    """Keep a loaded cache in step with a committed change (an unloaded one loads on read)."""
    script = _REMEMBER_ADD if engaged else _REMEMBER_REM
    try:
        client().eval(script, 2, Keys.engaged_since(user_id, kind), Keys.engaged(user_id, kind), tweet_id)
    except RedisErrors:
        _forget_engaged(user_id, kind)


def _forget_engaged(user_id: str, kind: str) -> None:
    with contextlib.suppress(*RedisErrors):
        client().delete(Keys.engaged_since(user_id, kind), Keys.engaged(user_id, kind))


# Change the set only if it is loaded (its "since" key exists), atomically with that check.
_REMEMBER_ADD = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SADD', KEYS[2], ARGV[1]) end return 1"
_REMEMBER_REM = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SREM', KEYS[2], ARGV[1]) end return 1"


def remove_all(tweet_id: str) -> None:
    """After a delete: its likes and retweets go too. Each retweet is a tweet whose removal
    fans out from the stream, which takes it out of every timeline."""
    rows = list(EngagementModel.query(tweet_id))
    with EngagementModel.batch_write() as batch:
        for row in rows:
            batch.delete(row)
    with TweetModel.batch_write() as batch:
        for row in rows:
            if row.retweet_id:
                batch.delete(TweetModel(row.retweet_id))
    for row in rows:
        if row.retweet_id:
            tweets.bury(row.retweet_id)
