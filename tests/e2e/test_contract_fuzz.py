"""The OpenAPI document is a contract the API keeps: schemathesis (a fuzzer nobody on the project
wrote) runs every check it has against the local stack, with a valid token, through all of its
phases -- examples, coverage (boundaries of every declared constraint, negative and positive),
fuzzing, and the stateful phase that follows the document's links (sign up -> log in, post ->
read/like/retweet/reply/delete, a page -> its next page) -- and finds nothing.

The three rules JSON Schema cannot state are narrowed in tests/e2e/contract_hooks.py, each with
its reason and decided by the product's own code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Per operation and phase: bounded, so the run takes a couple of minutes on a shared machine.
MAX_EXAMPLES = 20


def test_schemathesis_finds_no_failure_with_every_check_and_the_stateful_phase(local_stack, api, tmp_path):
    caller = api.signup(password="correct horse battery")
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{local_stack.rest_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "-H",
        f"Authorization: Bearer {caller.token}",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.e2e.contract_hooks",
        "PYTHONPATH": str(ROOT),  # for the hooks module; it puts the layer on sys.path itself
    }
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    report = run.stdout + run.stderr

    assert run.returncode == 0, report
    assert re.search(r"Test cases:\s+\d+ generated, \d+ passed", report), report
    assert "failures" not in report.split("SUMMARY")[-1], report
    # The stateful phase ran over the document's own links, not skipped as "not applicable".
    assert "Stateful (not applicable)" not in report, report
    assert re.search(r"✅ Stateful", report) and re.search(r"API Links:\s+[1-9]\d* covered", report), report
