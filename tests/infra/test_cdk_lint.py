"""cfn-lint on the synthesized template (W3005: CDK emits redundant DependsOn by design)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from cfnlint.api import ManualArgs, lint

IGNORED = ["W3005"]


def _lint(template: str) -> list[str]:
    return [str(m) for m in lint(template, config=ManualArgs(ignore_checks=IGNORED, regions=["us-east-1"]))]


def test_every_template_of_the_deployment_passes_cfn_lint(deployment_templates: dict[str, dict[str, Any]]) -> None:
    assert {"stack", "Monitoring", "Analytics", "Web", "FunctionLogs", "MastodonRoutes"} <= set(deployment_templates)
    names = list(deployment_templates)
    # One process per core: cfn-lint is CPU-bound, and the templates are independent.
    with ProcessPoolExecutor(max_workers=min(len(names), os.cpu_count() or 1)) as pool:
        found = dict(zip(names, pool.map(_lint, [json.dumps(deployment_templates[n]) for n in names]), strict=True))

    assert not any(found.values()), "\n".join(f"{name}: {m}" for name, matches in found.items() for m in matches)
