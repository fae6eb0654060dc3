"""Mastodon's OAuth scopes (https://docs.joinmastodon.org/api/oauth-scopes/).

A top-level scope covers its sub-scopes (``read`` covers ``read:statuses``); the legacy
``follow`` scope covers the follow/block/mute sub-scopes of both ``read`` and ``write``.
"""

from __future__ import annotations

from collections.abc import Iterable

from warbler.errors import InvalidInput

READ = (
    "read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
    "read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
)  # fmt: skip
WRITE = (
    "write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
    "write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
    "write:reports", "write:statuses",
)  # fmt: skip
FOLLOW = ("read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes")
TOP_LEVEL = ("read", "write", "follow", "push", "profile")
KNOWN = frozenset(TOP_LEVEL + READ + WRITE)
DEFAULT = "read"  # what a request without a scope gets, as in Mastodon

_COVERS: dict[str, frozenset[str]] = {
    "read": frozenset(READ),
    "write": frozenset(WRITE),
    "follow": frozenset(FOLLOW),
    "profile": frozenset({"read:accounts"}),  # verify_credentials only, in Mastodon
}


def parse(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    """Scopes from a space- (or comma-, or ``+``-) separated string, deduplicated, known only."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = raw.replace(",", " ").replace("+", " ").split()
    out = tuple(dict.fromkeys(s.strip() for s in raw if s.strip()))
    unknown = [s for s in out if s not in KNOWN]
    if unknown:
        raise InvalidInput(f"unknown scope: {' '.join(unknown)}")
    return out


def expand(granted: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for scope in granted:
        out.add(scope)
        out |= _COVERS.get(scope, frozenset())
    return frozenset(out)


def covers(granted: Iterable[str], required: str) -> bool:
    return required in expand(granted)


def within(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    """Whether every requested scope is one the app registered (directly or through a parent)."""
    permitted = expand(allowed)
    return all(s in permitted for s in requested)
