"""Parity for the Lambda authorizers: CDK and the local gateway both put every catalog route
that names one behind it (cached as declared), and leave the others alone."""

from __future__ import annotations

from typing import Any

from cfn import function_id, references, resources, rest_routes

from infra import catalog


def _authorized_routes() -> dict[tuple[str, str], catalog.Route]:
    return {(r.method.upper(), r.path): r for f in catalog.FUNCTIONS for r in f.routes if r.authorizer != "cognito"}


def test_cdk_puts_each_lambda_authorized_route_behind_its_cached_token_authorizer(template: dict[str, Any]) -> None:
    authorizers = resources(template, "AWS::ApiGateway::Authorizer")
    deployed = rest_routes(template)
    assert _authorized_routes()
    for key, route in _authorized_routes().items():
        method = deployed[key]
        if not route.auth:
            assert method["AuthorizationType"] == "NONE", key
            continue
        assert method["AuthorizationType"] == "CUSTOM", key
        spec, function = catalog.authorizer(route.authorizer)
        (authorizer,) = [a for lid, a in authorizers.items() if references(method["AuthorizerId"], lid)]
        props = authorizer["Properties"]
        assert props["Type"] == "TOKEN"
        assert props["IdentitySource"] == "method.request.header.Authorization"
        assert props["AuthorizerResultTtlInSeconds"] == spec.cache_seconds
        assert references(props["AuthorizerUri"], function_id(template, function.name)), key


def test_local_gateway_plays_every_catalog_authorizer(local_stack) -> None:
    assert set(local_stack.rest.authorizers.specs) == {a.name for a in catalog.AUTHORIZERS}
    for spec in catalog.AUTHORIZERS:
        function = catalog.authorizer(spec.name)[1].name
        assert local_stack.rest.authorizers.functions[spec.name] == function
        assert callable(local_stack.registry.handler(function)), function
