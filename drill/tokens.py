"""The forged-token suite: tokens an attacker can make, each of which must be refused (401) by the
REST API's Cognito authorizer and by the WebSocket ``$connect``.

Two families. Tokens nobody but the attacker signed: ``alg: none``, HS256 keyed with the pool's
*public* key (the classic algorithm confusion), a valid token's signature on another user's
claims, a key the pool does not publish. And tokens signed with the pool's own key but with
claims the authorizer must refuse (wrong issuer, audience, ``token_use``, expired). Locally the
pool's key is moto's, which ships in the moto package (see README "Security and failure model"):
that is how the second family is minted here, and why a local stack is never a trust boundary.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import moto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MOTO_KID = "dummy"  # the kid moto signs its Cognito tokens with


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def moto_private_key() -> Any:
    """moto's Cognito signing key, read from the moto package (which is the point)."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return jwt.PyJWK(json.loads(gzip.decompress(path.read_bytes()))).key


def public_key_pem(jwks_url: str, kid: str = MOTO_KID) -> bytes:
    with urllib.request.urlopen(jwks_url, timeout=5) as resp:
        keys = json.load(resp)["keys"]
    key = jwt.PyJWK(next(k for k in keys if k.get("kid") == kid)).key
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class Pool:
    """What a forger knows about the pool: all of it is public (the JWKS is served to anyone)."""

    issuer: str
    client_id: str
    jwks_url: str
    valid_token: str  # any genuine ID token, e.g. the attacker's own account

    def claims(self, username: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": username,
            "iss": self.issuer,
            "aud": self.client_id,
            "token_use": "id",
            "cognito:username": username,
            "auth_time": now,
            "iat": now,
            "exp": now + 600,
        }
        return {**claims, **overrides}


def alg_none(pool: Pool, victim: str) -> str:
    return f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': MOTO_KID})}.{_segment(pool.claims(victim))}."


def hs256_with_public_key(pool: Pool, victim: str) -> str:
    header = _segment({"alg": "HS256", "typ": "JWT", "kid": MOTO_KID})
    signing_input = f"{header}.{_segment(pool.claims(victim))}".encode()
    signature = hmac.new(public_key_pem(pool.jwks_url), signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode()}.{_b64(signature)}"


def swapped_signature(pool: Pool, victim: str) -> str:
    header, _, signature = pool.valid_token.split(".")
    return f"{header}.{_segment(pool.claims(victim))}.{signature}"


def unknown_kid(pool: Pool, victim: str) -> str:
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(pool.claims(victim), own_key, algorithm="RS256", headers={"kid": "attacker-key"})


def _pool_signed(**overrides: Any) -> Callable[[Pool, str], str]:
    def forge(pool: Pool, victim: str) -> str:
        claims = {k: v for k, v in pool.claims(victim, **overrides).items() if v is not None}
        return jwt.encode(claims, moto_private_key(), algorithm="RS256", headers={"kid": MOTO_KID})

    return forge


FORGERIES: dict[str, Callable[[Pool, str], str]] = {
    "alg-none": alg_none,
    "hs256-with-public-key": hs256_with_public_key,
    "swapped-signature": swapped_signature,
    "unknown-kid": unknown_kid,
    "wrong-iss": _pool_signed(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_attacker"),
    "wrong-aud": _pool_signed(aud="another-app-client"),
    "access-token": _pool_signed(token_use="access"),
    "expired": _pool_signed(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
    "no-exp": _pool_signed(exp=None),
    "no-username": _pool_signed(**{"cognito:username": None}),  # signed, valid, naming nobody
}


def forge_all(pool: Pool, victim: str) -> dict[str, str]:
    return {name: forge(pool, victim) for name, forge in FORGERIES.items()}


def pool_of(stack: Any, valid_token: str) -> Pool:
    """The ``Pool`` of a started ``LocalStack``."""
    res = stack.resources
    region = stack.env.get("AWS_REGION", "us-east-1")
    return Pool(
        issuer=f"https://cognito-idp.{region}.amazonaws.com/{res.user_pool_id}",
        client_id=res.user_pool_client_id,
        jwks_url=stack.env["WARBLER_COGNITO_JWKS_URL"],
        valid_token=valid_token,
    )
