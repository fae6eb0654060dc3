"""Likes and retweets."""

from __future__ import annotations

from warbler import api
from warbler.engagement import toggle
from warbler.tweets import views

app = api.make_app()


@app.post("/tweets/<tweet_id>/like")
def like(tweet_id: str):
    return toggle.like(api.caller_id(app), api.tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>/like")
def unlike(tweet_id: str):
    return toggle.unlike(api.caller_id(app), api.tweet_id(tweet_id))


@app.post("/tweets/<tweet_id>/retweet")
def retweet(tweet_id: str):
    return toggle.retweet(api.caller_id(app), api.tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>/retweet")
def unretweet(tweet_id: str):
    return toggle.unretweet(api.caller_id(app), api.tweet_id(tweet_id))


@app.get("/users/<handle>/likes")
def likes(handle: str, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(views.liked_by(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
