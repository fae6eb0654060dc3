"""Likes and retweets. One engagement row per (tweet, kind, user), written in the same
transaction as the tweet's counter: repeating an action is a no-op, and counts are exact under
concurrency and retries. A retweet is also a tweet of its own (so it fans out and orders in
timelines by its own id); undoing it deletes that tweet, which un-fans it out."""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler import clock, ids, timelines, tweets
from warbler.adapters.dynamo import EngagementModel, TweetModel
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


def flags(user_id: str, tweet_ids: list[str]) -> Flags:
    """Which of these the user liked or retweeted: one batch read for the page."""
    if not tweet_ids:
        return Flags()
    keys = [(t, kind_user(kind, user_id)) for t in tweet_ids for kind in (LIKE, RETWEET)]
    out = Flags()
    for row in EngagementModel.batch_get(keys, attributes_to_get=["tweet_id", "kind_user"]):
        (out.liked if row.kind_user.startswith(LIKE + "#") else out.retweeted).add(row.tweet_id)
    return out


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
