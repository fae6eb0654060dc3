"""The wiring of Warbler, declared once.

Which function serves which REST route, WebSocket route, stream or schedule, and which
resources each one may touch. ``infra/cdk`` turns this into CloudFormation; ``infra/local``
turns it into an API Gateway emulator and event-source-mapping pollers. Tests assert that both
agree with it (tests/infra/test_parity.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Access = Literal["read", "write", "readwrite", "delete"]  # "delete": bucket objects only
# What invokes a function. Every function has exactly one kind; FUNCTIONS lists them grouped in this order.
Kind = Literal["http", "websocket", "streams", "buckets", "schedules", "authorizers", "jobs"]
KINDS: tuple[Kind, ...] = ("http", "websocket", "streams", "buckets", "schedules", "authorizers", "jobs")


@dataclass(frozen=True)
class Throttle:
    """API Gateway's token bucket for one route: steady requests/s and burst (stage-wide otherwise)."""

    rate: int
    burst: int


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway style: /users/{handle}
    auth: bool = True
    # Which authorizer checks the token when ``auth``: "cognito" (the user pool's ID tokens) or
    # the name of a function's ``Authorizer`` (a Lambda authorizer, e.g. Mastodon's OAuth tokens).
    authorizer: str = "cognito"
    throttle: Throttle | None = None  # None: the stage's limit (DeployConfig.api_rate_limit)
    # The request carries a file (multipart): the WAF's body rules skip it and the function
    # enforces its own larger limit (warbler.mastodon.uploads.UPLOAD_ROUTES, held equal by a test).
    takes_file: bool = False


@dataclass(frozen=True)
class Authorizer:
    """A function that is an API Gateway Lambda TOKEN authorizer: it turns the ``Authorization``
    header into an IAM policy plus context; API Gateway caches the answer per token for
    ``cache_seconds``. Routes name it by ``name``."""

    name: str
    cache_seconds: int = 300


@dataclass(frozen=True)
class StreamSource:
    """An event source mapping: a DynamoDB table stream or a Kinesis stream."""

    kind: Literal["dynamodb", "kinesis"]
    source: str  # a Table.name or KinesisStream.name below
    batch_size: int = 100
    max_batching_window_seconds: int = 0
    retry_attempts: int = 5
    bisect_on_error: bool = True
    max_record_age_seconds: int = 3600
    parallelization_factor: int = 1
    starting_position: Literal["LATEST", "TRIM_HORIZON"] = "LATEST"


@dataclass(frozen=True)
class BucketSource:
    """An S3 event notification: objects created under ``prefix`` of a ``Bucket`` invoke the
    function asynchronously (one record per object, at least once; Lambda retries twice)."""

    bucket: str  # a Bucket.name below
    prefix: str
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)


@dataclass(frozen=True)
class Schedule:
    """An EventBridge rule: every ``rate_minutes``, or at the UTC times of ``cron`` (EventBridge's six
    fields: minute hour day-of-month month day-of-week year, e.g. ``"30 0 * * ? *"``)."""

    rate_minutes: int | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if (self.rate_minutes is None) == (self.cron is None):
            raise ValueError("a Schedule has either rate_minutes or cron")
        if self.cron is not None and len(self.cron.split()) != 6:
            raise ValueError(f"cron {self.cron!r} needs six fields")

    @property
    def expression(self) -> str:
        if self.cron is not None:
            return f"cron({self.cron})"
        unit = "minute" if self.rate_minutes == 1 else "minutes"
        return f"rate({self.rate_minutes} {unit})"


@dataclass(frozen=True)
class Grant:
    # "table:<name>", "stream:<name>", "bucket:<name>/<prefix>", "cognito", "redis", "opensearch",
    # "websocket", "ses" (send mail), "athena" (query the analytics lake). A bucket grant covers the
    # objects under its prefix: read = GetObject (and listing the prefix),
    # write = PutObject, delete = DeleteObject.
    resource: str
    access: Access = "read"
    # Tables only: the function reads the whole table (dynamodb:Scan). No request path may.
    scan: bool = False


