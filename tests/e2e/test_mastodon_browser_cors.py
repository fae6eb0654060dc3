"""A Mastodon browser client served from another origin (as Elk or Phanpy are) talks to Warbler
from Chromium: the page, on an origin of its own, registers an app, signs in with a password
grant, posts, reads its home timeline with the Link header, and reads a 401 for a bad token,
each request a real cross-origin fetch with its preflight. The native API still refuses that
page: only the web client's origin may read it.

The page's requests are written out because that is the browser client's side of the wire: the
point is what Chromium's CORS checks let through, which no Python client can show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mastodon import Mastodon

from infra.local.browser import CHROMIUM, chromium
from tests.mastodon_accounts import PASSWORD, unique_handle

PAGE = b"<!doctype html><html lang=en><title>another client</title><h1>another client</h1></html>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """A page on an origin that is neither the API's nor the web client's (another port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def page(other_origin: str) -> Iterator[object]:
    assert CHROMIUM, "chromium is not installed: `make test` apt-installs it"
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(other_origin)
        yield page
        context.close()


@pytest.fixture(scope="module")
def handle(local_stack) -> str:
    client_id, client_secret = Mastodon.create_app("cors-registrar", api_base_url=local_stack.rest_url)
    registrar = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
    name = unique_handle("c")
    registrar.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
    return name


CLIENT = """async ([base, handle, password]) => {
    const json = async (r) => ({status: r.status, body: await r.json(), link: r.headers.get("Link")});
    const instance = await json(await fetch(`${base}/api/v1/instance`));
    const app = await json(await fetch(`${base}/api/v1/apps`, {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({client_name: "another client", redirect_uris: "urn:ietf:wg:oauth:2.0:oob",
                              scopes: "read write"}),
    }));
    const token = await json(await fetch(`${base}/oauth/token`, {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({grant_type: "password", client_id: app.body.client_id,
                              client_secret: app.body.client_secret, username: handle, password,
                              scope: "read write"}),
    }));
    const auth = {Authorization: `Bearer ${token.body.access_token}`};
    const posted = await json(await fetch(`${base}/api/v1/statuses`, {
        method: "POST", headers: {...auth, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID()},
        body: JSON.stringify({status: "hello from another origin"}),
    }));
    let home = {status: 0, body: []};
    for (const deadline = Date.now() + 20000; Date.now() < deadline && home.body.length === 0;) {
        home = await json(await fetch(`${base}/api/v1/timelines/home?limit=1`, {headers: auth}));
        if (home.body.length === 0) await new Promise((done) => setTimeout(done, 200));
    }
    const refused = await json(await fetch(`${base}/api/v1/timelines/home`, {headers: {Authorization: "Bearer nope"}}));
    let native = "read";
    try { await fetch(`${base}/me`, {headers: auth}); } catch (e) { native = `refused: ${e.name}`; }
    return {instance, app: app.status, token: token.status, scope: token.body.scope, posted, home, refused, native};
}"""


def test_a_browser_client_on_another_origin_signs_in_posts_and_reads_its_home(page, local_stack, handle) -> None:
    seen = page.evaluate(CLIENT, [local_stack.rest_url, handle, PASSWORD])

    assert seen["instance"]["status"] == 200 and seen["instance"]["body"]["version"].startswith("4.2.0")
    assert (seen["app"], seen["token"], seen["scope"]) == (200, 200, "read write")
    assert seen["posted"]["status"] == 200
    assert seen["home"]["status"] == 200
    assert [s["id"] for s in seen["home"]["body"]] == [seen["posted"]["body"]["id"]]
    assert 'rel="prev"' in seen["home"]["link"]  # an exposed header: the page can page on
    assert seen["refused"]["status"] == 401 and "error" in seen["refused"]["body"]
    assert seen["native"] == "refused: TypeError"  # the native API is for the web client only
