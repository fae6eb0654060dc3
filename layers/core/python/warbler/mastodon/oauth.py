"""OAuth 2 for Mastodon clients: apps, grants, PKCE, revocation, and checking a token.

Grants: ``password`` (username = a Warbler handle, checked by the same log-in as the native
API), ``authorization_code`` (from the sign-in and consent page, with PKCE S256 and either
``urn:ietf:wg:oauth:2.0:oob`` or a registered redirect URI), and ``client_credentials`` (an
app token: no user). Tokens are opaque random strings; only their SHA-256 is stored.

Errors are ``OAuthError`` with RFC 6749's codes; ``edge`` renders them as
``{"error": code, "error_description": message}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from warbler import clock
from warbler.errors import Unauthorized, WarblerError
from warbler.mastodon import scopes as scope_rules
from warbler.mastodon.store import App, Grant, OAuthStore, digest
from warbler.segments import lifecycle
from warbler.settings import get_settings

OOB = "urn:ietf:wg:oauth:2.0:oob"
GRANT_TYPES = ("authorization_code", "password", "client_credentials")
MAX_APP_NAME = 60
MAX_REDIRECT_URIS = 10
_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 4.1


class OAuthError(WarblerError):
    """An OAuth protocol error; ``code`` is the RFC 6749 error (invalid_grant, invalid_client...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Caller:
    """Who a Mastodon request speaks for: a user (or nobody, for an app token), an app, scopes."""

    user_id: str | None
    client_id: str
    scopes: tuple[str, ...]
    token_hash: str


def _store(store: OAuthStore | None) -> OAuthStore:
    return store or OAuthStore()


# ----------------------------------------------------------------------------- apps


def _redirect_uris(raw: str | list[str]) -> tuple[str, ...]:
    items = raw.split() if isinstance(raw, str) else [u for part in raw for u in str(part).split()]
    uris = tuple(dict.fromkeys(items))
    if not uris or len(uris) > MAX_REDIRECT_URIS:
        raise InvalidApp(f"give between 1 and {MAX_REDIRECT_URIS} redirect_uris")
    for uri in uris:
        if uri == OOB:
            continue
        parts = urlsplit(uri)
        if not parts.scheme or parts.fragment or (parts.scheme in ("http", "https") and not parts.netloc):
            raise InvalidApp(f"redirect_uris: {uri!r} is not an absolute URI without a fragment")
    return uris


class InvalidApp(WarblerError):
    code = "invalid"


def register_app(
    name: str | None,
    redirect_uris: str | list[str] | None,
    requested_scopes: str | list[str] | None,
    website: str | None,
    store: OAuthStore | None = None,
) -> tuple[App, str]:
    """A new app and its client secret (shown once; only its digest is kept)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_APP_NAME:
        raise InvalidApp(f"client_name must be 1 to {MAX_APP_NAME} characters")
    if redirect_uris is None or redirect_uris in ("", []):
        raise InvalidApp("redirect_uris is required")
    uris = _redirect_uris(redirect_uris)
    try:
        granted = scope_rules.parse(requested_scopes) or (scope_rules.DEFAULT,)
    except WarblerError as error:
        raise InvalidApp(error.message) from None
    secret = secrets.token_urlsafe(32)
    app = App(
        client_id=secrets.token_urlsafe(32),
        secret_hash=digest(secret),
        name=name,
        website=(website or "").strip() or None,
        redirect_uris=uris,
        scopes=granted,
        created_at=clock.now_iso(),
    )
    _store(store).put_app(app)
    return app, secret


def client_app(client_id: str | None, store: OAuthStore | None = None) -> App:
    app = _store(store).app(client_id) if client_id else None
    if app is None:
        raise OAuthError("invalid_client", "Client authentication failed due to unknown client")
    return app


def authenticate_client(client_id: str | None, client_secret: str | None, store: OAuthStore | None = None) -> App:
    app = client_app(client_id, store)
    if not client_secret or not hmac.compare_digest(app.secret_hash, digest(client_secret)):
        raise OAuthError("invalid_client", "Client authentication failed due to unknown client or wrong secret")
    return app


def _granted_scopes(app: App, requested: str | None) -> tuple[str, ...]:
    try:
        wanted = scope_rules.parse(requested) or (scope_rules.DEFAULT,)
    except WarblerError:
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.") from None
    if not scope_rules.within(wanted, app.scopes):
        raise OAuthError("invalid_scope", "The requested scope is not one the application registered.")
    return wanted


# ----------------------------------------------------------------------------- grants


def _issue(app: App, user_id: str | None, granted: tuple[str, ...], store: OAuthStore | None) -> dict:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    _store(store).put_token(token, Grant(app.client_id, user_id, granted, clock.iso(now)))
    return {
        "access_token": token,
        "token_type": "Bearer",
        "scope": " ".join(granted),
        "created_at": int(now.timestamp()),
    }


def issue_for_new_user(client_id: str, user_id: str, granted: tuple[str, ...], store: OAuthStore | None = None) -> dict:
    """Registration through an app token: the new user's token carries the app token's scopes."""
    return _issue(client_app(client_id, store), user_id, granted, store)


def _user_for(username: str | None, password: str | None) -> str:
    handle = (username or "").strip().removeprefix("@")
    if not handle or not password:
        raise OAuthError("invalid_request", "username and password are required")
    try:
        user, _ = lifecycle.log_in(handle, password)  # a soft-deleted account comes back
    except WarblerError:  # unknown handle, wrong password, a password the pool refuses
        raise OAuthError("invalid_grant", "The user credentials were incorrect.") from None
    return str(user["id"])


def password_grant(app: App, username: str | None, password: str | None, scope: str | None, store=None) -> dict:
    granted = _granted_scopes(app, scope)
    return _issue(app, _user_for(username, password), granted, store)


def client_credentials_grant(app: App, scope: str | None, store: OAuthStore | None = None) -> dict:
    return _issue(app, None, _granted_scopes(app, scope), store)


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked ``GET /oauth/authorize`` query: what the consent page shows and posts back."""

    app: App
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None


def authorization_request(
    response_type: str | None,
    client_id: str | None,
    redirect_uri: str | None,
    scope: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
    store: OAuthStore | None = None,
) -> AuthorizationRequest:
    app = client_app(client_id, store)
    uri = redirect_uri or (app.redirect_uris[0] if len(app.redirect_uris) == 1 else "")
    if uri not in app.redirect_uris:
        raise OAuthError("invalid_request", "The redirect uri included is not valid.")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
    if code_challenge is not None:
        if (code_challenge_method or "plain") != "S256":
            raise OAuthError("invalid_request", "Only code_challenge_method=S256 is supported.")
        if not _VERIFIER_RE.fullmatch(code_challenge):
            raise OAuthError("invalid_request", "code_challenge is malformed.")
    return AuthorizationRequest(
        app, uri, _granted_scopes(app, scope), state, code_challenge, "S256" if code_challenge else None
    )


def approve(request: AuthorizationRequest, handle: str | None, password: str | None, store=None) -> str:
    """The user signed in and consented: a one-use code bound to the app, redirect URI and PKCE."""
    user_id = _user_for(handle, password)
    code = secrets.token_urlsafe(32)
    expires = clock.now() + timedelta(seconds=get_settings().oauth_code_seconds)
    grant = Grant(
        client_id=request.app.client_id,
        user_id=user_id,
        scopes=request.scopes,
        created_at=clock.now_iso(),
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
        expires_at=expires,
    )
    _store(store).put_code(code, grant)
    return code


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def code_grant(
    client_id: str | None,
    client_secret: str | None,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
    store: OAuthStore | None = None,
) -> dict:
    """A code for a token. A PKCE code may be redeemed by a public client (no secret)."""
    app = (
        client_app(client_id, store) if client_secret is None else authenticate_client(client_id, client_secret, store)
    )
    if not code:
        raise OAuthError("invalid_request", "code is required")
    grant = _store(store).take_code(code)
    invalid = OAuthError(
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI "
        "used in the authorization request, or was issued to another client.",
    )
    if grant is None or grant.client_id != app.client_id or grant.user_id is None:
        raise invalid
    if grant.expires_at is None or grant.expires_at <= clock.now():
        raise invalid
    if (redirect_uri or grant.redirect_uri) != grant.redirect_uri:
        raise invalid
    if grant.code_challenge:
        if not code_verifier or not hmac.compare_digest(_s256(code_verifier), grant.code_challenge):
            raise invalid
    elif client_secret is None:
        raise OAuthError("invalid_client", "Client authentication failed: a client_secret or PKCE is required")
    return _issue(app, grant.user_id, grant.scopes, store)


def revoke(
    client_id: str | None, client_secret: str | None, token: str | None, store: OAuthStore | None = None
) -> None:
    """RFC 7009: an unknown or foreign token is not an error; a known one stops working now."""
    app = authenticate_client(client_id, client_secret, store)
    if not token:
        raise OAuthError("invalid_request", "token is required")
    s = _store(store)
    token_hash = digest(token)
    grant = s.token(token_hash)
    if grant is None or grant.client_id != app.client_id:
        return
    s.delete_token(token_hash)
    s.mark_revoked(token_hash)


# ----------------------------------------------------------------------------- checking tokens


def verify(token: str | None, store: OAuthStore | None = None) -> Caller:
    """What the Lambda authorizer asks: is this a live token, and whose? (``Unauthorized``)"""
    token = (token or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Unauthorized("The access token is invalid")
    token_hash = digest(token)
    grant = _store(store).token(token_hash)
    if grant is None:
        raise Unauthorized("The access token is invalid")
    return Caller(grant.user_id, grant.client_id, grant.scopes, token_hash)


def still_valid(token_hash: str, store: OAuthStore | None = None) -> bool:
    """False for a token revoked since the gateway cached its authorizer answer."""
    s = _store(store)
    marked = s.is_marked_revoked(token_hash)
    if marked is None:  # Redis cannot say: the table is the truth
        return s.token(token_hash) is not None
    return not marked
