"""Home and user timelines."""

from __future__ import annotations

from warbler import api
from warbler import api_models as m
from warbler.feeds import reads

app = api.make_app()

Limit = api.PageLimit
Cursor = api.PageCursor
SinceId = api.SinceId


@app.get("/timelines/home", operation_id="getHome", responses={200: m.ok(m.TweetPage, links=m.next_page("getHome"))})
def home(limit: Limit = None, cursor: Cursor = None, since_id: SinceId = None):
    page = reads.home_page(api.caller_id(app), api.page_size(limit), cursor, since_id)
    return api.json_response(page.as_dict())


@app.get(
    "/users/<handle>/tweets",
    operation_id="getUserTweets",
    responses={200: m.ok(m.TweetPage, links=m.next_page("getUserTweets", "handle"))},
)
def user_tweets(handle: api.HandlePath, limit: Limit = None, cursor: Cursor = None, since_id: SinceId = None):
    page = reads.user_page(api.caller_id(app), handle, api.page_size(limit), cursor, since_id)
    return api.json_response(page.as_dict())


lambda_handler = api.rest_handler(app)
