"""Mastodon streaming over the same WebSocket API and the same push path as the native client.

A Mastodon client opens the WebSocket with its OAuth token (``Authorization: Bearer``,
``?access_token=`` or as the ``Sec-WebSocket-Protocol``, which must be echoed back), then sends
``{"type": "subscribe", "stream": "user"}`` (or ``user:notification``) and ``unsubscribe``.
Those messages carry no ``action``, so API Gateway routes them to ``$default``: one API, one
route selection expression, one ``live`` function.

Pushes are the native ones (fan-out deliveries, notifications, deletes); only their encoding
differs per connection: ``{"stream": ["user"], "event": "update" | "notification" | "delete",
"payload": "<JSON string, or the deleted id>"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warbler.errors import InvalidInput, Unauthorized
from warbler.feeds.store import TimelineStore
from warbler.live.store import ConnectionStore
from warbler.mastodon import entities, oauth, render
from warbler.mastodon import scopes as scope_rules
from warbler.settings import get_settings
from warbler.tweets import views as tweet_views

USER, NOTIFICATIONS = "user", "user:notification"
STREAMS = (USER, NOTIFICATIONS)
# A connection's tag in the live index names its subscriptions: "u", "n" or "n+u".
_CODES = {USER: "u", NOTIFICATIONS: "n"}
# Streaming needs both reads: the user stream carries statuses and notifications.
REQUIRED_SCOPES = ("read:statuses", "read:notifications")


def tag_of(streams: Sequence[str]) -> str:
    return "+".join(sorted(_CODES[s] for s in set(streams)))


def streams_of(tag: str | None) -> list[str]:
    codes = set((tag or "").split("+"))
    return [s for s in STREAMS if _CODES[s] in codes]


@dataclass(frozen=True)
class ConnectRequest:
    token: str | None
    protocol: str | None  # the Sec-WebSocket-Protocol to echo back, when the token came that way


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def connect_request(event: Mapping[str, Any]) -> ConnectRequest | None:
    """The Mastodon token of a ``$connect`` event, or None when this is a native client (which
    sends its Cognito ID token, a JWT, as ``?token=`` or ``Authorization``)."""
    query = event.get("queryStringParameters") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if query.get("token"):
        return None
    if query.get("access_token"):
        return ConnectRequest(query["access_token"], None)
    offered = [p.strip() for p in (headers.get("sec-websocket-protocol") or "").split(",") if p.strip()]
    if offered:
        return ConnectRequest(offered[0], offered[0])
    value = (headers.get("authorization") or "").strip()
    bearer = value[7:].strip() if value[:7].lower() == "bearer " else value
    if bearer and not _looks_like_jwt(bearer):
        return ConnectRequest(bearer, None)
    return None


@dataclass(frozen=True)
class ClientMessage:
    type: str  # "subscribe" | "unsubscribe"
    stream: str


def client_message(body: str | None) -> ClientMessage | None:
    """A Mastodon client message, None when the body is not one (a native client's message)."""
    try:
        message = json.loads(body or "")
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("type") not in ("subscribe", "unsubscribe"):
        return None
    stream = message.get("stream")
    if stream not in STREAMS:
        raise InvalidInput(f"stream must be one of {', '.join(STREAMS)}")
    return ClientMessage(message["type"], stream)


# ----------------------------------------------------------------------------- sessions


def connect(connection_id: str, request: ConnectRequest) -> str:
    """A Mastodon client's ``$connect``: its token must be live, a user's, with the read scopes.
    The connection is recorded (for ``$disconnect``) but receives nothing until it subscribes.
    ``Unauthorized`` refuses the upgrade."""
    caller = oauth.verify(request.token)
    if caller.user_id is None or not all(scope_rules.covers(caller.scopes, s) for s in REQUIRED_SCOPES):
        raise Unauthorized("streaming needs a user token with the read scope")
    ConnectionStore().add(connection_id, caller.user_id, (), tag="")
    return caller.user_id


def handle(connection_id: str, message: ClientMessage) -> None:
    """``subscribe``/``unsubscribe``: re-index the connection under its new set of streams (it
    joins the live index, and the live audiences of the famous accounts its user follows, as the
    native client does at connect)."""
    store = ConnectionStore()
    session = store.session(connection_id)
    if session is None or session.tag is None:
        raise Unauthorized("not a Mastodon streaming connection")
    current = set(streams_of(session.tag))
    wanted = current | {message.stream} if message.type == "subscribe" else current - {message.stream}
    if wanted == current:
        return
    store.remove(connection_id)
    audiences = TimelineStore().famous_followees(session.user_id) if wanted else []
    store.add(connection_id, session.user_id, audiences, tag=tag_of(sorted(wanted)))


# ----------------------------------------------------------------------------- encoding


def _base() -> str:
    return get_settings().public_base_url.rstrip("/")


def statuses(views: Sequence[dict]) -> dict[str, dict]:
    """Status entities of ``tweets.hydrate`` views, by id (pushes carry no viewer flags)."""
    return {status["id"]: status for status in render.statuses(views, _base())}


def notification(group: Mapping[str, Any], actor_id: str) -> dict | None:
    """The Mastodon notification for one actor joining a Warbler notification group."""
    base = _base()
    actor = render.accounts([actor_id]).get(actor_id)
    if actor is None:
        return None
    status = None
    if group.get("tweet"):
        views = tweet_views.hydrate([group["tweet"]["id"]])  # no viewer flags: pushers read no engagements
        status = render.statuses(views, base)[0] if views else None
    shown = {**group, "actors": [{"id": actor_id}]}
    found = entities.notifications_of_group(shown, {actor_id: actor}, status, base)
    return found[0] if found else None


def frames(tag: str, event: str, payload: str) -> list[bytes]:
    """The frames a connection with ``tag`` gets for one push (none if it did not subscribe)."""
    streams = streams_of(tag)
    if event in ("update", "delete"):  # timeline events: the user stream only
        return [_frame(USER, event, payload)] if USER in streams else []
    return [_frame(s, event, payload) for s in STREAMS if s in streams]


def _frame(stream: str, event: str, payload: str) -> bytes:
    return json.dumps({"stream": [stream], "event": event, "payload": payload}, separators=(",", ":")).encode()
