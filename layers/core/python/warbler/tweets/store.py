"""Every DynamoDB and Redis command of tweets: the tweets table (writes in one transaction with
the counters they move) and the record cache.

The cache is aside: a delete leaves a tombstone that a concurrent reader's late cache fill cannot
overwrite (fills use SET NX), so a deleted tweet never comes back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from warbler.adapters.cache import ReadThrough
from warbler.adapters.dynamo import MentionAttribute, TweetModel, UserModel
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis
from warbler.adapters.transactions import failed_conditions, retry_conflicts, transaction
from warbler.errors import InvalidInput, NotFound
from warbler.media.store import MediaTable

TWEET_TTL_SECONDS = 3 * 24 * 3600
TOMBSTONE = "-"
COUNTS = ("like_count", "retweet_count", "reply_count", "quote_count")
_LINKS = ("retweet_of_id", "quote_of_id", "reply_to_id", "conversation_id", "parent_author_id")


def record(tweet: TweetModel) -> dict:
    """The cached form of a tweet: everything but the author card, which changes separately."""
    return {
        "id": tweet.tweet_id,
        "author_id": tweet.author_id,
        "text": tweet.text,
        "created_at": tweet.created_at,
        "hashtags": list(tweet.hashtags or []),
        "mentions": [{"id": m.id, "handle": m.handle} for m in (tweet.mentions or [])],
        **{name: int(getattr(tweet, name) or 0) for name in COUNTS},
        **{name: getattr(tweet, name) for name in _LINKS},
        "media": json.loads(tweet.media_json) if tweet.media_json else [],
        "urls": json.loads(tweet.urls_json) if tweet.urls_json else [],
    }


class TweetStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._cache = ReadThrough(Keys.tweet, TWEET_TTL_SECONDS, fill_if_absent=True, tombstone=TOMBSTONE, r=r)

    # ------------------------------------------------------------------------- the table

    def get(self, tweet_id: str) -> TweetModel:
        """The tweet as it is now (a consistent read), or ``NotFound``."""
        try:
            return TweetModel.get(tweet_id, consistent_read=True)
        except DoesNotExist:
            raise NotFound("no such tweet") from None

    def new(self, tweet_id: str, author_id: str, text: str, created_at: str, **fields: Any) -> TweetModel:
        mentions = fields.pop("mentions", None) or []
        return TweetModel(
            tweet_id=tweet_id,
            author_id=author_id,
            text=text,
            created_at=created_at,
            mentions=[MentionAttribute(**m) for m in mentions],
            **fields,
        )

    @retry_conflicts
    def create(self, tweet: TweetModel) -> bool:
        """Write a new tweet with its author's ``tweets_count``, its parent's reply or quote
        count and its media (each attached only if still the author's, ready and unattached), in
        one transaction. False when the id was taken (mint another); ``NotFound`` when the tweet
        it replies to or quotes was deleted meanwhile; ``InvalidInput`` naming a media item
        another tweet attached first."""
        parents: list[int] = []
        media_at: dict[int, str] = {}
        try:
            with transaction() as tx:
                tx.save(tweet, condition=TweetModel.tweet_id.does_not_exist())
                tx.update(UserModel(tweet.author_id), actions=[UserModel.tweets_count.add(1)])
                position = 2
                for parent_id, counter in (
                    (tweet.reply_to_id, TweetModel.reply_count),
                    (tweet.quote_of_id, TweetModel.quote_count),
                ):
                    if parent_id:
                        tx.update(
                            TweetModel(parent_id), actions=[counter.add(1)], condition=TweetModel.tweet_id.exists()
                        )
                        parents.append(position)
                        position += 1
                for media_id in map(str, tweet.media_ids or []):
                    MediaTable.attach_in(tx, media_id, tweet.author_id, tweet.tweet_id)
                    media_at[position] = media_id
                    position += 1
        except TransactWriteError as error:
            failed = failed_conditions(error)
            if failed & set(parents):
                raise NotFound("the tweet you reply to or quote was deleted") from None
            if taken := [media_at[i] for i in sorted(failed & set(media_at))]:
                raise InvalidInput(f"media {taken[0]}: already attached to a tweet") from None
            if 0 not in failed:
                raise
            return False
        return True

    @retry_conflicts
    def delete(self, tweet: TweetModel) -> None:
        """Delete a tweet with its author's ``tweets_count`` and its parent's count; ``NotFound``
        when it is already gone. A parent deleted meanwhile has no count left to correct."""
        parent_id = tweet.reply_to_id or tweet.quote_of_id
        counter = TweetModel.reply_count if tweet.reply_to_id else TweetModel.quote_count
        for with_parent in (True, False):
            try:
                with transaction() as tx:
                    tx.delete(tweet, condition=TweetModel.tweet_id.exists())
                    tx.update(UserModel(tweet.author_id), actions=[UserModel.tweets_count.add(-1)])
                    if parent_id and with_parent:
                        tx.update(
                            TweetModel(parent_id), actions=[counter.add(-1)], condition=TweetModel.tweet_id.exists()
                        )
                return
            except TransactWriteError as error:
                failed = failed_conditions(error)
                if 0 in failed:
                    raise NotFound("no such tweet") from None
                if not (with_parent and parent_id and 2 in failed):
                    raise

    def current_records(self, tweet_ids: Sequence[str]) -> dict[str, dict]:
        """Records as they are now in the table, uncached (consistent reads): the indexer's view."""
        return {t.tweet_id: record(t) for t in TweetModel.batch_get(list(tweet_ids), consistent_read=True)}

    def reply_ids(self, tweet_id: str, limit: int, start: Any) -> tuple[list[str], Any]:
        """Direct replies' ids, oldest first, and the key to continue from."""
        result = TweetModel.by_parent.query(
            tweet_id, limit=limit, last_evaluated_key=start, page_size=limit, attributes_to_get=["tweet_id"]
        )
        return [t.tweet_id for t in result], result.last_evaluated_key

    def delete_retweets(self, retweet_ids: Iterable[str]) -> None:
        """Delete retweet records (each removal fans out from the table stream)."""
        with TweetModel.batch_write() as batch:
            for retweet_id in retweet_ids:
                batch.delete(TweetModel(retweet_id))

    # ------------------------------------------------------------------------- the record cache

    def records_and(
        self, tweet_ids: Sequence[str], also: Callable[[Any], None] | None
    ) -> tuple[dict[str, dict], list | None]:
        """Records by id, cache-aside: one Redis round trip (with whatever ``also`` queues on the
        same pipeline; its replies come back second, None when Redis was unavailable), one
        DynamoDB batch for misses. Deleted and unknown ids are absent."""
        return self._cache.get_many(tweet_ids, self._load, also)

    @staticmethod
    def _load(missing: list[str]) -> dict[str, dict]:
        return {t.tweet_id: record(t) for t in TweetModel.batch_get(missing)}

    def cache(self, rec: dict) -> None:
        self._cache.put(rec["id"], rec)

    def bury(self, tweet_id: str) -> None:
        """Tombstone a deleted tweet's cache entry; the table stream repeats it until it holds."""
        self._cache.bury(tweet_id)

    def forget(self, tweet_ids: Iterable[str]) -> None:
        """Drop cached copies after a count changed (cache-aside invalidation)."""
        self._cache.forget(list(tweet_ids))
