"""Notifications, produced from the activity stream (never in the request path).

A notification is a *group*: one row per (recipient, type, tweet, time window) whose actors are
a string set. Adding an actor is a set ADD and an undo is a set DELETE, so redelivered events
change nothing twice, and an unlike soon after a like leaves the group as it was, or gone when
it was the only actor. Replies, quotes and mentions are one row per tweet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from warbler import activity, clock, pagination, users
from warbler.errors import InvalidInput
from warbler.notifications.store import NotificationStore
from warbler.pagination import Page
from warbler.settings import get_settings
from warbler.tweets import views

MAX_ACTORS_SHOWN = 5
MAX_ID_CHARS = 200  # a notification id is "<13-digit window>#<type>#<tweet id>"

GROUPED = {activity.LIKE: "like", activity.RETWEET: "retweet", activity.FOLLOW: "follow"}
UNDO = {activity.UNLIKE: "like", activity.UNRETWEET: "retweet", activity.UNFOLLOW: "follow"}
PER_TWEET = {activity.REPLY: "reply", activity.QUOTE: "quote"}


@dataclass(frozen=True)
class Change:
    recipient: str
    notification_id: str
    type: str
    tweet_id: str | None
    actor_id: str
    at: str
    add: bool


def _window_id(at: str, kind: str, tweet_id: str | None) -> str:
    seconds = get_settings().notification_group_seconds
    epoch_ms = int(clock.parse_iso(at).timestamp() * 1000)
    window = epoch_ms - epoch_ms % (seconds * 1000)
    return f"{window:013d}#{kind}#{tweet_id or '-'}"


def _single_id(at: str, kind: str, tweet_id: str) -> str:
    epoch_ms = int(clock.parse_iso(at).timestamp() * 1000)
    return f"{epoch_ms:013d}#{kind}#{tweet_id}"


def changes_for(event: dict) -> list[Change]:
    """What one activity event does to whose notifications. Nobody is notified of their own act."""
    kind, actor, target = event["type"], event["actor_id"], event.get("target_user_id")
    out: list[Change] = []
    if kind in GROUPED and target and target != actor:
        tweet_id = event.get("tweet_id") if kind != activity.FOLLOW else None
        out.append(
            Change(
                target,
                _window_id(event["at"], GROUPED[kind], tweet_id),
                GROUPED[kind],
                tweet_id,
                actor,
                event["at"],
                True,
            )
        )
    elif kind in UNDO and target and target != actor and event.get("original_at"):
        tweet_id = event.get("tweet_id") if kind != activity.UNFOLLOW else None
        out.append(
            Change(
                target,
                _window_id(event["original_at"], UNDO[kind], tweet_id),
                UNDO[kind],
                tweet_id,
                actor,
                event["at"],
                False,
            )
        )
    if kind in (activity.POST, activity.REPLY, activity.QUOTE):
        tweet_id = event["tweet_id"]
        notified = {actor}
        if kind in PER_TWEET and target and target not in notified:
            out.append(
                Change(
                    target,
                    _single_id(event["at"], PER_TWEET[kind], tweet_id),
                    PER_TWEET[kind],
                    tweet_id,
                    actor,
                    event["at"],
                    True,
                )
            )
            notified.add(target)
        for mentioned in event.get("mentions") or []:
            if mentioned not in notified:
                out.append(
                    Change(
                        mentioned,
                        _single_id(event["at"], "mention", tweet_id),
                        "mention",
                        tweet_id,
                        actor,
                        event["at"],
                        True,
                    )
                )
                notified.add(mentioned)
    return out


def apply(change: Change) -> bool:
    """Write one change; True when it created or grew a notification (worth a live push)."""
    store = NotificationStore()
    if change.add:
        expires = clock.now() + timedelta(days=get_settings().notification_ttl_days)
        store.add_actor(
            change.recipient, change.notification_id, change.type, change.tweet_id, change.actor_id, change.at, expires
        )
        return True
    store.remove_actor(change.recipient, change.notification_id, change.actor_id)
    return False


def process(events: list[dict], on_new: Callable[[Change], None] | None = None) -> int:
    applied = 0
    for event in events:
        for change in changes_for(event):
            if apply(change) and on_new is not None:
                on_new(change)
            applied += 1
    return applied


def _views(user_id: str, rows: list) -> list[dict]:
    read_to = _read_to(user_id)
    actor_ids = {a for row in rows for a in sorted(row.actor_ids or [])[:MAX_ACTORS_SHOWN]}
    cards = users.cards(actor_ids)
    recs = views.records([row.tweet_id for row in rows if row.tweet_id])
    out = []
    for row in rows:
        actors = sorted(row.actor_ids or [])
        shown = [cards[a] for a in actors[:MAX_ACTORS_SHOWN] if a in cards]
        if actors and not shown:
            continue  # its actors are soft-deleted (warbler.segments): the notification goes with them
        tweet = recs.get(row.tweet_id) if row.tweet_id else None
        out.append(
            {
                "id": row.notification_id,
                "type": row.type,
                "created_at": row.updated_at or row.created_at,
                "actors": shown,
                "count": len(actors) - (min(len(actors), MAX_ACTORS_SHOWN) - len(shown)),
                "tweet": views.summary(tweet) if tweet else None,
                "read": read_to is not None and row.notification_id <= read_to,
            }
        )
    return out


def view(user_id: str, notification_id: str) -> dict | None:
    rows = NotificationStore().one(user_id, notification_id)
    return _views(user_id, rows)[0] if rows else None


def _read_to(user_id: str) -> str | None:
    return users.get_user(user_id).notifications_read_to


def page(user_id: str, limit: int, cursor: str | None) -> Page:
    scope = f"notifications:{user_id}"  # the caller's own list
    rows, last = NotificationStore().page(user_id, limit, pagination.decode(cursor, scope))
    return Page(_views(user_id, rows), pagination.encode(last, scope) if last else None)


def unread_count(user_id: str) -> int:
    return NotificationStore().count_after(user_id, _read_to(user_id))


def mark_read(user_id: str, up_to_id: str) -> dict:
    if not up_to_id or len(up_to_id) > MAX_ID_CHARS:
        raise InvalidInput("up_to_id must be a notification id")
    user = users.get_user(user_id)
    if user.notifications_read_to is None or up_to_id > user.notifications_read_to:
        users.mark_notifications_read(user, up_to_id)
    return {"unread_count": unread_count(user_id)}


def clear(user_id: str) -> int:
    """Delete every notification of a user (Mastodon's "clear"); returns how many groups went."""
    return NotificationStore().clear(user_id)
