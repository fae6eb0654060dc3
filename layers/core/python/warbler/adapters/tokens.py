"""Cognito ID token verification, for the WebSocket ``$connect`` route.

A WebSocket API has no Cognito user-pool authorizer (only Lambda or IAM ones), so ``$connect``
checks the token itself, as the REST API's authorizer does: RS256 signature against the pool's
JWKS (fetched once per process and cached, refetched for an unknown ``kid``), issuer, audience
(the app client), expiry, and ``token_use`` "id".
"""

from __future__ import annotations

import threading

import jwt

from warbler.errors import Unauthorized
from warbler.settings import get_settings

_lock = threading.Lock()
_jwks: jwt.PyJWKClient | None = None


def _issuer() -> str:
    s = get_settings()
    return f"https://cognito-idp.{s.aws_region}.amazonaws.com/{s.user_pool_id}"


def _keys() -> jwt.PyJWKClient:
    global _jwks
    if _jwks is None:
        with _lock:
            if _jwks is None:
                url = get_settings().cognito_jwks_url or f"{_issuer()}/.well-known/jwks.json"
                _jwks = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)
    return _jwks


def verify_id_token(token: str | None) -> dict:
    """The token's claims, or ``Unauthorized``."""
    if not token:
        raise Unauthorized("missing token")
    try:
        key = _keys().get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=_issuer(),
            audience=get_settings().user_pool_client_id,
            options={"require": ["exp", "iss", "aud", "token_use"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    if claims.get("token_use") != "id":
        raise Unauthorized("an ID token is required")
    if not isinstance(claims.get("cognito:username"), str) or not claims["cognito:username"]:
        raise Unauthorized("the token names no user")  # a signed token is not necessarily ours
    return claims
