"""Mastodon's list paging on Warbler's timelines.

Mastodon pages by status id: ``max_id`` (older than), ``since_id`` (newer than, newest first),
``min_id`` (the page just newer than, i.e. oldest first above it), ``limit`` (default 20, at
most 40), and answers a ``Link`` header: ``next`` (older, ``max_id`` = the page's last id),
then ``prev`` (newer, ``min_id`` = its first id). Warbler's timelines read newest-first below a
bound and above another, so ``max_id`` becomes the native cursor and ``since_id`` stays itself;
``min_id`` reads everything above it (at most a timeline's cap of ids, no hydration) and keeps
the oldest ``limit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from warbler import errors, pagination
from warbler.feeds.entries import entry_tweet_id
from warbler.ids import normalize_id
from warbler.settings import get_settings

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


class Timeline(Protocol):
    def page_ids(
        self, limit: int, cursor: str | None = None, since_id: str | None = None
    ) -> tuple[list[str], str | None]: ...


def limit(query: Mapping[str, Any], default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """Mastodon clamps ``limit`` rather than refusing it; a non-number is a 422."""
    raw = query.get("limit")
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise errors.InvalidInput("limit must be a number") from None
    return max(1, min(maximum, value))


def _id(query: Mapping[str, Any], name: str) -> str | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    value = normalize_id(str(raw))
    if value is None:
        raise errors.InvalidInput(f"{name} must be a status id")
    return value


@dataclass(frozen=True)
class TimelinePage:
    entries: list[str]  # native timeline entries, newest first
    next_max_id: str | None
    prev_min_id: str | None


def timeline(source: Timeline, query: Mapping[str, Any]) -> TimelinePage:
    size = limit(query)
    max_id, since_id, min_id = _id(query, "max_id"), _id(query, "since_id"), _id(query, "min_id")
    cursor = pagination.encode(max_id) if max_id else None
    if min_id is not None:
        above, _ = source.page_ids(get_settings().timeline_cap, cursor, since_id=min_id)
        entries, more_older = above[-size:], bool(above)
    else:
        entries, next_cursor = source.page_ids(size, cursor, since_id=since_id)
        more_older = next_cursor is not None
    ids = [entry_tweet_id(e) for e in entries]
    return TimelinePage(entries, ids[-1] if ids and more_older else None, ids[0] if ids else None)