@dataclass(frozen=True)
class Function:
    name: str  # the folder functions/<kind>/<name>/ with app.py exposing lambda_handler
    description: str
    routes: tuple[Route, ...] = ()
    websocket_routes: tuple[str, ...] = ()
    streams: tuple[StreamSource, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    authorizer: Authorizer | None = None
    bucket_sources: tuple[BucketSource, ...] = ()
    # Run by an operator (``aws lambda invoke``), never by an event: a repair or rebuild.
    job: bool = False
    grants: tuple[Grant, ...] = ()
    memory_mb: int = 512
    timeout_seconds: int = 10
    # Reserved concurrent executions: guaranteed capacity for a stream consumer or schedule, a
    # cap for a public function (one hot endpoint can't starve the rest). None: by kind.
    concurrency: int | None = None

    def __post_init__(self) -> None:
        triggers = {
            "http": self.routes,
            "websocket": self.websocket_routes,
            "streams": self.streams,
            "buckets": self.bucket_sources,
            "schedules": self.schedules,
            "authorizers": (self.authorizer,) if self.authorizer else (),
            "jobs": (self.job,) if self.job else (),
        }
        kinds = [kind for kind, declared in triggers.items() if declared]
        if len(kinds) != 1:
            raise ValueError(f"function {self.name!r} needs exactly one kind of trigger, has {kinds or 'none'}")

    @property
    def kind(self) -> Kind:
        """What invokes the function: REST routes, WebSocket routes, streams or a schedule."""
        if self.routes:
            return "http"
        if self.websocket_routes:
            return "websocket"
        if self.authorizer:
            return "authorizers"
        if self.bucket_sources:
            return "buckets"
        if self.job:
            return "jobs"
        return "streams" if self.streams else "schedules"

    @property
    def reserved_concurrency(self) -> int:
        return self.concurrency if self.concurrency is not None else DEFAULT_CONCURRENCY[self.kind]

    @property
    def needs_vpc(self) -> bool:
        return any(g.resource in {"redis", "opensearch"} for g in self.grants)


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    hash_key: str
    range_key: str | None = None
    keys_only: bool = False  # project the keys only (else every attribute)


@dataclass(frozen=True)
class Table:
    """A table, its keys and stream. The PynamoDB models must agree (tests/unit/test_models_match_catalog.py)."""

    name: str  # logical name; settings field is f"{name}_table"
    hash_key: str
    range_key: str | None = None
    indexes: tuple[GlobalIndex, ...] = ()
    stream: bool = False
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class KinesisStream:
    name: str  # logical name; settings field is f"{name}_stream"
    shards: int = 1


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket; settings field f"{name}_bucket". Objects under ``expiring_prefixes`` are
    deleted by a lifecycle rule ``expire_days`` after they were written."""

    name: str
    expiring_prefixes: tuple[str, ...] = ()
    expire_days: int = 1
    browser_uploads: bool = False  # CORS for presigned POSTs from the web client
    cdn: bool = False  # served through CloudFront (Origin Access Control; never public)
    infrequent_access_after_days: int | None = None  # lifecycle transition to STANDARD_IA


TABLES: tuple[Table, ...] = (
    Table(
        "users",
        hash_key="user_id",
        # Sparse: accounts by last-seen day bucket; the segmenter queries a day's buckets (warbler.segments).
        indexes=(GlobalIndex("by_seen_day", "seen_day", "user_id", keys_only=True),),
        stream=True,
    ),
    Table("handles", hash_key="handle_key"),
    Table(
        "follows",
        hash_key="follower_id",
        range_key="followee_id",
        indexes=(GlobalIndex("by_followee", "followee_id", "follower_id"),),
        stream=True,
    ),
    Table(
        "tweets",
        hash_key="tweet_id",
        indexes=(
            GlobalIndex("by_author", "author_id", "tweet_id"),
            GlobalIndex("by_parent", "reply_to_id", "tweet_id"),
        ),
        stream=True,
    ),
    Table("idempotency", hash_key="id", ttl_attribute="expiration"),
    Table(
        "engagements",
        hash_key="tweet_id",
        range_key="kind_user",
        indexes=(GlobalIndex("by_user", "user_kind", "engaged_id"),),
        stream=True,
    ),
    Table("notifications", hash_key="user_id", range_key="notification_id", ttl_attribute="expires_at"),
    Table("connections", hash_key="connection_id", ttl_attribute="expires_at"),
    # The Mastodon edge's OAuth apps, authorization codes and tokens (warbler.mastodon.store).
    Table("oauth", hash_key="key", ttl_attribute="expires_at"),
    # Unattached media expire (TTL); the stream tells media_cleanup to delete removed items' objects.
    Table("media", hash_key="media_id", stream=True, ttl_attribute="expires_at"),
    Table("links", hash_key="id"),  # k:<key> -> URL and u:<sha256(URL)> -> key
    Table("kgs", hash_key="name"),  # short-key block reservations
)

BUCKETS: tuple[Bucket, ...] = (
    # Raw uploads are deleted once processed; the lifecycle rule catches any never processed.
    Bucket("media", expiring_prefixes=("uploads/",), browser_uploads=True, cdn=True),
    # The activity lake (activity/, written by Firehose only) and the reports (reports/).
    Bucket("analytics", infrequent_access_after_days=30),
)

KINESIS_STREAMS: tuple[KinesisStream, ...] = (
    KinesisStream("fanout", shards=2),
    KinesisStream("activity", shards=1),
)

# Reserved concurrency of a function that declares none. The whole catalog's reservations must
# leave 100 of the account's concurrency unreserved (tests/infra/test_parity.py checks 1,000).
DEFAULT_CONCURRENCY: dict[Kind, int] = {
    "http": 20,
    "websocket": 20,
    "streams": 5,
    "buckets": 5,
    "schedules": 1,
    "authorizers": 20,
    "jobs": 1,
}
ACCOUNT_CONCURRENCY = 1000


@dataclass(frozen=True)
class DeliveryStream:
    """Kinesis Data Firehose: a Kinesis stream's records into a bucket as newline-delimited JSON,
    gzip-compressed, partitioned by day Hive-style (``<prefix>dt=YYYY-MM-DD/``) on the first ten
    characters of each record's ``partition_field`` (an ISO time). Records that cannot be
    partitioned go under ``error_prefix``. On AWS Firehose reads the stream itself; locally the
    stack plays that part and moto's Firehose writes to moto's S3 (infra/local/firehose.py)."""

    name: str  # logical name; deployed as warbler-<stage>-<name> (no handler needs it)
    source: str  # a KinesisStream.name
    bucket: str  # a Bucket.name
    prefix: str = "activity/"
    partition_field: str = "at"
    error_prefix: str = "errors/"
    buffer_seconds: int = 300
    buffer_mb: int = 128  # dynamic partitioning needs at least 64


DELIVERY_STREAMS: tuple[DeliveryStream, ...] = (DeliveryStream("activity_lake", source="activity", bucket="analytics"),)

_REDIS = Grant("redis")
# Whoever pushes to WebSocket clients: @connections, and removing a connection that answered 410.
_PUSH = (Grant("websocket"), Grant("table:connections", "readwrite"))
# Whoever posts tweets: attaching media (in the tweet's transaction) and short links with their keys.
_POSTING = (Grant("table:media", "readwrite"), Grant("table:links", "readwrite"), Grant("table:kgs", "readwrite"))


# Request bodies of these types reach a function base64-encoded (the REST API's binaryMediaTypes):
# the Mastodon media upload's file (warbler.mastodon.uploads). Any other body is passed as text.
BINARY_MEDIA_TYPES = ("multipart/form-data",)


def _m(method: str, path: str, auth: bool = True, takes_file: bool = False) -> Route:
    """A route of the Mastodon-compatible API (warbler.mastodon): Mastodon's path, its OAuth tokens."""
    return Route(method, path, auth=auth, authorizer="mastodon", takes_file=takes_file)


_OAUTH = Grant("table:oauth", "readwrite")

FUNCTIONS: tuple[Function, ...] = (
    # ---- HTTP: REST API routes (functions/http/) ----
    Function(
        "admin",
        "Segment counts and the stored reports, for the Cognito group admins only.",
        routes=(Route("GET", "/admin/segments"), Route("GET", "/admin/reports/{kind}/{period}")),
        # redis: the segment counters (so it runs in the VPC; S3 through the gateway endpoint).
        grants=(Grant("bucket:analytics/reports/", "read"), _REDIS),
        memory_mb=256,
    ),
    Function(
        "auth",
        "Sign-up and login (Cognito).",
        # Sign-up and login: far below reads (credential stuffing; Cognito's own quotas).
        routes=(
            Route("POST", "/auth/signup", auth=False, throttle=Throttle(rate=10, burst=20)),
            Route("POST", "/auth/login", auth=False, throttle=Throttle(rate=50, burst=100)),
        ),
        grants=(
            Grant("table:users", "readwrite"),
            Grant("table:handles", "readwrite"),
            Grant("cognito", "readwrite"),
            _REDIS,
        ),
        concurrency=20,
    ),
    Function(
        "users",
        "Profiles and the social graph.",
        routes=(
            Route("GET", "/me"),
            Route("PATCH", "/me"),
            Route("GET", "/users/{handle}"),
            Route("POST", "/users/{handle}/follow"),
            Route("DELETE", "/users/{handle}/follow"),
            Route("GET", "/users/{handle}/followers"),
            Route("GET", "/users/{handle}/following"),
        ),
        grants=(
            Grant("table:users", "readwrite"),
            Grant("table:handles", "read"),
            Grant("table:follows", "readwrite"),
            _REDIS,
        ),
        concurrency=80,
    ),
    Function(
        "tweets",
        "Post, read and delete tweets; replies and conversations.",
        routes=(
            Route("POST", "/tweets", throttle=Throttle(rate=200, burst=400)),
            Route("GET", "/tweets/{tweet_id}"),
            Route("DELETE", "/tweets/{tweet_id}"),
            Route("GET", "/tweets/{tweet_id}/replies"),
            Route("GET", "/tweets/{tweet_id}/context"),
        ),
        grants=(
            Grant("table:tweets", "readwrite"),
            Grant("table:users", "readwrite"),
            Grant("table:handles", "read"),
            Grant("table:engagements", "readwrite"),
            Grant("table:idempotency", "readwrite"),
            *_POSTING,
            _REDIS,
        ),
        concurrency=80,
    ),
    Function(
        "engagements",
        "Likes and retweets.",
        routes=(
            Route("POST", "/tweets/{tweet_id}/like"),
            Route("DELETE", "/tweets/{tweet_id}/like"),
            Route("POST", "/tweets/{tweet_id}/retweet"),
            Route("DELETE", "/tweets/{tweet_id}/retweet"),
            Route("GET", "/users/{handle}/likes"),
        ),
        grants=(
            Grant("table:tweets", "readwrite"),
            Grant("table:engagements", "readwrite"),
            Grant("table:users", "read"),
            Grant("table:handles", "read"),
            _REDIS,
        ),
        concurrency=80,
    ),
    Function(
        "timelines",
        "Home and user timelines.",
        routes=(Route("GET", "/timelines/home"), Route("GET", "/users/{handle}/tweets")),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "readwrite"),
            Grant("table:handles", "read"),
            Grant("table:follows", "read"),
            Grant("table:engagements", "read"),
            Grant("stream:activity", "write"),
            _REDIS,
        ),
        concurrency=150,
    ),
    Function(
        "notifications",
        "A user's notifications.",
        routes=(
            Route("GET", "/notifications"),
            Route("GET", "/notifications/unread_count"),
            Route("POST", "/notifications/read"),
        ),
        grants=(
            Grant("table:notifications", "read"),
            Grant("table:users", "readwrite"),
            Grant("table:tweets", "read"),
            _REDIS,
        ),
        concurrency=40,
    ),
    Function(
        # Not "search": the CDK app's OpenSearch domain construct already has that id.
        "search_api",
        "Tweet and user search.",
        routes=(Route("GET", "/search"),),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "read"),
            Grant("table:follows", "read"),
            Grant("table:engagements", "read"),
            Grant("opensearch", "read"),
            _REDIS,
        ),
        concurrency=40,
    ),
    Function(
        "trends",
        "Trending hashtags and topics, read from the precomputed ranking.",
        routes=(Route("GET", "/trends"),),
        grants=(_REDIS,),
        memory_mb=256,
        concurrency=20,
    ),
    Function(
        "media",
        "Media uploads: a presigned S3 POST per upload, the media item, its alt text.",
        routes=(Route("POST", "/media"), Route("GET", "/media/{media_id}"), Route("PATCH", "/media/{media_id}")),
        # The presigned POST is authorised by this role: PutObject on the upload prefix only.
        grants=(Grant("table:media", "readwrite"), Grant("bucket:media/uploads/", "write")),
        memory_mb=256,
    ),
    Function(
        "links",
        "GET /s/{key}: the 301 to a short link's URL, and its click event on the activity stream.",
        routes=(Route("GET", "/s/{key}", auth=False),),
        grants=(Grant("table:links", "read"), Grant("stream:activity", "write")),
        memory_mb=256,
    ),
    Function(
        "openapi",
        "Serves the OpenAPI document of the REST API.",
        routes=(Route("GET", "/openapi.json", auth=False),),
        memory_mb=256,
        concurrency=5,
    ),
    # The Mastodon-compatible client API: an edge over the same domain code, on Mastodon's
    # paths, authorised by its own OAuth tokens through the mastodon_authorizer below.
    Function(
        "mastodon_oauth",
        "Mastodon OAuth 2: app registration, tokens (password, authorization code + PKCE, client credentials), revocation.",
        routes=(
            _m("POST", "/api/v1/apps", auth=False),
            _m("GET", "/api/v1/apps/verify_credentials"),
            _m("POST", "/oauth/token", auth=False),
            _m("GET", "/oauth/authorize", auth=False),
            _m("POST", "/oauth/authorize", auth=False),
            _m("POST", "/oauth/revoke", auth=False),
            _m("GET", "/.well-known/oauth-authorization-server", auth=False),
        ),
        # users readwrite: signing in stamps the account seen (and restores a soft-deleted one).
        grants=(
            _OAUTH,
            Grant("table:users", "readwrite"),
            Grant("table:handles", "read"),
            Grant("cognito", "read"),
            _REDIS,
        ),
    ),
    Function(
        "mastodon_instance",
        "Mastodon instance discovery: /api/v1/instance, /api/v2/instance, NodeInfo.",
        routes=(
            _m("GET", "/api/v1/instance", auth=False),
            _m("GET", "/api/v2/instance", auth=False),
            _m("GET", "/.well-known/nodeinfo", auth=False),
            _m("GET", "/nodeinfo/2.0", auth=False),
        ),
        grants=(Grant("table:users", "read"), Grant("table:tweets", "read")),
        memory_mb=256,
    ),
    Function(
        "mastodon_statuses",
        "Mastodon statuses: post, read, delete, context, favourite, reblog, who did; favourites.",
        routes=(
            _m("POST", "/api/v1/statuses"),
            _m("GET", "/api/v1/statuses/{status_id}"),
            _m("DELETE", "/api/v1/statuses/{status_id}"),
            _m("GET", "/api/v1/statuses/{status_id}/context"),
            _m("POST", "/api/v1/statuses/{status_id}/favourite"),
            _m("POST", "/api/v1/statuses/{status_id}/unfavourite"),
            _m("POST", "/api/v1/statuses/{status_id}/reblog"),
            _m("POST", "/api/v1/statuses/{status_id}/unreblog"),
            _m("GET", "/api/v1/statuses/{status_id}/favourited_by"),
            _m("GET", "/api/v1/statuses/{status_id}/reblogged_by"),
            _m("GET", "/api/v1/favourites"),
        ),
        grants=(
            Grant("table:tweets", "readwrite"),
            Grant("table:users", "readwrite"),
            Grant("table:handles", "read"),
            Grant("table:engagements", "readwrite"),
            Grant("table:idempotency", "readwrite"),
            Grant("table:follows", "read"),
            Grant("table:oauth", "read"),
            *_POSTING,
            _REDIS,
        ),
    ),
    Function(
        "mastodon_media",
        "Mastodon media: the file in the request (multipart), its processing state, its description.",
        routes=(
            _m("POST", "/api/v2/media", takes_file=True),
            _m("POST", "/api/v1/media", takes_file=True),
            _m("GET", "/api/v1/media/{media_id}"),
            _m("PUT", "/api/v1/media/{media_id}"),
        ),
        grants=(
            Grant("table:media", "readwrite"),
            Grant("bucket:media/uploads/", "write"),
            Grant("table:oauth", "read"),
            _REDIS,
        ),
        memory_mb=1024,  # a 4 MiB file arrives base64-encoded and is decoded and parsed in memory
    ),
    Function(
        "mastodon_timelines",
        "Mastodon timelines: home, hashtag and public, with Link-header paging.",
        routes=(
            _m("GET", "/api/v1/timelines/home"),
            _m("GET", "/api/v1/timelines/tag/{hashtag}"),
            _m("GET", "/api/v1/timelines/public"),
        ),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "readwrite"),
            Grant("table:handles", "read"),
            Grant("table:follows", "read"),
            Grant("table:engagements", "read"),
            Grant("table:oauth", "read"),
            Grant("stream:activity", "write"),
            Grant("opensearch", "read"),
            _REDIS,
        ),
    ),
    Function(
        "mastodon_notifications",
        "Mastodon notifications (one per actor of Warbler's grouped ones): list, one, clear, dismiss.",
        routes=(
            _m("GET", "/api/v1/notifications"),
            _m("GET", "/api/v1/notifications/{notification_id}"),
            _m("POST", "/api/v1/notifications/clear"),
            _m("POST", "/api/v1/notifications/{notification_id}/dismiss"),
        ),
        grants=(
            Grant("table:notifications", "readwrite"),
            Grant("table:users", "readwrite"),
            Grant("table:tweets", "read"),
            Grant("table:engagements", "read"),
            Grant("table:oauth", "read"),
            _REDIS,
        ),
    ),
    Function(
        "mastodon_search",
        "Mastodon search v2 and trending hashtags.",
        routes=(_m("GET", "/api/v2/search"), _m("GET", "/api/v1/trends/tags", auth=False)),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "read"),
            Grant("table:follows", "read"),
            Grant("table:engagements", "read"),
            Grant("table:oauth", "read"),
            Grant("opensearch", "read"),
            _REDIS,
        ),
    ),
    Function(
        "mastodon_accounts",
        "Mastodon accounts: registration, credentials, profiles, their statuses, follows, relationships.",
        routes=(
            _m("POST", "/api/v1/accounts"),
            _m("GET", "/api/v1/accounts/verify_credentials"),
            _m("PATCH", "/api/v1/accounts/update_credentials"),
            _m("GET", "/api/v1/accounts/lookup"),
            _m("GET", "/api/v1/accounts/relationships"),
            _m("GET", "/api/v1/accounts/{account_id}"),
            _m("GET", "/api/v1/accounts/{account_id}/statuses"),
            _m("GET", "/api/v1/accounts/{account_id}/followers"),
            _m("GET", "/api/v1/accounts/{account_id}/following"),
            _m("POST", "/api/v1/accounts/{account_id}/follow"),
            _m("POST", "/api/v1/accounts/{account_id}/unfollow"),
        ),
        grants=(
            Grant("table:users", "readwrite"),
            Grant("table:handles", "readwrite"),
            Grant("table:follows", "readwrite"),
            Grant("table:tweets", "read"),
            Grant("table:engagements", "read"),
            Grant("table:oauth", "readwrite"),
            Grant("cognito", "readwrite"),
            _REDIS,
        ),
    ),
    # ---- WebSocket: WebSocket API routes (functions/websocket/) ----
    Function(
        "live",
        "WebSocket $connect (verifies the ?token= ID token), $disconnect, ping.",
        websocket_routes=("$connect", "$disconnect", "$default", "ping"),
        # Mastodon streaming clients connect here too, with an OAuth token (warbler.mastodon.streaming).
        grants=(_REDIS, *_PUSH, Grant("table:oauth", "read")),
        concurrency=40,
    ),
    # ---- Streams: DynamoDB table streams and Kinesis streams (functions/streams/) ----
    Function(
        "fanout_planner",
        "Tweets table stream -> follower chunks on the fan-out stream.",
        streams=(StreamSource("dynamodb", "tweets", batch_size=100, max_batching_window_seconds=0),),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "read"),
            Grant("table:follows", "read"),
            Grant("stream:fanout", "write"),
            _REDIS,
            *_PUSH,
        ),
        timeout_seconds=60,
        concurrency=10,
    ),
    Function(
        "fanout_worker",
        "Fan-out stream -> follower home timelines in Redis.",
        streams=(
            StreamSource("kinesis", "fanout", batch_size=500, max_batching_window_seconds=0, parallelization_factor=2),
        ),
        grants=(_REDIS, Grant("table:tweets", "read"), Grant("table:users", "read"), *_PUSH),
        timeout_seconds=30,
        concurrency=8,
    ),
    Function(
        "graph_events",
        "Follows table stream -> merge/unmerge timelines, famous promotion.",
        streams=(StreamSource("dynamodb", "follows", batch_size=100),),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "read"),
            Grant("table:follows", "read"),
            _REDIS,
        ),
        timeout_seconds=60,
        concurrency=10,
    ),
    Function(
        "activity_publisher",
        "Table streams -> the Kinesis activity stream (one event per user action).",
        streams=(
            StreamSource("dynamodb", "tweets", batch_size=100),
            StreamSource("dynamodb", "engagements", batch_size=100),
            StreamSource("dynamodb", "follows", batch_size=100),
            StreamSource("dynamodb", "users", batch_size=100),  # a new account: the signup event
        ),
        grants=(Grant("stream:activity", "write"),),
        timeout_seconds=30,
        concurrency=10,
    ),
    Function(
        "notifier",
        "Activity stream -> grouped notifications.",
        streams=(StreamSource("kinesis", "activity", batch_size=100),),
        grants=(
            Grant("table:notifications", "readwrite"),
            Grant("table:users", "read"),
            Grant("table:tweets", "read"),
            _REDIS,
            *_PUSH,
        ),
        timeout_seconds=30,
        concurrency=5,
    ),
    Function(
        "trends_aggregator",
        "Activity stream -> per-bucket uses and distinct accounts per hashtag and topic (Redis).",
        # No batching window: Lambda polls a shard once a second, so under load batches fill up
        # anyway, and locally a window would hold every wait_idle() open.
        streams=(StreamSource("kinesis", "activity", batch_size=500),),
        grants=(Grant("table:tweets", "read"), _REDIS),  # a retweet counts its original's terms
        timeout_seconds=60,
        concurrency=2,
    ),
    Function(
        "indexer",
        "Activity stream and users table stream -> the OpenSearch tweets and users indices.",
        streams=(
            StreamSource("kinesis", "activity", batch_size=500),
            StreamSource("dynamodb", "users", batch_size=100),
        ),
        grants=(
            Grant("table:tweets", "read"),
            Grant("table:users", "read"),
            Grant("opensearch", "write"),
            _REDIS,
        ),
        timeout_seconds=60,
        concurrency=5,
    ),
    Function(
        "media_cleanup",
        "Tweets stream (deleted tweets) -> their media items; media stream (removed items) -> their objects.",
        streams=(StreamSource("dynamodb", "tweets", batch_size=100), StreamSource("dynamodb", "media", batch_size=100)),
        grants=(
            Grant("table:media", "readwrite"),
            Grant("bucket:media/uploads/", "delete"),
            Grant("bucket:media/media/", "delete"),
        ),
        timeout_seconds=30,
    ),
    # ---- Buckets: S3 event notifications (functions/buckets/) ----
    Function(
        "media_processor",
        "S3 upload -> sniffed, size-checked, metadata-stripped media with a preview (ready or failed).",
        bucket_sources=(BucketSource("media", "uploads/"),),
        grants=(
            Grant("table:media", "readwrite"),
            Grant("bucket:media/uploads/", "read"),
            Grant("bucket:media/uploads/", "delete"),
            Grant("bucket:media/media/", "write"),
        ),
        memory_mb=1536,
        timeout_seconds=60,
    ),
    # ---- Schedules: EventBridge rate rules (functions/schedules/) ----
    Function(
        "trends_ranker",
        "Every minute: score hashtags and topics against their own baseline; store the rankings.",
        schedules=(Schedule(rate_minutes=1),),
        grants=(_REDIS,),
        timeout_seconds=60,
        concurrency=1,
    ),
    Function(
        "redrive",
        "Every minute: replay the stream records the event source mappings gave up on (the on-failure "
        "queue) through the function that failed, once it takes them.",
        schedules=(Schedule(rate_minutes=1),),
        # queue: consume the on-failure queue; redrive: read every stream, invoke every stream consumer.
        grants=(Grant("queue:stream-failures", "readwrite"), Grant("redrive", "readwrite")),
        timeout_seconds=300,
    ),
    Function(
        "analytics_report",
        "00:30 UTC daily: yesterday's report (and on Mondays last week's) from the lake, to S3 and by mail.",
        schedules=(Schedule(cron="30 0 * * ? *"),),
        grants=(
            Grant("bucket:analytics/activity/", "read"),
            Grant("bucket:analytics/reports/", "readwrite"),
            Grant("ses", "write"),
            Grant("athena", "read"),
        ),
        memory_mb=2048,  # DuckDB holds the 30 days MAU reads (36 for a weekly report)
        timeout_seconds=900,
    ),
    Function(
        "segmenter",
        "00:05 UTC daily: soft-delete the accounts that crossed into inactive (a Query per last-seen day "
        "bucket of the users table's sparse by_seen_day index, no scan); free their Redis state; "
        "snapshot the segment counts for the 00:30 report.",
        schedules=(Schedule(cron="5 0 * * ? *"),),
        grants=(
            Grant("table:users", "readwrite"),
            Grant("table:connections", "readwrite"),
            Grant("bucket:analytics/reports/segments/", "write"),
            _REDIS,
        ),
        timeout_seconds=900,
    ),
    # ---- Authorizers: API Gateway Lambda authorizers of REST routes (functions/authorizers/) ----
    Function(
        "mastodon_authorizer",
        "Lambda authorizer of the Mastodon routes: an OAuth access token -> its user, app and scopes.",
        authorizer=Authorizer("mastodon", cache_seconds=300),
        grants=(Grant("table:oauth", "read"),),
        memory_mb=256,
    ),
    # ---- Jobs: run by an operator (functions/jobs/) ----
    Function(
        "search_backfill",
        "Rebuild the search index from DynamoDB (a recreated domain starts empty): scan tweets and users "
        "a page at a time, bulk-index them, return a cursor to resume from.",
        job=True,
        grants=(
            Grant("table:tweets", "read", scan=True),
            Grant("table:users", "read", scan=True),
            Grant("opensearch", "write"),
            _REDIS,  # author cards come through their Redis read-through cache
        ),
        memory_mb=1024,
        timeout_seconds=900,
        concurrency=4,  # up to four segments in parallel
    ),
)

