"""An API Gateway REST API (Lambda proxy integration) on a loopback port.

Routes come from the catalog: each ``Route`` of each ``Function``. A request is matched like API
Gateway does (literal segments win over ``{param}`` segments), authorized like a Cognito
user-pool authorizer for ``auth=True`` routes, turned into a proxy event v1, handed to the
function, and its proxy response is turned back into HTTP. Errors the gateway itself produces
use the API's error envelope ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra import catalog
from infra.local.auth import CognitoVerifier, Unauthorized
from infra.local.authorizers import AuthorizerDenied, LambdaAuthorizers
from infra.local.bootstrap import ACCOUNT_ID, REGION
from infra.local.cors import CorsPolicy
from infra.local.functions import FunctionRegistry
from infra.local.served import Served

log = logging.getLogger(__name__)
# One short line per request (method, path, status, time): ``make run`` shows these, the rest of
# this module's logging goes to the log file only.
access_log = logging.getLogger("infra.local.access")

API_ID = "warblerlocal"
# API Gateway's REST payload limit; a larger declared body is refused before it is read.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# Load tests open hundreds of connections at once: the stdlib default backlog of 5 resets them.
LISTEN_BACKLOG = 1024


class BadFraming(Exception):
    """The request's body framing is unusable: answered with ``status`` and the connection closed."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def read_body(headers: Any, rfile: Any, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """The request body by ``Content-Length`` or chunked ``Transfer-Encoding`` (``BadFraming``).

    A length that is not a non-negative decimal is a 400 and a declared length over ``limit``
    a 413, both before anything is read, so a client can neither hang the connection nor make
    the gateway buffer a terabyte."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(rfile, limit)
    declared = headers.get_all("Content-Length") or []
    if not declared:
        return b""
    values = {v.strip() for v in declared}
    if len(values) != 1 or not (raw := values.pop()).isascii() or not raw.isdigit():
        raise BadFraming(400, "bad_request", "Content-Length must be one non-negative decimal number")
    length = int(raw)
    if length > limit:
        raise BadFraming(413, "payload_too_large", f"request body exceeds {limit} bytes")
    body = rfile.read(length) if length else b""
    if len(body) != length:
        raise BadFraming(400, "bad_request", "request body shorter than its Content-Length")
    return body


def _read_chunked(rfile: Any, limit: int) -> bytes:
    body = bytearray()
    while True:
        line = rfile.readline(1026).split(b";", 1)[0].strip()
        hex_digits = b"0123456789abcdefABCDEF"
        size = int(line, 16) if line and len(line) <= 16 and all(c in hex_digits for c in line) else -1
        if size < 0:
            raise BadFraming(400, "bad_request", "malformed chunked body")
        if len(body) + size > limit:
            raise BadFraming(413, "payload_too_large", f"request body exceeds {limit} bytes")
        if size == 0:
            while rfile.readline(1026).strip():  # trailers, up to the blank line
                pass
            return bytes(body)
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.readline(3).strip():
            raise BadFraming(400, "bad_request", "malformed chunked body")
        body += chunk


@dataclass(frozen=True)
class BoundRoute:
    function: str
    route: catalog.Route
    pattern: re.Pattern[str]
    literal_segments: int

    @classmethod
    def build(cls, function: str, route: catalog.Route) -> BoundRoute:
        parts, literals = [], 0
        for segment in route.path.strip("/").split("/"):
            greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
            param = re.fullmatch(r"\{(\w+)\}", segment)
            if greedy:
                parts.append(f"(?P<{greedy.group(1)}>.+)")
            elif param:
                parts.append(f"(?P<{param.group(1)}>[^/]+)")
            else:
                parts.append(re.escape(segment))
                literals += 1
        return cls(function, route, re.compile("^/" + "/".join(parts) + "/?$"), literals)


def is_binary(content_type: str) -> bool:
    """Whether API Gateway hands a body of this type over base64-encoded (``binaryMediaTypes``)."""
    return content_type.split(";", 1)[0].strip().lower() in catalog.BINARY_MEDIA_TYPES


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def gateway_error(
    status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    """An error the gateway answers itself, as API Gateway's gateway responses do on AWS
    (infra.cdk.apis.GATEWAY_RESPONSES): the error envelope, readable by a page of any origin
    (a Mastodon client served elsewhere must see its 401; the error carries no data)."""
    cors = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", ",".join(catalog.WEB.cors_expose_headers)),
    ]
    return status, [*(headers or []), *cors], error_body(code, message)


