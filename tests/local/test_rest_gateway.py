"""The REST API Gateway emulator, driven with throwaway functions and real moto tokens."""

from __future__ import annotations

import base64
import gzip
import json
import time
from pathlib import Path

import jwt
import moto
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra import catalog
from infra.local.auth import CognitoVerifier
from infra.local.bootstrap import REGION, Resources, bootstrap, issue_id_token
from infra.local.functions import FunctionRegistry
from infra.local.rest_gateway import RestGateway

seen: list[dict] = []


def echo(event, context):
    seen.append(event)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Single": "one"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps({"function": context.function_name, "path": event["pathParameters"]}),
    }


def boom(event, context):
    raise RuntimeError("secret stack detail")


def malformed(event, context):
    return "not a proxy response"


def binary(event, context):
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }


FUNCTIONS = (
    catalog.Function(
        "echo",
        "test",
        routes=(
            catalog.Route("GET", "/users/{handle}"),
            catalog.Route("GET", "/users/me"),
            catalog.Route("POST", "/things/{thing_id}/parts", auth=False),
            catalog.Route("GET", "/public", auth=False),
        ),
    ),
    catalog.Function("boom", "test", routes=(catalog.Route("GET", "/boom", auth=False),)),
    catalog.Function("malformed", "test", routes=(catalog.Route("GET", "/malformed", auth=False),)),
    catalog.Function("binary", "test", routes=(catalog.Route("GET", "/binary", auth=False),)),
)


@pytest.fixture(scope="module")
def resources(moto_server: str) -> Resources:
    return bootstrap(moto_server, redis_url="redis://127.0.0.1:1/0", opensearch_url="http://127.0.0.1:1")


@pytest.fixture(scope="module")
def gateway(moto_server: str, resources: Resources):
    registry = FunctionRegistry(FUNCTIONS, {"echo": echo, "boom": boom, "malformed": malformed, "binary": binary})
    verifier = CognitoVerifier(moto_server, resources.user_pool_id, [resources.user_pool_client_id], REGION)
    gw = RestGateway(registry, verifier, port=0).start()
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def token(moto_server: str, resources: Resources) -> str:
    return issue_id_token(
        moto_server, resources.user_pool_id, resources.user_pool_client_id, "user-42", "Passw0rd!x-long"
    )


def moto_signed(claims: dict) -> str:
    """A token signed with moto's own private key, to forge claims moto would not issue."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    key = jwt.PyJWK(json.loads(gzip.decompress(path.read_bytes())))
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": "dummy"})


def valid_claims(resources: Resources, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{resources.user_pool_id}",
        "aud": resources.user_pool_client_id,
        "token_use": "id",
        "cognito:username": "forged",
        "iat": now,
        "exp": now + 600,
    }
    return {**claims, **overrides}


def error_code(response: requests.Response) -> str:
    return response.json()["error"]["code"]


def test_unknown_path_is_404_with_the_error_envelope(gateway):
    r = requests.get(f"{gateway.url}/nowhere")
    assert r.status_code == 404
    assert error_code(r) == "not_found"


def test_known_path_with_another_method_is_405_naming_the_allowed_ones(gateway):
    r = requests.delete(f"{gateway.url}/public")
    assert r.status_code == 405
    assert error_code(r) == "method_not_allowed"
    assert "GET" in r.headers["Allow"].split(", ")  # RFC 9110


def test_authorized_route_without_token_is_401(gateway):
    r = requests.get(f"{gateway.url}/users/alice")
    assert r.status_code == 401
    assert error_code(r) == "unauthorized"


def test_token_signed_by_another_key_is_401(gateway, resources):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(valid_claims(resources), other_key, algorithm="RS256", headers={"kid": "dummy"})
    r = requests.get(f"{gateway.url}/users/alice", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "some-other-client"},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_elsewhere"},
        {"token_use": "access"},
    ],
    ids=["expired", "other-client", "other-pool", "access-token"],
)
def test_tokens_the_cognito_authorizer_rejects_are_401(gateway, resources, overrides):
    token = moto_signed(valid_claims(resources, **overrides))
    r = requests.get(f"{gateway.url}/users/alice", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_moto_id_token_passes_string_claims_to_the_function(gateway, token):
    r = requests.get(f"{gateway.url}/users/alice", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    claims = seen[-1]["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:username"] == "user-42"
    assert claims["token_use"] == "id"
    assert all(isinstance(v, str) for v in claims.values())


def test_literal_segment_beats_path_parameter(gateway, token):
    r = requests.get(f"{gateway.url}/users/me", headers={"Authorization": token})  # bare token accepted
    assert r.status_code == 200
    assert seen[-1]["resource"] == "/users/me"
    assert seen[-1]["pathParameters"] is None


def test_proxy_event_has_the_rest_v1_shape(gateway):
    r = requests.post(
        f"{gateway.url}/things/a%20b/parts?x=1&x=2&y=3",
        data=b'{"n": 1}',
        headers={"Content-Type": "application/json", "X-Multi": "v"},
    )
    assert r.status_code == 200
    event = seen[-1]
    assert event["resource"] == "/things/{thing_id}/parts"
    assert event["path"] == "/things/a%20b/parts"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"thing_id": "a b"}
    assert event["queryStringParameters"] == {"x": "2", "y": "3"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["3"]}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["X-Multi"] == ["v"]
    assert event["body"] == '{"n": 1}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["resourcePath"] == "/things/{thing_id}/parts" and ctx["httpMethod"] == "POST"
    assert ctx["stage"] == "local" and ctx["requestId"] and ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert "authorizer" not in ctx  # an open route has no authorizer


def test_binary_request_body_arrives_base64_encoded(gateway):
    requests.post(f"{gateway.url}/things/1/parts", data=b"\xff\xfe\x00")
    assert seen[-1]["isBase64Encoded"] is True
    assert base64.b64decode(seen[-1]["body"]) == b"\xff\xfe\x00"


def test_proxy_response_maps_to_http_including_multi_value_headers(gateway):
    r = requests.get(f"{gateway.url}/public")
    assert r.status_code == 200
    assert r.json() == {"function": "echo", "path": None}
    assert r.headers["X-Single"] == "one"
    assert r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_base64_response_body_is_decoded(gateway):
    r = requests.get(f"{gateway.url}/binary")
    assert r.status_code == 201 and r.content == b"\x89PNG"


def test_handler_exception_is_502_without_the_trace(gateway):
    r = requests.get(f"{gateway.url}/boom")
    assert r.status_code == 502
    assert r.json() == {"error": {"code": "internal", "message": "Internal server error"}}
    assert "secret" not in r.text


def test_malformed_proxy_response_is_502(gateway):
    assert requests.get(f"{gateway.url}/malformed").status_code == 502
