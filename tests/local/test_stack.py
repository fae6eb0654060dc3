"""The assembled LocalStack (session fixture): env wiring, catalog routes, in-process invoke."""

from __future__ import annotations

import os
import re

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


def _credentials(local_stack, api) -> dict[str, str]:
    """An ``Authorization`` header value per authorizer the catalog's routes name."""
    from mastodon import Mastodon

    account = api.signup(password="correct horse battery")
    client_id, client_secret = Mastodon.create_app("route-check", api_base_url=local_stack.rest_url)
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
    client.log_in(account.handle, "correct horse battery", allow_http=True)
    return {"cognito": f"Bearer {account.token}", "mastodon": f"Bearer {client.access_token}"}


def _concrete(path: str) -> str:
    """The route's path with each ``{parameter}`` filled in: an id for ids, a name otherwise."""
    return re.sub(r"\{(\w+)\}", lambda m: "2124487665738072064" if m.group(1).endswith("id") else "nobody", path)


def test_rest_gateway_routes_every_catalog_route_to_its_function(local_stack, api, monkeypatch):
    credentials = _credentials(local_stack, api)
    invoked: list[tuple[str, dict]] = []
    real_invoke = local_stack.registry.invoke

    def recording_invoke(name: str, event: dict):
        invoked.append((name, event))
        return real_invoke(name, event)

    monkeypatch.setattr(local_stack.registry, "invoke", recording_invoke)

    for spec in catalog.FUNCTIONS:
        for route in spec.routes:
            invoked.clear()
            headers = {"Authorization": credentials[route.authorizer]} if route.auth else {}
            response = requests.request(
                route.method, local_stack.rest_url + _concrete(route.path), headers=headers, timeout=30
            )

            handled = [(name, e) for name, e in invoked if e.get("resource") == route.path]
            assert [name for name, _ in handled] == [spec.name], (route, response.status_code, response.text)
            ((_, event),) = handled
            assert event["httpMethod"] == route.method
            assert response.status_code < 500, (route, response.status_code, response.text)


def test_rest_gateway_answers_unknown_routes_and_missing_tokens_itself(local_stack):
    assert requests.get(f"{local_stack.rest_url}/no/such/route").status_code == 404
    assert requests.get(f"{local_stack.rest_url}/me").status_code == 401


def test_wait_idle_returns_on_a_quiet_stack(local_stack):
    local_stack.wait_idle(10)
    mapped = {(f.name, s.source) for f in catalog.FUNCTIONS for s in f.streams}
    assert {(m.function, m.source.source) for m in local_stack.pollers.mappings} == mapped
