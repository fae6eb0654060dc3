"""The REST edge shared by every HTTP function: one resolver setup, one error envelope, one
mapping from domain exceptions to status codes, the caller's identity and list parameters."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import orjson
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import openapi_validation
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import Field

from warbler import errors, pagination, users
from warbler.ids import ID_WIDTH, normalize_id
from warbler.observability import logger, metrics, tracer
from warbler.settings import Settings, get_settings
from warbler.text import HANDLE_CHARS

STATUS: dict[type[errors.WarblerError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.InvalidInput: 422,
    errors.RateLimited: 429,
}


def status_of(error: errors.WarblerError) -> int:
    """The HTTP status of a domain error: its own class's, else its nearest ancestor's."""
    return next((STATUS[kind] for kind in type(error).__mro__ if kind in STATUS), 400)


def json_response(data: Any, status: int = 200) -> Response:
    """A response whose body is serialised here, once, with orjson: the resolver's generic
    encoder walks every nested value in Python, which costs more than the whole Redis work of a
    timeline page, and the standard library's encoder costs ten times orjson's (``bench``)."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode(),
    )


def error_response(status: int, code: str, message: str) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
    )


def _describe(validation: RequestValidationError) -> tuple[int, str, str]:
    problems = validation.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return 400, "bad_request", "request body is not valid JSON"
    parts = []
    for p in problems[:5]:
        where = ".".join(str(x) for x in p.get("loc", ()) if x not in ("body",))
        parts.append(f"{where}: {p.get('msg', 'invalid')}" if where else p.get("msg", "invalid"))
    return 422, "invalid", "; ".join(parts) or "invalid request"


class RouteRequestValidation(openapi_validation.OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, without the per-request work that depends only on the route.

    Powertools (3.37, pinned in requirements.txt) works out for every request, for every query
    parameter of the route, whether its annotation is a scalar (typing introspection:
    ``is_scalar_field``), and builds the request's header and cookie views even for a route that
    declares no header, cookie or body parameter. Here a route's answer is computed once and kept
    on the route's own parameter fields; a route without header, cookie or body parameters (every
    GET of this API) validates its path and query with Powertools' own functions, in Powertools'
    order, and any other route goes through Powertools' handler unchanged. The values, the
    errors and so the 422s are Powertools' own (tests/unit/test_rest_resolver.py compares them).
    """

    def handler(self, app: Any, next_middleware: Any) -> Any:
        route = app.context["_route"]
        dependant = route.dependant
        if dependant.header_params or dependant.cookie_params or dependant.body_params:
            return super().handler(app, next_middleware)
        v = openapi_validation
        values, errors = v._request_params_to_args(dependant.path_params, app.context["_route_args"])
        query_params = dependant.query_params
        if query_params:
            event = app.current_event
            query = event.resolved_query_string_parameters
            multi = v._get_multi_value_query_params(event)
            for param, scalar in _scalar_flags(query_params):
                if scalar:
                    v._process_scalar_param(query, param, multi)
                elif v.lenient_issubclass(param.field_info.annotation, v.BaseModel):
                    v._process_model_param(query, param, multi)
            query_values, query_errors = v._request_params_to_args(query_params, query)
            values.update(query_values)
            errors += query_errors
        if errors:
            raise RequestValidationError(v._normalize_errors(errors))
        app.context["_route_args"] = values
        return next_middleware(app)


def _scalar_flags(params: Any) -> list[tuple[Any, bool]]:
    """(field, is it a scalar?) for a route's query parameters, worked out on the first request.
    Kept on the route's (stable) list of fields: Powertools builds it once per route."""
    cached = _SCALAR_FLAGS.get(id(params))
    if cached is None or cached[0] is not params:
        cached = (params, [(p, openapi_validation.is_scalar_field(p)) for p in params])
        _SCALAR_FLAGS[id(params)] = cached
    return cached[1]


_SCALAR_FLAGS: dict[int, tuple[Any, list[tuple[Any, bool]]]] = {}


class RestResolver(APIGatewayRestResolver):
    """Powertools' resolver with its per-request state (the event, the Lambda context, the
    resolution context) per thread. Powertools keeps the event on ``BaseRouter``, a class shared by
    every resolver of the process, which is right for Lambda's one request per environment at a
    time; the local gateways run concurrent requests on threads of one process, where a handler
    would otherwise read another request's event -- its caller's identity included."""

    def __init__(self, **kwargs: Any) -> None:
        self._request = threading.local()
        super().__init__(**kwargs)
        if getattr(self, "_enable_validation", False):
            # The one seam Powertools offers for it: the validation middleware it places first
            # in every route's chain (``Route._build_middleware_stack``).
            self._request_validation_middleware = RouteRequestValidation()

    @property  # type: ignore[override]
    def current_event(self) -> Any:
        return self._request.event

    @current_event.setter
    def current_event(self, value: Any) -> None:
        self._request.event = value

    @property  # type: ignore[override]
    def lambda_context(self) -> Any:
        return self._request.lambda_context

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._request.lambda_context = value

    @property  # type: ignore[override]
    def context(self) -> dict:
        if not hasattr(self._request, "context"):
            self._request.context = {}
        return self._request.context

    @context.setter
    def context(self, value: dict) -> None:
        self._request.context = value

    def _to_proxy_event(self, event: dict) -> Any:
        # resolve() stores the event it builds here on BaseRouter (process-wide): keep it per thread.
        proxy = super()._to_proxy_event(event)
        self.current_event = proxy
        return proxy

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        self.lambda_context = context
        return super().resolve(event, context)


