"""CDK entry point: ``python -m infra.cdk.app`` (or ``npx cdk synth``, via cdk.json).

Synthesizes offline: the stack is environment-agnostic and does no lookups, so no AWS
credentials are needed. Context (``-c key=value`` or cdk.json) is documented on DeployConfig.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from infra.cdk.config import REPO_ROOT, DeployConfig
from infra.cdk.stack import WarblerStack


def _cdk_json_context() -> dict[str, Any]:
    # The CDK CLI passes cdk.json's context to the app; a plain ``python -m`` run does not, so
    # read it here to make both paths synthesize the same template.
    path = REPO_ROOT / "cdk.json"
    return dict(json.loads(path.read_text()).get("context", {})) if path.exists() else {}


def build_app(
    context: Mapping[str, Any] | None = None, outdir: str | Path | None = None
) -> tuple[cdk.App, WarblerStack]:
    app = cdk.App(
        # Asset metadata (aws:asset:path/property) lets ``sam local invoke -t cdk.out/...`` find
        # each function's code; the CDK CLI turns it on, a plain ``python -m`` run must ask.
        context={"aws:cdk:enable-asset-metadata": True, **_cdk_json_context(), **(context or {})},
        outdir=str(outdir) if outdir is not None else None,
    )
    config = DeployConfig.from_context(app.node.try_get_context)
    stack = WarblerStack(app, f"Warbler-{config.stage}", config=config)
    return app, stack


def main() -> None:
    # Under the CLI, CDK_OUTDIR decides; run directly, write ./cdk.out like the CLI would.
    app, _ = build_app(outdir=None if "CDK_OUTDIR" in os.environ else REPO_ROOT / "cdk.out")
    app.synth()


if __name__ == "__main__":
    main()
