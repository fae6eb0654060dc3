"""Live: WebSocket sessions and the push mechanics. *When* a timeline push happens is a feed
rule (``warbler.feeds.manager`` calls ``push_timeline`` after a delivery and
``push_to_live_audience`` for a famous author); the connection rows and the Redis live index are
in ``warbler.live.store``.

- A connection belongs to the user of the ID token it opened with (``connect``) and joins the
  live audience of every famous account that user follows, so a famous tweet reaches its live
  followers without reading the follower list.
- New timeline entries are pushed to the connections of exactly the followers the fan-out
  delivered them to (``push_timeline``: the fan-out script returns their connections while it
  writes their timelines, so finding them costs no extra round trip); a famous
  author's tweet goes to their live audience (``push_to_live_audience``), a reply only to those
  who also follow the person it answers, as in timelines.
- A removed entry (a deleted tweet or retweet) pushes ``{"type": "delete"}`` to the same audience.
- Each new notification is pushed to its recipient's connections, in the GET /notifications shape.

Pushing is best effort: it never raises into the caller (timelines and notifications are what a
user sees; a lost push is caught up on the next read), and a connection that answers 410 is
forgotten on the spot.

Server -> client: ``{"type": "tweet", "tweet": Tweet}``, ``{"type": "notification",
"notification": ...}``, ``{"type": "delete", "tweet_id": "..."}``, ``{"type": "pong"}``.
Client -> server: ``{"action": "ping"}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ParamSpec

from warbler import notifications, social_graph
from warbler.adapters import push
from warbler.adapters.tokens import verify_id_token
from warbler.feeds.entries import Op, entry_tweet_id
from warbler.feeds.store import TimelineStore
from warbler.live.store import Connection, ConnectionStore
from warbler.mastodon import streaming as mastodon_streaming
from warbler.observability import logger
from warbler.tweets import views

P = ParamSpec("P")


def _best_effort(push_fn: Callable[P, int]) -> Callable[P, int]:
    """A push never fails its caller (a fan-out batch, a notification): logged, counted as 0."""

    @functools.wraps(push_fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return push_fn(*args, **kwargs)
        except Exception:  # noqa: BLE001 - by design: a lost push is acceptable, a failed batch is not
            logger.exception("live push failed", extra={"push": push_fn.__name__})
            return 0

    return wrapper


def _encode(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


def connect(connection_id: str, token: str | None) -> str:
    """Authenticate and record a new connection; returns the user id or raises ``Unauthorized``."""
    claims = verify_id_token(token)
    user_id = str(claims["cognito:username"])
    ConnectionStore().add(connection_id, user_id, TimelineStore().famous_followees(user_id))
    return user_id


def disconnect(connection_id: str) -> None:
    ConnectionStore().remove(connection_id)


@_best_effort
def pong(connection_id: str) -> int:
    return _deliver([(Connection(connection_id, ""), _encode({"type": "pong"}))])


def _deliver(messages: Sequence[tuple[Connection, bytes]]) -> int:
    """Post, then forget the connections that are gone."""
    if not messages:
        return 0
    result = push.send([(c.gateway_id, data) for c, data in messages])
    owners = {c.gateway_id: c.user_id for c, _ in messages}
    store = ConnectionStore()
    for connection_id in result.gone:
        store.remove(connection_id, owners.get(connection_id) or None)
    if result.failed:
        logger.warning("pushes dropped", extra={"count": len(result.failed)})
    return result.sent


@dataclass(frozen=True)
class _Encoded:
    """One push in both encodings: the native message, and Mastodon's (event, payload)."""

    native: bytes
    mastodon: tuple[str, str] | None


def _entry_messages(entries: Iterable[tuple[Op, str]], mastodon: bool) -> dict[tuple[Op, str], _Encoded]:
    """(op, entry) -> the push: hydrated tweets for adds (one hydration for all), deletes. The
    Mastodon encoding is built only when a Mastodon client is among the receivers."""
    wanted = list(dict.fromkeys(entries))
    adds = [entry for op, entry in wanted if op == Op.ADD]
    hydrated = {view["id"]: view for view in views.hydrate(adds)} if adds else {}
    statuses = mastodon_streaming.statuses(list(hydrated.values())) if mastodon and hydrated else {}
    out: dict[tuple[Op, str], _Encoded] = {}
    for op, entry in wanted:
        tweet_id = entry_tweet_id(entry)
        if op == Op.REMOVE:
            message = _encode({"type": "delete", "tweet_id": tweet_id})
            out[(op, entry)] = _Encoded(message, ("delete", tweet_id))
        elif tweet_id in hydrated:  # absent: deleted since, nothing to show
            status = statuses.get(tweet_id)
            update = ("update", json.dumps(status, separators=(",", ":"))) if status else None
            out[(op, entry)] = _Encoded(_encode({"type": "tweet", "tweet": hydrated[tweet_id]}), update)
    return out


def _for(connection: Connection, encoded: _Encoded) -> list[tuple[Connection, bytes]]:
    """The bytes this connection gets: the native message, or its Mastodon streams' frames."""
    if connection.tag is None:
        return [(connection, encoded.native)]
    if encoded.mastodon is None:
        return []
    event, payload = encoded.mastodon
    return [(connection, frame) for frame in mastodon_streaming.frames(connection.tag, event, payload)]


@_best_effort
def push_timeline(
    deliveries: Sequence[tuple[Op, str, Sequence[str]]], live_connections: Mapping[str, Sequence[str]]
) -> int:
    """Push fan-out deliveries ``(op, entry, followers)`` to the followers' open connections,
    which the fan-out script found while it wrote their timelines (``feeds.manager.deliver``)."""
    if not deliveries or not live_connections:
        return 0
    receivers = [Connection(c, u) for _, _, users in deliveries for u in users for c in live_connections.get(u, ())]
    mastodon = any(c.tag is not None for c in receivers)
    messages = _entry_messages(((op, entry) for op, entry, _ in deliveries), mastodon)
    out: list[tuple[Connection, bytes]] = []
    for op, entry, users in deliveries:
        encoded = messages.get((op, entry))
        if encoded is not None:
            for u in users:
                for c in live_connections.get(u, ()):
                    out.extend(_for(Connection(c, u), encoded))
    return _deliver(out)


@_best_effort
def push_to_live_audience(op: Op, entry: str, author_id: str, conversation_partner: str | None = None) -> int:
    """A famous author's new or removed entry, to the live audience (not written to timelines)."""
    audience = ConnectionStore().audience(author_id)
    if conversation_partner is not None and audience:
        both = set(social_graph.who_follow(sorted({c.user_id for c in audience}), conversation_partner))
        audience = [c for c in audience if c.user_id in both]
    if not audience:
        return 0
    mastodon = any(c.tag is not None for c in audience)
    encoded = _entry_messages([(op, entry)], mastodon).get((op, entry))
    return _deliver([m for c in audience for m in _for(c, encoded)]) if encoded is not None else 0


@_best_effort
def push_notification(change: notifications.Change) -> int:
    """A new (or newly grouped) notification, to its recipient's connections."""
    if not change.add:
        return 0
    connections = ConnectionStore().of_users([change.recipient])
    if not connections:
        return 0
    view = notifications.view(change.recipient, change.notification_id)
    if view is None:
        return 0
    mastodon = None
    if any(c.tag is not None for c in connections):
        entity = mastodon_streaming.notification(view, change.actor_id)
        mastodon = ("notification", json.dumps(entity, separators=(",", ":"))) if entity else None
    encoded = _Encoded(_encode({"type": "notification", "notification": view}), mastodon)
    return _deliver([m for c in connections for m in _for(c, encoded)])
