"""The CI-sized Redis outage drill (``python -m drill --quick``), as a test of what README's
"Security and failure model" promises: with posts coming in at 2/s and readers reading, the
stack's redis-server frozen (SIGSTOP) for 5 s, then stopped and restarted; afterwards, within the
drill's bounded settle time, every tweet that got a 201 is in every follower's home timeline and
in its author's user timeline, once, and nothing answered a 5xx. The forged-token suite runs too.

The drill runs in a process of its own: it starts (and freezes) a stack of its own, never the
session's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_after_a_redis_stall_or_restart_every_accepted_tweet_is_in_every_timeline_once(tmp_path):
    figures_file = tmp_path / "drill.json"
    run = subprocess.run(
        [sys.executable, "-m", "drill", "--quick", "--json", str(figures_file), "--log-file", str(tmp_path / "log")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout + run.stderr
    assert figures_file.exists(), report
    figures = json.loads(figures_file.read_text())

    assert figures["forged_tokens_accepted"] == 0, report
    assert [o["scenario"] for o in figures["outages"]] and len(figures["outages"]) == 2, report
    for outage in figures["outages"]:
        assert outage["posts_accepted"] > 0, report
        # Each tweet: the three readers' home timelines (they follow both authors) and its author's own.
        assert outage["deliveries_expected"] == 4 * outage["posts_accepted"], outage
        assert outage["deliveries_found"] == outage["deliveries_expected"], outage["missing"]
        assert outage["duplicates"] == 0 and outage["server_errors"] == 0, outage
    assert run.returncode == 0, report