def make_app() -> RestResolver:
    app = RestResolver(enable_validation=True)

    @app.exception_handler(errors.WarblerError)
    def _domain(error: errors.WarblerError) -> Response:
        return error_response(status_of(error), error.code, error.message)

    @app.exception_handler(RequestValidationError)
    def _validation(error: RequestValidationError) -> Response:
        return error_response(*_describe(error))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return error_response(404, "not_found", "no such route")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(500, "internal", "internal error")

    return app


def caller_id(app: APIGatewayRestResolver) -> str:
    claims = (app.current_event.request_context.authorizer.raw_event or {}).get("claims") or {}
    user_id = claims.get("cognito:username")
    if not user_id or not isinstance(user_id, str):
        raise errors.Unauthorized("authentication required")
    return user_id


ADMINS_GROUP = "admins"  # the Cognito group (infra/cdk/analytics.py; locally make admin)


def caller_groups(app: APIGatewayRestResolver) -> set[str]:
    """The caller's Cognito groups. API Gateway passes the ``cognito:groups`` claim as a string:
    ``admins``, ``[admins, staff]`` or ``admins,staff`` depending on the group count and caller."""
    claims = (app.current_event.request_context.authorizer.raw_event or {}).get("claims") or {}
    raw = claims.get("cognito:groups") or ""
    if isinstance(raw, list):
        return {str(g) for g in raw}
    return {g for g in raw.strip("[]").replace(",", " ").split() if g}


def require_admin(app: APIGatewayRestResolver) -> str:
    """The caller's id if they are in the Cognito ``admins`` group; 403 otherwise."""
    user_id = caller_id(app)
    if ADMINS_GROUP not in caller_groups(app):
        raise errors.Forbidden("only members of the admins group may do this")
    return user_id


def tweet_id(raw: str) -> str:
    """A tweet id from a path; anything that cannot be an id names no tweet (404)."""
    value = normalize_id(raw)
    if value is None:
        raise errors.NotFound("no such tweet")
    return value


def media_id(raw: str) -> str:
    """A media id from a request body: one that names no media ("0") names none of yours (404)."""
    value = normalize_id(raw)
    if value is None:
        raise errors.MediaNotFound(f"media {raw}: no such media of yours")
    return value


# Request parameters, declared once so validation and the OpenAPI document agree (pydantic's
# patterns are full matches: "$" is the end of the text, not "before a trailing newline").
# An id is ASCII digits (``str.isdigit`` also takes "²"); one that names nothing is a 404.
ID_PATTERN = rf"^[0-9]{{1,{ID_WIDTH}}}$"
HANDLE_PATTERN = f"^{HANDLE_CHARS}$"
IdField = Annotated[str, Field(pattern=ID_PATTERN, description="a decimal id (as a string)")]
TweetIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="the tweet's id")]
MediaIdPath = Annotated[str, Path(pattern=ID_PATTERN, description="the media item's id")]
HandlePath = Annotated[str, Path(pattern=HANDLE_PATTERN, description="the user's handle (without @)")]
SinceId = Annotated[str | None, Query(pattern=ID_PATTERN, description="only items newer than this id")]
DisplayName = Annotated[
    str, Field(max_length=users.MAX_DISPLAY_NAME, description="control and bidi characters are removed")
]
Bio = Annotated[str, Field(max_length=users.MAX_BIO, description="control and bidi characters are removed")]
# A page holds 1..max_page_size items (the setting's default; ``page_size`` applies a lower
# configured one); a cursor is what a previous page returned: opaque and authenticated (see
# warbler.pagination), so one this API did not issue for this list and caller is a 400.
PageLimit = Annotated[int | None, Query(ge=1, le=Settings.max_page_size, description="items per page")]
PageCursor = Annotated[
    str | None,
    Query(
        pattern=pagination.CURSOR_PATTERN,
        max_length=pagination.MAX_CURSOR_CHARS,
        description="the next_cursor of the previous page (opaque: only cursors this API issued)",
    ),
]


def page_size(limit: int | None) -> int:
    s = get_settings()
    if limit is None:
        return s.default_page_size
    if limit < 1 or limit > s.max_page_size:
        raise errors.InvalidInput(f"limit must be between 1 and {s.max_page_size}")
    return limit


