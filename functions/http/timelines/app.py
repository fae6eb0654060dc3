"""Home and user timelines."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api, timelines, tweets, users

app = api.make_app()

Limit = Annotated[int | None, Query()]
Cursor = Annotated[str | None, Query()]
SinceId = Annotated[str | None, Query()]


def _page(page_ids: tuple[list[str], str | None], caller_id: str) -> dict:
    entries, next_cursor = page_ids
    return api.json_response({"items": tweets.hydrate(entries, caller_id), "next_cursor": next_cursor})


@app.get("/timelines/home")
def home(limit: Limit = None, cursor: Cursor = None, since_id: SinceId = None):
    caller = api.caller_id(app)
    return _page(timelines.HomeTimeline(caller).page_ids(api.page_size(limit), cursor, since_id), caller)


@app.get("/users/<handle>/tweets")
def user_tweets(handle: str, limit: Limit = None, cursor: Cursor = None, since_id: SinceId = None):
    caller = api.caller_id(app)
    timeline = timelines.UserTimeline(users.user_id_for_handle(handle))
    return _page(timeline.page_ids(api.page_size(limit), cursor, since_id), caller)


lambda_handler = api.rest_handler(app)