class _Server(ThreadingHTTPServer):
    """A thread per connection (keep-alive connections keep theirs) and a backlog sized for load."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG


class RestGateway(Served):
    """``start()`` serves on ``host:port`` (port 0 picks a free one); ``url`` is the base URL."""

    cors: CorsPolicy | None = None  # set by the stack: the web client's origin

    def __init__(
        self,
        registry: FunctionRegistry,
        verifier: CognitoVerifier | None,
        host: str = "127.0.0.1",
        port: int = 3000,
        stage: str = "local",
    ) -> None:
        self.registry = registry
        self.verifier = verifier
        self.stage = stage
        routes = [BoundRoute.build(f.name, r) for f in registry.functions for r in f.routes]
        # API Gateway prefers the most specific resource: /users/me beats /users/{handle}.
        self.routes = sorted(routes, key=lambda r: -r.literal_segments)
        self.authorizers = LambdaAuthorizers(registry)
        self._server = _Server((host, port), self._handler_class())
        self._thread_name = "rest-gateway"

    # -- request handling -------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[BoundRoute | None, dict[str, str], list[str]]:
        """(route, path parameters, the methods the path has): those tell a 405 from a 404."""
        methods: list[str] = []
        for bound in self.routes:
            m = bound.pattern.match(path)
            if m is None:
                continue
            methods.append(bound.route.method)
            if bound.route.method == method.upper():
                return bound, {k: unquote(v) for k, v in m.groupdict().items()}, methods
        return None, {}, methods

    def handle(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str):
        """One request -> (status, [(header, value)], body bytes)."""
        request_id = str(uuid.uuid4())
        split = urlsplit(raw_path)
        path = split.path or "/"
        bound, path_params, methods = self.match(method, path)
        if bound is None:
            if methods and method.upper() == "OPTIONS" and self.cors is not None:
                return self.cors.preflight(path, headers)
            if methods:  # RFC 9110: a 405 names the methods the resource has
                allow = ", ".join(sorted(set(methods) | {"OPTIONS"} if self.cors is not None else set(methods)))
                return gateway_error(
                    405, "method_not_allowed", f"{method} is not allowed on {path}", [("Allow", allow)]
                )
            return gateway_error(404, "not_found", f"No route for {method} {path}")

        authorizer = None
        if bound.route.auth and bound.route.authorizer != "cognito":
            header = next((v for k, v in headers if k.lower() == "authorization"), None)
            method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.stage}/{method.upper()}{path}"
            try:
                authorizer = self.authorizers.authorize(bound.route.authorizer, header, method_arn)
            except AuthorizerDenied as denied:
                code = {401: "unauthorized", 403: "forbidden"}.get(denied.status, "internal")
                return gateway_error(denied.status, code, denied.message)
        elif bound.route.auth:
            header = next((v for k, v in headers if k.lower() == "authorization"), None)
            try:
                if self.verifier is None:
                    raise Unauthorized("no authorizer configured")
                authorizer = {"claims": self.verifier.verify_header(header)}
            except Unauthorized as exc:
                log.info("401 %s %s: %s", method, path, exc)
                return gateway_error(401, "unauthorized", "Missing or invalid token")

        event = self.proxy_event(
            method, path, split.query, headers, body, source_ip, bound, path_params, authorizer, request_id
        )
        try:
            response = self.registry.invoke(bound.function, event)
            return self.http_response(response)
        except Exception:  # a function error or a malformed response: API Gateway answers 502
            log.exception("%s failed on %s %s (request %s)", bound.function, method, path, request_id)
            return gateway_error(502, "internal", "Internal server error")

    def proxy_event(
        self,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        bound: BoundRoute,
        path_params: dict[str, str],
        authorizer: dict | None,
        request_id: str,
    ) -> dict[str, Any]:
        single_headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            single_headers[name] = value  # API Gateway keeps the last value in ``headers``
            multi_headers.setdefault(name, []).append(value)
        single_query: dict[str, str] = {}
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            single_query[name] = value
            multi_query.setdefault(name, []).append(value)

        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if not body:
            text, is_b64 = None, False
        elif is_binary(content_type):
            text, is_b64 = base64.b64encode(body).decode(), True
        else:
            try:
                text, is_b64 = body.decode("utf-8"), False
            except UnicodeDecodeError:
                text, is_b64 = base64.b64encode(body).decode(), True

        now = datetime.now(UTC)
        user_agent = single_headers.get("User-Agent") or single_headers.get("user-agent")
        request_context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "resourceId": bound.route.path,
            "resourcePath": bound.route.path,
            "httpMethod": method,
            "path": f"/{self.stage}{path}",
            "stage": self.stage,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "domainName": single_headers.get("Host", "127.0.0.1"),
            "identity": {"sourceIp": source_ip, "userAgent": user_agent},
        }
        if authorizer is not None:
            request_context["authorizer"] = authorizer
        return {
            "resource": bound.route.path,
            "path": path,
            "httpMethod": method,
            "headers": single_headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": single_query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": request_context,
            "body": text,
            "isBase64Encoded": is_b64,
        }

    @staticmethod
    def http_response(response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        """A Lambda proxy response -> HTTP; anything else is a malformed response (ValueError)."""
        if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
            raise ValueError(f"malformed Lambda proxy response: {response!r:.200}")
        out: list[tuple[str, str]] = []
        multi = response.get("multiValueHeaders") or {}
        for name, values in multi.items():
            out += [(name, str(v)) for v in values]
        for name, value in (response.get("headers") or {}).items():
            if name not in multi:  # multiValueHeaders wins when both name a header
                out.append((name, str(value)))
        body = response.get("body")
        if body is None:
            data = b""
        elif response.get("isBase64Encoded"):
            data = base64.b64decode(body)
        else:
            data = str(body).encode("utf-8")
        return response["statusCode"], out, data

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so load tests do not pay a connect per call
            server_version = "warbler-local-apigw"

            def _serve(self) -> None:
                started = time.monotonic()
                try:
                    body = read_body(self.headers, self.rfile)
                except BadFraming as exc:
                    # What follows an unusable body cannot be parsed as the next request.
                    self.close_connection = True
                    status, headers, data = gateway_error(exc.status, exc.code, exc.message, [("Connection", "close")])
                else:
                    status, headers, data = gateway.handle(
                        self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                    )
                if gateway.cors is not None:
                    headers = gateway.cors.decorate(list(self.headers.items()), headers)
                self.send_response(status)
                names = {k.lower() for k, _ in headers}
                if "content-type" not in names:
                    headers.append(("Content-Type", "application/json"))
                for name, value in headers:
                    if name.lower() not in {"content-length", "transfer-encoding"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                access_log.info(
                    "%s %s -> %d in %.1f ms", self.command, self.path, status, (time.monotonic() - started) * 1000
                )

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def __getattr__(self, name: str) -> Any:
                # Any other method (TRACE, QUERY, ...) is matched like API Gateway does (a 405 on a
                # known path), not the stdlib's HTML 501.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                log.debug(format, *args)

        return Handler
