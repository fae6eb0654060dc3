"""On AWS, Redis requires its AUTH token, which the one Redis client reads from Secrets Manager."""

from __future__ import annotations

import uuid

import boto3
import pytest
import redis

from infra.local.services import RedisServer


@pytest.fixture
def password_redis():
    server = RedisServer().start()
    token = uuid.uuid4().hex
    redis.Redis(host="127.0.0.1", port=server.port).config_set("requirepass", token)
    yield server, token
    server.stop()


def test_the_redis_client_authenticates_with_the_token_from_secrets_manager(
    moto_server: str, password_redis, settings_override
) -> None:
    from warbler.adapters import redis_client

    server, token = password_redis
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    arn = secrets.create_secret(Name=f"warbler-redis-auth-{uuid.uuid4().hex}", SecretString=token)["ARN"]

    with settings_override(redis_url=server.url, redis_auth_secret_arn=arn):
        client = redis_client.client()
        client.set("auth-probe", "1")
        assert client.get("auth-probe") == "1"

    with settings_override(redis_url=server.url), pytest.raises(redis.exceptions.AuthenticationError):
        redis_client.client().get("auth-probe")
