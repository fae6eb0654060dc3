"""cfn-lint on the synthesized template (W3005: CDK emits redundant DependsOn by design)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

IGNORED = ["W3005"]


@pytest.mark.parametrize("fixture", ["template", "monitoring_template", "analytics_template"])
def test_template_passes_cfn_lint(fixture: str, request: pytest.FixtureRequest) -> None:
    template: dict[str, Any] = request.getfixturevalue(fixture)
    matches = lint(json.dumps(template), config=ManualArgs(ignore_checks=IGNORED, regions=["us-east-1"]))

    assert not matches, "\n".join(str(m) for m in matches)
