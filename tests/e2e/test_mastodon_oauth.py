"""OAuth for Mastodon clients through the local gateway and its Lambda authorizer: scopes are
enforced per route, revocation is immediate, bad grants answer RFC 6749's error shape, and the
sign-in page issues codes (out-of-band and redirect, with PKCE S256).

Clients do what they can (Mastodon.py); the protocol details no client exposes (error bodies,
PKCE, the HTML form a browser submits) are checked with plain HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, MastodonIllegalArgumentError, MastodonUnauthorizedError

from tests.mastodon_accounts import PASSWORD, unique_handle


@pytest.fixture(scope="module")
def account(local_stack):
    """A registered handle and an app that may ask for everything."""
    client_id, client_secret = Mastodon.create_app(
        "oauth-e2e",
        api_base_url=local_stack.rest_url,
        redirect_uris=["urn:ietf:wg:oauth:2.0:oob", "https://app.example/cb"],
    )
    handle = unique_handle("o")
    registrar = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
    registrar.create_account(handle, PASSWORD, f"{handle}@example.com", agreement=True)
    return {"handle": handle, "client_id": client_id, "client_secret": client_secret}


def _client(local_stack, account, scopes) -> Mastodon:
    client = Mastodon(account["client_id"], account["client_secret"], api_base_url=local_stack.rest_url)
    client.log_in(account["handle"], PASSWORD, scopes=scopes, allow_http=True)
    return client


def test_a_read_only_token_may_read_but_not_post(local_stack, account):
    reader = _client(local_stack, account, ["read"])

    reader.timeline_home()
    with pytest.raises(MastodonAPIError) as refused:
        reader.status_post("not allowed")

    assert refused.value.args[1] == 403
    assert refused.value.args[3] == "This action is outside the authorized scopes"


def test_a_sub_scope_grants_only_its_routes(local_stack, account):
    client = _client(local_stack, account, ["read:accounts", "write:statuses"])

    client.me()
    client.status_post("a sub-scope may post")
    with pytest.raises(MastodonAPIError) as refused:
        client.timeline_home()  # read:statuses

    assert refused.value.args[1] == 403


def test_a_revoked_token_stops_working_at_once_despite_the_authorizer_cache(local_stack, account):
    client = _client(local_stack, account, ["read"])
    client.me()  # the gateway now holds a cached "allow" for this token

    client.revoke_access_token(allow_http=True)

    with pytest.raises(MastodonUnauthorizedError):
        client.me()


def test_a_missing_or_unknown_token_is_401(local_stack):
    stranger = Mastodon(access_token="not-a-token", api_base_url=local_stack.rest_url)
    with pytest.raises(MastodonUnauthorizedError):
        stranger.me()
    assert requests.get(f"{local_stack.rest_url}/api/v1/timelines/home", timeout=10).status_code == 401


def _token(local_stack, **form) -> requests.Response:
    return requests.post(f"{local_stack.rest_url}/oauth/token", data=form, timeout=10)


def test_bad_grants_answer_the_oauth_error_shape(local_stack, account):
    app = {"client_id": account["client_id"], "client_secret": account["client_secret"]}

    wrong_password = _token(local_stack, grant_type="password", username=account["handle"], password="nope", **app)
    wrong_secret = _token(local_stack, grant_type="password", client_id=account["client_id"], client_secret="x")
    unknown_grant = _token(local_stack, grant_type="implicit", **app)
    bad_code = _token(local_stack, grant_type="authorization_code", code="never-issued", **app)
    bad_scope = _token(local_stack, grant_type="client_credentials", scope="admin:read", **app)

    assert (wrong_password.status_code, wrong_password.json()["error"]) == (400, "invalid_grant")
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    assert (unknown_grant.status_code, unknown_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (bad_code.status_code, bad_code.json()["error"]) == (400, "invalid_grant")
    assert (bad_scope.status_code, bad_scope.json()["error"]) == (400, "invalid_scope")
    assert all("error_description" in r.json() for r in (wrong_password, wrong_secret, unknown_grant, bad_code))


def test_client_credentials_give_an_app_token_without_a_user(local_stack, account):
    issued = _token(
        local_stack,
        grant_type="client_credentials",
        scope="read",
        **{k: account[k] for k in ("client_id", "client_secret")},
    ).json()
    app_client = Mastodon(access_token=issued["access_token"], api_base_url=local_stack.rest_url)

    assert (issued["token_type"], issued["scope"]) == ("Bearer", "read")
    assert isinstance(issued["created_at"], int)
    assert app_client.app_verify_credentials().name == "oauth-e2e"
    with pytest.raises(MastodonAPIError) as refused:
        app_client.timeline_home()
    assert refused.value.args[1] == 422  # Mastodon: this method requires an authenticated user


def _sign_in(local_stack, url: str) -> tuple[dict[str, str], str]:
    """What a browser does: open the page, fill in the form, submit it."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<label for="username">' in page.text and '<label for="password">' in page.text
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields = {k: unescape(v) for k, v in fields.items()}
    return fields, action


