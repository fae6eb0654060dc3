"""``make run``'s terminal: URLs, a health line per service, one short line per request or error;
the functions' JSON log lines go to the log file only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_make_run_prints_urls_health_and_one_line_per_request_with_full_logs_in_the_file(tmp_path):
    log_file = tmp_path / "warbler.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WARBLER_", "AWS_", "REDIS", "POWERTOOLS"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.local", "--port", "0", "--ws-port", "0", "--log-file", str(log_file)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    terminal: list[str] = []
    reader = threading.Thread(target=lambda: terminal.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("Ctrl-C to stop" in line for line in terminal), timeout=90, interval=0.1)
        rest = next(line.split()[2] for line in terminal if line.strip().startswith("REST API"))

        assert requests.get(f"{rest}/timelines/home", timeout=10).status_code == 401
        login = requests.post(f"{rest}/auth/login", json={"handle": "nobody", "password": "x" * 10}, timeout=30)
        assert login.status_code in (400, 401, 404, 422)
        ws = next(line.split()[2] for line in terminal if line.strip().startswith("WebSocket API"))
        with pytest.raises(InvalidStatus), connect(ws.replace("<id token>", "not-a-token"), open_timeout=30):
            pass
        wait_until(lambda: any("WS $connect -> 401" in line for line in terminal), timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        reader.join(5)

    health = [line for line in terminal if line.startswith(("  ok  ", "  DOWN"))]
    assert [line.split()[1] for line in health][:5] == ["moto", "redis", "OpenSearch", "REST", "WebSocket"]
    assert all(line.startswith("  ok  ") for line in health), health
    assert any("GET /timelines/home -> 401" in line for line in terminal)
    assert not [line for line in terminal if line.lstrip().startswith("{")], "JSON log lines on the terminal"
    assert len(terminal) < 40, "".join(terminal)

    function_lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    assert any(
        line.get("function_name") == "live" and line["message"] == "websocket connect refused"
        for line in function_lines
    )
