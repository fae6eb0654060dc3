"""The Redis ceiling: ``redis-benchmark`` pipelined ZADD against the same Redis the stack uses.

The fan-out worker's deliveries per second only mean something next to what this Redis, on
this machine, in this run, can absorb; the ratio between the two is the figure.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import urlparse

import redis


@dataclass(frozen=True)
class RedisTarget:
    host: str
    port: int
    db: int

    @classmethod
    def from_url(cls, url: str) -> RedisTarget:
        parsed = urlparse(url)
        db = int(parsed.path.lstrip("/") or 0)
        return cls(parsed.hostname or "127.0.0.1", parsed.port or 6379, db)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


@dataclass(frozen=True)
class BenchmarkResult:
    command: str
    requests: int
    pipeline: int
    clients: int
    rps: float
    p50_ms: float
    p99_ms: float

    def describe(self) -> str:
        return (
            f"redis-benchmark -t {self.command.lower()} -P {self.pipeline} -c {self.clients} -n {self.requests}: "
            f"{self.rps:,.0f} req/s (p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms)"
        )


def parse_csv(output: str) -> dict[str, dict[str, float]]:
    """``redis-benchmark --csv`` output → {test: {column: value}} (rps, p50_latency_ms, ...)."""
    rows = list(csv.reader(io.StringIO(output.strip())))
    if not rows:
        raise ValueError("redis-benchmark printed nothing")
    header, body = rows[0], rows[1:]
    if header[:2] != ["test", "rps"]:  # older versions print no header: "ZADD","123.45"
        header, body = ["test", "rps"], rows
    results: dict[str, dict[str, float]] = {}
    for row in body:
        if len(row) < 2:
            continue
        results[row[0].split(" ")[0].upper()] = {
            name: float(value) for name, value in zip(header[1:], row[1:], strict=False)
        }
    return results


def run_zadd(
    url: str, requests: int, pipeline: int = 16, clients: int = 50, keyspace: int = 100_000
) -> BenchmarkResult:
    target = RedisTarget.from_url(url)
    binary = shutil.which("redis-benchmark")
    if binary is None:
        raise FileNotFoundError("redis-benchmark is not on PATH")
    cmd = [
        binary,
        "-h", target.host,
        "-p", str(target.port),
        "--dbnum", str(target.db),
        "-t", "zadd",
        "-P", str(pipeline),
        "-c", str(clients),
        "-n", str(requests),
        "-r", str(keyspace),
        "-q",
        "--csv",
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600).stdout
    row = parse_csv(out)["ZADD"]
    return BenchmarkResult(
        "ZADD", requests, pipeline, clients, row["rps"], row.get("p50_latency_ms", float("nan")),
        row.get("p99_latency_ms", float("nan")),
    )  # fmt: skip


def cleanup_benchmark_keys(url: str) -> None:
    """redis-benchmark writes ``myzset*`` keys; remove them so the stack's data stays its own."""
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match="myzset*", count=1000):
        client.delete(key)


def server_version(url: str) -> str:
    info = redis.Redis.from_url(url).info("server")
    return f"Redis {info['redis_version']}"
