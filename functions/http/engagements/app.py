"""Likes and retweets."""

from __future__ import annotations

from warbler import api
from warbler import api_models as m
from warbler.engagement import toggle
from warbler.tweets import views

app = api.make_app()

# Each toggle answers the tweet as the caller now sees it (liked, retweeted, counts).
_AGAIN = {"Tweet": {"operationId": "getTweet", "parameters": {"tweet_id": "$request.path.tweet_id"}}}


@app.post("/tweets/<tweet_id>/like", operation_id="like", responses={200: m.ok(m.Tweet, "The liked tweet", _AGAIN)})
def like(tweet_id: api.TweetIdPath):
    return toggle.like(api.caller_id(app), api.tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>/like", operation_id="unlike", responses={200: m.ok(m.Tweet, "The tweet", _AGAIN)})
def unlike(tweet_id: api.TweetIdPath):
    return toggle.unlike(api.caller_id(app), api.tweet_id(tweet_id))


@app.post(
    "/tweets/<tweet_id>/retweet", operation_id="retweet", responses={200: m.ok(m.Tweet, "The retweeted tweet", _AGAIN)}
)
def retweet(tweet_id: api.TweetIdPath):
    return toggle.retweet(api.caller_id(app), api.tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>/retweet", operation_id="unretweet", responses={200: m.ok(m.Tweet, "The tweet", _AGAIN)})
def unretweet(tweet_id: api.TweetIdPath):
    return toggle.unretweet(api.caller_id(app), api.tweet_id(tweet_id))


@app.get(
    "/users/<handle>/likes",
    operation_id="getLikes",
    responses={200: m.ok(m.TweetPage, links=m.next_page("getLikes", "handle"))},
)
def likes(handle: api.HandlePath, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(views.liked_by(api.caller_id(app), handle, api.page_size(limit), cursor).as_dict())


lambda_handler = api.rest_handler(app)