def test_authorization_code_out_of_band_with_mastodon_py(local_stack, account):
    client = Mastodon(account["client_id"], account["client_secret"], api_base_url=local_stack.rest_url)
    url = client.auth_request_url(scopes=["read", "write"], allow_http=True)
    fields, action = _sign_in(local_stack, url)

    shown = requests.post(
        action, data={**fields, "username": account["handle"], "password": PASSWORD, "decision": "approve"}, timeout=10
    )
    code = re.search(r'<code id="code">([^<]+)</code>', shown.text).group(1)
    client.log_in(code=code, scopes=["read", "write"], allow_http=True)

    assert client.me().username == account["handle"]
    with pytest.raises(MastodonIllegalArgumentError):  # a code is good for one token only
        Mastodon(account["client_id"], account["client_secret"], api_base_url=local_stack.rest_url).log_in(
            code=code, scopes=["read", "write"], allow_http=True
        )


def test_authorization_code_with_redirect_and_pkce(local_stack, account):
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = {
        "response_type": "code",
        "client_id": account["client_id"],
        "redirect_uri": "https://app.example/cb",
        "scope": "read",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    fields, action = _sign_in(
        local_stack, requests.Request("GET", f"{local_stack.rest_url}/oauth/authorize", params=query).prepare().url
    )

    wrong = requests.post(action, data={**fields, "username": account["handle"], "password": "wrong"}, timeout=10)
    redirect = requests.post(
        action, data={**fields, "username": account["handle"], "password": PASSWORD, "decision": "approve"},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    location = urlsplit(redirect.headers["Location"])
    params = parse_qs(location.query)
    public = {
        "grant_type": "authorization_code",
        "client_id": account["client_id"],
        "redirect_uri": "https://app.example/cb",
    }
    without_verifier = _token(local_stack, code=params["code"][0], **public)
    fields2, _ = _sign_in(
        local_stack, requests.Request("GET", f"{local_stack.rest_url}/oauth/authorize", params=query).prepare().url
    )
    again = requests.post(
        action, data={**fields2, "username": account["handle"], "password": PASSWORD, "decision": "approve"},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    code = parse_qs(urlsplit(again.headers["Location"]).query)["code"][0]
    issued = _token(local_stack, code=code, code_verifier=verifier, **public)

    assert wrong.status_code == 401 and 'role="alert"' in wrong.text
    assert (
        redirect.status_code == 302
        and f"{location.scheme}://{location.netloc}{location.path}" == "https://app.example/cb"
    )
    assert params["state"] == ["xyz"]
    assert (without_verifier.status_code, without_verifier.json()["error"]) == (400, "invalid_grant")
    assert issued.status_code == 200, issued.text
    assert (
        Mastodon(access_token=issued.json()["access_token"], api_base_url=local_stack.rest_url).me().username
        == account["handle"]
    )


def test_an_unregistered_redirect_uri_is_refused_on_the_page(local_stack, account):
    page = requests.get(
        f"{local_stack.rest_url}/oauth/authorize",
        params={"response_type": "code", "client_id": account["client_id"], "redirect_uri": "https://evil.example/"},
        timeout=10,
    )
    assert page.status_code == 400 and "evil.example" not in page.headers.get("Location", "")


def test_discovery_lists_the_grants(local_stack):
    client = Mastodon(api_base_url=local_stack.rest_url)

    info = client.oauth_authorization_server_info()

    assert set(info["grant_types_supported"]) == {"authorization_code", "password", "client_credentials"}
    assert info["code_challenge_methods_supported"] == ["S256"]
    assert info["token_endpoint"] == f"{local_stack.rest_url}/oauth/token"
