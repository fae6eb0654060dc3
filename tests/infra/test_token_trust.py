"""On AWS nothing can accept a token signed with moto's key (which ships in the moto package):
the REST API uses API Gateway's own Cognito authorizer, and the WebSocket ``$connect`` fetches
the JWKS of the real pool, because no deployed function is told another key URL or endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import function_props, resources

from infra import catalog

TRUST_OVERRIDES = ("WARBLER_COGNITO_JWKS_URL", "AWS_ENDPOINT_URL")


@pytest.mark.parametrize("name", [f.name for f in catalog.FUNCTIONS])
def test_no_deployed_function_is_pointed_at_another_key_set_or_endpoint(template: dict[str, Any], name: str) -> None:
    env = function_props(template, name)["Environment"]["Variables"]
    assert not [key for key in env if key in TRUST_OVERRIDES or key.startswith("AWS_ENDPOINT_URL_")]


def test_every_cognito_route_uses_api_gateways_cognito_user_pool_authorizer(api_template: dict[str, Any]) -> None:
    authorizers = resources(api_template, "AWS::ApiGateway::Authorizer").values()
    assert [a["Properties"]["Type"] for a in authorizers].count("COGNITO_USER_POOLS") == 1
    methods = [m["Properties"] for m in resources(api_template, "AWS::ApiGateway::Method").values()]
    cognito = [m for m in methods if m.get("AuthorizationType") == "COGNITO_USER_POOLS"]
    declared = [r for f in catalog.FUNCTIONS for r in f.routes if r.auth and r.authorizer == "cognito"]
    assert declared and len(cognito) == len(declared)


def test_the_websocket_key_set_defaults_to_the_pools_own_issuer_url(monkeypatch) -> None:
    from warbler.adapters import tokens
    from warbler.settings import get_settings

    monkeypatch.delenv("WARBLER_COGNITO_JWKS_URL", raising=False)
    monkeypatch.setenv("WARBLER_USER_POOL_ID", "us-east-1_Real")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    get_settings.cache_clear()
    monkeypatch.setattr(tokens, "_jwks", None)
    try:
        assert tokens._keys().uri == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Real/.well-known/jwks.json"
    finally:
        get_settings.cache_clear()
