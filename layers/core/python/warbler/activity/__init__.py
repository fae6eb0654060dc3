"""The activity stream: every user action as one small event on Kinesis, for trending,
notifications and analytics.

Events are derived from the table streams (not written by request handlers), so an action that
committed is always published and one that failed never is. ``event_id`` is the DynamoDB stream
record's id, the same on every redelivery, which lets consumers count exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from warbler import clock, ids
from warbler.activity.store import ActivityStream

POST, REPLY, QUOTE, RETWEET, UNRETWEET, DELETE = "post", "reply", "quote", "retweet", "unretweet", "delete"
LIKE, UNLIKE, FOLLOW, UNFOLLOW, SEEN = "like", "unlike", "follow", "unfollow", "seen"
SIGNUP = "signup"


def _at(snowflake: str | None) -> str:
    if not snowflake:
        return clock.now_iso()
    return clock.iso(clock.from_epoch_ms(ids.timestamp_ms(snowflake)))


def _event(event_id: str, kind: str, actor_id: str, at: str, **fields: Any) -> dict:
    return {
        "event_id": event_id,
        "type": kind,
        "actor_id": actor_id,
        "at": at,
        **{k: v for k, v in fields.items() if v is not None},
    }


def from_tweet_change(event_id: str, change: str, image: dict) -> list[dict]:
    """A tweets-table stream record (INSERT or REMOVE) as activity."""
    author = image["author_id"]
    tweet_id = image["tweet_id"]
    if image.get("retweet_of_id"):
        kind = RETWEET if change == "INSERT" else UNRETWEET
        return [
            _event(
                event_id,
                kind,
                author,
                _at(tweet_id),
                tweet_id=image["retweet_of_id"],
                target_user_id=image.get("parent_author_id"),
                original_at=_at(tweet_id),
            )
        ]
    if change != "INSERT":
        return [_event(event_id, DELETE, author, clock.now_iso(), tweet_id=tweet_id)]
    kind = REPLY if image.get("reply_to_id") else QUOTE if image.get("quote_of_id") else POST
    return [
        _event(
            event_id,
            kind,
            author,
            image.get("created_at") or _at(tweet_id),
            tweet_id=tweet_id,
            target_user_id=image.get("parent_author_id"),
            parent_id=image.get("reply_to_id") or image.get("quote_of_id"),
            hashtags=list(image.get("hashtags") or []),
            mentions=[m["id"] for m in image.get("mentions") or []],
            text=image.get("text", ""),
        )
    ]


def from_engagement_change(event_id: str, change: str, image: dict) -> list[dict]:
    if not image["kind_user"].startswith("like#"):
        return []  # retweets are published from the retweet's own tweet record
    kind = LIKE if change == "INSERT" else UNLIKE
    at = _at(image["engaged_id"]) if change == "INSERT" else clock.now_iso()
    return [
        _event(
            event_id,
            kind,
            image["user_id"],
            at,
            tweet_id=image["tweet_id"],
            target_user_id=image["author_id"],
            original_at=_at(image["engaged_id"]),
        )
    ]


def from_follow_change(event_id: str, change: str, image: dict) -> list[dict]:
    kind = FOLLOW if change == "INSERT" else UNFOLLOW
    at = image.get("created_at") if change == "INSERT" else clock.now_iso()
    return [
        _event(
            event_id,
            kind,
            image["follower_id"],
            at or clock.now_iso(),
            target_user_id=image["followee_id"],
            original_at=image.get("created_at"),
        )
    ]


def from_user_change(event_id: str, change: str, image: dict) -> list[dict]:
    """A users-table stream record: a new account is a sign-up. A removed one publishes nothing
    (accounts are never deleted; the one removal is a sign-up undone when Cognito refused it,
    whose sign-up event then stays in the lake: reports may count such a rare one)."""
    if change != "INSERT":
        return []
    return [_event(event_id, SIGNUP, image["user_id"], image.get("created_at") or clock.now_iso())]


def seen(user_id: str) -> dict:
    return _event(ids.new_id(), SEEN, user_id, clock.now_iso())


def publish(events: Iterable[dict]) -> int:
    batch = list(events)
    if batch:
        ActivityStream().put(batch)
    return len(batch)
