"""Tweet and user search."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api, search

app = api.make_app()


@app.get("/search")
def search_route(
    q: Annotated[str | None, Query(description="the query; see warbler.search.query for the tweet syntax")] = None,
    type: Annotated[str | None, Query(description="tweets (default) or users")] = None,  # noqa: A002 - the API's name
    sort: Annotated[str | None, Query(description="top (default) or latest; tweets only")] = None,
    limit: api.PageLimit = None,
    cursor: api.PageCursor = None,
):
    caller = api.caller_id(app)
    return api.json_response(search.search(caller, q, type, sort, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
