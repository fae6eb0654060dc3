"""Home and user timelines."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api
from warbler.feeds import reads

app = api.make_app()

Limit = api.PageLimit
Cursor = api.PageCursor
SinceId = Annotated[str | None, Query()]


@app.get("/timelines/home")
def home(limit: Limit = None, cursor: Cursor = None, since_id: SinceId = None):
    page = reads.home_page(api.caller_id(app), api.page_size(limit), cursor, since_id)
    return api.json_response(page.as_dict())


@app.get("/users/<handle>/tweets")
def user_tweets(handle: str, limit: Limit = None, cursor: Cursor = None, since_id: SinceId = None):
    page = reads.user_page(api.caller_id(app), handle, api.page_size(limit), cursor, since_id)
    return api.json_response(page.as_dict())


lambda_handler = api.rest_handler(app)
