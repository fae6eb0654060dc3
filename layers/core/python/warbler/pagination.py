"""Opaque, authenticated cursors: clients get tokens, never our key structure.

A cursor is ``base64url(JSON) "." base64url(HMAC-SHA256(secret, scope, JSON)[:16])``. The scope
names the list and the caller it was issued for (``"followers:<user>:<caller>"``), so a cursor is
only ever accepted back on the list, and from the caller, it came from; anything else -- forged,
truncated, from another list or another user -- is a 400 before it reaches a query (a client
cursor used as DynamoDB's ``ExclusiveStartKey`` would otherwise be a query we never wrote). The
secret is ``Settings.cursor_secret`` (on AWS a generated Secrets Manager value, see infra/cdk).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import orjson

from warbler.errors import InvalidCursor
from warbler.settings import get_settings

MAX_CURSOR_CHARS = 2048
_MAC_BYTES = 16
# The shape of every cursor ``encode`` makes (base64url payload "." 22-character base64url MAC).
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _mac(scope: str, payload: str) -> str:
    key = get_settings().cursor_secret.encode()
    # hmac.digest: the one-shot C path, a fraction of building an HMAC object per cursor.
    return _b64(hmac.digest(key, f"{scope}\0{payload}".encode(), hashlib.sha256)[:_MAC_BYTES])


def encode(value: Any, scope: str = "") -> str:
    payload = _b64(orjson.dumps(value))  # compact, as json.dumps with separators=(",", ":")
    return f"{payload}.{_mac(scope, payload)}"


def decode(cursor: str | None, scope: str = "") -> Any:
    """The value ``encode(value, scope)`` made, or ``BadRequest`` for any other string."""
    if not cursor:
        return None
    payload, _, mac = cursor.partition(".")
    if len(cursor) > MAX_CURSOR_CHARS or not hmac.compare_digest(mac.encode(), _mac(scope, payload).encode()):
        raise InvalidCursor("cursor is not valid")
    try:
        return json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidCursor("cursor is not valid") from None


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_cursor: str | None

    def as_dict(self) -> dict:
        return {"items": self.items, "next_cursor": self.next_cursor}
