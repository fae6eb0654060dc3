"""Post, read and delete tweets."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, Field

from warbler import api
from warbler import api_models as m
from warbler.idempotency import once_per_key
from warbler.tweets import views, write

app = api.make_app()


class NewTweet(BaseModel):
    text: Annotated[
        str,
        Field(
            description=(
                "at most 280 characters, each link counting 23 (twitter-text); not blank (only whitespace,"
                " control or format characters) unless media_ids names media"
            )
        ),
    ] = ""
    reply_to_id: api.IdField | None = None
    quote_of_id: api.IdField | None = None
    media_ids: Annotated[
        list[api.IdField],
        Field(
            max_length=4,
            json_schema_extra={"uniqueItems": True},  # the service refuses a repeat too (422)
            description="up to 4 images, or 1 GIF, or 1 video: your own ready media",
        ),
    ] = []


def _post(request: dict):
    body = request["payload"]
    reply_to = api.tweet_id(body["reply_to_id"]) if body.get("reply_to_id") else None
    quote_of = api.tweet_id(body["quote_of_id"]) if body.get("quote_of_id") else None
    media_ids = [api.media_id(m) for m in body.get("media_ids") or []]
    return write.post_tweet(
        request["caller"], body["text"], reply_to_id=reply_to, quote_of_id=quote_of, media_ids=media_ids
    )


_post_once = once_per_key(_post)


TWEET_LINKS = {
    "GetTweet": {"operationId": "getTweet", "parameters": {"tweet_id": "$response.body#/id"}},
    "DeleteTweet": {"operationId": "deleteTweet", "parameters": {"tweet_id": "$response.body#/id"}},
    "GetReplies": {"operationId": "getReplies", "parameters": {"tweet_id": "$response.body#/id"}},
    "GetContext": {"operationId": "getContext", "parameters": {"tweet_id": "$response.body#/id"}},
    "Like": {"operationId": "like", "parameters": {"tweet_id": "$response.body#/id"}},
    "Unlike": {"operationId": "unlike", "parameters": {"tweet_id": "$response.body#/id"}},
    "Retweet": {"operationId": "retweet", "parameters": {"tweet_id": "$response.body#/id"}},
    "Unretweet": {"operationId": "unretweet", "parameters": {"tweet_id": "$response.body#/id"}},
    "Reply": {"operationId": "postTweet", "requestBody": {"text": "a reply", "reply_to_id": "$response.body#/id"}},
}


@app.post(
    "/tweets",
    operation_id="postTweet",
    status_code=201,
    responses={201: m.ok(m.Tweet, "The new tweet", TWEET_LINKS)},
)
def post(body: NewTweet):
    key = app.current_event.headers.get("Idempotency-Key") or app.current_event.headers.get("idempotency-key")
    return _post_once(api.caller_id(app), key, body.model_dump(), context=app.lambda_context), 201


@app.get("/tweets/<tweet_id>", operation_id="getTweet", responses={200: m.ok(m.Tweet | m.Retweet)})
def read(tweet_id: api.TweetIdPath):
    return views.get_tweet(api.tweet_id(tweet_id), api.caller_id(app))


@app.get(
    "/tweets/<tweet_id>/replies",
    operation_id="getReplies",
    responses={200: m.ok(m.TweetPage, links=m.next_page("getReplies", "tweet_id"))},
)
def replies(tweet_id: api.TweetIdPath, limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(
        views.replies(api.tweet_id(tweet_id), api.page_size(limit), cursor, api.caller_id(app)).as_dict()
    )


@app.get("/tweets/<tweet_id>/context", operation_id="getContext", responses={200: m.ok(m.Conversation)})
def conversation(tweet_id: api.TweetIdPath, limit: api.PageLimit = None):
    return api.json_response(views.context(api.tweet_id(tweet_id), api.caller_id(app), api.page_size(limit)))


@app.delete(
    "/tweets/<tweet_id>", operation_id="deleteTweet", status_code=204, responses={204: {"description": "Deleted"}}
)
def delete(tweet_id: api.TweetIdPath):
    write.delete_tweet(api.caller_id(app), api.tweet_id(tweet_id))
    return Response(status_code=204, body="")


lambda_handler = api.rest_handler(app)