def body_size(event: dict) -> int:
    """The request body's size in bytes as the client sent it (a base64 body is 4/3 larger)."""
    body = event.get("body")
    if not body:
        return 0
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4 - body[-2:].count("=")
    return len(body)


def rest_handler(
    app: APIGatewayRestResolver,
    *,
    json_bodies_only: bool = True,
    upload_routes: Mapping[str, int] | None = None,
    cors: Callable[[dict, dict], dict] | None = None,
) -> Callable[[dict, Any], dict]:
    """The Lambda entry point for a REST function, with logging, tracing and metrics.

    Bodies are screened before the resolver sees them (``refuse_body``); ``json_bodies_only``
    also refuses any ``Content-Type`` but JSON (the Mastodon edge takes form bodies too). A body
    over ``Settings.max_body_bytes`` is a 413, except on ``upload_routes`` (``"POST /resource"``
    -> its own limit): the routes that take a file in the request itself. ``cors`` adds the
    CORS headers to every response (default ``with_cors``: the web client's origin only)."""
    max_body = get_settings().max_body_bytes
    limits = dict(upload_routes or {})
    add_cors = cors or with_cors

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def lambda_handler(event: dict, context: Any) -> dict:
        # The id Powertools' correlation_id_path finds, without its JMESPath query per request
        # (~30 us of a ~0.85 ms warm home read here, about what serialising its page costs).
        logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        limit = limits.get(f"{event.get('httpMethod')} {event.get('resource')}", max_body)
        if body_size(event) > limit:
            return add_cors(event, _too_large(limit))
        refused = refuse_body(event, json_only=json_bodies_only)
        if refused is not None:
            return add_cors(event, _error_dict(*refused))
        return add_cors(event, app.resolve(event, context))

    return lambda_handler


# API Gateway passes a body of this type base64-encoded (the REST API's binary media types).
MULTIPART = "multipart/form-data"
# Deeper JSON than any request model needs; a parser recursing 8,000 levels fails instead.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_HIGH, _LOW = r"\\u[dD][89abAB][0-9a-fA-F]{2}", r"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile(rf"{_HIGH}(?!{_LOW})|(?<!{_HIGH}){_LOW}")


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest, counted without parsing (strings skipped)."""
    depth = deepest = 0
    for ch in _JSON_STRING.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def refuse_body(event: dict, *, json_only: bool = True) -> tuple[int, str, str] | None:
    """(status, code, message) for a body no handler should parse, else None: a non-JSON media
    type (415), bytes that are not UTF-8 (400), nesting deeper than ``MAX_JSON_DEPTH`` (400), a
    lone surrogate escape, which is not Unicode text (422)."""
    body = event.get("body")
    if not body:
        return None
    headers = event.get("headers") or {}
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "") or ""
    media = media.split(";", 1)[0].strip().lower()
    if json_only and media and media != "application/json" and not media.endswith("+json"):
        return 415, "unsupported_media_type", "the request body must be JSON (Content-Type: application/json)"
    if media == MULTIPART and not json_only:
        return None  # binary parts: the Mastodon edge parses the form (warbler.mastodon.edge)
    if event.get("isBase64Encoded"):  # API Gateway's form of a body that is not UTF-8 text
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return 400, "bad_request", "the request body is not UTF-8 text"
    if ("[" in body or "{" in body) and json_depth(body) > MAX_JSON_DEPTH:
        return 400, "bad_request", f"the request body nests deeper than {MAX_JSON_DEPTH} levels"
    if "\\u" in body and _LONE_SURROGATE.search(body):
        return 422, "invalid", "the request body holds a lone surrogate, which is not Unicode text"
    return None


def _error_dict(status: int, code: str, message: str) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": {"code": code, "message": message}}),
        "isBase64Encoded": False,
    }


def with_cors(event: dict, response: dict) -> dict:
    """Let the web client read the response: CORS for exactly ``Settings.web_origin``.

    The preflight (OPTIONS) is answered by API Gateway; a proxy integration's own responses must
    carry Access-Control-Allow-Origin themselves. Read per request, so the origin is whatever the
    environment says now (the local stack sets it when its web server starts).
    """
    headers = event.get("headers") or {}
    origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
    allowed = get_settings().web_origin
    if not origin or origin != allowed:
        return response
    extra = {"Access-Control-Allow-Origin": allowed, "Access-Control-Expose-Headers": "Retry-After", "Vary": "Origin"}
    if response.get("multiValueHeaders"):
        response["multiValueHeaders"].update({k: [v] for k, v in extra.items()})
    else:
        response["headers"] = {**(response.get("headers") or {}), **extra}
    return response


def _too_large(limit: int) -> dict:
    return _error_dict(413, "payload_too_large", f"body exceeds {limit} bytes")
