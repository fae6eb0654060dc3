"""What ``make run`` shows on the terminal, and where the rest of its logging goes.

The terminal gets the URLs, a health line per service, one short line per request (the REST
gateway's access log) and one per warning or error (first line of the message only). Everything
else -- every function's Powertools JSON line, the gateways' and pollers' debug output, the
tracebacks -- goes to the log file, ``.local/warbler.log`` by default, as CloudWatch would hold it.
``--verbose`` puts all of it on the terminal as well.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from aws_lambda_powertools.logging.formatter import THREAD_LOCAL_KEYS

from infra.local import REPO_ROOT

DEFAULT_LOG_FILE = REPO_ROOT / ".local" / "warbler.log"
ACCESS_LOGGER = "infra.local.access"


class _ShortLine(logging.Formatter):
    """``HH:MM:SS message`` (warnings and errors also name their level); no tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().splitlines()[0] if record.getMessage() else ""
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        if record.levelno >= logging.WARNING:
            return f"{stamp} {record.levelname} {record.name}: {message}"
        return f"{stamp} {message}"


class _TerminalFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "py.warnings":
            return False
        return record.name == ACCESS_LOGGER or record.levelno >= logging.WARNING


class _FunctionErrorLine(logging.Formatter):
    """A function's Powertools JSON error line, shortened to ``HH:MM:SS ERROR <function>: message``."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        name = THREAD_LOCAL_KEYS.get().get("function_name") or record.name  # set per invocation
        return f"{stamp} {record.levelname} {name}: {(record.getMessage() or '').splitlines()[0]}"


def configure(
    verbose: bool, log_file: Path = DEFAULT_LOG_FILE, terminal: IO[str] | None = None, quiet: bool = False
) -> Path:
    """Route the process's logging: the file gets everything at INFO (DEBUG with ``verbose``);
    ``quiet`` keeps the terminal for the caller's own output (the drills)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    to_file = logging.FileHandler(log_file, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"))
    to_terminal = logging.StreamHandler(terminal or sys.stderr)
    if verbose:
        to_terminal.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        to_terminal.setFormatter(_ShortLine())
        to_terminal.addFilter(_TerminalFilter())
    root.handlers[:] = [to_file] if quiet else [to_file, to_terminal]
    logging.captureWarnings(True)  # e.g. Powertools' "no metrics to publish": the file only
    # botocore logs every request of every client at INFO; opensearch-py every search.
    for noisy in ("botocore", "urllib3", "opensearch"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    return log_file


def capture_function_logs(log_file: Path, verbose: bool, quiet: bool = False) -> Callable[..., None]:
    """What the functions write to stdout on Lambda (Powertools log lines, EMF metrics) goes to
    ``log_file``, as CloudWatch would keep it; their warnings and errors also reach the terminal
    as one short line each (every line with ``verbose``). Returns ``say``: print to the terminal."""
    from warbler.observability import logger  # noqa: PLC0415 - after the stack has set the environment

    terminal_out, terminal_err = sys.stdout, sys.stderr
    stream = log_file.open("a", encoding="utf-8", buffering=1)
    json_lines = logging.Formatter()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)
            json_lines = handler.formatter or json_lines
    short = logging.StreamHandler(terminal_err)
    short.setLevel(logging.DEBUG if verbose else logging.WARNING)
    short.setFormatter(json_lines if verbose else _FunctionErrorLine())
    if not quiet:
        logger.addHandler(short)
    sys.stdout = stream  # Powertools Metrics print their EMF documents

    def say(*parts: object, error: bool = False) -> None:
        print(*parts, file=terminal_err if error else terminal_out, flush=True)

    return say


# -- health -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    name: str
    url: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"  {'ok  ' if self.ok else 'DOWN'}  {self.name:<15} {self.url:<42} {self.detail}"


def _timed(name: str, url: str, probe: Callable[[], str]) -> Health:
    started = time.monotonic()
    try:
        detail = probe()
    except Exception as exc:  # noqa: BLE001 - any failure is the service's health
        return Health(name, url, False, f"{type(exc).__name__}: {exc}")
    return Health(name, url, True, f"{detail} ({(time.monotonic() - started) * 1000:.0f} ms)".strip())


def _http_status(url: str, timeout: float = 3) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return f"HTTP {resp.status}"


def _redis_ping(url: str) -> str:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3) as s:
        s.sendall(b"PING\r\n")
        reply = s.recv(64)
    if not reply.startswith(b"+PONG"):
        raise RuntimeError(f"PING answered {reply!r}")
    return "PONG"


def _tcp_open(url: str) -> str:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=3):
        return "listening"


def _opensearch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=3) as resp:
        info: dict[str, Any] = json.load(resp)
    return f"version {info.get('version', {}).get('number', '?')}"


def health(stack: Any) -> list[Health]:
    """One probe per service of a started ``LocalStack``."""
    checks = [
        _timed("moto (AWS)", stack.aws_endpoint, lambda: _http_status(f"{stack.aws_endpoint}/moto-api/data.json")),
        _timed("redis", stack.redis_url, lambda: _redis_ping(stack.redis_url)),
        _timed("OpenSearch", stack.opensearch_url, lambda: _opensearch(stack.opensearch_url)),
        # The document comes from a function's first (cold) invocation: it imports every endpoint
        # group's app, seconds on a loaded machine, as a Lambda cold start would take.
        _timed("REST API", stack.rest_url, lambda: _http_status(f"{stack.rest_url}/openapi.json", timeout=30)),
        _timed("WebSocket API", stack.ws_url, lambda: _tcp_open(stack.ws_url.replace("ws://", "http://"))),
    ]
    if getattr(stack, "web_url", ""):
        checks.append(_timed("web app", stack.web_url, lambda: _http_status(f"{stack.web_url}/config.json")))
    pollers = stack.pollers
    if pollers is not None:
        shards = len(pollers.consumers())
        checks.append(Health("stream pollers", "", True, f"{len(pollers.mappings)} mappings, {shards} shards"))
    return checks
