"""The REST emulator under hostile framing and load: every request gets an HTTP answer."""

from __future__ import annotations

import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra import catalog
from infra.local.functions import FunctionRegistry
from infra.local.rest_gateway import MAX_PAYLOAD_BYTES, RestGateway


def echo_length(event, context):
    return {"statusCode": 200, "body": json.dumps({"length": len(event["body"] or "")})}


FUNCTIONS = (catalog.Function("echo", "test", routes=(catalog.Route("POST", "/echo", auth=False),)),)


@pytest.fixture(scope="module")
def gateway():
    gw = RestGateway(FunctionRegistry(FUNCTIONS, {"echo": echo_length}), None, port=0).start()
    yield gw
    gw.stop()


def exchange(gateway: RestGateway, raw: bytes, timeout: float = 5.0) -> tuple[int, dict, bytes]:
    """Send ``raw`` on a new connection; (status, headers, body) of the answer."""
    host, port = gateway._server.server_address[:2]
    with socket.create_connection((host, port), timeout=timeout) as s:
        return send(s, raw)


def send(s: socket.socket, raw: bytes) -> tuple[int, dict, bytes]:
    s.sendall(raw)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed without a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        body += s.recv(65536)
    return int(lines[0].split()[1]), headers, body


def request(length_header: str, body: bytes = b"") -> bytes:
    return f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {length_header}\r\n\r\n".encode() + body


@pytest.mark.parametrize("value", ["-1", "abc", "1e3", "+5", " 0x10"])
def test_a_content_length_that_is_not_a_decimal_is_400_with_the_envelope(gateway, value):
    status, headers, body = exchange(gateway, request(value))
    assert status == 400
    assert json.loads(body)["error"]["code"] == "bad_request"
    assert headers["connection"] == "close"


def test_a_content_length_over_the_payload_limit_is_413_before_reading(gateway):
    status, _, body = exchange(gateway, request(str(10**12)))
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert str(MAX_PAYLOAD_BYTES) in json.loads(body)["error"]["message"]


def test_conflicting_content_lengths_are_400(gateway):
    raw = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"
    assert exchange(gateway, raw)[0] == 400


def test_a_chunked_body_reaches_the_function_whole(gateway):
    raw = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    status, _, body = exchange(gateway, raw)
    assert status == 200
    assert json.loads(body) == {"length": 7}


def test_a_malformed_chunked_body_is_400(gateway):
    raw = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    assert exchange(gateway, raw)[0] == 400


def test_keep_alive_survives_a_well_framed_request(gateway):
    host, port = gateway._server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as s:
        answers = [send(s, request("2", b"hi")) for _ in range(3)]
    assert [(status, json.loads(body)) for status, _, body in answers] == [(200, {"length": 2})] * 3


def test_three_hundred_connections_opened_at_once_are_all_answered(gateway):
    # The stdlib's listen backlog of 5 reset a fifth of 20 simultaneous connections.
    host, port = gateway._server.server_address[:2]
    count = 300
    barrier = threading.Barrier(count)

    def one(_: int) -> int:
        with socket.socket() as s:
            s.settimeout(20)
            barrier.wait()
            s.connect((host, port))
            s.sendall(request("2", b"hi"))
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    return 0
                data += chunk
            return int(data.split()[1])

    with ThreadPoolExecutor(count) as pool:
        statuses = list(pool.map(one, range(count)))
    assert statuses.count(200) == count
