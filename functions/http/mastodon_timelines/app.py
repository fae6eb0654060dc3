"""Mastodon timelines: home (the native home timeline), hashtag (the native search, newest
first) and public, with Link paging.

The public timeline is empty by decision: Warbler has no global firehose to read (every read is
of a follow graph or a search), and at Twitter's write rate a firehose is not a timeline a person
can read. Mastodon allows an instance to answer it empty.
"""

from __future__ import annotations

from warbler import errors, search
from warbler.feeds.reads import HomeTimeline
from warbler.mastodon import edge, paging, render
from warbler.tweets import views

app = edge.make_app()


@app.get("/api/v1/timelines/home")
def home():
    caller = edge.user_id(app, "read:statuses")
    query = edge.params(app)
    page = paging.timeline(HomeTimeline(caller), query)
    body = render.statuses(views.hydrate(page.entries, caller), edge.base_url(app))
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_max_id, page.prev_min_id))


@app.get("/api/v1/timelines/tag/<hashtag>")
def hashtag(hashtag: str):
    """Newest first from the search index; paged by its own cursor, carried as an opaque
    ``max_id`` in the Link header (a status id cannot bound a search page)."""
    caller = edge.user_id(app, "read:statuses")
    query = edge.params(app)
    if any(query.get(k) for k in ("since_id", "min_id")) or str(query.get("max_id") or "").isdigit():
        raise errors.InvalidInput("page the hashtag timeline with its Link header")
    page = search.search(
        caller, f"#{hashtag.lstrip('#')}", "tweets", "latest", paging.limit(query), query.get("max_id") or None
    )
    body = render.statuses(page.items, edge.base_url(app))
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_cursor, None))


@app.get("/api/v1/timelines/public")
def public():
    edge.caller(app, "read:statuses", user=False)
    return edge.json_response([])


lambda_handler = edge.rest_handler(app)
