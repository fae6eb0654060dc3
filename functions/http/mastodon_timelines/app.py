"""Mastodon timelines: home (the native home timeline), hashtag and public, with Link paging."""

from __future__ import annotations

from warbler import timelines, tweets
from warbler.mastodon import edge, paging, render

app = edge.make_app()


@app.get("/api/v1/timelines/home")
def home():
    caller = edge.user_id(app, "read:statuses")
    query = edge.params(app)
    page = paging.timeline(timelines.HomeTimeline(caller), query)
    body = render.statuses(tweets.hydrate(page.entries, caller), edge.base_url(app))
    return edge.json_response(body, headers=edge.link_header(app, query, page.next_max_id, page.prev_min_id))


lambda_handler = edge.rest_handler(app)
