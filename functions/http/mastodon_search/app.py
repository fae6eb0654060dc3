"""Mastodon search (v2) and trending hashtags, over the native search and trends."""

from __future__ import annotations

from pydantic import BaseModel, Field

from warbler import clock, errors, search, trends
from warbler.mastodon import edge, entities, paging, render
from warbler.settings import get_settings

app = edge.make_app()
TYPES = ("accounts", "statuses", "hashtags")
MAX_OFFSET = 60


class SearchQuery(BaseModel):
    q: str = Field(min_length=1)
    type: str | None = None
    resolve: bool | str | None = None  # accepted: there are no remote accounts to resolve
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    following: bool | str | None = None


class TrendsQuery(BaseModel):
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _window(kind: str, q: str, caller: str, size: int, offset: int) -> list[dict]:
    """Results ``offset`` .. ``offset + size`` of the native search (which pages by cursor)."""
    page = search.search(caller, q, kind, "top", offset + size, None)
    return page.items[offset:]


@app.get("/api/v2/search")
def search_v2():
    """Accounts by handle/name prefix, statuses by the native query language, and the hashtags
    of the matching statuses that start with ``q`` (Warbler has no hashtag index of its own)."""
    caller = edge.user_id(app, "read:search")
    query = edge.params(app)
    body = edge.parse(SearchQuery, {k: v for k, v in query.items() if k in SearchQuery.model_fields})
    if body.type is not None and body.type not in TYPES:
        raise errors.InvalidInput(f"type must be one of {', '.join(TYPES)}")
    size, base = paging.limit(query), edge.base_url(app)
    wanted = (body.type,) if body.type else TYPES
    accounts = _window("users", body.q, caller, size, body.offset) if "accounts" in wanted else []
    views = _window("tweets", body.q, caller, size, body.offset) if {"statuses", "hashtags"} & set(wanted) else []
    prefix = body.q.lstrip("#").casefold()
    names = [t for v in views for t in (v.get("retweet_of") or v).get("hashtags") or [] if t.startswith(prefix)]
    return edge.json_response(
        {
            "accounts": [entities.account(u, base) for u in accounts],
            "statuses": render.statuses(views, base) if "statuses" in wanted else [],
            "hashtags": [entities.tag(n, base) for n in dict.fromkeys(names)][:size] if "hashtags" in wanted else [],
        }
    )


@app.get("/api/v1/trends/tags")
def trending_tags():
    """The precomputed hashtag ranking (one Redis GET), as Tags with per-day history."""
    query = edge.params(app)
    size = paging.limit(query, default=10, maximum=20)
    offset = edge.parse(TrendsQuery, {k: v for k, v in query.items() if k == "offset"}).offset
    ranking = trends.top(trends.HASHTAGS, min(offset + size, get_settings().trends_ranking_size))["items"][offset:]
    now = clock.now()
    day_start = int(now.timestamp()) - int(now.timestamp()) % 86400
    base = edge.base_url(app)
    return edge.json_response([entities.trending_tag(t, base, day_start) for t in ranking])


lambda_handler = edge.rest_handler(app)
