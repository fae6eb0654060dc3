"""Every DynamoDB and Redis command of likes and retweets.

One engagement row per (tweet, kind, user), written in the same transaction as the tweet's
counter (and, for a retweet, the retweet's own tweet record): repeating an action is a no-op, and
counts are exact under concurrency and retries. Each user's recent likes and retweets are cached
as Redis sets (``Keys.engaged``) with the id of the oldest engagement they hold
(``Keys.engaged_since``); the Lua below keeps a loaded set in step with a committed change.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from warbler.adapters.dynamo import EngagementModel, TweetModel
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis, RedisErrors, client
from warbler.adapters.transactions import failed_conditions, retry_conflicts, transaction
from warbler.errors import NotFound

LIKE = "like"
RETWEET = "rt"
KINDS = (LIKE, RETWEET)
_COUNTER = {LIKE: TweetModel.like_count, RETWEET: TweetModel.retweet_count}

# Change the set only if it is loaded (its "since" key exists), atomically with that check.
_REMEMBER_ADD = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SADD', KEYS[2], ARGV[1]) end return 1"
_REMEMBER_REM = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SREM', KEYS[2], ARGV[1]) end return 1"


def kind_user(kind: str, user_id: str) -> str:
    return f"{kind}#{user_id}"


def user_kind(user_id: str, kind: str) -> str:
    return f"{user_id}#{kind}"


class EngagementStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r_given = r

    @property
    def _r(self) -> Redis:
        return self._r_given or client()

    # ------------------------------------------------------------------------- the table

    def row(self, tweet_id: str, kind: str, user_id: str) -> EngagementModel | None:
        try:
            return EngagementModel.get(tweet_id, kind_user(kind, user_id), consistent_read=True)
        except DoesNotExist:
            return None

    @retry_conflicts
    def toggle(
        self,
        tweet: TweetModel,
        kind: str,
        user_id: str,
        engaged: bool,
        *,
        engaged_id: str = "",
        retweet: TweetModel | None = None,
        retweet_id: str | None = None,
    ) -> bool:
        """Set (``engaged``) or clear one engagement with its counter in one transaction: a new
        row with the retweet's own record (``retweet``), or the row's removal with that record's
        (``retweet_id``). True when it changed; False when it already was so (an idempotent
        repeat); ``NotFound`` when the tweet vanished meanwhile."""
        counter = _COUNTER[kind]
        try:
            with transaction() as tx:
                if engaged:
                    row = EngagementModel(
                        tweet_id=tweet.tweet_id,
                        kind_user=kind_user(kind, user_id),
                        user_kind=user_kind(user_id, kind),
                        engaged_id=engaged_id,
                        user_id=user_id,
                        author_id=tweet.author_id,
                        retweet_id=retweet.tweet_id if retweet is not None else None,
                    )
                    tx.save(row, condition=EngagementModel.tweet_id.does_not_exist())
                    if retweet is not None:
                        tx.save(retweet, condition=TweetModel.tweet_id.does_not_exist())
                else:
                    tx.delete(
                        EngagementModel(tweet.tweet_id, kind_user(kind, user_id)),
                        condition=EngagementModel.tweet_id.exists(),
                    )
                    if retweet_id is not None:
                        tx.delete(TweetModel(retweet_id))
                tx.update(
                    TweetModel(tweet.tweet_id),
                    actions=[counter.add(1 if engaged else -1)],
                    condition=TweetModel.tweet_id.exists(),
                )
        except TransactWriteError as error:
            failed = failed_conditions(error)
            if 0 in failed:
                return False  # the row was already in the wanted state
            if failed:
                raise NotFound("no such tweet") from None
            raise
        return True

    def remove_all(self, tweet_id: str) -> list[str]:
        """Delete every like and retweet row of a tweet; returns the retweets' own tweet ids."""
        rows = list(EngagementModel.query(tweet_id))
        with EngagementModel.batch_write() as batch:
            for row in rows:
                batch.delete(row)
        return [row.retweet_id for row in rows if row.retweet_id]

    def engaged_page(self, user_id: str, kind: str, limit: int, start: Any) -> tuple[list[str], Any]:
        """A user's engaged tweet ids, newest engagement first, and the key to continue from."""
        result = EngagementModel.by_user.query(
            user_kind(user_id, kind),
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )
        return [row.tweet_id for row in result], result.last_evaluated_key

    def engagers_page(self, tweet_id: str, kind: str, limit: int, start: Any) -> tuple[list[str], Any]:
        """Who liked (or retweeted) a tweet, in user id order, and the key to continue from."""
        result = EngagementModel.query(
            tweet_id,
            EngagementModel.kind_user.startswith(kind_user(kind, "")),
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )
        return [row.kind_user.split("#", 1)[1] for row in result], result.last_evaluated_key

    def engaged_rows(self, user_id: str, wanted: dict[str, list[str]]) -> dict[str, set[str]]:
        """Which of ``wanted`` (kind -> tweet ids) the user engaged with, from the table."""
        found: dict[str, set[str]] = {kind: set() for kind in KINDS}
        keys = [(t, kind_user(kind, user_id)) for kind, ids_ in wanted.items() for t in ids_]
        if keys:
            for row in EngagementModel.batch_get(keys, attributes_to_get=["tweet_id", "kind_user"]):
                found[LIKE if row.kind_user.startswith(LIKE + "#") else RETWEET].add(row.tweet_id)
        return found

    # ------------------------------------------------------------------------- the flag cache

    @staticmethod
    def flag_commands(pipe, user_id: str, tweet_ids: list[str]) -> None:
        """Queue the cache reads of a user's flags on a caller's pipeline (``tweet_ids`` must not
        be empty: SMISMEMBER takes at least one member). Replies: since, hits per kind."""
        for kind in KINDS:
            pipe.get(Keys.engaged_since(user_id, kind))
            pipe.smismember(Keys.engaged(user_id, kind), tweet_ids)

    def cached_flags(self, user_id: str, tweet_ids: list[str]) -> list:
        pipe = self._r.pipeline(transaction=False)
        self.flag_commands(pipe, user_id, tweet_ids)
        return pipe.execute()

    def load_engaged(self, user_id: str, kind: str, limit: int, ttl_seconds: int) -> tuple[str, set[str]]:
        """Fill the cache of a user's newest ``limit`` engagements of one kind; return its
        ``since`` id (``0``: it holds all of them) and the tweet ids it holds."""
        rows = list(
            EngagementModel.by_user.query(
                user_kind(user_id, kind),
                scan_index_forward=False,
                limit=limit,
                attributes_to_get=["tweet_id", "engaged_id"],
            )
        )
        since = rows[-1].engaged_id if len(rows) >= limit else "0"
        pipe = self._r.pipeline(transaction=True)
        key = Keys.engaged(user_id, kind)
        pipe.delete(key)
        if rows:
            pipe.sadd(key, *[r.tweet_id for r in rows])
            pipe.expire(key, ttl_seconds)
        pipe.set(Keys.engaged_since(user_id, kind), since, ex=ttl_seconds)
        pipe.execute()
        return since, {r.tweet_id for r in rows}

    def remember(self, user_id: str, kind: str, tweet_id: str, engaged: bool) -> None:
        """Keep a loaded cache in step with a committed change (an unloaded one loads on read);
        when Redis fails, drop it so it reloads."""
        script = _REMEMBER_ADD if engaged else _REMEMBER_REM
        try:
            self._r.eval(script, 2, Keys.engaged_since(user_id, kind), Keys.engaged(user_id, kind), tweet_id)
        except RedisErrors:
            with contextlib.suppress(*RedisErrors):
                self._r.delete(Keys.engaged_since(user_id, kind), Keys.engaged(user_id, kind))
