"""The local stand-in for CloudFront in front of the media bucket.

On AWS the bucket is private and CloudFront reads it with Origin Access Control. Here too: moto's
bucket answers anonymous reads with 403, and this small server on a loopback port reads objects
with credentials (as OAC does) and serves them to the browser with their Content-Type,
Cache-Control and ETag. Only GET and HEAD; like the distribution's origin path, every request
path is taken under ``origin_path``, so nothing outside it (raw uploads) can be reached.
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

from infra.local.bootstrap import aws_client
from infra.local.served import Served

log = logging.getLogger(__name__)

_PASSED = ("Content-Type", "Cache-Control", "ETag", "Last-Modified")


class MediaCdn(Served):
    def __init__(self, endpoint: str, bucket: str, origin_path: str, host: str = "127.0.0.1", port: int = 0):
        self.bucket, self.origin_path = bucket, origin_path
        self._s3 = aws_client("s3", endpoint)
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread_name = "media-cdn"

    def fetch(self, path: str, head: bool) -> tuple[int, dict[str, str], bytes]:
        key = self.origin_path + unquote(urlsplit(path).path.lstrip("/"))
        try:
            if head:
                obj = self._s3.head_object(Bucket=self.bucket, Key=key)
                body = b""
            else:
                obj = self._s3.get_object(Bucket=self.bucket, Key=key)
                body = obj["Body"].read()
        except ClientError as error:
            status = 404 if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound") else 502
            return status, {"Content-Type": "text/plain"}, b"not found" if status == 404 else b"origin error"
        meta = obj.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        headers = {name: meta[name.lower()] for name in _PASSED if name.lower() in meta}
        headers["Content-Length"] = str(obj.get("ContentLength", len(body)))
        headers["Access-Control-Allow-Origin"] = "*"
        return 200, headers, body

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        cdn = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "warbler-local-cdn"

            def _serve(self, head: bool) -> None:
                status, headers, body = cdn.fetch(self.path, head)
                self.send_response(status)
                headers.setdefault("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                self._serve(head=False)

            def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
                self._serve(head=True)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                log.debug(format, *args)

        return Handler
