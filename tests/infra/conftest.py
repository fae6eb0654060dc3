"""Synthesize the real catalog's stack once per session: CDK synth costs seconds, assertions
cost nothing. Its code comes from ``functions/<kind>/<name>``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import NestedStack  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.cdk.app import build_app  # noqa: E402


def _web_dist() -> str:
    """The web client's build; where it was not built (``make web``), a two-file stand-in: these
    tests are about the template, and ``make test`` builds the real one before they run."""
    built = REPO_ROOT / "web" / "dist"
    if (built / "index.html").is_file():
        return str(built)
    stand_in = Path(tempfile.mkdtemp(prefix="web-dist-"))
    (stand_in / "assets").mkdir()
    (stand_in / "assets" / "app.js").write_text("")
    (stand_in / "index.html").write_text("<!doctype html><title>Warbler</title>\n")
    return str(stand_in)


@pytest.fixture(scope="session")
def synth_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def stack(synth_outdir: Path) -> Any:
    """The real catalog's stack, via the app entry point, exactly as a deploy builds it (the
    layer from requirements.txt included): every catalog function must have its
    ``functions/<kind>/<name>`` directory, or the synth fails loudly."""
    _, stack = build_app(context={"repo_root": str(REPO_ROOT), "web_dist": _web_dist()}, outdir=synth_outdir)
    return stack


@pytest.fixture(scope="session")
def template(stack: Any) -> dict[str, Any]:
    """The synthesized template of the real catalog's stack."""
    return Template.from_stack(stack).to_json()


@pytest.fixture(scope="session")
def analytics_template(stack: Any) -> dict[str, Any]:
    """The analytics nested stack (infra/cdk/analytics.py): the lake bucket, Firehose, Glue, Athena."""
    return Template.from_stack(stack.node.find_child("Analytics")).to_json()


@pytest.fixture(scope="session")
def function_logs_template(stack: Any) -> dict[str, Any]:
    """The nested stack holding the catalog functions' log groups (infra/cdk/log_groups.py)."""
    return Template.from_stack(stack.node.find_child("FunctionLogs")).to_json()


@pytest.fixture(scope="session")
def web_template(stack: Any) -> dict[str, Any]:
    """The web client's nested stack (infra/cdk/web.py)."""
    return Template.from_stack(stack.web).to_json()


@pytest.fixture(scope="session")
def monitoring_template(stack: Any, template: dict[str, Any]) -> dict[str, Any]:
    """The nested stack holding the alarms and the dashboard."""
    return Template.from_stack(stack.monitoring).to_json()


@pytest.fixture(scope="session")
def prod_stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real catalog for stage=prod (NAT per AZ, dedicated masters, a required alarm subscriber)."""
    context = {
        "repo_root": str(REPO_ROOT),
        "stage": "prod",
        "alarm_email": "oncall@example.com",
        "web_dist": _web_dist(),
    }
    _, built = build_app(context=context, outdir=tmp_path_factory.mktemp("prod-cdk.out"))
    return built


@pytest.fixture(scope="session")
def prod_template(prod_stack: Any) -> dict[str, Any]:
    return Template.from_stack(prod_stack).to_json()


@pytest.fixture(scope="session")
def prod_monitoring_template(prod_stack: Any, prod_template: dict[str, Any]) -> dict[str, Any]:
    return Template.from_stack(prod_stack.monitoring).to_json()


@pytest.fixture(scope="session")
def prod_analytics_template(prod_stack: Any, prod_template: dict[str, Any]) -> dict[str, Any]:
    return Template.from_stack(prod_stack.node.find_child("Analytics")).to_json()


@pytest.fixture(scope="session")
def prod_web_template(prod_stack: Any, prod_template: dict[str, Any]) -> dict[str, Any]:
    return Template.from_stack(prod_stack.web).to_json()


def _deployment(stack: Any, template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The stack's template and every nested stack's, by construct id: what one deploy ships."""
    nested = [c for c in stack.node.find_all() if isinstance(c, NestedStack)]
    return {"stack": template, **{n.node.id: Template.from_stack(n).to_json() for n in nested}}


@pytest.fixture(scope="session")
def api_template(stack: Any, template: dict[str, Any]) -> dict[str, Any]:
    """The stack's template with the REST routes' nested stacks merged in (``cfn.with_nested``):
    every route, method and authorizer of the REST API in one template."""
    from cfn import with_nested  # noqa: PLC0415

    routes = {s.node.id: Template.from_stack(s).to_json() for s in stack.node.find_child("Rest").route_stacks}
    assert routes, "the REST API has no nested route stacks"
    return with_nested(template, routes)


@pytest.fixture(scope="session")
def deployment_templates(stack: Any, template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _deployment(stack, template)


@pytest.fixture(scope="session")
def prod_deployment_templates(prod_stack: Any, prod_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _deployment(prod_stack, prod_template)