AUTHORIZERS: tuple[Authorizer, ...] = tuple(f.authorizer for f in FUNCTIONS if f.authorizer)

DLQ_NAME = "stream-failures"
# A parked record the redrive has received this many times (once, at most twice, per run: an hour
# or more of a dependency down, or a record no retry will ever apply) moves to the dead queue: the
# redrive stops replaying it, an alarm asks an operator to look (infra/cdk/README.md).
DEAD_LETTER_NAME = "stream-failures-dead"
REDRIVE_MAX_RECEIVES = 100


def functions_of(kind: Kind) -> tuple[Function, ...]:
    return tuple(f for f in FUNCTIONS if f.kind == kind)


def function(name: str) -> Function:
    for f in FUNCTIONS:
        if f.name == name:
            return f
    raise KeyError(name)


def authorizer(name: str) -> tuple[Authorizer, Function]:
    """The authorizer routes call ``name``, and the function that is it."""
    for f in FUNCTIONS:
        if f.authorizer is not None and f.authorizer.name == name:
            return f.authorizer, f
    raise KeyError(name)


def bucket(name: str) -> Bucket:
    for b in BUCKETS:
        if b.name == name:
            return b
    raise KeyError(name)


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(name)


# -- the web client (web/) ---------------------------------------------------------------------


