"""The layer's shape (docs/architecture.md): an acyclic import graph, every module importable on
its own, and service clients and PynamoDB models reached only through stores."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "layers" / "core" / "python"
PACKAGE = ROOT / "warbler"

# Only stores (``<package>/store.py``) and adapters may import these.
SERVICE_LIBRARIES = ("redis", "pynamodb", "boto3", "botocore", "opensearchpy")
STORE_ONLY_MODULES = ("warbler.adapters.dynamo", "warbler.adapters.kinesis", "warbler.adapters.opensearch")
STORE_ONLY_NAMES = {"warbler.adapters.redis_client": {"client", "Redis"}}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    return _imports_in(path.read_text(), str(path))


def _imports_in(source: str, filename: str) -> list[tuple[str, set[str]]]:
    """(imported module, names taken from it) for each import statement in a module."""
    out: list[tuple[str, set[str]]] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            out.extend((alias.name, set()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = {alias.name for alias in node.names}
            submodules = {n for n in names if f"{node.module}.{n}" in MODULES}
            out.extend((f"{node.module}.{n}", set()) for n in submodules)
            if names - submodules:
                out.append((node.module, names - submodules))
    return out


@functools.cache
def _graph() -> dict[str, set[str]]:
    return {name: {m for m, _ in _imports(path) if m in MODULES} for name, path in MODULES.items()}


def _is_store(name: str) -> bool:
    return name.startswith("warbler.adapters.") or name.endswith(".store")


def test_the_layer_import_graph_has_no_cycles():
    graph = _graph()
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_the_imports_a_cycle_would_use():
    graph = _graph()
    assert "warbler.tweets.views" in graph["warbler.tweets.write"]
    assert "warbler.feeds.manager" in graph["warbler.engagement.toggle"]
    assert "warbler.trends.store" in graph["warbler.trends"]


def test_every_entry_module_imports_on_its_own():
    # One interpreter; before each module every warbler module is forgotten, so each import
    # starts from nothing, as a Lambda's cold start does. Entry modules are the ones no layer
    # module imports (what handlers and tests import first); every other module is imported on
    # the way, and the graph test above rules out the cycles that would make order matter.
    imported = set().union(*_graph().values())
    entries = sorted(m for m in MODULES if m not in imported)
    script = (
        "import importlib, sys\n"
        f"for name in {entries!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'warbler' or m.startswith('warbler.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "warbler.feeds.manager" not in entries and "warbler.tweets.write" in entries


def test_only_stores_and_adapters_reach_redis_dynamodb_kinesis_and_opensearch():
    offences = []
    for name, path in MODULES.items():
        if _is_store(name):
            continue
        for module, names in _imports(path):
            top = module.split(".")[0]
            if top in SERVICE_LIBRARIES or module in STORE_ONLY_MODULES:
                offences.append(f"{name} imports {module}")
            elif names & STORE_ONLY_NAMES.get(module, set()):
                offences.append(f"{name} imports {sorted(names & STORE_ONLY_NAMES[module])} from {module}")
    assert not offences, "domain modules must go through a store:\n" + "\n".join(offences)


def test_the_store_rule_would_catch_a_domain_module_calling_a_client():
    # The reader above, on a made-up domain module: a rule whose reader saw nothing proves nothing.
    found = _imports_in(
        "from warbler.adapters.redis_client import RedisErrors, client\nimport pynamodb.models\n", "probe.py"
    )
    assert ("warbler.adapters.redis_client", {"RedisErrors", "client"}) in found
    assert ("pynamodb.models", set()) in found


def test_conditional_check_failures_are_read_in_one_place():
    # ``adapters.transactions`` is the one reader of ConditionalCheckFailed and the one maker
    # of transactions; a store that parses the code itself would drift from the others.
    readers = [
        name
        for name, path in MODULES.items()
        if name != "warbler.adapters.transactions"
        and ("ConditionalCheckFailed" in path.read_text() or "TransactWrite(" in path.read_text())
    ]
    assert not readers, f"use warbler.adapters.transactions in {readers}"
