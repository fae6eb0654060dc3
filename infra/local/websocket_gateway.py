"""An API Gateway WebSocket API and its ``@connections`` management API, on loopback ports.

Routes are the catalog functions' ``websocket_routes``; a message is routed by
``$request.body.action`` and falls back to ``$default``. ``$connect`` is authorized like the REST
API (a Cognito ID token in ``?token=`` or ``Authorization``) and is refused with HTTP 401 before
the upgrade when the token is missing or invalid; a ``$connect`` handler answering non-2xx
refuses too. The authorizer result (``principalId`` + ``claims``) rides along on every event of
the connection, as API Gateway does with an authorizer's context.

The management API is a separate small HTTP server because the WebSocket server only speaks
the upgrade handshake. boto3's ``apigatewaymanagementapi`` with ``endpoint_url=management_url``
sends ``POST|GET|DELETE {stage}/@connections/{url-encoded id}``; a closed or unknown connection
answers 410 ``GoneException`` (which moto never does), so handlers' stale-connection cleanup
can be exercised locally.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from infra.local.auth import CognitoVerifier, Unauthorized
from infra.local.functions import FunctionRegistry

log = logging.getLogger(__name__)
access_log = logging.getLogger("infra.local.access")  # one short line per connect, message, disconnect

API_ID = "warblerlocalws"


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _request_time() -> str:
    return datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def new_connection_id() -> str:
    # API Gateway ids look like "L0SM9cOFvHcCIhw=": 16 characters, often ending in "=",
    # which is why clients must URL-encode them in the @connections path.
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


@dataclass
class Connection:
    id: str
    socket: ServerConnection
    source_ip: str
    user_agent: str
    authorizer: dict[str, Any] | None
    connected_at: int = field(default_factory=_now_ms)
    last_active_at: int = field(default_factory=_now_ms)


class WebSocketGateway:
    def __init__(
        self,
        registry: FunctionRegistry,
        verifier: CognitoVerifier | None,
        host: str = "127.0.0.1",
        port: int = 3001,
        management_port: int = 0,
        stage: str = "local",
        authorize_connect: bool = True,
    ) -> None:
        self.registry, self.verifier = registry, verifier
        self.host, self.port, self.stage = host, port, stage
        self.authorize_connect = authorize_connect
        self.routes: dict[str, str] = {r: f.name for f in registry.functions for r in f.websocket_routes}
        self.connections: dict[str, Connection] = {}
        self._pending: dict[int, tuple[str, dict | None]] = {}  # id(socket) -> (conn id, authorizer)
        self._chosen_subprotocols: dict[int, str] = {}  # id(socket) -> what its $connect answer chose
        self._executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="ws-invoke")
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._management = ThreadingHTTPServer((host, management_port), self._management_handler())
        self._management.daemon_threads = True
        self._management_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        """What handlers give boto3 ``apigatewaymanagementapi`` as ``endpoint_url``."""
        host, port = self._management.server_address[:2]
        return f"http://{host}:{port}/{self.stage}"

    # -- lifecycle --

    def start(self) -> WebSocketGateway:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(self._serve())
            except BaseException as exc:  # noqa: BLE001 - re-raised by start() in the caller's thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="ws-gateway", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        self._management_thread = threading.Thread(
            target=self._management.serve_forever, name="ws-management", daemon=True
        )
        self._management_thread.start()
        return self

    async def _serve(self) -> Any:
        server = await serve(
            self._on_connection,
            self.host,
            self.port,
            process_request=self._on_handshake,
            select_subprotocol=self._subprotocol,
        )
        self.port = server.sockets[0].getsockname()[1]  # the real one when 0 was asked for
        return server

    def stop(self) -> None:
        self._management.shutdown()
        self._management.server_close()
        if self._server is not None:

            async def close() -> None:
                self._server.close()
                await self._server.wait_closed()

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- events --

    def _context(self, conn_id: str, route: str, event_type: str, source_ip: str, user_agent: str,
                 connected_at: int, authorizer: dict | None) -> dict[str, Any]:  # fmt: skip
        request_id = str(uuid.uuid4())
        ctx: dict[str, Any] = {
            "routeKey": route,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": _request_time(),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": connected_at,
            "requestTimeEpoch": _now_ms(),
            "identity": {"sourceIp": source_ip, "userAgent": user_agent},
            "requestId": request_id,
            "domainName": f"{self.host}:{self.port}",
            "connectionId": conn_id,
            "apiId": API_ID,
        }
        if authorizer is not None:
            ctx["authorizer"] = authorizer
        return ctx

    async def _invoke(self, function: str, event: dict) -> Any:
        return await self._loop.run_in_executor(self._executor, self.registry.invoke, function, event)

    async def _on_handshake(self, socket: ServerConnection, request: Any) -> Any:
        """The ``$connect`` route: authorize, run the handler, refuse the upgrade on failure."""
        split = urlsplit(request.path)
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        query = dict(query_pairs)
        headers = list(request.headers.raw_items())
        authorizer = None
        if self.authorize_connect:
            token = query.get("token") or request.headers.get("Authorization")
            try:
                if self.verifier is None:
                    raise Unauthorized("no authorizer configured")
                claims = self.verifier.verify_header(token)
            except Unauthorized as exc:
                log.info("websocket $connect refused: %s", exc)
                access_log.info("WS $connect -> 401")
                return socket.respond(401, "Unauthorized\n")
            authorizer = {"principalId": claims.get("cognito:username", claims.get("sub", "")), "claims": claims}

        conn_id = new_connection_id()
        source_ip = socket.remote_address[0] if socket.remote_address else "127.0.0.1"
        user_agent = request.headers.get("User-Agent", "")
        if "$connect" in self.routes:
            multi_query: dict[str, list[str]] = {}
            for k, v in query_pairs:
                multi_query.setdefault(k, []).append(v)
            multi_headers: dict[str, list[str]] = {}
            for k, v in headers:
                multi_headers.setdefault(k, []).append(v)
            event = {
                "headers": dict(headers),
                "multiValueHeaders": multi_headers,
                "queryStringParameters": query or None,
                "multiValueQueryStringParameters": multi_query or None,
                "requestContext": self._context(
                    conn_id, "$connect", "CONNECT", source_ip, user_agent, _now_ms(), authorizer
                ),
                "isBase64Encoded": False,
            }
            try:
                response = await self._invoke(self.routes["$connect"], event)
            except Exception:
                log.exception("$connect handler failed")
                access_log.info("WS $connect -> 500")
                return socket.respond(500, "Internal server error\n")
            status = response.get("statusCode", 200) if isinstance(response, dict) else 200
            if not 200 <= int(status) < 300:
                access_log.info("WS $connect -> %s", status)
                return socket.respond(int(status), str(response.get("body") or "Forbidden") + "\n")
            # API Gateway answers the handshake with the subprotocol the $connect response names.
            chosen = ((response.get("headers") or {}) if isinstance(response, dict) else {}).get(
                "Sec-WebSocket-Protocol"
            )
            if chosen:
                self._chosen_subprotocols[id(socket)] = chosen
        access_log.info("WS $connect %s -> 101", conn_id)
        self._pending[id(socket)] = (conn_id, authorizer)
        return None

    def _subprotocol(self, socket: ServerConnection, offered: Any) -> Any:
        chosen = self._chosen_subprotocols.pop(id(socket), None)
        return chosen if chosen in offered else None

    async def _on_connection(self, socket: ServerConnection) -> None:
        conn_id, authorizer = self._pending.pop(id(socket))
        source_ip = socket.remote_address[0] if socket.remote_address else "127.0.0.1"
        user_agent = socket.request.headers.get("User-Agent", "") if socket.request else ""
        conn = Connection(conn_id, socket, source_ip, user_agent, authorizer)
        self.connections[conn_id] = conn
        try:
            async for message in socket:
                conn.last_active_at = _now_ms()
                await self._on_message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            self.connections.pop(conn_id, None)
            await self._on_disconnect(conn)

    def _route_for(self, body: str) -> str | None:
        try:
            action = json.loads(body).get("action")
        except (ValueError, AttributeError):
            action = None
        if isinstance(action, str) and action in self.routes and not action.startswith("$"):
            return action
        return "$default" if "$default" in self.routes else None

    async def _on_message(self, conn: Connection, message: str | bytes) -> None:
        if isinstance(message, bytes):
            body, is_b64 = base64.b64encode(message).decode(), True
            route = "$default" if "$default" in self.routes else None
        else:
            body, is_b64 = message, False
            route = self._route_for(message)
        ctx = self._context(conn.id, route or "$default", "MESSAGE", conn.source_ip, conn.user_agent,
                            conn.connected_at, conn.authorizer)  # fmt: skip
        if route is None:
            # What API Gateway answers when no route matches and there is no $default.
            await conn.socket.send(
                json.dumps({"message": "Forbidden", "connectionId": conn.id, "requestId": ctx["requestId"]})
            )
            return
        ctx["messageId"] = base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()
        access_log.info("WS %s %s", route, conn.id)
        try:
            await self._invoke(self.routes[route], {"requestContext": ctx, "body": body, "isBase64Encoded": is_b64})
        except Exception:
            log.exception("websocket route %s failed", route)
            await conn.socket.send(
                json.dumps({"message": "Internal server error", "connectionId": conn.id, "requestId": ctx["requestId"]})
            )

    async def _on_disconnect(self, conn: Connection) -> None:
        if "$disconnect" not in self.routes:
            return
        ctx = self._context(conn.id, "$disconnect", "DISCONNECT", conn.source_ip, conn.user_agent,
                            conn.connected_at, conn.authorizer)  # fmt: skip
        access_log.info("WS $disconnect %s", conn.id)
        ctx["disconnectStatusCode"] = conn.socket.close_code or 1006
        ctx["disconnectReason"] = conn.socket.close_reason or ""
        event = {"headers": {"Host": ctx["domainName"]}, "requestContext": ctx, "isBase64Encoded": False}
        try:
            await self._invoke(self.routes["$disconnect"], event)
        except Exception:
            log.exception("$disconnect handler failed")

    # -- @connections --

    def post_to_connection(self, conn_id: str, data: bytes) -> bool:
        conn = self.connections.get(conn_id)
        if conn is None:
            return False
        try:
            payload: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            payload = data
        try:
            asyncio.run_coroutine_threadsafe(conn.socket.send(payload), self._loop).result(10)
        except ConnectionClosed:
            return False
        return True

    def delete_connection(self, conn_id: str) -> bool:
        conn = self.connections.get(conn_id)
        if conn is None:
            return False
        asyncio.run_coroutine_threadsafe(conn.socket.close(1000, "Going away"), self._loop).result(10)
        return True

    def _management_handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        def iso(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, body: dict | None = None, error_type: str | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(data)

            def _connection_id(self) -> str | None:
                path = urlsplit(self.path).path
                marker = "/@connections/"
                if marker not in path:
                    return None
                # Accepted with or without the stage prefix: endpoint URLs come both ways.
                return unquote(path.split(marker, 1)[1].rstrip("/"))

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                conn_id = self._connection_id()
                if not conn_id:
                    return self._reply(404, {"message": "Not Found"}, "NotFoundException")
                gone = ({"message": None}, "GoneException")
                if self.command == "POST":
                    if gateway.post_to_connection(conn_id, body):
                        return self._reply(200)
                    return self._reply(410, *gone)
                if self.command == "DELETE":
                    if gateway.delete_connection(conn_id):
                        return self._reply(204)
                    return self._reply(410, *gone)
                if self.command == "GET":
                    conn = gateway.connections.get(conn_id)
                    if conn is None:
                        return self._reply(410, *gone)
                    # Wire names are camelCase; boto3 maps them to ConnectedAt, Identity, ...
                    info = {
                        "connectedAt": iso(conn.connected_at),
                        "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
                        "lastActiveAt": iso(conn.last_active_at),
                    }
                    return self._reply(200, info)
                return self._reply(405, {"message": "Method Not Allowed"})

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                log.debug(format, *args)

        return Handler
