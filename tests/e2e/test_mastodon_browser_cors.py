"""Mastodon browser clients served from another origin (as Elk and Phanpy are) use Warbler from
Chromium, every request a real cross-origin fetch with its preflight.

- **masto.js** (8.0.0, the client library Elk and Phanpy are built on), bundled by Vite into a
  page on an origin of its own (web/e2e/mastodon-client): it registers an app, signs in with a
  password grant, posts, pages its home timeline by the Link header, favourites, gets a
  MastoHttpError 401 for a bad token, and receives its next post on the user stream (the
  WebSocket URL from the instance document, the token as the WebSocket protocol).
- The same protocol by hand (plain ``fetch``), for what a client library hides: the JSON token
  request's preflight, a header the page must be allowed to read (``Link``), and the native API
  still refusing that page (only the web client's origin may read it).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mastodon import Mastodon

from infra.local.browser import ARTIFACTS, CHROMIUM, REPO_ROOT, chromium
from tests.mastodon_accounts import PASSWORD, unique_handle

CLIENT_PAGE = REPO_ROOT / "web" / "e2e" / "mastodon-client"
VITE = REPO_ROOT / "web" / "node_modules" / ".bin" / "vite"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """The masto.js page, built by Vite and served on an origin that is neither the API's nor
    the web client's (a port of its own)."""
    assert VITE.is_file(), "the web client's dev dependencies are missing: run `make web` (npm ci)"
    out = ARTIFACTS.parent / "mastodon-client"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        [str(VITE), "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"],
        cwd=CLIENT_PAGE,
        check=True,
        timeout=120,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
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
        page.goto(f"{other_origin}/index.html")
        page.wait_for_function("() => window.masto !== undefined")
        yield page
        context.close()


@pytest.fixture(scope="module")
def handle(local_stack) -> str:
    client_id, client_secret = Mastodon.create_app("cors-registrar", api_base_url=local_stack.rest_url)
    registrar = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=local_stack.rest_url)
    name = unique_handle("c")
    registrar.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
    return name


MASTO = """async ([base, handle, password]) => {
    const {createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, MastoHttpError} = window.masto;
    const anonymous = createRestAPIClient({url: base});
    const instance = await anonymous.v2.instance.fetch();
    const app = await anonymous.v1.apps.create({
        clientName: "masto.js", redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write"});
    const token = await createOAuthAPIClient({url: base}).token.create({
        grantType: "password", clientId: app.clientId, clientSecret: app.clientSecret,
        redirectUri: "urn:ietf:wg:oauth:2.0:oob", username: handle, password, scope: "read write"});
    const me = createRestAPIClient({url: base, accessToken: token.accessToken});
    const account = await me.v1.accounts.verifyCredentials();
    const posted = [];
    for (const n of [1, 2, 3]) posted.push((await me.v1.statuses.create({status: `masto.js post ${n}`})).id);
    for (const deadline = Date.now() + 20000; Date.now() < deadline;) {
        if ((await me.v1.timelines.home.list({limit: 40})).length >= 3) break;
        await new Promise((done) => setTimeout(done, 200));
    }
    const pages = [];
    for await (const page of me.v1.timelines.home.list({limit: 2})) {
        pages.push(page.map((status) => status.id));
        if (pages.length > 3) break;
    }
    const favourited = await me.v1.statuses.$select(posted[0]).favourite();
    let refused = null;
    try {
        await createRestAPIClient({url: base, accessToken: "not-a-token"}).v1.accounts.verifyCredentials();
    } catch (error) {
        refused = {httpError: error instanceof MastoHttpError, status: error.statusCode};
    }
    // Streaming as Elk does it: the WebSocket URL from the instance, the token as the protocol.
    const streaming = createStreamingAPIClient({
        streamingApiUrl: instance.configuration.urls.streaming, accessToken: token.accessToken, retry: false});
    const updates = streaming.user.subscribe()[Symbol.asyncIterator]();
    // One pending next() at a time (a timed-out one would swallow the event it later gets);
    // the first call is what connects and sends the subscription.
    let pending = updates.next();
    const next = async () => {
        const event = await Promise.race([pending, new Promise((done) => setTimeout(() => done(null), 8000))]);
        if (event !== null) pending = updates.next();
        return event;
    };
    let pushed = null;
    for (let attempt = 0; attempt < 3 && pushed === null; attempt++) {
        // The subscription is registered once the socket is open: a post before that is not pushed.
        await new Promise((done) => setTimeout(done, 1000));
        const live = await me.v1.statuses.create({status: `masto.js live ${attempt}`});
        for (let event = await next(); event !== null; event = await next()) {
            if (event.value.event === "update" && event.value.payload.id === live.id) {
                pushed = {event: event.value.event, id: live.id, content: event.value.payload.content};
                break;
            }
        }
    }
    streaming.close();
    return {version: instance.version, handle: account.username, posted, pages,
            favourited: favourited.favourited, refused, pushed};
}"""


def test_masto_js_on_another_origin_signs_in_posts_pages_home_favourites_and_streams(page, local_stack, handle) -> None:
    seen = page.evaluate(MASTO, [local_stack.rest_url, handle, PASSWORD])

    assert seen["version"].startswith("4.2.0")
    assert seen["handle"] == handle
    newest_first = seen["posted"][::-1]
    assert seen["pages"] == [newest_first[:2], newest_first[2:]]  # next by Link, no gap, no repeat
    assert seen["favourited"] is True
    assert seen["refused"] == {"httpError": True, "status": 401}
    assert seen["pushed"]["event"] == "update" and "masto.js live" in seen["pushed"]["content"]


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


def test_by_hand_the_preflighted_requests_pass_link_is_readable_and_the_native_api_refuses(
    page, local_stack, handle
) -> None:
    seen = page.evaluate(CLIENT, [local_stack.rest_url, handle, PASSWORD])

    assert seen["instance"]["status"] == 200 and seen["instance"]["body"]["version"].startswith("4.2.0")
    assert (seen["app"], seen["token"], seen["scope"]) == (200, 200, "read write")
    assert seen["posted"]["status"] == 200
    assert seen["home"]["status"] == 200
    assert [s["id"] for s in seen["home"]["body"]] == [seen["posted"]["body"]["id"]]
    assert 'rel="prev"' in seen["home"]["link"]  # an exposed header: the page can page on
    assert seen["refused"]["status"] == 401 and "error" in seen["refused"]["body"]
    assert seen["native"] == "refused: TypeError"  # the native API is for the web client only
