"""What the figures were measured on: machine, versions, commit."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def describe(redis_version: str, pg_version: str) -> dict[str, str]:
    import matplotlib
    import psycopg
    import redis

    return {
        "CPU": f"{cpu_model()} ({os.cpu_count()} cores)",
        "Memory": f"{memory_gb():.1f} GB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "Redis": redis_version,
        "PostgreSQL": pg_version,
        "redis-py / psycopg / matplotlib": f"{redis.__version__} / {psycopg.__version__} / {matplotlib.__version__}",
        "Commit": git_commit(),
    }