@dataclass(frozen=True)
class WebClient:
    """The browser app: what the REST API's CORS lets it send, and the headers it is served with.

    The allowed origin itself is ``Settings.web_origin`` (WARBLER_WEB_ORIGIN): the local stack
    sets it to its web server, the CDK app to the CloudFront distribution; both gateways and the
    handlers' responses read that one value.
    """

    dist: str = "web/dist"  # the Vite build, relative to the repository root
    # On AWS the app reaches the REST API through its own distribution, under this prefix.
    api_path: str = "/api"
    cors_allow_headers: tuple[str, ...] = ("Authorization", "Content-Type", "Idempotency-Key")
    cors_allow_methods: tuple[str, ...] = ("OPTIONS", "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD")
    cors_expose_headers: tuple[str, ...] = ("Retry-After",)
    cors_max_age_seconds: int = 600

    def content_security_policy(self, *connect_urls: str, media_urls: Sequence[str] = ()) -> str:
        """Scripts and styles from the app's own origin only; images and video from it, from
        ``blob:`` (previews of files being attached) and from exactly ``media_urls`` (the media
        CDN); fetches, uploads and the socket to the app's origin and exactly ``connect_urls``
        (the APIs it does not reach through its own origin, the bucket media is posted to); no
        framing, no plugins, no <base>, no form posts elsewhere."""
        media = [origin_of(url) for url in media_urls]
        return "; ".join(
            (
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                " ".join(["img-src 'self' data: blob:", *media]),
                " ".join(["media-src 'self' blob:", *media]),
                "font-src 'self'",
                " ".join(["connect-src 'self'", *(origin_of(url) for url in connect_urls)]),
                "manifest-src 'self'",
                "base-uri 'none'",
                "form-action 'self'",
                "frame-ancestors 'none'",
                "object-src 'none'",
            )
        )

    def security_headers(self, *connect_urls: str, media_urls: Sequence[str] = ()) -> dict[str, str]:
        """Every header the app's responses carry (CloudFront's response headers policy on AWS)."""
        return {
            "Content-Security-Policy": self.content_security_policy(*connect_urls, media_urls=media_urls),
            "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
            "Cross-Origin-Opener-Policy": "same-origin",
        }


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL (a CSP source or a CORS origin names no path)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


