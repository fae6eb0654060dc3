"""Search: ranking, paging and the result cache (the language is ``warbler.search.query``, the
indexing rules ``warbler.search.index``, every OpenSearch and Redis command ``warbler.search.store``).

Ranking: ``latest`` is newest first (the snowflake id, exact), paged with ``search_after``.
``top`` (``query.top_query``) pins "now" in its cursor so later pages rank alike, and pages by
offset up to ``search_max_depth`` (scores are floats, a poor ``search_after`` key). Users rank by
kind of match, followers count breaking ties.

The index only decides *which* ids match: results are hydrated like timelines (a deleted tweet
drops out even if the index lags), and the Redis cache holds ids, never views, for
``search_cache_seconds``, keyed by the normalised query. Empty results are not cached: they are
cheap, and they are what someone waiting for a fresh post keeps asking.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from warbler import pagination, social_graph
from warbler.errors import BadRequest, InvalidCursor
from warbler.pagination import Page
from warbler.search.query import TweetQuery, parse, top_query, tweet_filter, user_query
from warbler.search.store import TWEETS, USERS, QueryRejected, SearchStore
from warbler.settings import get_settings
from warbler.tweets import views

TYPES = ("tweets", "users")
SORTS = ("top", "latest")


# Cursors


def _decode(cursor: str | None, kind: str) -> dict | None:
    value = pagination.decode(cursor)
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("k") != kind:
        raise InvalidCursor("cursor does not belong to this search")
    return value


def _search_after(value: dict | None, shape: tuple[type, ...]) -> list | None:
    if value is None:
        return None
    after = value.get("a")
    if not isinstance(after, list) or len(after) != len(shape):
        raise InvalidCursor("cursor is not valid")
    if not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(after, shape, strict=True)):
        raise InvalidCursor("cursor is not valid")
    return after


# ---------------------------------------------------------------------------------------------
# Searching


@dataclass(frozen=True)
class IdPage:
    ids: list[str]
    next_cursor: str | None


def _latest(query: TweetQuery, limit: int, cursor: str | None) -> IdPage:
    after = _search_after(_decode(cursor, "latest"), (str,))
    body: dict[str, Any] = {
        "query": tweet_filter(query),
        "sort": [{"tid": "desc"}],
        "size": limit + 1,
        "_source": False,
        "track_total_hits": False,
    }
    if after:
        body["search_after"] = after
    hits = SearchStore().search(TWEETS, body)
    page = hits[:limit]
    more = len(hits) > limit
    next_cursor = pagination.encode({"k": "latest", "a": page[-1]["sort"]}) if more else None
    return IdPage([h["_id"] for h in page], next_cursor)


def _top(query: TweetQuery, limit: int, cursor: str | None) -> IdPage:
    state = _decode(cursor, "top")
    max_depth = get_settings().search_max_depth
    if state is None:
        offset, now_ms = 0, int(time.time() * 1000)
    else:
        o, t = state.get("o"), state.get("t")
        if not isinstance(o, int) or not isinstance(t, int) or not 0 <= o < max_depth:
            raise InvalidCursor("cursor is not valid")
        offset, now_ms = o, t
    size = min(limit, max_depth - offset)
    body = {
        "query": top_query(query, now_ms),
        "sort": ["_score", {"tid": "desc"}],
        "from": offset,
        "size": size + 1,
        "_source": False,
        "track_total_hits": False,
    }
    hits = SearchStore().search(TWEETS, body)
    page = hits[:size]
    more = len(hits) > size and offset + size < max_depth
    next_cursor = pagination.encode({"k": "top", "o": offset + size, "t": now_ms}) if more else None
    return IdPage([h["_id"] for h in page], next_cursor)


def _users(q: str | None, limit: int, cursor: str | None) -> tuple[str, IdPage]:
    prefix, query = user_query(q)
    after = _search_after(_decode(cursor, "users"), (float, int, str)) if cursor else None
    body: dict[str, Any] = {
        "query": query,
        "sort": ["_score", {"followers_count": "desc"}, {"uid": "asc"}],
        "size": limit + 1,
        "_source": False,
        "track_total_hits": False,
    }
    if after:
        body["search_after"] = after
    hits = SearchStore().search(USERS, body)
    page = hits[:limit]
    more = len(hits) > limit
    next_cursor = None
    if more:
        score, followers, uid = page[-1]["sort"]
        next_cursor = pagination.encode({"k": "users", "a": [float(score), int(followers), str(uid)]})
    return prefix, IdPage([h["_id"] for h in page], next_cursor)


def _cache_key(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


def _ids(key: str, run: Callable[[], IdPage]) -> IdPage:
    def load(_: list[str]) -> dict[str, dict]:
        try:
            page = run()
        except QueryRejected:
            raise BadRequest("the search engine could not run this query") from None
        return {key: {"ids": page.ids, "next": page.next_cursor}}

    found = SearchStore().results(key, load)
    return IdPage(list(found["ids"]), found["next"])


def search(caller_id: str, q: str | None, kind: str | None, sort: str | None, limit: int, cursor: str | None) -> Page:
    """``GET /search``: Tweet or User views in rank order, with an opaque cursor."""
    kind = kind or "tweets"
    sort = sort or "top"
    if kind not in TYPES:
        raise BadRequest(f"type must be one of {', '.join(TYPES)}")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    if kind == "users":
        prefix, _ = user_query(q)
        page = _ids(_cache_key("users", prefix, limit, cursor), lambda: _users(q, limit, cursor)[1])
        return Page(social_graph.user_views(caller_id, page.ids), page.next_cursor)
    query = parse(q)
    run = _latest if sort == "latest" else _top
    page = _ids(_cache_key("tweets", sort, query.normalised(), limit, cursor), lambda: run(query, limit, cursor))
    return Page(views.hydrate(page.ids, caller_id), page.next_cursor)
