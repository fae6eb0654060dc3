"""The REST API's response models: the shapes the views return (warbler.tweets.views,
warbler.users, ...), declared once for the OpenAPI document, where schemathesis checks every
response against them (tests/e2e/test_contract_fuzz.py).

They document; they do not run: the handlers serialise their dicts themselves (warbler.api's
``json_response``), so a timeline page costs no model walk. A view that drifts from its model is
a response-conformance failure of the contract test, not a silent change of the API.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Id = str  # decimal, in JSON as a string (ids are 64-bit)
Instant = str  # ISO 8601 in UTC, milliseconds, "Z"


class UserCard(BaseModel):
    """The small author summary embedded in tweets and notifications."""

    id: Id
    handle: str
    display_name: str


class User(UserCard):
    bio: str
    created_at: Instant
    followers_count: int
    following_count: int
    tweets_count: int
    following: bool = Field(description="whether the caller follows this user")


class Session(BaseModel):
    user: User
    token: str = Field(description="a Cognito ID token: send it as `Authorization: Bearer <token>`")


class Mention(BaseModel):
    id: Id
    handle: str


class UrlEntity(BaseModel):
    url: str = Field(description="the short link (GET /s/{key})")
    expanded_url: str
    display_url: str
    indices: list[int] = Field(min_length=2, max_length=2)


class MediaEntity(BaseModel):
    id: Id
    type: Literal["image", "gif", "video"]
    url: str | None
    preview_url: str | None
    width: int | None
    height: int | None
    alt_text: str | None


class MediaDetail(MediaEntity):
    state: str = Field(description="pending, processing, ready or failed")
    reason: str | None
    content_type: str
    size_bytes: int | None
    tweet_id: Id | None
    created_at: Instant
    expires_at: Instant | None


class UploadForm(BaseModel):
    url: str
    fields: dict[str, str]


class Upload(BaseModel):
    id: Id
    state: Literal["pending"]
    upload: UploadForm = Field(description="POST the file as multipart/form-data: these fields, then `file`")
    expires_at: Instant | None


class Tweet(BaseModel):
    id: Id
    text: str
    created_at: Instant
    author: UserCard
    hashtags: list[str]
    mentions: list[Mention]
    like_count: int
    retweet_count: int
    reply_count: int
    quote_count: int
    reply_to_id: Id | None
    conversation_id: Id
    quote_of_id: Id | None
    media: list[MediaEntity]
    urls: list[UrlEntity]
    liked: bool | None = Field(default=None, description="present when read with a caller")
    retweeted: bool | None = None
    quote_of: Tweet | None = Field(default=None, description="the quoted tweet, when quote_of_id names one")


class Retweet(BaseModel):
    """A retweet in a timeline: who retweeted what."""

    id: Id
    created_at: Instant
    author: UserCard
    retweeted_by: UserCard
    retweet_of: Tweet


class TweetPage(BaseModel):
    items: list[Tweet | Retweet]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class UserPage(BaseModel):
    items: list[User]
    next_cursor: str | None


class Conversation(BaseModel):
    ancestors: list[Tweet | Retweet] = Field(description="root first; a deleted ancestor ends the chain")
    tweet: Tweet | Retweet
    replies: TweetPage


class TweetSummary(BaseModel):
    id: Id
    text: str
    media: list[MediaEntity]
    urls: list[UrlEntity]


class Notification(BaseModel):
    id: str
    type: str
    created_at: Instant
    actors: list[UserCard]
    count: int
    tweet: TweetSummary | None
    read: bool


class NotificationPage(BaseModel):
    items: list[Notification]
    next_cursor: str | None


class UnreadCount(BaseModel):
    unread_count: int


class Following(BaseModel):
    following: bool


class Trend(BaseModel):
    name: str
    score: float
    uses: int = Field(description="in the observation window")
    accounts: int = Field(description="distinct, in the observation window")
    history: list[int] = Field(description="uses per bucket over the last 24 h, oldest first")


class Trends(BaseModel):
    items: list[Trend]


def next_page(operation_id: str, *path_parameters: str) -> dict[str, Any]:
    """The link from a page to the next one: the same list (same path), ``cursor=next_cursor``."""
    parameters = {name: f"$request.path.{name}" for name in path_parameters}
    return {
        "NextPage": {"operationId": operation_id, "parameters": {**parameters, "cursor": "$response.body#/next_cursor"}}
    }


class SegmentCounts(BaseModel):
    """The five segments now (warbler.segments.rules), from counters kept as accounts cross."""

    famous: int = Field(ge=0, description="accounts with at least WARBLER_FAMOUS_THRESHOLD followers")
    live: int = Field(ge=0, description="accounts with an open WebSocket")
    active: int = Field(ge=0, description="accounts seen within WARBLER_PASSIVE_AFTER_SECONDS (to the hour)")
    passive: int = Field(ge=0, description="accounts neither active nor inactive")
    inactive: int = Field(ge=0, description="soft-deleted: not seen for WARBLER_INACTIVE_AFTER_SECONDS")
    accounts: int = Field(ge=0, description="every account (active + passive + inactive)")


class Report(BaseModel):
    """A stored daily or weekly report (warbler.analytics.report; docs/analytics.md)."""

    kind: Literal["daily", "weekly"]
    period: str = Field(description="2026-12-01 or 2026-W49")
    start: str
    end: str
    engine: Literal["duckdb", "athena"]
    generated_at: Instant
    figures: dict[str, Any] = Field(description="every figure of figures.sql, by name")
    segments: dict[str, int] = Field(description="the segment counts as the period ended ({} if not counted)")
    charts: dict[str, str] = Field(description="chart name -> its PNG's key in the analytics bucket")
    html: str = Field(description="the HTML rendering's key in the analytics bucket")


def ok(model: type[BaseModel], description: str = "OK", links: dict[str, Any] | None = None) -> dict:
    """A route's ``responses=`` entry: ``model`` as the JSON body, with OpenAPI ``links``."""
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"model": model}}}
    if links:
        response["links"] = links
    return response
