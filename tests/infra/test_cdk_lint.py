"""cfn-lint on the synthesized template (W3005: CDK emits redundant DependsOn by design)."""

from __future__ import annotations

import json
from typing import Any

from cfnlint.api import ManualArgs, lint

IGNORED = ["W3005"]


def test_template_passes_cfn_lint(template: dict[str, Any]) -> None:
    matches = lint(json.dumps(template), config=ManualArgs(ignore_checks=IGNORED, regions=["us-east-1"]))

    assert not matches, "\n".join(str(m) for m in matches)
