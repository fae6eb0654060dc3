"""Tweet and user search."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api, search
from warbler import api_models as m
from warbler.search.query import MAX_QUERY_CHARS

app = api.make_app()


@app.get(
    "/search",
    operation_id="search",
    responses={200: m.ok(m.TweetPage | m.UserPage, "Tweets, or users with type=users", m.next_page("search"))},
)
def search_route(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="the query; see warbler.search.query for the tweet syntax (a malformed one is a 400)",
        ),
    ],
    type: Annotated[Literal["tweets", "users"], Query(description="tweets or users")] = "tweets",  # noqa: A002
    sort: Annotated[Literal["top", "latest"], Query(description="top or latest; tweets only")] = "top",
    limit: api.PageLimit = None,
    cursor: api.PageCursor = None,
):
    caller = api.caller_id(app)
    return api.json_response(search.search(caller, q, type, sort, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
