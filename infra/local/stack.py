"""``LocalStack``: the whole of Warbler on this machine, as one context manager.

    with LocalStack(rest_port=0, ws_port=0) as stack:
        requests.post(f"{stack.rest_url}/auth/signup", json=...)
        stack.wait_idle()                 # streams drained: timelines are up to date

Start order matters: services, then AWS resources, then ``os.environ`` (handlers run in this
process and read their settings from it on first import), then the gateways and pollers.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from infra.local.auth import CognitoVerifier
from infra.local.bootstrap import REGION, Resources, bootstrap, issue_id_token
from infra.local.bucket_events import BucketEvents
from infra.local.cors import CorsPolicy
from infra.local.firehose import FirehoseSource, source_pollers
from infra.local.functions import FunctionRegistry
from infra.local.lambda_api import LambdaApi
from infra.local.media_cdn import MediaCdn
from infra.local.pollers import Pollers, Schedules
from infra.local.rest_gateway import RestGateway
from infra.local.services import MotoServer, OpenSearchServer, RedisServer
from infra.local.web import CspSources, WebServer
from infra.local.websocket_gateway import WebSocketGateway
from warbler.settings import Settings

log = logging.getLogger(__name__)


def apply_env(env: dict[str, str]) -> dict[str, str | None]:
    """Set ``env`` in ``os.environ``, forget cached warbler settings; return what it replaced."""
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings_module = sys.modules.get("warbler.settings")
    if settings_module is not None:
        settings_module.get_settings.cache_clear()
    return previous


def restore_env(previous: dict[str, str | None]) -> None:
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    settings_module = sys.modules.get("warbler.settings")
    if settings_module is not None:
        settings_module.get_settings.cache_clear()


class LocalStack:
    """moto + redis + osmem + REST/WebSocket gateways + stream pollers + schedules.

    ``redis_url`` / ``aws_endpoint`` reuse running services (e.g. the test session's) instead of
    starting new ones. ``registry`` replaces the catalog's functions (tests of the emulator).
    ``web_port`` (0 = a free one) also serves the web client there, and makes its origin the one
    the REST API's CORS allows.
    """

    def __init__(
        self,
        rest_port: int = 3000,
        ws_port: int = 3001,
        redis_url: str | None = None,
        demo: bool = False,
        *,
        aws_endpoint: str | None = None,
        opensearch_url: str | None = None,
        management_port: int = 0,
        registry: FunctionRegistry | None = None,
        host: str = "127.0.0.1",
        web_port: int | None = None,
    ) -> None:
        self._rest_port, self._ws_port, self._management_port = rest_port, ws_port, management_port
        self._host = host
        self._web_port = web_port
        self.web: WebServer | None = None
        self.web_url = ""
        self.demo = demo
        self.redis_url = redis_url or ""
        self.aws_endpoint = aws_endpoint or ""
        self.opensearch_url = opensearch_url or ""
        self.registry = registry or FunctionRegistry()
        self.env: dict[str, str] = {}
        self.resources: Resources | None = None
        self.rest_url = self.ws_url = self.websocket_management_url = ""
        self.demo_token: str | None = None
        self._moto: MotoServer | None = None
        self._redis: RedisServer | None = None
        self._opensearch: OpenSearchServer | None = None
        self.rest: RestGateway | None = None
        self.lambda_api: LambdaApi | None = None
        self.websocket: WebSocketGateway | None = None
        self.pollers: Pollers | None = None
        self.firehose: Pollers | None = None
        self.firehose_sources: dict[str, FirehoseSource] = {}
        self.schedules: Schedules | None = None
        self.bucket_events: BucketEvents | None = None
        self.media_cdn: MediaCdn | None = None
        self._previous_env: dict[str, str | None] | None = None

    # -- lifecycle --

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if not self.aws_endpoint:
            self._moto = MotoServer().start()
            self.aws_endpoint = self._moto.url
        if not self.redis_url:
            self._redis = RedisServer().start()
            self.redis_url = self._redis.url
        if not self.opensearch_url:
            self._opensearch = OpenSearchServer().start()
            self.opensearch_url = self._opensearch.url

        self.resources = res = bootstrap(
            self.aws_endpoint, redis_url=self.redis_url, opensearch_url=self.opensearch_url
        )
        verifier = CognitoVerifier(self.aws_endpoint, res.user_pool_id, [res.user_pool_client_id], REGION)
        self.rest = RestGateway(self.registry, verifier, self._host, self._rest_port)
        # No gateway pre-check on $connect: on AWS a WebSocket API cannot use the Cognito
        # authorizer, so the live function verifies ?token= itself; locally it must do the same
        # work (and refuse with its own 401) or a broken check would pass here and fail there.
        self.websocket = WebSocketGateway(
            self.registry, verifier, self._host, self._ws_port, self._management_port, authorize_connect=False
        )
        self.websocket_management_url = self.websocket.management_url
        if self._web_port is not None:
            self.web = WebServer(
                lambda: {"api": self.rest_url, "ws": self.ws_url},
                self._host,
                self._web_port,
                # Presigned forms post to moto's S3 (path style); media is read through the CDN stand-in.
                sources=lambda: CspSources(
                    uploads=(self.aws_endpoint,), media=(self.media_cdn.url,) if self.media_cdn else ()
                ),
            )
            res.env["WARBLER_WEB_ORIGIN"] = self.web.origin
            self.rest.cors = CorsPolicy(self.web.origin)
        res.env["WARBLER_WEBSOCKET_ENDPOINT"] = self.websocket_management_url
        res.env["WARBLER_COGNITO_JWKS_URL"] = verifier.jwks_url  # moto serves the pool's keys
        res.env["WARBLER_PUBLIC_BASE_URL"] = self.rest.url  # the Mastodon edge's links and OAuth URLs
        res.env["WARBLER_SHORT_LINK_BASE_URL"] = self.rest.url  # GET /s/{key} is a gateway route
        # Media URLs point at the local CloudFront stand-in (the bucket itself is private).
        self.media_cdn = MediaCdn(self.aws_endpoint, res.bucket_names["media"], "media/", self._host)
        res.env["WARBLER_MEDIA_BASE_URL"] = self.media_cdn.url
        # Functions that invoke functions (the redrive) reach Lambda's Invoke API here, not moto.
        self.lambda_api = LambdaApi(self.registry, self._host)
        res.env["AWS_ENDPOINT_URL_LAMBDA"] = self.lambda_api.url
        self.env = res.env
        # Before any handler is imported: they read settings from os.environ once.
        self._previous_env = apply_env(self.env)

        self.media_cdn.start()
        self.lambda_api.start()
        self.rest.start()
        self.rest_url = self.rest.url
        self.websocket.start()
        self.ws_url = self.websocket.url
        # Known only now (a free port): the Mastodon instance documents name it as the streaming URL.
        streaming = {Settings.env_name("streaming_api_url"): self.ws_url}
        self.env.update(streaming)
        self._previous_env.update(apply_env(streaming))
        if self.web is not None:
            self.web_url = self.web.start().url
        self.pollers = Pollers(self.registry, res, self.aws_endpoint).start()
        # What Firehose does on AWS by itself: read the activity stream into the lake.
        self.firehose, self.firehose_sources = source_pollers(self.aws_endpoint, res)
        self.firehose.start()
        self.schedules = Schedules(self.registry).start()
        self.bucket_events = BucketEvents(self.registry, res, self.aws_endpoint).start()
        log.info("local stack up: REST %s, WebSocket %s", self.rest_url, self.ws_url)
        if self.demo:
            from infra.local.demo import seed  # noqa: PLC0415 - only with --demo

            self.demo_token = seed(self.rest_url, self).token

    def stop(self) -> None:
        """Stop everything that was started, newest first; safe after a failed start."""
        for part in (
            self.bucket_events,
            self.schedules,
            self.firehose,
            self.pollers,
            self.web,
            self.websocket,
            self.rest,
            self.media_cdn,
            self.lambda_api,
        ):
            if part is not None:
                try:
                    part.stop()
                except Exception:
                    log.exception("stopping %s failed", type(part).__name__)
        self.bucket_events = self.media_cdn = None
        self.schedules = self.firehose = self.pollers = self.web = self.websocket = self.rest = None
        self.lambda_api = None
        for service in (self._opensearch, self._redis, self._moto):
            if service is not None:
                service.stop()
        self._opensearch = self._redis = self._moto = None
        if self._previous_env is not None:
            restore_env(self._previous_env)
            self._previous_env = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- helpers for tests and tools --

    @property
    def redis_server(self) -> RedisServer | None:
        """The redis-server this stack started (None when it reuses one): drills stop it."""
        return self._redis

    def invoke(self, function_name: str, event: dict) -> Any:
        """Call a function in-process with ``event``, as ``aws lambda invoke`` would."""
        return self.registry.invoke(function_name, event)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every stream is drained and no stream batch is running (``TimeoutError``):
        uploads being processed, the functions' mappings, then the Firehose sources (the lake last)."""
        if self.bucket_events is not None:  # an upload being processed finishes first
            self.bucket_events.wait_idle(timeout, fresh_poll=False)
        for pollers in (self.pollers, self.firehose):
            if pollers is not None:
                pollers.wait_idle(timeout)

    def id_token(self, username: str, password: str = "Passw0rd!local") -> str:
        """A Cognito ID token for a (created if needed) user, bypassing the sign-up endpoint."""
        assert self.resources is not None, "stack not started"
        return issue_id_token(
            self.aws_endpoint, self.resources.user_pool_id, self.resources.user_pool_client_id, username, password
        )
