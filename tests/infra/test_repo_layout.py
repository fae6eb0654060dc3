"""Import hygiene of the checkout: bench/ shares helpers with tests/ through infra/local, never
by importing tests/, and only infra.functions.ensure_local_runtime edits sys.path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPORTS_TESTS = re.compile(r"^\s*(from\s+tests(\.|\s)|import\s+tests\b)", re.M)
EDITS_SYS_PATH = re.compile(r"sys\.path\s*(\.\s*(insert|append|extend|remove)\s*\(|\+?=|\[)")
THE_ONE_PLACE = ROOT / "infra" / "functions.py"


def sources(*bases: str) -> list[Path]:
    return [p for base in bases for p in (ROOT / base).rglob("*.py") if "results" not in p.parts]


@pytest.mark.parametrize(
    ("pattern", "source"),
    [
        (IMPORTS_TESTS, "from tests.client import Api"),
        (IMPORTS_TESTS, "    import tests.support"),
        (EDITS_SYS_PATH, "sys.path.insert(0, x)"),
        (EDITS_SYS_PATH, "sys.path.append(x)"),
        (EDITS_SYS_PATH, "sys.path += [x]"),
        (EDITS_SYS_PATH, "sys.path[:0] = [x]"),
    ],
)
def test_the_detectors_catch_what_they_look_for(pattern: re.Pattern[str], source: str) -> None:
    assert pattern.search(source)


def test_bench_never_imports_tests() -> None:
    assert [str(p.relative_to(ROOT)) for p in sources("bench") if IMPORTS_TESTS.search(p.read_text())] == []


def test_only_ensure_local_runtime_edits_sys_path() -> None:
    editors = [
        p
        for p in sources("bench", "drill", "infra", "tests", "functions", "layers")
        if EDITS_SYS_PATH.search(p.read_text())
    ]
    assert [str(p.relative_to(ROOT)) for p in editors if p != THE_ONE_PLACE and p != Path(__file__)] == []
