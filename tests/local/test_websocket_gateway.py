"""The WebSocket API Gateway emulator and its @connections management API (via boto3)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from infra import catalog
from infra.local.auth import CognitoVerifier
from infra.local.bootstrap import REGION, bootstrap, issue_id_token
from infra.local.functions import FunctionRegistry
from infra.local.websocket_gateway import WebSocketGateway
from tests.support import wait_until

events: list[dict] = []


def on_connect(event, context):
    events.append(event)
    if (event.get("queryStringParameters") or {}).get("refuse"):
        return {"statusCode": 403, "body": "refused by handler"}
    return {"statusCode": 200}


def on_any(event, context):
    events.append(event)
    return {"statusCode": 200}


@pytest.fixture(scope="module")
def pool(moto_server: str):
    res = bootstrap(moto_server, redis_url="redis://127.0.0.1:1/0", opensearch_url="http://127.0.0.1:1")
    token = issue_id_token(moto_server, res.user_pool_id, res.user_pool_client_id, "ws-user", "Passw0rd!local-ws")
    return res, token


@pytest.fixture(scope="module")
def gateway(moto_server: str, pool):
    res, _ = pool
    registry = FunctionRegistry(
        [catalog.Function("push", "t", websocket_routes=("$connect", "$disconnect", "$default", "subscribe"))],
        {
            "push": lambda event, context: (
                on_connect if event["requestContext"]["eventType"] == "CONNECT" else on_any
            )(event, context)
        },
    )
    verifier = CognitoVerifier(moto_server, res.user_pool_id, [res.user_pool_client_id], REGION)
    gw = WebSocketGateway(registry, verifier, port=0).start()
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def management(gateway):
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=gateway.management_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def connect_event(conn_index: int = -1) -> dict:
    return [e for e in events if e["requestContext"]["eventType"] == "CONNECT"][conn_index]


def test_connect_without_token_is_refused_before_upgrade(gateway):
    with pytest.raises(InvalidStatus) as err:
        connect(gateway.url)
    assert err.value.response.status_code == 401


def test_connect_with_invalid_token_is_refused(gateway):
    with pytest.raises(InvalidStatus) as err:
        connect(f"{gateway.url}/?token=not.a.jwt")
    assert err.value.response.status_code == 401


def test_connect_handler_answering_non_2xx_refuses(gateway, pool):
    _, token = pool
    with pytest.raises(InvalidStatus) as err:
        connect(f"{gateway.url}/?token={token}&refuse=1")
    assert err.value.response.status_code == 403


def test_connect_event_carries_query_and_claims(gateway, pool):
    _, token = pool
    with connect(f"{gateway.url}/?token={token}&room=general"):
        ctx = connect_event()["requestContext"]
        assert connect_event()["queryStringParameters"]["room"] == "general"
        assert ctx["routeKey"] == "$connect" and ctx["eventType"] == "CONNECT"
        assert ctx["authorizer"]["principalId"] == "ws-user"
        assert ctx["authorizer"]["claims"]["cognito:username"] == "ws-user"
        # Registered by the server right after the 101 it sent, so possibly just after we see it.
        wait_until(lambda: ctx["connectionId"] in gateway.connections)
        assert ctx["stage"] == "local" and ctx["apiId"] and ctx["domainName"]


def test_messages_route_by_action_with_default_fallback(gateway, pool):
    _, token = pool
    with connect(f"{gateway.url}/?token={token}") as ws:
        conn_id = connect_event()["requestContext"]["connectionId"]
        ws.send(json.dumps({"action": "subscribe", "topic": "t"}))
        ws.send("plain text")

        def received() -> list[dict]:
            ctxs = [e for e in events if e["requestContext"]["connectionId"] == conn_id]
            messages = [e for e in ctxs if e["requestContext"]["eventType"] == "MESSAGE"]
            return messages if len(messages) == 2 else []

        messages = wait_until(received)
    assert [m["requestContext"]["routeKey"] for m in messages] == ["subscribe", "$default"]
    assert messages[0]["body"] == '{"action": "subscribe", "topic": "t"}'
    assert messages[1]["requestContext"]["authorizer"]["principalId"] == "ws-user"


def test_post_to_connection_delivers_and_get_describes(gateway, pool, management):
    _, token = pool
    with connect(f"{gateway.url}/?token={token}") as ws:
        conn_id = connect_event()["requestContext"]["connectionId"]
        wait_until(lambda: conn_id in gateway.connections)
        management.post_to_connection(ConnectionId=conn_id, Data=b'{"type": "tweet"}')
        assert ws.recv(timeout=5) == '{"type": "tweet"}'
        info = management.get_connection(ConnectionId=conn_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"] and info["LastActiveAt"]


def test_closed_connection_answers_gone_and_disconnect_runs(gateway, pool, management):
    _, token = pool
    with connect(f"{gateway.url}/?token={token}"):
        conn_id = connect_event()["requestContext"]["connectionId"]
    wait_until(lambda: conn_id not in gateway.connections)
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=conn_id, Data=b"late")
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId=conn_id)
    disconnect = wait_until(
        lambda: next(
            (
                e
                for e in events
                if e["requestContext"]["eventType"] == "DISCONNECT" and e["requestContext"]["connectionId"] == conn_id
            ),
            None,
        )
    )
    assert disconnect["requestContext"]["routeKey"] == "$disconnect"
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000


def test_delete_connection_closes_the_socket(gateway, pool, management):
    _, token = pool
    with connect(f"{gateway.url}/?token={token}") as ws:
        conn_id = connect_event()["requestContext"]["connectionId"]
        wait_until(lambda: conn_id in gateway.connections)
        management.delete_connection(ConnectionId=conn_id)
        wait_until(lambda: conn_id not in gateway.connections)
        assert ws.protocol.close_rcvd is not None or ws.protocol.state.name in {"CLOSING", "CLOSED"}
    with pytest.raises(management.exceptions.GoneException):
        management.delete_connection(ConnectionId=conn_id)
