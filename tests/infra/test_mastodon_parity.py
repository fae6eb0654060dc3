"""Parity for the Lambda authorizers: CDK and the local gateway both put every catalog route
that names one behind it (cached as declared), and leave the others alone."""

from __future__ import annotations

from typing import Any

from cfn import function_id, references, resources, rest_routes

from infra import catalog


def _authorized_routes() -> dict[tuple[str, str], catalog.Route]:
    return {(r.method.upper(), r.path): r for f in catalog.FUNCTIONS for r in f.routes if r.authorizer != "cognito"}


def test_cdk_puts_each_lambda_authorized_route_behind_its_cached_token_authorizer(api_template: dict[str, Any]) -> None:
    authorizers = resources(api_template, "AWS::ApiGateway::Authorizer")
    deployed = rest_routes(api_template)
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
        assert references(props["AuthorizerUri"], function_id(api_template, function.name)), key


def test_local_gateway_plays_every_catalog_authorizer(local_stack) -> None:
    assert set(local_stack.rest.authorizers.specs) == {a.name for a in catalog.AUTHORIZERS}
    for spec in catalog.AUTHORIZERS:
        function = catalog.authorizer(spec.name)[1].name
        assert local_stack.rest.authorizers.functions[spec.name] == function
        assert callable(local_stack.registry.handler(function)), function


def _file_routes() -> set[str]:
    return {f"{r.method.upper()} {r.path}" for f in catalog.FUNCTIONS for r in f.routes if r.takes_file}


def test_the_routes_that_take_a_file_are_the_ones_whose_handler_allows_large_bodies() -> None:
    from warbler.mastodon import uploads

    assert _file_routes() == set(uploads.UPLOAD_ROUTES) == {"POST /api/v2/media", "POST /api/v1/media"}


def test_cdk_passes_multipart_bodies_base64_encoded_as_the_local_gateway_does(template: dict[str, Any]) -> None:
    from infra.local.rest_gateway import BoundRoute, RestGateway

    (api,) = resources(template, "AWS::ApiGateway::RestApi").values()
    route = catalog.Route("POST", "/api/v2/media", takes_file=True)
    text_form = b'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nplain text\r\n--b--\r\n'
    gateway = RestGateway.__new__(RestGateway)  # proxy_event needs no server
    gateway.stage = "local"
    local = gateway.proxy_event(
        "POST",
        route.path,
        "",
        [("Content-Type", "multipart/form-data; boundary=b")],
        text_form,
        "127.0.0.1",
        BoundRoute.build("mastodon_media", route),
        {},
        None,
        "request-1",
    )

    assert api["Properties"]["BinaryMediaTypes"] == list(catalog.BINARY_MEDIA_TYPES) == ["multipart/form-data"]
    assert local["isBase64Encoded"] is True  # even a body that is valid UTF-8, as API Gateway does


def test_waf_common_rules_skip_exactly_the_routes_that_take_a_file(template: dict[str, Any]) -> None:
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    (common,) = [r for r in acl["Properties"]["Rules"] if r["Name"] == "AWSManagedRulesCommonRuleSet"]
    scope = common["Statement"]["ManagedRuleGroupStatement"]["ScopeDownStatement"]["NotStatement"]["Statement"]
    matches = [s["ByteMatchStatement"] for s in scope["OrStatement"]["Statements"]]

    assert {(m["PositionalConstraint"], m["SearchString"]) for m in matches} == {
        ("ENDS_WITH", path.split(" ", 1)[1]) for path in _file_routes()
    }
