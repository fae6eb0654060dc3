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

from warbler.errors import InvalidInput

USER, NOTIFICATIONS = "user", "user:notification"
STREAMS = (USER, NOTIFICATIONS)


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


def _frame(stream: str, event: str, payload: str) -> bytes:
    return json.dumps({"stream": [stream], "event": event, "payload": payload}, separators=(",", ":")).encode()


def update_frames(streams: Sequence[str], status: Mapping[str, Any]) -> list[bytes]:
    """A new home timeline entry: on the ``user`` stream only."""
    return [_frame(USER, "update", json.dumps(status, separators=(",", ":")))] if USER in streams else []


def delete_frames(streams: Sequence[str], status_id: str) -> list[bytes]:
    return [_frame(USER, "delete", status_id)] if USER in streams else []


def notification_frames(streams: Sequence[str], notification: Mapping[str, Any]) -> list[bytes]:
    """A notification goes to each of ``user`` and ``user:notification`` the client subscribed."""
    payload = json.dumps(notification, separators=(",", ":"))
    return [_frame(s, "notification", payload) for s in STREAMS if s in streams]
