"""CORS on AWS: the Mastodon client paths open to any origin (a preflight method on each, as
``catalog.ANY_ORIGIN_CORS`` declares, and the same rule in the functions' responses), API
Gateway's own errors readable by any origin, and the native paths with no preflight at all
(the web client reaches them same-origin, through its distribution)."""

from __future__ import annotations

from typing import Any

from cfn import resources, rest_routes

from infra import catalog


def test_every_path_open_to_any_origin_has_a_mock_preflight_allowing_it(api_template: dict[str, Any]) -> None:
    rule = catalog.ANY_ORIGIN_CORS
    preflights = {path: m for (verb, path), m in rest_routes(api_template).items() if verb == "OPTIONS"}

    assert set(preflights) == set(rule.preflight_paths()) and len(preflights) == 40
    for path, method in preflights.items():
        assert method["AuthorizationType"] == "NONE", path
        assert method["Integration"]["Type"] == "MOCK", path
        (response,) = method["Integration"]["IntegrationResponses"]
        assert response["StatusCode"] == "204"
        assert response["ResponseParameters"] == {
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.Access-Control-Allow-Methods": f"'{','.join(rule.allow_methods)}'",
            "method.response.header.Access-Control-Allow-Headers": f"'{','.join(rule.allow_headers)}'",
            "method.response.header.Access-Control-Max-Age": f"'{rule.max_age_seconds}'",
        }, path


def test_no_native_path_answers_a_preflight(api_template: dict[str, Any]) -> None:
    native = {r.path for f in catalog.FUNCTIONS for r in f.routes if r.authorizer == "cognito"}
    preflights = {path for verb, path in rest_routes(api_template) if verb == "OPTIONS"}

    assert native and not native & preflights


def test_gateway_errors_are_readable_by_any_origin(template: dict[str, Any]) -> None:
    responses = resources(template, "AWS::ApiGateway::GatewayResponse").values()

    assert len(responses) == 7
    for response in responses:
        params = response["Properties"]["ResponseParameters"]
        assert params["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
        assert "Retry-After" in params["gatewayresponse.header.Access-Control-Expose-Headers"]


def test_the_stage_deploys_after_the_nested_route_stacks(template: dict[str, Any]) -> None:
    (deployment,) = resources(template, "AWS::ApiGateway::Deployment").values()
    nested = [lid for lid in resources(template, "AWS::CloudFormation::Stack") if "RoutesNestedStack" in lid]

    assert nested == [lid for lid in nested if lid in deployment["DependsOn"]] and len(nested) == 1


def test_the_functions_answer_any_origin_on_exactly_the_catalogs_paths() -> None:
    from warbler.mastodon import cors

    rule = catalog.ANY_ORIGIN_CORS
    assert (rule.prefixes, rule.paths, rule.expose_headers) == (cors.PREFIXES, cors.PATHS, cors.EXPOSE_HEADERS)
    for path in [r.path for f in catalog.FUNCTIONS for r in f.routes]:
        assert cors.covers(path) == rule.covers(path), path
