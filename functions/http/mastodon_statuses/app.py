"""Mastodon statuses: post, read, delete, context, favourite and reblog; the caller's favourites.

Each route translates its parameters and calls the native domain function (``warbler.tweets``,
``warbler.engagement``); ``warbler.mastodon.render`` turns the native views into Statuses.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from warbler import api, errors
from warbler.engagement import toggle
from warbler.engagement.store import LIKE, RETWEET
from warbler.idempotency import once_per_key
from warbler.mastodon import edge, entities, paging, render
from warbler.tweets import views, write

app = edge.make_app()
MAX_DESCENDANTS = 60


class NewStatus(BaseModel):
    status: str = ""  # may be empty when media_ids names media (the native rule decides)
    in_reply_to_id: str | None = None
    media_ids: list[str] = []
    visibility: str | None = None
    sensitive: bool | str | None = None
    spoiler_text: str | None = None
    language: str | None = None


def _post(request: dict) -> dict:
    body = request["payload"]
    reply_to = edge.status_id(body["in_reply_to_id"]) if body.get("in_reply_to_id") else None
    media_ids = [api.media_id(m) for m in body.get("media_ids") or []]
    return write.post_tweet(request["caller"], body["status"], reply_to_id=reply_to, media_ids=media_ids)


_post_once = once_per_key(_post)


@app.post("/api/v1/statuses")
def post():
    caller = edge.user_id(app, "write:statuses")
    body = edge.parse(NewStatus, edge.params(app))
    if body.visibility not in (None, "", entities.VISIBILITY):
        raise errors.InvalidInput("Warbler posts are always public")
    if body.spoiler_text:
        raise errors.InvalidInput("Warbler has no content warnings")
    payload = {"status": body.status, "in_reply_to_id": body.in_reply_to_id, "media_ids": body.media_ids}
    view = _post_once(caller, edge.header(app, "Idempotency-Key"), payload, context=app.lambda_context)
    return edge.json_response(render.status(view, edge.base_url(app)))


@app.get("/api/v1/statuses/<status_id>")
def read(status_id: str):
    caller = edge.user_id(app, "read:statuses")
    view = views.get_tweet(edge.status_id(status_id), caller)
    return edge.json_response(render.status(view, edge.base_url(app)))


@app.delete("/api/v1/statuses/<status_id>")
def delete(status_id: str):
    """Answers the deleted status with its ``text``, for "delete and redraft"."""
    caller = edge.user_id(app, "write:statuses")
    tweet_id = edge.status_id(status_id)
    entity = render.status(views.get_tweet(tweet_id, caller), edge.base_url(app))
    write.delete_tweet(caller, tweet_id)
    return edge.json_response(entity)


@app.get("/api/v1/statuses/<status_id>/context")
def context(status_id: str):
    caller = edge.user_id(app, "read:statuses")
    found = views.context(edge.status_id(status_id), caller, MAX_DESCENDANTS)
    base = edge.base_url(app)
    ancestors = render.statuses(found["ancestors"], base)
    descendants = render.statuses(found["replies"]["items"], base)
    return edge.json_response(entities.context(ancestors, descendants))


def _engage(status_id: str, act: Any) -> Response:
    caller = edge.user_id(app, "write:favourites" if act in (toggle.like, toggle.unlike) else "write:statuses")
    view = act(caller, edge.status_id(status_id))
    return edge.json_response(render.status(view, edge.base_url(app)))


@app.post("/api/v1/statuses/<status_id>/favourite")
def favourite(status_id: str):
    return _engage(status_id, toggle.like)


@app.post("/api/v1/statuses/<status_id>/unfavourite")
def unfavourite(status_id: str):
    return _engage(status_id, toggle.unlike)


@app.post("/api/v1/statuses/<status_id>/reblog")
def reblog(status_id: str):
    """Answers the reblog itself (Mastodon's wrapper status, ``reblog`` = the original)."""
    caller = edge.user_id(app, "write:statuses")
    original = toggle.retweet(caller, edge.status_id(status_id))
    wrapper = toggle.retweet_entry(caller, original["id"])
    found = views.hydrate([wrapper], caller) if wrapper else []
    return edge.json_response(render.status(found[0] if found else original, edge.base_url(app)))


@app.post("/api/v1/statuses/<status_id>/unreblog")
def unreblog(status_id: str):
    return _engage(status_id, toggle.unretweet)


def _engaged_by(status_id: str, kind: str) -> Response:
    """Who favourited / reblogged: paged by the native cursor, an opaque ``max_id`` in Link."""
    edge.caller(app, "read:statuses", user=False)
    query = edge.params(app)
    page = views.engaged_by(edge.status_id(status_id), kind, paging.limit(query), query.get("max_id") or None)
    base = edge.base_url(app)
    body = [entities.account(u, base) for u in page.items]
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_cursor, None))


@app.get("/api/v1/statuses/<status_id>/favourited_by")
def favourited_by(status_id: str):
    return _engaged_by(status_id, LIKE)


@app.get("/api/v1/statuses/<status_id>/reblogged_by")
def reblogged_by(status_id: str):
    return _engaged_by(status_id, RETWEET)


@app.get("/api/v1/favourites")
def favourites():
    """Paged by the native cursor, carried as ``max_id`` (Mastodon documents it as opaque here)."""
    caller = edge.user_id(app, "read:favourites")
    query = edge.params(app)
    limit = paging.limit(query)
    handle = render.accounts([caller])[caller]["handle"]
    page = views.liked_by(caller, handle, limit, query.get("max_id") or None)
    body = render.statuses(page.items, edge.base_url(app))
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_cursor, None))


lambda_handler = edge.rest_handler(app)