WEB = WebClient()


# -- CORS for any origin (the Mastodon client API) -----------------------------------------------


@dataclass(frozen=True)
class AnyOriginCors:
    """Paths any web page may call, whatever its origin, as Mastodon's own CORS rules allow
    (config/initializers/cors.rb, rack-cors ``origins '*'``): browser clients served from their own
    origin (Elk, Phanpy) talk to an instance directly. No credentials are involved: Mastodon
    tokens are bearer tokens, never cookies, so ``*`` gives a page no authority it does not hold.

    Both gateways answer the preflight (OPTIONS on every route path this covers: mock methods on
    AWS, infra.local.cors locally); the Mastodon functions' responses carry the header themselves
    (``warbler.mastodon.cors``, held equal to this by tests/infra/test_mastodon_parity.py)."""

    prefixes: tuple[str, ...]  # a route path starting with one of these is covered
    paths: tuple[str, ...] = ()  # and these exact ones
    allow_methods: tuple[str, ...] = ("POST", "PUT", "DELETE", "GET", "PATCH", "OPTIONS")
    # Any header: ``*``, plus Authorization, which the Fetch standard never lets ``*`` cover.
    allow_headers: tuple[str, ...] = ("Authorization", "*")
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int = 7200  # rack-cors' default

    def covers(self, path: str) -> bool:
        return path in self.paths or path.startswith(self.prefixes)

    def preflight_paths(self, functions: Sequence[Function] = FUNCTIONS) -> tuple[str, ...]:
        """Every route path covered: each needs an OPTIONS method of its own on API Gateway."""
        return tuple(sorted({r.path for f in functions for r in f.routes if self.covers(r.path)}))


ANY_ORIGIN_CORS = AnyOriginCors(
    prefixes=("/api/", "/.well-known/"),
    paths=("/oauth/token",),
    expose_headers=("Link", "X-RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-Id"),
)
