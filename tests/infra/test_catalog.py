"""The catalog's own shape: one declaration, grouped by what invokes each function."""

from __future__ import annotations

import itertools

import pytest

from infra import catalog, functions


def test_functions_are_declared_grouped_by_kind_in_kind_order() -> None:
    groups = [kind for kind, _ in itertools.groupby(f.kind for f in catalog.FUNCTIONS)]
    assert groups == [kind for kind in catalog.KINDS if catalog.functions_of(kind)]


def test_function_names_are_unique() -> None:
    names = [f.name for f in catalog.FUNCTIONS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "triggers",
    [
        {},
        {"routes": (catalog.Route("GET", "/x"),), "schedules": (catalog.Schedule(rate_minutes=1),)},
        {"websocket_routes": ("$connect",), "streams": (catalog.StreamSource("kinesis", "fanout"),)},
    ],
)
def test_a_function_with_no_or_several_kinds_of_trigger_is_refused(triggers: dict) -> None:
    with pytest.raises(ValueError, match="exactly one kind of trigger"):
        catalog.Function("mixed", "test", **triggers)


def test_each_kind_of_trigger_names_its_kind() -> None:
    assert catalog.Function("a", "t", routes=(catalog.Route("GET", "/a"),)).kind == "http"
    assert catalog.Function("b", "t", websocket_routes=("$connect",)).kind == "websocket"
    assert catalog.Function("c", "t", streams=(catalog.StreamSource("kinesis", "fanout"),)).kind == "streams"
    assert catalog.Function("d", "t", schedules=(catalog.Schedule(rate_minutes=1),)).kind == "schedules"


def test_the_function_tree_is_the_catalog_grouped_by_kind() -> None:
    tree = functions.FUNCTIONS_DIR
    on_disk = sorted(str(p.parent.relative_to(tree)) for p in tree.glob("*/*/app.py"))
    assert on_disk == sorted(f"{f.kind}/{f.name}" for f in catalog.FUNCTIONS)
    assert not list(tree.glob("*/app.py")), "a function folder sits outside functions/<kind>/"
