"""Inputs that answered 500 (issue 15): each is now a 4xx in the one error envelope."""

from __future__ import annotations

import base64

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from drill import tokens


def _error(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return body["error"]


@pytest.fixture(scope="module")
def caller(api):
    return api.signup()


DEEP = "[" * 8000 + "]" * 8000
FORGED_CURSOR = "ImFiYyI." + "A" * 22


@pytest.mark.parametrize("path", ["/auth/login", "/tweets"])
def test_json_nested_8000_deep_is_400(api, caller, path):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {caller.token}"}
    body = '{"text": ' + DEEP + "}"
    assert len(body) < 16_384  # under the body limit: it is the nesting that is refused
    _error(requests.post(api.url + path, data=body, headers=headers), 400)


def test_a_cursor_that_decodes_to_deeply_nested_json_is_400(api, caller):
    # In the cursor format (under 2048 characters, a 22-character MAC), so it reaches the decoder.
    cursor = base64.urlsafe_b64encode(("[" * 600 + "]" * 600).encode()).decode().rstrip("=") + "." + "A" * 22
    _error(caller.call("GET", "/timelines/home", params={"cursor": cursor}), 400)


def test_a_body_that_is_not_utf8_is_400(api, caller):
    headers = {"Content-Type": "application/json"}
    _error(caller.call("POST", "/tweets", data=b'{"text": "\xff\xfe"}', headers=headers), 400)


@pytest.mark.parametrize("media_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(api, caller, media_type):
    error = _error(caller.call("POST", "/tweets", data=b"text=hello", headers={"Content-Type": media_type}), 415)
    assert error["code"] == "unsupported_media_type"


def test_a_lone_surrogate_in_tweet_text_is_422(api, caller):
    headers = {"Content-Type": "application/json"}
    _error(caller.call("POST", "/tweets", data=b'{"text": "a\\ud800b"}', headers=headers), 422)


def test_a_surrogate_pair_is_text(api, caller):
    headers = {"Content-Type": "application/json"}
    r = caller.call("POST", "/tweets", data=b'{"text": "smile \\ud83d\\ude00"}', headers=headers)
    assert r.status_code == 201 and r.json()["text"] == "smile \U0001f600"


@pytest.mark.parametrize(
    "method,path,kwargs,status",
    [
        ("GET", "/timelines/home", {"params": {"since_id": "²"}}, 422),
        ("POST", "/tweets", {"json": {"text": "hi", "reply_to_id": "²"}}, 422),
        ("POST", "/tweets", {"json": {"text": "hi", "quote_of_id": "⑨"}}, 422),
        ("GET", "/tweets/²", {}, 422),
    ],
    ids=["since_id", "reply_to_id", "quote_of_id", "path"],
)
def test_unicode_digits_are_not_ids(api, caller, method, path, kwargs, status):
    _error(caller.call(method, path, **kwargs), status)


@pytest.mark.parametrize("path", ["/users/{h}/followers", "/users/{h}/following", "/users/{h}/likes"])
def test_a_forged_cursor_on_a_dynamodb_list_is_400(api, caller, path):
    # '"abc"' as a cursor payload, in the cursor's format but without this API's MAC.
    error = _error(caller.call("GET", path.format(h=caller.handle), params={"cursor": FORGED_CURSOR}), 400)
    assert error["code"] == "invalid_cursor"
    # Not even in the format: the request model refuses it.
    _error(caller.call("GET", path.format(h=caller.handle), params={"cursor": "ImFiYyI"}), 422)


def test_a_forged_cursor_on_replies_is_400(api, caller):
    tweet = caller.post("a parent")
    _error(caller.call("GET", f"/tweets/{tweet['id']}/replies", params={"cursor": FORGED_CURSOR}), 400)


def test_a_handle_with_a_trailing_newline_is_refused(api):
    alice = api.signup()
    _error(requests.post(api.url + "/auth/signup", json={"handle": alice.handle + "\n", "password": "x" * 12}), 422)


def test_login_with_an_empty_handle_is_422(api):
    _error(requests.post(api.url + "/auth/login", json={"handle": "", "password": "x" * 10}), 422)


def test_a_signed_token_without_a_username_is_refused_by_the_websocket(local_stack):
    pool = tokens.pool_of(local_stack, local_stack.id_token("no-username-forger"))
    claims = {k: v for k, v in pool.claims("nobody").items() if k != "cognito:username"}
    token = tokens.jwt.encode(claims, tokens.moto_private_key(), algorithm="RS256", headers={"kid": tokens.MOTO_KID})
    with pytest.raises(InvalidStatus) as refused, connect(f"{local_stack.ws_url}/?token={token}", open_timeout=10):
        pass
    assert refused.value.response.status_code == 401


def test_control_and_bidi_characters_are_stripped_from_display_names_and_bios(api):
    user = api.signup()
    r = user.call(
        "PATCH", "/me", json={"display_name": "evil\u202egnp.exe\n\x00", "bio": "line one\nline\x00 two\u2066"}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["display_name"], r.json()["bio"]) == ("evilgnp.exe", "line one\nline two")


def test_a_tweet_of_only_control_and_format_characters_is_blank(api, caller):
    error = _error(caller.call("POST", "/tweets", json={"text": "\u200b\u202e\x01 \u2066"}), 422)
    assert "blank" in error["message"]


def test_unfollowing_yourself_is_not_an_error(api, caller):
    r = caller.call("DELETE", f"/users/{caller.handle}/follow")
    assert r.status_code == 200 and r.json() == {"following": False}


def test_an_undeclared_method_is_405_in_the_envelope(api):
    assert _error(requests.request("TRACE", api.url + "/timelines/home"), 405)["code"] == "method_not_allowed"
