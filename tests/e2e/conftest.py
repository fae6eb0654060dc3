from __future__ import annotations

import pytest

from tests.client import Api


@pytest.fixture(scope="session")
def api(local_stack) -> Api:
    return Api(local_stack.rest_url)
