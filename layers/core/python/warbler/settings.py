"""The one typed settings object. Nothing else in Warbler reads the environment.

``WARBLER_STAGE=local`` marks the emulator and the tests (``infra/local`` and ``tests/conftest.py``
set it): there every resource name and endpoint has a local default. Any other stage is AWS,
where the CDK app sets each variable from the resource it created (see ``infra/cdk``) and
nothing falls back to a local name:

- ``WARBLER_STAGE`` itself and every name each function receives (tables, streams, the user
  pool) are checked by ``from_env``: the first ``get_settings()`` raises ``MissingSettings``
  naming every missing variable, before the function has sent a single command;
- endpoints only the granted functions receive (``REDIS_URL``, ``OPENSEARCH_URL``,
  ``WARBLER_WEBSOCKET_ENDPOINT``) are empty when absent and raise, naming the variable, where
  they are used (``Settings.require``).

Read when first used, never at import: ``get_settings()`` is cached; tests and the emulator
clear the cache when they change the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

LOCAL_STAGE = "local"
# Only the functions granted the service receive these (infra/cdk/functions.py).
ENDPOINTS = ("redis_url", "opensearch_url", "websocket_endpoint", "stream_failures_queue_url")


class MissingSettings(RuntimeError):
    """A required environment variable is not set (outside the local stage)."""

    def __init__(self, variables: list[str], stage: str) -> None:
        self.variables = variables
        super().__init__(
            f"missing environment variable(s) for stage {stage!r}: {', '.join(variables)} "
            f"(only {_env_name('stage')}={LOCAL_STAGE} has local defaults)"
        )


def _env_name(field_name: str) -> str:
    # REDIS_URL / OPENSEARCH_URL / AWS_REGION keep their conventional names; the rest are ours.
    if field_name in {"redis_url", "opensearch_url", "aws_region"}:
        return field_name.upper()
    return f"WARBLER_{field_name.upper()}"


def _required_outside_local(field_name: str) -> bool:
    """The names every function receives on AWS: tables, streams, buckets, the user pool, the cursor key."""
    if field_name.endswith(("_table", "_stream", "_bucket")):
        return True
    return field_name in {
        "user_pool_id",
        "user_pool_client_id",
        "media_base_url",
        "short_link_base_url",
        "cursor_secret",
    }


@dataclass(frozen=True)
class Settings:
    """The defaults are the local stage's; ``from_env`` decides which apply (see the module doc)."""

    stage: str = LOCAL_STAGE
    aws_region: str = "us-east-1"
    service_name: str = "warbler"

    # DynamoDB tables
    users_table: str = "warbler-local-users"
    handles_table: str = "warbler-local-handles"
    follows_table: str = "warbler-local-follows"
    tweets_table: str = "warbler-local-tweets"
    idempotency_table: str = "warbler-local-idempotency"
    engagements_table: str = "warbler-local-engagements"
    notifications_table: str = "warbler-local-notifications"
    connections_table: str = "warbler-local-connections"
    media_table: str = "warbler-local-media"
    links_table: str = "warbler-local-links"
    kgs_table: str = "warbler-local-kgs"

    # Kinesis streams
    fanout_stream: str = "warbler-local-fanout"
    activity_stream: str = "warbler-local-activity"

    # Analytics (docs/analytics.md): the lake bucket, the query engine ("duckdb" in the function,
    # or "athena" over the Glue table), Athena's workgroup and database, who gets the report mail.
    analytics_bucket: str = "warbler-local-analytics"
    analytics_engine: str = "duckdb"
    athena_workgroup: str = "warbler-local-analytics"
    athena_database: str = "warbler_local_analytics"
    report_recipients: str = ""  # comma-separated addresses; empty: no mail
    report_sender: str = "reports@warbler.local"
    report_link_seconds: int = 7 * 24 * 3600  # how long the mailed link to the HTML report works

    # Cognito
    user_pool_id: str = ""
    user_pool_client_id: str = ""

    # Redis / OpenSearch / WebSocket management endpoint
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_cluster: bool = False
    # ARN of the Secrets Manager secret holding the Redis AUTH token; empty: no AUTH (local).
    redis_auth_secret_arn: str = ""
    redis_timeout_seconds: float = 1.0
    opensearch_url: str = "http://127.0.0.1:9200"
    websocket_endpoint: str = ""
    # Live (WebSocket): where $connect fetches the pool's signing keys; empty = Cognito's own URL
    # for user_pool_id (locally moto serves them under its endpoint, so the stack sets this).
    cognito_jwks_url: str = ""
    connection_ttl_seconds: int = 2 * 3600  # API Gateway closes a WebSocket after 2 hours
    push_attempts: int = 3
    push_workers: int = 16
    # The web client's origin: the one origin the REST API's CORS allows (infra.catalog.WEB).
    web_origin: str = "http://127.0.0.1:8080"

    # The key that authenticates list cursors (warbler.pagination); on AWS a generated secret.
    cursor_secret: str = "local-cursor-secret"

    # Redrive: the SQS queue where event source mappings park what they gave up on; how long a
    # record being replayed stays hidden, and how many records one run takes on.
    stream_failures_queue_url: str = ""
    redrive_visibility_seconds: int = 120
    redrive_max_messages: int = 100
    # A replay that failed is hidden this long: past the end of this run, visible at the next (the
    # schedule is every minute), so each run receives a record once and the queue's maxReceiveCount
    # (infra.catalog.REDRIVE_MAX_RECEIVES) counts runs. The local stack says 0 (tests and drills
    # run the redrive at will or every few seconds).
    redrive_retry_seconds: int = 30

    # Product rules
    # Length over composition rules (NIST 800-63B); the deployed Cognito pool's policy is this too.
    password_min_length: int = 12
    famous_threshold: int = 10_000
    passive_after_seconds: int = 3 * 24 * 3600
    # Not seen this long: inactive, soft-deleted by the segmenter (warbler.segments).
    inactive_after_seconds: int = 365 * 24 * 3600
    timeline_cap: int = 800
    follow_merge_limit: int = 200
    famous_merge_limit: int = 100
    # Below Redis's listpack limit (128 members): a copy stays compact; above max_page_size, so a
    # first page never needs the author's own timeline.
    famous_copy_cap: int = 120
    fanout_chunk_size: int = 1000
    timeline_buckets: int = 256
    rebuild_per_followee: int = 50
    max_page_size: int = 100
    default_page_size: int = 20
    max_body_bytes: int = 16_384
    retweet_dedupe_window: int = 40
    notification_group_seconds: int = 6 * 3600
    notification_ttl_days: int = 90
    # Write limits per user and window (Twitter's published ones, per 3 h and per day).
    tweet_limit: int = 300
    tweet_limit_window_seconds: int = 3 * 3600
    follow_limit: int = 400
    follow_limit_window_seconds: int = 24 * 3600
    like_limit: int = 1000
    like_limit_window_seconds: int = 24 * 3600
    search_cache_seconds: int = 10
    search_max_depth: int = 1000
    # Trends (see docs/trends.md): 5-minute buckets, a 24 h baseline and history, the last 3
    # buckets as the observation, at least 5 distinct accounts, scores halving every hour.
    trends_bucket_seconds: int = 300
    trends_window_seconds: int = 24 * 3600
    trends_recent_buckets: int = 3
    trends_min_accounts: int = 5
    trends_expected_floor: float = 1.0
    trends_half_life_seconds: int = 3600
    trends_min_score: float = 1.0
    trends_ranking_size: int = 50
    trends_dedupe_seconds: int = 2 * 3600
    # Trend counters share this many hash tags, so one batch is one script call per tag (slot)
    # rather than one per term; a cluster spreads the tags over its shards.
    trends_key_buckets: int = 64

    # The Mastodon-compatible edge (warbler.mastodon). public_base_url is what clients use to
    # reach the REST API (links, Link headers, OAuth endpoints); empty = from the request's Host.
    oauth_table: str = "warbler-local-oauth"
    public_base_url: str = ""
    streaming_api_url: str = ""
    oauth_code_seconds: int = 600
    # How long the gateway may cache a token's authorizer answer; a revoked token is refused by
    # the functions meanwhile (warbler.mastodon.oauth.still_valid); it must equal the catalog authorizer's
    # cache_seconds (tests/unit/test_mastodon_scopes.py checks).
    oauth_authorizer_cache_seconds: int = 300
    # Media (docs: README "Media uploads"): the bucket, where browsers load media from (the
    # CloudFront domain on AWS, the local CDN stand-in of infra/local/media_cdn.py), the upload rules.
    media_bucket: str = "warbler-local-media"
    media_base_url: str = "http://127.0.0.1:5000/warbler-local-media"
    media_s3_addressing_style: str = "path"
    media_image_max_bytes: int = 5 * 1024 * 1024
    media_gif_max_bytes: int = 15 * 1024 * 1024
    media_video_max_bytes: int = 512 * 1024 * 1024
    media_max_pixels: int = 40_000_000
    media_preview_px: int = 680
    media_upload_window_seconds: int = 15 * 60  # how long a presigned POST stays valid
    media_unattached_seconds: int = 24 * 3600
    # Short links: the public base of GET /s/{key}, and keys reserved per instance at once.
    short_link_base_url: str = "http://127.0.0.1:3000"
    link_key_block_size: int = 1000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        stage = env.get(_env_name("stage")) or ""
        if not stage:
            raise MissingSettings([_env_name("stage")], "<unset>")
        local = stage == LOCAL_STAGE
        values: dict[str, object] = {}
        missing: list[str] = []
        for f in fields(cls):
            raw = env.get(_env_name(f.name))
            if raw is None or raw == "":
                if local:
                    continue  # the local default
                if _required_outside_local(f.name):
                    missing.append(_env_name(f.name))
                elif f.name in ENDPOINTS:
                    values[f.name] = ""  # never a local address on AWS; require() names it
                continue
            default = f.default
            if isinstance(default, bool):
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        if missing:
            raise MissingSettings(missing, stage)
        return cls(**values)  # type: ignore[arg-type]

    def require(self, field_name: str) -> str:
        """A setting that must be non-empty where it is used (an endpoint only granted
        functions receive): its value, or ``MissingSettings`` naming its variable."""
        value = getattr(self, field_name)
        if not value:
            raise MissingSettings([_env_name(field_name)], self.stage)
        return value

    @staticmethod
    def env_name(field_name: str) -> str:
        """The environment variable that sets ``field_name`` (used by infra to wire values)."""
        return _env_name(field_name)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
