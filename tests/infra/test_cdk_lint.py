"""cfn-lint on the synthesized template (W3005: CDK emits redundant DependsOn by design)."""

from __future__ import annotations

import json
from typing import Any

from cfnlint.api import ManualArgs, lint

IGNORED = ["W3005"]


def test_every_template_of_the_deployment_passes_cfn_lint(deployment_templates: dict[str, dict[str, Any]]) -> None:
    assert {"stack", "Monitoring", "Analytics", "Web", "FunctionLogs"} <= set(deployment_templates)
    found = {
        name: lint(json.dumps(template), config=ManualArgs(ignore_checks=IGNORED, regions=["us-east-1"]))
        for name, template in deployment_templates.items()
    }

    assert not any(found.values()), "\n".join(f"{name}: {m}" for name, matches in found.items() for m in matches)
