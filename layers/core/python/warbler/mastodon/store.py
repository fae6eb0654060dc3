"""Every DynamoDB and Redis command of the Mastodon edge: the one ``oauth`` table and the
revocation markers.

One table holds three kinds of item, keyed by kind and a SHA-256 of the secret part so that a
leaked table dump holds no usable credential:

- ``app#<client_id>``: a registered application (its client secret hashed);
- ``code#<sha256(code)>``: an authorization code, consumed at most once (conditional delete),
  expiring after ``oauth_code_seconds`` (TTL attribute, and checked on use);
- ``token#<sha256(token)>``: an access token, its user (none for an app token), app and scopes.

A revoked token is deleted, and marked revoked in Redis for as long as API Gateway may still
hold the authorizer's cached "allow" for it (``oauth_authorizer_cache_seconds``).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist

from warbler import clock
from warbler.adapters.dynamo import OAuthModel
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import RedisErrors, client
from warbler.adapters.transactions import failed_conditions
from warbler.settings import get_settings


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class App:
    client_id: str
    secret_hash: str
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    created_at: str


@dataclass(frozen=True)
class Grant:
    """What an authorization code or an access token stands for."""

    client_id: str
    user_id: str | None
    scopes: tuple[str, ...]
    created_at: str
    redirect_uri: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    expires_at: datetime | None = None


def _app(item: OAuthModel) -> App:
    return App(
        client_id=item.client_id or "",
        secret_hash=item.secret_hash or "",
        name=item.name or "",
        website=item.website,
        redirect_uris=tuple(sorted(item.redirect_uris or ())),
        scopes=tuple((item.scopes or "").split()),
        created_at=item.created_at,
    )


def _grant(item: OAuthModel) -> Grant:
    return Grant(
        client_id=item.client_id or "",
        user_id=item.user_id,
        scopes=tuple((item.scopes or "").split()),
        created_at=item.created_at,
        redirect_uri=item.redirect_uri,
        code_challenge=item.code_challenge,
        code_challenge_method=item.code_challenge_method,
        expires_at=item.expires_at,
    )


class OAuthStore:
    # -- apps --

    def put_app(self, app: App) -> None:
        OAuthModel(
            f"app#{app.client_id}",
            kind="app",
            created_at=app.created_at,
            client_id=app.client_id,
            secret_hash=app.secret_hash,
            name=app.name,
            website=app.website,
            redirect_uris=set(app.redirect_uris) or None,
            scopes=" ".join(app.scopes),
        ).save(condition=OAuthModel.key.does_not_exist())

    def app(self, client_id: str) -> App | None:
        try:
            return _app(OAuthModel.get(f"app#{client_id}"))
        except DoesNotExist:
            return None

    # -- authorization codes --

    def put_code(self, code: str, grant: Grant) -> None:
        self._put("code", code, grant)

    def take_code(self, code: str) -> Grant | None:
        """The code's grant, deleted in the same request: a second use finds nothing."""
        try:
            old = OAuthModel._get_connection().delete_item(
                f"code#{digest(code)}", condition=OAuthModel.key.exists(), return_values="ALL_OLD"
            )
        except DeleteError as error:
            if failed_conditions(error):
                return None
            raise
        attributes = (old or {}).get("Attributes")
        if not attributes:
            return None
        return _grant(OAuthModel.from_raw_data(attributes))

    # -- access tokens --

    def put_token(self, token: str, grant: Grant) -> None:
        self._put("token", token, grant)

    def token(self, token_hash: str) -> Grant | None:
        try:
            return _grant(OAuthModel.get(f"token#{token_hash}"))
        except DoesNotExist:
            return None

    def delete_token(self, token_hash: str) -> None:
        OAuthModel(f"token#{token_hash}").delete()

    def mark_revoked(self, token_hash: str) -> None:
        with contextlib.suppress(*RedisErrors):
            client().set(Keys.oauth_revoked(token_hash), "1", ex=get_settings().oauth_authorizer_cache_seconds)

    def is_marked_revoked(self, token_hash: str) -> bool | None:
        """True/False, or None when Redis cannot say (then ask the table)."""
        try:
            return bool(client().exists(Keys.oauth_revoked(token_hash)))
        except RedisErrors:
            return None

    def _put(self, kind: str, secret: str, grant: Grant) -> None:
        OAuthModel(
            f"{kind}#{digest(secret)}",
            kind=kind,
            created_at=grant.created_at or clock.now_iso(),
            client_id=grant.client_id,
            user_id=grant.user_id,
            scopes=" ".join(grant.scopes),
            redirect_uri=grant.redirect_uri,
            code_challenge=grant.code_challenge,
            code_challenge_method=grant.code_challenge_method,
            expires_at=grant.expires_at,
        ).save(condition=OAuthModel.key.does_not_exist())


def table_counts() -> dict[str, int]:
    """Approximate account and post counts for the instance documents: DynamoDB's ItemCount,
    which it refreshes about every six hours, costs no scan."""
    from warbler.adapters.dynamo import TweetModel, UserModel  # noqa: PLC0415 - only this reader needs them

    return {
        "users": int(UserModel.describe_table().get("ItemCount", 0)),
        "statuses": int(TweetModel.describe_table().get("ItemCount", 0)),
    }
