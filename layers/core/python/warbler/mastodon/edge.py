"""The HTTP edge of the Mastodon functions: one resolver setup, Mastodon's error shapes, the
caller and its scopes, form-or-JSON parameters, Link headers.

Domain exceptions get the same status codes as the native API (``warbler.api.STATUS``), in
Mastodon's envelope ``{"error": "message"}``; OAuth protocol errors get RFC 6749's
``{"error": code, "error_description": message}`` (401 for a bad client, else 400).
"""

from __future__ import annotations

import base64
import email.policy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from pydantic import BaseModel, ValidationError

from warbler import api, errors
from warbler.ids import normalize_id
from warbler.mastodon import cors, oauth
from warbler.mastodon import scopes as scope_rules
from warbler.observability import logger
from warbler.settings import get_settings

M = TypeVar("M", bound=BaseModel)

OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        headers=dict(headers or {}),
    )


def html_response(page: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=page,
        # The sign-in page must not be framed (clickjacking) or cached.
        headers={"X-Frame-Options": "DENY", "Cache-Control": "no-store", **(headers or {})},
    )


def error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def oauth_error(failure: oauth.OAuthError) -> Response:
    status = 401 if failure.code == "invalid_client" else 400
    return json_response({"error": failure.code, "error_description": failure.message}, status)


def make_app() -> api.RestResolver:
    app = api.RestResolver()  # per-thread request state, as the native edge's (warbler.api)

    @app.exception_handler(oauth.OAuthError)
    def _oauth(failure: oauth.OAuthError) -> Response:
        return oauth_error(failure)

    @app.exception_handler(errors.WarblerError)
    def _domain(failure: errors.WarblerError) -> Response:
        # Mastodon answers media a status cannot attach with its ValidationError (422).
        status = 422 if isinstance(failure, errors.MediaRefused) else api.status_of(failure)
        return error(status, failure.message)

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return error(404, "Record not found")

    @app.exception_handler(Exception)
    def _unexpected(_: Exception) -> Response:
        logger.exception("unhandled error")
        return error(500, "Internal error")

    return app


def rest_handler(app: APIGatewayRestResolver, upload_routes: Mapping[str, int] | None = None) -> Any:
    """``api.rest_handler``, taking form bodies as well as JSON (OAuth and Mastodon clients send
    them); ``upload_routes`` may carry larger bodies (``warbler.mastodon.uploads``); responses
    on Mastodon's client paths may be read by any origin (``warbler.mastodon.cors``)."""
    return api.rest_handler(app, json_bodies_only=False, upload_routes=upload_routes, cors=cors.with_cors)


# ----------------------------------------------------------------------------- parameters


