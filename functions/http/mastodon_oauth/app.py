"""Mastodon OAuth 2: app registration, the token endpoint, the sign-in and consent page,
revocation and the authorization-server metadata."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from pydantic import BaseModel

from warbler.mastodon import edge, entities, instance, oauth, pages

app = edge.make_app()


class NewApp(BaseModel):
    client_name: str | None = None
    redirect_uris: str | list[str] | None = None
    scopes: str | None = None
    website: str | None = None


class TokenRequest(BaseModel):
    grant_type: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None
    scope: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None


class RevokeRequest(BaseModel):
    client_id: str | None = None
    client_secret: str | None = None
    token: str | None = None


class AuthorizeQuery(BaseModel):
    response_type: str | None = None
    client_id: str | None = None
    redirect_uri: str | None = None
    scope: str | None = None
    state: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None


class AuthorizeForm(AuthorizeQuery):
    username: str | None = None
    password: str | None = None
    decision: str | None = None


def _basic_client() -> tuple[str | None, str | None]:
    """client_secret_basic: ``Authorization: Basic base64(id:secret)``."""
    value = edge.header(app, "Authorization") or ""
    if value[:6].lower() != "basic ":
        return None, None
    try:
        client_id, _, secret = base64.b64decode(value[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise oauth.OAuthError("invalid_client", "malformed Basic credentials") from None
    return client_id or None, secret or None


@app.post("/api/v1/apps")
def register():
    body = edge.parse(NewApp, edge.params(app))
    registered, secret = oauth.register_app(body.client_name, body.redirect_uris, body.scopes, body.website)
    out = entities.application(registered.name, registered.website, registered.scopes, registered.redirect_uris)
    out.update(id=registered.client_id, client_id=registered.client_id, client_secret=secret)
    out["client_secret_expires_at"] = 0
    return edge.json_response(out)


@app.get("/api/v1/apps/verify_credentials")
def verify_app():
    caller = edge.caller(app, None, user=False)
    registered = oauth.client_app(caller.client_id)
    return edge.json_response(
        entities.application(registered.name, registered.website, registered.scopes, registered.redirect_uris)
    )


@app.post("/oauth/token")
def token():
    body = edge.parse(TokenRequest, edge.params(app))
    basic_id, basic_secret = _basic_client()
    client_id, client_secret = body.client_id or basic_id, body.client_secret or basic_secret
    if body.grant_type == "authorization_code":
        issued = oauth.code_grant(client_id, client_secret, body.code, body.redirect_uri, body.code_verifier)
    elif body.grant_type == "password":
        registered = oauth.authenticate_client(client_id, client_secret)
        issued = oauth.password_grant(registered, body.username, body.password, body.scope)
    elif body.grant_type == "client_credentials":
        registered = oauth.authenticate_client(client_id, client_secret)
        issued = oauth.client_credentials_grant(registered, body.scope)
    else:
        raise oauth.OAuthError("unsupported_grant_type", "The authorization grant type is not supported.")
    return edge.json_response(issued, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@app.post("/oauth/revoke")
def revoke():
    body = edge.parse(RevokeRequest, edge.params(app))
    basic_id, basic_secret = _basic_client()
    oauth.revoke(body.client_id or basic_id, body.client_secret or basic_secret, body.token)
    return edge.json_response({})


def _request(query: AuthorizeQuery) -> oauth.AuthorizationRequest:
    return oauth.authorization_request(
        query.response_type,
        query.client_id,
        query.redirect_uri,
        query.scope,
        query.state,
        query.code_challenge or None,
        query.code_challenge_method or None,
    )


@app.get("/oauth/authorize")
def authorize_page():
    query = edge.parse(AuthorizeQuery, edge.params(app))
    try:
        request = _request(query)
    except oauth.OAuthError as failure:  # never redirect to an unchecked URI: say it here
        return edge.html_response(pages.failure(failure.message), 400)
    return edge.html_response(pages.sign_in(request, edge.base_url(app) + "/oauth/authorize"))


def _redirect(uri: str, values: dict[str, str | None]) -> object:
    query = urlencode({k: v for k, v in values.items() if v})
    return edge.html_response("", 302, headers={"Location": f"{uri}{'&' if '?' in uri else '?'}{query}"})


@app.post("/oauth/authorize")
def authorize():
    form = edge.parse(AuthorizeForm, edge.params(app))
    try:
        request = _request(form)
    except oauth.OAuthError as failure:
        return edge.html_response(pages.failure(failure.message), 400)
    if form.decision == "deny":
        if request.redirect_uri == oauth.OOB:
            return edge.html_response(pages.failure("You denied the authorization."), 403)
        return _redirect(request.redirect_uri, {"error": "access_denied", "state": request.state})
    try:
        code = oauth.approve(request, form.username, form.password)
    except oauth.OAuthError:
        action = edge.base_url(app) + "/oauth/authorize"
        page = pages.sign_in(request, action, error="Invalid handle or password.", handle=form.username or "")
        return edge.html_response(page, 401)
    if request.redirect_uri == oauth.OOB:
        return edge.html_response(pages.out_of_band_code(request.app.name, code))
    return _redirect(request.redirect_uri, {"code": code, "state": request.state})


@app.get("/.well-known/oauth-authorization-server")
def metadata():
    return edge.json_response(instance.authorization_server(edge.base_url(app)))


lambda_handler = edge.rest_handler(app)
