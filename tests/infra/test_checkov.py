"""checkov on the synthesized templates: every failed check is covered by a line of the committed
skip list (``infra/cdk/checkov_skips.txt``), each with its reason, and every line still covers
a failure. checkov lives in its own venv (``make checkov``: it pins libraries older than ours)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import REPO_ROOT

CHECKOV = REPO_ROOT / ".venv" / "checkov" / "bin" / "checkov"
SKIPS = REPO_ROOT / "infra" / "cdk" / "checkov_skips.txt"


@dataclass(frozen=True)
class Skip:
    check: str
    resources: str
    reason: str

    def covers(self, failure: tuple[str, str]) -> bool:
        return failure[0] == self.check and fnmatch(failure[1], self.resources)


def read_skips(path: Path = SKIPS) -> list[Skip]:
    skips = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        check, resources, *reason = line.split(maxsplit=2)
        if not reason or len(reason[0]) < 20:
            raise ValueError(f"{path.name}:{number}: {check} needs a one-line reason")
        skips.append(Skip(check, resources, reason[0]))
    return skips


def failed_checks(templates: list[dict[str, Any]], workdir: Path) -> list[tuple[str, str]]:
    """``(check id, logical id)`` of every failed check, over the templates of one deployment."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make checkov` (make test does)")
    files: list[str] = []
    for number, template in enumerate(templates):
        path = workdir / f"template{number}.json"
        path.write_text(json.dumps(template))
        files += ["-f", str(path)]
    result = subprocess.run(
        [str(CHECKOV), *files, "--framework", "cloudformation", "-o", "json", "--quiet", "--compact"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if not result.stdout.strip():
        pytest.fail(f"checkov printed nothing (exit {result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    if isinstance(report, list):
        (report,) = [r for r in report if r.get("check_type") == "cloudformation"]
    if not report.get("results"):  # "--quiet" with nothing failed prints only the summary
        return []
    return sorted((c["check_id"], c["resource"].split(".", 1)[1]) for c in report["results"].get("failed_checks", []))


def test_skip_list_lines_are_well_formed() -> None:
    skips = read_skips()
    assert skips
    assert len({(s.check, s.resources) for s in skips}) == len(skips)


# Each deployment is the stack and all its nested stacks, checked in one checkov run.
TEMPLATES = {"dev": "deployment_templates", "prod": "prod_deployment_templates"}


@pytest.fixture(scope="module")
def failures(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    return {
        name: failed_checks(list(request.getfixturevalue(fixture).values()), tmp_path_factory.mktemp(name))
        for name, fixture in TEMPLATES.items()
    }


@pytest.mark.parametrize("name", TEMPLATES)
def test_checkov_fails_nothing_outside_the_skip_list(name: str, failures: dict[str, list]) -> None:
    skips = read_skips()
    uncovered = [f for f in failures[name] if not any(s.covers(f) for s in skips)]
    assert not uncovered, "checkov failures not in infra/cdk/checkov_skips.txt (fix them, or skip with a reason):\n" + (
        "\n".join(f"  {check} {resource}" for check, resource in uncovered)
    )


def test_every_skip_still_covers_a_failure(failures: dict[str, list]) -> None:
    every = [f for name in TEMPLATES for f in failures[name]]
    stale = [s for s in read_skips() if not any(s.covers(f) for f in every)]
    assert not stale, "skip lines that cover no failure any more (delete them):\n" + "\n".join(
        f"  {s.check} {s.resources}" for s in stale
    )