def _pairs_to_params(pairs: list[tuple[str, str]], into: dict[str, Any]) -> None:
    for key, value in pairs:
        if key.endswith("[]"):
            into.setdefault(key[:-2], []).append(value)
        else:
            into[key] = value


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data body."""

    data: bytes
    content_type: str
    filename: str | None


def _content_type(app: APIGatewayRestResolver) -> str:
    return (header(app, "Content-Type") or "").strip()


def _form_data(app: APIGatewayRestResolver) -> tuple[list[tuple[str, str]], dict[str, UploadedFile]]:
    """The text fields and the files of a multipart/form-data body (API Gateway hands it over
    base64-encoded: multipart is one of the REST API's binary media types)."""
    cached = app.context.get("form_data")
    if cached is not None:
        return cached
    event = app.current_event
    raw = event.body or ""
    data = base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8", "surrogateescape")
    head = f"Content-Type: {_content_type(app)}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    if not message.is_multipart():
        raise errors.BadRequest("the multipart/form-data body could not be read (boundary missing or wrong)")
    fields: list[tuple[str, str]] = []
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        body = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            declared = part.get_content_type() if part.get("Content-Type") else "application/octet-stream"
            files[name] = UploadedFile(body, declared, filename)
        else:
            fields.append((name, body.decode("utf-8", "replace")))
    app.append_context(form_data=(fields, files))  # parsed once per request (Powertools clears it)
    return fields, files


def _is_form_data(app: APIGatewayRestResolver) -> bool:
    return _content_type(app).split(";", 1)[0].strip().lower() == api.MULTIPART


def uploaded_file(app: APIGatewayRestResolver, name: str) -> UploadedFile:
    """The file part ``name`` of a multipart/form-data request (422 when there is none)."""
    found = _form_data(app)[1].get(name) if _is_form_data(app) and app.current_event.body else None
    if found is None or not found.data:
        raise errors.InvalidInput(f"Validation failed: {name}: a file is required (multipart/form-data)")
    return found


def params(app: APIGatewayRestResolver) -> dict[str, Any]:
    """Query string and body as one dict, as Rails merges them: ``a[]=1&a[]=2`` -> ``{"a": [...]}``;
    the body may be JSON, form-urlencoded, multipart/form-data (its text fields), or empty."""
    event = app.current_event
    out: dict[str, Any] = {}
    multi = event.multi_value_query_string_parameters or {}
    _pairs_to_params([(k, v) for k, values in multi.items() for v in values], out)
    raw = event.body
    if raw and _is_form_data(app):
        _pairs_to_params(_form_data(app)[0], out)
    elif raw:
        if event.is_base64_encoded:
            raw = base64.b64decode(raw).decode("utf-8", "replace")
        kind = (event.headers.get("Content-Type") or event.headers.get("content-type") or "").lower()
        if "json" in kind or raw.lstrip()[:1] in ("{", "["):
            try:
                body = json.loads(raw)
            except ValueError:
                raise errors.BadRequest("request body is not valid JSON") from None
            if not isinstance(body, dict):
                raise errors.BadRequest("request body must be a JSON object")
            out.update(body)
        else:
            _pairs_to_params(parse_qsl(raw, keep_blank_values=True), out)
    return out


def parse(model: type[M], values: Mapping[str, Any]) -> M:
    """``values`` validated by ``model`` (the one declaration of the request's constraints)."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as failure:
        parts = []
        for problem in failure.errors()[:5]:
            where = ".".join(str(x) for x in problem.get("loc", ()))
            parts.append(f"{where}: {problem.get('msg', 'invalid')}" if where else problem.get("msg", "invalid"))
        raise errors.InvalidInput("Validation failed: " + "; ".join(parts)) from None


def header(app: APIGatewayRestResolver, name: str) -> str | None:
    headers = app.current_event.headers or {}
    return headers.get(name) or next((v for k, v in headers.items() if k.lower() == name.lower()), None)


# ----------------------------------------------------------------------------- the caller


def caller(app: APIGatewayRestResolver, scope: str | None, user: bool = True) -> oauth.Caller:
    """The token's owner as the Lambda authorizer described it, if ``scope`` is granted.

    403 when the token lacks the scope; 422 when the route needs a user and this is an app
    token (Mastodon's answers); 401 when the token was revoked after the gateway cached it.
    """
    context = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    token_hash = str(context.get("token_hash") or "")
    if not token_hash:
        raise errors.Unauthorized("The access token is invalid")
    found = oauth.Caller(
        user_id=str(context.get("user_id") or "") or None,
        client_id=str(context.get("client_id") or ""),
        scopes=tuple(str(context.get("scopes") or "").split()),
        token_hash=token_hash,
    )
    if not oauth.still_valid(token_hash):
        raise errors.Unauthorized("The access token was revoked")
    if scope is not None and not scope_rules.covers(found.scopes, scope):
        raise errors.Forbidden(OUTSIDE_SCOPES)
    if user and found.user_id is None:
        raise errors.InvalidInput(NEEDS_USER)
    return found


def user_id(app: APIGatewayRestResolver, scope: str) -> str:
    found = caller(app, scope)
    assert found.user_id is not None
    return found.user_id


def status_id(raw: str) -> str:
    """A status (or account) id from a path or parameter; anything else names nothing (404)."""
    value = normalize_id(raw)
    if value is None:
        raise errors.NotFound("Record not found")
    return value


# ----------------------------------------------------------------------------- URLs


def base_url(app: APIGatewayRestResolver | None = None) -> str:
    """Where clients reach this API: the configured public URL, else the request's own host
    (with the stage prefix an execute-api URL carries)."""
    configured = get_settings().public_base_url.rstrip("/")
    if configured or app is None:
        return configured
    event = app.current_event
    host = header(app, "Host") or "localhost"
    proto = header(app, "X-Forwarded-Proto") or "https"
    full = str((event.raw_event.get("requestContext") or {}).get("path") or "")
    prefix = full[: -len(event.path)] if event.path and full.endswith(event.path) else ""
    return f"{proto}://{host}{prefix}"


def link_header(
    app: APIGatewayRestResolver, query: Mapping[str, Any], next_max_id: str | None, prev_min_id: str | None
) -> dict[str, str]:
    """Mastodon's ``Link``: ``next`` (older: max_id) first, then ``prev`` (newer: min_id), on the
    same path and parameters as this request, from the public base URL."""
    keep = {k: v for k, v in query.items() if k not in {"max_id", "min_id", "since_id"}}
    url = base_url(app) + app.current_event.path
    links = []
    for rel, name, value in (("next", "max_id", next_max_id), ("prev", "min_id", prev_min_id)):
        if value:
            pairs = []
            for k, v in {**keep, name: value}.items():
                pairs += [(f"{k}[]", x) for x in v] if isinstance(v, list) else [(k, v)]
            links.append(f'<{url}?{urlencode(pairs)}>; rel="{rel}"')
    return {"Link": ", ".join(links)} if links else {}
