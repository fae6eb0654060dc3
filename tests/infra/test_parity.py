"""Parity: everything the catalog declares exists in the deployment, wired to the right function.

One check per side (CDK, the local emulator), and one that each function answers the routes
the catalog sends it.
"""

from __future__ import annotations

from typing import Any

from cfn import (
    actions_on,
    event_source_mappings,
    function_id,
    function_props,
    references,
    resources,
    rest_routes,
    stream_id,
    table_id,
)

from infra import catalog


def catalog_routes() -> dict[tuple[str, str], str]:
    return {(r.method.upper(), r.path): f.name for f in catalog.FUNCTIONS for r in f.routes}


def catalog_event_sources() -> set[tuple[str, str, str]]:
    return {(f.name, s.kind, s.source) for f in catalog.FUNCTIONS for s in f.streams}


def test_cdk_has_every_catalog_function_route_and_event_source(api_template: dict[str, Any]) -> None:
    for spec in catalog.FUNCTIONS:
        function_id(api_template, spec.name)  # exactly one Lambda per catalog function

    # OPTIONS are the CORS preflights (tests/infra/test_cdk_cors.py), no catalog route's.
    deployed = {key: m for key, m in rest_routes(api_template).items() if key[0] != "OPTIONS"}
    assert set(deployed) == set(catalog_routes())
    for key, owner in catalog_routes().items():
        assert references(deployed[key]["Integration"], function_id(api_template, owner)), key

    found: set[tuple[str, str, str]] = set()
    for spec in catalog.FUNCTIONS:
        for esm in event_source_mappings(api_template, spec.name):
            for source in spec.streams:
                source_id = (
                    table_id(api_template, source.source)
                    if source.kind == "dynamodb"
                    else stream_id(api_template, source.source)
                )
                if references(esm["EventSourceArn"], source_id):
                    found.add((spec.name, source.kind, source.source))
    assert found == catalog_event_sources()


def test_cdk_route_throttles_are_the_catalogs(template: dict[str, Any]) -> None:
    (stage,) = resources(template, "AWS::ApiGateway::Stage").values()
    settings = {
        # "/~1auth~1login": a leading slash, then the path with "/" escaped as "~1".
        (m["HttpMethod"], "/" + m["ResourcePath"][1:].replace("~1", "/").lstrip("/")): m
        for m in stage["Properties"]["MethodSettings"]
    }
    declared = {
        (r.method.upper(), r.path): r.throttle for f in catalog.FUNCTIONS for r in f.routes if r.throttle is not None
    }
    assert declared, "sign-up and login declare throttles"
    assert {key for key in settings if key != ("*", "/*")} == set(declared)
    default = settings[("*", "/*")]
    for key, throttle in declared.items():
        assert (settings[key]["ThrottlingRateLimit"], settings[key]["ThrottlingBurstLimit"]) == (
            throttle.rate,
            throttle.burst,
        )
        assert throttle.rate < default["ThrottlingRateLimit"]
    auth = {t.rate for (method, path), t in declared.items() if path.startswith("/auth/")}
    assert max(auth) * 5 <= default["ThrottlingRateLimit"]  # sign-up and login far below reads


def test_cdk_reserved_concurrency_is_the_catalogs(template: dict[str, Any]) -> None:
    for spec in catalog.FUNCTIONS:
        assert function_props(template, spec.name)["ReservedConcurrentExecutions"] == spec.reserved_concurrency
    # The account keeps 100 unreserved executions, as Lambda requires.
    assert sum(f.reserved_concurrency for f in catalog.FUNCTIONS) <= catalog.ACCOUNT_CONCURRENCY - 100


def test_cdk_table_grants_follow_their_access_level(template: dict[str, Any]) -> None:
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    reads = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    for spec in catalog.FUNCTIONS:
        for grant in spec.grants:
            kind, _, name = grant.resource.partition(":")
            if kind != "table":
                continue
            granted = actions_on(template, spec.name, table_id(template, name))
            assert (reads <= granted) is (grant.access in {"read", "readwrite"}), (spec.name, grant)
            assert (writes <= granted) is (grant.access in {"write", "readwrite"}), (spec.name, grant)
            assert ("dynamodb:Scan" in granted) is grant.scan, (spec.name, grant)


def test_local_stack_has_every_catalog_function_route_and_event_source(local_stack) -> None:
    for spec in catalog.FUNCTIONS:
        assert callable(local_stack.registry.handler(spec.name)), spec.name

    served = {(b.route.method.upper(), b.route.path): b.function for b in local_stack.rest.routes}
    assert served == catalog_routes()

    mapped = {(m.function, m.source.kind, m.source.source) for m in local_stack.pollers.mappings}
    assert mapped == catalog_event_sources()

    websocket = {route: f.name for f in catalog.FUNCTIONS for route in f.websocket_routes}
    assert local_stack.websocket.routes == websocket
    assert set(local_stack.schedules.runs) == {f.name for f in catalog.FUNCTIONS if f.schedules}


def test_each_function_serves_exactly_the_routes_the_catalog_gives_it() -> None:
    """The catalog routes requests to a function; the function's own resolver must answer them."""
    from infra import functions

    for spec in catalog.FUNCTIONS:
        if not spec.routes or spec.name == "openapi":
            continue
        schema = functions.load(spec.name).app.get_openapi_schema()
        served = {
            (method.upper(), path)
            for path, item in schema.paths.items()
            for method in item.model_dump(exclude_none=True)
        }
        assert served == {(r.method.upper(), r.path) for r in spec.routes}, spec.name
