"""Post, read and delete tweets."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from warbler import api, tweets
from warbler.errors import NotFound
from warbler.idempotency import once_per_key
from warbler.ids import normalize_id

app = api.make_app()


class NewTweet(BaseModel):
    text: str


_post_once = once_per_key(lambda request: tweets.post_tweet(request["caller"], request["payload"]["text"]))


def _tweet_id(raw: str) -> str:
    tweet_id = normalize_id(raw)
    if tweet_id is None:
        raise NotFound("no such tweet")
    return tweet_id


@app.post("/tweets")
def post(body: NewTweet):
    key = app.current_event.headers.get("Idempotency-Key") or app.current_event.headers.get("idempotency-key")
    return _post_once(api.caller_id(app), key, body.model_dump(), context=app.lambda_context), 201


@app.get("/tweets/<tweet_id>")
def read(tweet_id: str):
    return tweets.get_tweet(_tweet_id(tweet_id))


@app.delete("/tweets/<tweet_id>")
def delete(tweet_id: str):
    tweets.delete_tweet(api.caller_id(app), _tweet_id(tweet_id))
    return Response(status_code=204, body="")


lambda_handler = api.rest_handler(app)
