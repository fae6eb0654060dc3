"""Parity: everything the catalog declares exists in the deployment, wired to the right function.

One check per side. The CDK side lives here; the local emulator (infra/local) gets its own
``test_local_*`` function below, written by its owner, asserting the same three sets.
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
