"""Parity: everything the catalog declares exists in the deployment, wired to the right function.

One check per side (CDK, the local emulator), and one that each function answers the routes
the catalog sends it.
"""

from __future__ import annotations

from typing import Any

from cfn import event_source_mappings, function_id, references, rest_routes, stream_id, table_id

from infra import catalog


def catalog_routes() -> dict[tuple[str, str], str]:
    return {(r.method.upper(), r.path): f.name for f in catalog.FUNCTIONS for r in f.routes}


def catalog_event_sources() -> set[tuple[str, str, str]]:
    return {(f.name, s.kind, s.source) for f in catalog.FUNCTIONS for s in f.streams}


def test_cdk_has_every_catalog_function_route_and_event_source(template: dict[str, Any]) -> None:
    for spec in catalog.FUNCTIONS:
        function_id(template, spec.name)  # exactly one Lambda per catalog function

    deployed = rest_routes(template)
    assert set(deployed) == set(catalog_routes())
    for key, owner in catalog_routes().items():
        assert references(deployed[key]["Integration"], function_id(template, owner)), key

    found: set[tuple[str, str, str]] = set()
    for spec in catalog.FUNCTIONS:
        for esm in event_source_mappings(template, spec.name):
            for source in spec.streams:
                source_id = (
                    table_id(template, source.source)
                    if source.kind == "dynamodb"
                    else stream_id(template, source.source)
                )
                if references(esm["EventSourceArn"], source_id):
                    found.add((spec.name, source.kind, source.source))
    assert found == catalog_event_sources()


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
