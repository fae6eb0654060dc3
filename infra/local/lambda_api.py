"""Lambda's ``Invoke`` API on a loopback port, for functions that invoke other functions (the
redrive replays parked stream records through the consumer that failed on them).

``POST /2015-03-31/functions/{name or ARN}/invocations`` runs the function in-process, as the
gateways and pollers do, and answers like Lambda: 200 with the function's return value as JSON,
or 200 with ``X-Amz-Function-Error: Unhandled`` and ``{"errorMessage", "errorType"}`` when it
raised. boto3 reaches it through ``AWS_ENDPOINT_URL_LAMBDA``, which the local stack sets.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from infra.local.functions import FunctionRegistry

log = logging.getLogger(__name__)
_INVOKE = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")


def function_name(name_or_arn: str) -> str:
    """``redrive``, ``arn:aws:lambda:region:account:function:redrive`` (optionally ``:qualifier``)."""
    if name_or_arn.startswith("arn:"):
        parts = name_or_arn.split(":")
        return parts[6] if len(parts) > 6 else name_or_arn
    return name_or_arn.split(":", 1)[0]


class LambdaApi:
    def __init__(self, registry: FunctionRegistry, host: str = "127.0.0.1", port: int = 0) -> None:
        self.registry = registry
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LambdaApi:
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambda-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def invoke(self, name_or_arn: str, payload: bytes) -> tuple[int, dict[str, str], bytes]:
        name = function_name(unquote(name_or_arn))
        try:
            self.registry.spec(name)
        except KeyError:
            body = {"Type": "User", "message": f"Function not found: {name}"}
            return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(body).encode()
        try:
            event: Any = json.loads(payload) if payload else {}
            result = self.registry.invoke(name, event)
        except Exception as exc:  # noqa: BLE001 - a function error is the caller's answer, not ours
            log.exception("%s failed when invoked through the Lambda API", name)
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return 200, {"X-Amz-Function-Error": "Unhandled"}, json.dumps(error).encode()
        return 200, {"X-Amz-Executed-Version": "$LATEST"}, json.dumps(result).encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                match = _INVOKE.fullmatch(self.path.split("?", 1)[0])
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length) if length else b""
                if match is None:
                    status, headers, body = 404, {"x-amzn-ErrorType": "UnknownOperationException"}, b"{}"
                else:
                    status, headers, body = api.invoke(match.group("name"), payload)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                log.debug(format, *args)

        return Handler
