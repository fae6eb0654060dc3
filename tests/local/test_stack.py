"""The assembled LocalStack (session fixture): env wiring, catalog routes, in-process invoke."""

from __future__ import annotations

import os

import requests

from infra import catalog
from warbler.settings import Settings, get_settings


def test_env_reaches_settings_and_names_every_catalog_resource(local_stack):
    for table in catalog.TABLES:
        assert Settings.env_name(f"{table.name}_table") in local_stack.env
    for stream in catalog.KINESIS_STREAMS:
        assert Settings.env_name(f"{stream.name}_stream") in local_stack.env
    assert os.environ["AWS_ENDPOINT_URL"] == local_stack.aws_endpoint
    settings = get_settings()
    assert settings.redis_url == local_stack.redis_url and not settings.redis_url.endswith(":6379/0")
    assert settings.user_pool_id and settings.user_pool_client_id
    assert settings.websocket_endpoint == local_stack.websocket_management_url


def test_rest_gateway_serves_catalog_routes(local_stack):
    assert requests.get(f"{local_stack.rest_url}/no/such/route").status_code == 404
    assert requests.get(f"{local_stack.rest_url}/me").status_code == 401


def test_wait_idle_returns_on_a_quiet_stack(local_stack):
    local_stack.wait_idle(10)
    mapped = {(f.name, s.source) for f in catalog.FUNCTIONS for s in f.streams}
    assert {(m.function, m.source.source) for m in local_stack.pollers.mappings} == mapped
