"""The local stack serves the web client like CloudFront does, and the REST API's CORS lets
exactly that origin in (preflights, handler responses); the gateway's own errors, like API
Gateway's, any origin. The Mastodon paths' CORS: tests/e2e/test_mastodon_browser_cors.py."""

from __future__ import annotations

import requests

from infra import catalog


def test_config_json_names_this_stacks_rest_and_websocket_endpoints(local_stack) -> None:
    r = requests.get(f"{local_stack.web_url}/config.json", timeout=10)

    assert r.status_code == 200
    assert r.json() == {"api": local_stack.rest_url, "ws": local_stack.ws_url}
    assert r.headers["Cache-Control"] == "no-store"


def test_every_response_carries_the_strict_security_headers(local_stack) -> None:
    """Strict, and naming exactly what the page reaches: the APIs, moto's S3 (presigned upload
    forms post there) and the media CDN stand-in (images and video load from there)."""
    r = requests.get(f"{local_stack.web_url}/config.json", timeout=10)

    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self';" in csp
    assert f"connect-src 'self' {local_stack.rest_url} {local_stack.ws_url} {local_stack.aws_endpoint};" in csp
    assert f"img-src 'self' data: blob: {local_stack.media_cdn.url};" in csp
    assert f"media-src 'self' blob: {local_stack.media_cdn.url};" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_paths_outside_the_build_are_not_served(local_stack) -> None:
    r = requests.get(f"{local_stack.web_url}/..%2f..%2fpyproject.toml", timeout=10)

    assert r.status_code in {404, 503}
    assert b"[project]" not in r.content


def test_preflight_from_the_app_origin_allows_the_headers_the_app_sends(local_stack) -> None:
    r = requests.options(
        f"{local_stack.rest_url}/tweets",
        headers={
            "Origin": local_stack.web_url,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
        timeout=10,
    )

    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == local_stack.web_url
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in r.headers["Access-Control-Allow-Methods"].split(",")


def test_preflight_from_another_origin_is_not_allowed(local_stack) -> None:
    r = requests.options(
        f"{local_stack.rest_url}/tweets",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert "Access-Control-Allow-Origin" not in r.headers


def test_handler_responses_allow_exactly_the_app_origin(local_stack, api) -> None:
    account = api.signup()
    auth = {"Authorization": f"Bearer {account.token}"}

    mine = requests.get(f"{local_stack.rest_url}/me", headers={**auth, "Origin": local_stack.web_url}, timeout=10)
    other = requests.get(f"{local_stack.rest_url}/me", headers={**auth, "Origin": "https://evil.example"}, timeout=10)

    assert mine.status_code == 200
    assert mine.headers["Access-Control-Allow-Origin"] == local_stack.web_url
    assert "Retry-After" in mine.headers["Access-Control-Expose-Headers"]
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers


def test_gateway_errors_are_readable_by_the_app_and_by_any_origin(local_stack) -> None:
    """As API Gateway's gateway responses: one header for every path (a Mastodon client served
    elsewhere must read its 401), and an error carries no data."""
    for origin in (local_stack.web_url, "https://elk.example"):
        r = requests.get(f"{local_stack.rest_url}/me", headers={"Origin": origin}, timeout=10)

        assert r.status_code == 401
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert r.json()["error"]["code"] == "unauthorized"


def test_a_csp_source_is_the_origin_of_an_endpoint_url() -> None:
    assert catalog.origin_of("https://abc.execute-api.us-east-1.amazonaws.com/dev/") == (
        "https://abc.execute-api.us-east-1.amazonaws.com"
    )
