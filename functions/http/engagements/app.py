"""Likes and retweets."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from warbler import api, engagement, tweets

app = api.make_app()


@app.post("/tweets/<tweet_id>/like")
def like(tweet_id: str):
    return engagement.like(api.caller_id(app), api.tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>/like")
def unlike(tweet_id: str):
    return engagement.unlike(api.caller_id(app), api.tweet_id(tweet_id))


@app.post("/tweets/<tweet_id>/retweet")
def retweet(tweet_id: str):
    return engagement.retweet(api.caller_id(app), api.tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>/retweet")
def unretweet(tweet_id: str):
    return engagement.unretweet(api.caller_id(app), api.tweet_id(tweet_id))


@app.get("/users/<handle>/likes")
def likes(handle: str, limit: Annotated[int | None, Query()] = None, cursor: Annotated[str | None, Query()] = None):
    return api.json_response(tweets.liked_by(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
