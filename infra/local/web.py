"""The web client on a loopback port, as CloudFront serves it on AWS: the Vite build from
``web/dist``, a ``/config.json`` naming this stack's REST and WebSocket endpoints, and the same
security headers (``infra.catalog.WEB``), strict Content-Security-Policy included: besides the
APIs, it lets the page post uploads to moto's S3 and show images from the media CDN stand-in.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from infra import catalog
from infra.local import REPO_ROOT

log = logging.getLogger(__name__)

DIST = REPO_ROOT / catalog.WEB.dist
NOT_BUILT = b"The web client is not built: run `make web` (npm ci + vite build), then reload.\n"


@dataclass(frozen=True)
class CspSources:
    uploads: tuple[str, ...] = ()  # where the browser POSTs media (presigned S3 forms)
    media: tuple[str, ...] = ()  # where it loads media from (the CDN)


class WebServer:
    """``start()`` serves on ``host:port`` (0 = a free port); ``config`` (the REST and WebSocket
    URLs) and ``sources`` (the upload endpoints and media CDNs the CSP admits besides them) are
    read per request: the stack knows its ports only once everything has started."""

    def __init__(
        self,
        config: Callable[[], dict[str, str]],
        host: str = "127.0.0.1",
        port: int = 8080,
        dist: Path = DIST,
        sources: Callable[[], CspSources] = lambda: CspSources(),
    ) -> None:
        self.config, self.dist, self.sources = config, dist, sources
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    origin = url  # the page's origin is its URL: no path

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for serve_forever, which must have run
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def headers(self) -> dict[str, str]:
        config, sources = self.config(), self.sources()
        return catalog.WEB.security_headers(config["api"], config["ws"], *sources.uploads, media_urls=sources.media)

    def respond(self, path: str) -> tuple[int, str, bytes, str]:
        """(status, content type, body, cache-control) for a GET of ``path``."""
        if path == "/config.json":
            return 200, "application/json", json.dumps(self.config()).encode(), "no-store"
        relative = unquote(path).lstrip("/") or "index.html"
        root = self.dist.resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            if not (root / "index.html").is_file():
                return 503, "text/plain; charset=utf-8", NOT_BUILT, "no-store"
            return 404, "text/plain; charset=utf-8", b"Not found\n", "no-store"
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in {"application/javascript", "image/svg+xml"}:
            kind += "; charset=utf-8"
        # Vite names assets by content hash: they never change; index.html must always revalidate.
        cache = "public, max-age=31536000, immutable" if relative.startswith("assets/") else "no-cache"
        return 200, kind, target.read_bytes(), cache

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "warbler-local-web"

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                status, kind, body, cache = server.respond(urlsplit(self.path).path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", cache)
                for name, value in server.headers().items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                log.debug(format, *args)

        return Handler
