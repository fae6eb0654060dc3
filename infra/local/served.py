"""An HTTP server on a loopback port, served from a daemon thread (the emulator's gateways)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class Served:
    """``start()`` serves ``self._server`` in a thread, ``stop()`` shuts it down; ``url`` is its
    base URL. Subclasses set ``_server`` and ``_thread_name``."""

    _server: ThreadingHTTPServer
    _thread_name = "http"
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name=self._thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
