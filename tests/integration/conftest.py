from __future__ import annotations

import contextlib
import os

import pytest

from tests.client import Api


@pytest.fixture(scope="session")
def api(local_stack) -> Api:
    return Api(local_stack.rest_url)


@pytest.fixture
def settings_override():
    """Change product settings for one test: the env is the only source, so set it there."""
    from warbler.adapters import redis_store
    from warbler.settings import Settings, get_settings

    @contextlib.contextmanager
    def override(**values):
        names = {Settings.env_name(k): str(v) for k, v in values.items()}
        previous = {k: os.environ.get(k) for k in names}
        os.environ.update(names)
        get_settings.cache_clear()
        redis_store.reset_client()
        try:
            yield get_settings()
        finally:
            for k, v in previous.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            get_settings.cache_clear()
            redis_store.reset_client()

    return override
