"""What API Gateway's Cognito user-pool authorizer does with a token, against moto's user pool.

moto signs ID tokens with RS256 under a fixed key (``kid`` "dummy") and serves the public key at
``{moto}/{user_pool_id}/.well-known/jwks.json``; the ``iss`` claim is the real AWS issuer URL
(``https://cognito-idp.{region}.amazonaws.com/{pool}``), ``aud`` the app client id, and
``token_use`` "id". Without OAuth scopes on the method, API Gateway accepts ID tokens only.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterable
from typing import Any

import jwt


class Unauthorized(Exception):
    """The token is missing, malformed, expired, or not from our pool and client."""


def claims_as_strings(claims: dict[str, Any]) -> dict[str, str]:
    """API Gateway hands claims to the function as strings (lists as ``[a, b]``)."""
    out: dict[str, str] = {}
    for key, value in claims.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list):
            out[key] = "[" + ", ".join(str(v) for v in value) + "]"
        else:
            out[key] = str(value)
    return out


class CognitoVerifier:
    def __init__(self, aws_endpoint: str, user_pool_id: str, client_ids: Iterable[str], region: str) -> None:
        self.jwks_url = f"{aws_endpoint}/{user_pool_id}/.well-known/jwks.json"
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_ids = frozenset(client_ids)
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys:
                # Fetched once and cached, like the real authorizer; refetched on an unknown kid.
                with urllib.request.urlopen(self.jwks_url, timeout=5) as resp:
                    jwks = json.load(resp)
                self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", [])}
            if kid not in self._keys:
                raise Unauthorized("unknown signing key")
            return self._keys[kid]

    def verify(self, token: str) -> dict[str, str]:
        """The token's claims as API Gateway passes them on, or ``Unauthorized``."""
        if not token:
            raise Unauthorized("missing token")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise Unauthorized("unexpected signing algorithm")
            claims = jwt.decode(
                token,
                self._key(str(header.get("kid", ""))),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"require": ["exp", "iss", "token_use"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(str(exc)) from exc
        if claims.get("token_use") != "id":
            raise Unauthorized("an ID token is required")
        if claims.get("aud") not in self.client_ids:
            raise Unauthorized("token issued for another app client")
        return claims_as_strings(claims)

    def verify_header(self, value: str | None) -> dict[str, str]:
        """``Authorization: Bearer <token>``; a bare token is accepted too, as API Gateway does."""
        value = (value or "").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return self.verify(value)
