"""Synthesize the stack once per session: CDK synth costs seconds, assertions cost nothing.

Two stacks: the real catalog, and a "future" catalog that adds the shapes the generator must
already handle (WebSocket routes, schedules, OpenSearch, stream read/write and websocket grants,
one more table). The real catalog's code comes from ``functions/<kind>/<name>``; the future functions
exist only in that catalog, so their synth points ``repo_root`` at a tmp tree holding a minimal
handler for each instead of creating anything under ``functions/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra import catalog, functions  # noqa: E402
from infra.cdk.app import build_app  # noqa: E402
from infra.cdk.config import DeployConfig  # noqa: E402
from infra.cdk.stack import WarblerStack  # noqa: E402

C = catalog
_REDIS = C.Grant("redis")

_CONNECTIONS = C.Table("connections", hash_key="connection_id", ttl_attribute="expires_at")
FUTURE_TABLES = C.TABLES + tuple(t for t in (_CONNECTIONS,) if t.name not in {x.name for x in C.TABLES})
# The future WebSocket functions stand in for the catalog's own (one API has one $connect route).
FUTURE_FUNCTIONS = tuple(f for f in C.FUNCTIONS if not f.websocket_routes) + (
    C.Function(
        "realtime",
        "WebSocket connect/disconnect/ping; verifies ?token= on $connect.",
        websocket_routes=("$connect", "$disconnect", "$default", "ping"),
        grants=(C.Grant("table:connections", "readwrite"), C.Grant("cognito", "read")),
    ),
    C.Function(
        "pusher",
        "Activity stream -> WebSocket pushes (in the VPC, so it needs the NAT).",
        streams=(C.StreamSource("kinesis", "activity", starting_position="TRIM_HORIZON", batch_size=50),),
        grants=(C.Grant("table:connections", "read"), C.Grant("websocket"), _REDIS),
    ),
    C.Function(
        "search_indexer",
        "Tweets stream -> OpenSearch.",
        streams=(C.StreamSource("dynamodb", "tweets", max_batching_window_seconds=5),),
        grants=(C.Grant("opensearch", "write"), C.Grant("stream:activity", "write")),
    ),
    C.Function(
        "trends",
        "Every five minutes: recompute trending tags.",
        schedules=(C.Schedule(5),),
        grants=(C.Grant("opensearch"), C.Grant("stream:activity", "read"), _REDIS),
    ),
)

# The catalog's trends functions give way to the stand-in "trends" above (one name, one rule).
FUTURE_FUNCTIONS = tuple(f for f in FUTURE_FUNCTIONS if f not in C.FUNCTIONS or not f.name.startswith("trends"))


def _handler_root(base: Path, specs: tuple[catalog.Function, ...]) -> Path:
    for spec in specs:
        directory = functions.code_dir(spec, base / "functions")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "app.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    return base


def _code_root(specs: tuple[catalog.Function, ...], tmp: Path) -> Path:
    if all(functions.code_dir(f).is_dir() for f in specs):
        return REPO_ROOT
    return _handler_root(tmp, specs)


def _context(root: Path) -> dict[str, Any]:
    # The source-only layer: the future catalog's synth is about wiring, not packaging.
    return {"repo_root": str(root), "layer_dir": str(REPO_ROOT / "layers" / "core")}


@pytest.fixture(scope="session")
def synth_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def template(synth_outdir: Path) -> dict[str, Any]:
    """The synthesized template of the real catalog, via the app entry point, exactly as a
    deploy builds it (the layer from requirements.txt included): every catalog function must
    have its ``functions/<kind>/<name>`` directory, or the synth fails loudly."""
    _, stack = build_app(context={"repo_root": str(REPO_ROOT)}, outdir=synth_outdir)
    return Template.from_stack(stack).to_json()


@pytest.fixture(scope="session")
def future_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = _code_root(FUTURE_FUNCTIONS, tmp_path_factory.mktemp("future-repo"))
    app = cdk.App(context=_context(root), outdir=str(tmp_path_factory.mktemp("future-cdk.out")))
    stack = WarblerStack(
        app,
        "WarblerFuture",
        config=DeployConfig.from_context(app.node.try_get_context),
        functions=FUTURE_FUNCTIONS,
        tables=FUTURE_TABLES,
    )
    return Template.from_stack(stack).to_json()
