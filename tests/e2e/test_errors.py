"""Bad input gets a clear 4xx in one envelope; never a trace, never a 5xx."""

from __future__ import annotations

import pytest
import requests


def _error(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return body["error"]


def test_unknown_route_is_404(api):
    _error(requests.get(api.url + "/nope"), 404)


def test_missing_or_bad_token_is_401(api):
    _error(requests.get(api.url + "/timelines/home"), 401)
    _error(requests.get(api.url + "/timelines/home", headers={"Authorization": "Bearer not-a-jwt"}), 401)


@pytest.mark.parametrize(
    "body,status",
    [
        ({"handle": "has space", "password": "long enough!"}, 422),
        ({"handle": "sixteen_chars_xx", "password": "long enough!"}, 422),
        ({"handle": "ok", "password": "short"}, 422),
        ({"password": "long enough!"}, 422),
    ],
)
def test_signup_validation(api, body, status):
    _error(requests.post(api.url + "/auth/signup", json=body), status)


def test_handles_are_unique_case_insensitively(api):
    alice = api.signup()
    _error(
        requests.post(api.url + "/auth/signup", json={"handle": alice.handle.upper(), "password": "long enough!"}), 409
    )


def test_tweet_validation(api):
    alice = api.signup()
    assert _error(alice.call("POST", "/tweets", json={"text": "x" * 281}), 422)["code"] == "invalid"
    _error(alice.call("POST", "/tweets", json={"text": " \n "}), 422)
    _error(alice.call("POST", "/tweets", data="{not json", headers={"Content-Type": "application/json"}), 400)
    _error(alice.call("POST", "/tweets", json={"text": "y" * 20000}), 413)
    # 280 characters after NFC: "é" as e + combining accent counts once
    assert alice.call("POST", "/tweets", json={"text": "e\u0301" * 280}).status_code == 201


def test_follow_rules(api):
    alice = api.signup()
    _error(alice.call("POST", f"/users/{alice.handle}/follow"), 403)  # as Mastodon: not permitted
    _error(alice.call("POST", "/users/nobody_here_x/follow"), 404)


def test_bad_list_parameters(api):
    alice = api.signup()
    _error(alice.call("GET", "/timelines/home", params={"limit": 0}), 422)
    _error(alice.call("GET", "/timelines/home", params={"limit": 101}), 422)
    _error(alice.call("GET", "/timelines/home", params={"limit": "ten"}), 422)
    _error(alice.call("GET", "/timelines/home", params={"cursor": "%%%"}), 422)  # not in the cursor format
    _error(alice.call("GET", "/timelines/home", params={"cursor": "JSJ9." + "A" * 22}), 400)  # no valid MAC
    _error(alice.call("GET", "/timelines/home", params={"since_id": "abc"}), 422)


def test_tweet_ids_that_are_not_ids_are_422_and_unknown_ids_404(api):
    alice = api.signup()
    _error(alice.call("GET", "/tweets/not-a-number"), 422)
    _error(alice.call("GET", "/tweets/0"), 404)
    _error(alice.call("GET", "/tweets/9999999999999999999"), 404)


def test_profile_update_validation(api):
    alice = api.signup()
    _error(alice.call("PATCH", "/me", json={"bio": "b" * 161}), 422)
    assert alice.call("PATCH", "/me", json={"bio": "hello", "display_name": "Al"}).json()["bio"] == "hello"


def test_openapi_document_is_served(api):
    doc = requests.get(api.url + "/openapi.json").json()
    assert "/timelines/home" in doc["paths"] and "/tweets" in doc["paths"]


def test_writes_past_the_rate_limit_are_429(api, settings_override):
    alice, bob = api.signup(), api.signup()
    with settings_override(tweet_limit=3, follow_limit=1):
        for i in range(3):
            assert alice.call("POST", "/tweets", json={"text": f"within the limit {i}"}).status_code == 201
        assert _error(alice.call("POST", "/tweets", json={"text": "one too many"}), 429)["code"] == "rate_limited"
        assert bob.call("POST", "/tweets", json={"text": "others are not limited"}).status_code == 201
        bob.follow(alice)
        _error(bob.call("POST", f"/users/{api.signup().handle}/follow"), 429)
    assert alice.call("GET", "/me").json()["tweets_count"] == 3
