"""The web client in Debian's Chromium against the local stack: two people, live.

A and B sign up in their own browser contexts; A follows B from B's profile; B posts; A sees
"1 new" without reloading and opens it; A likes and replies; B's notification badge counts up
live; search finds the tweet; B deletes it and it disappears from A's screen. A attaches an
image (upload progress, preview, alt text), posts it, and B sees it in the timeline, loaded from
the media CDN under the page's CSP. Screenshots of home, profile, notifications and the media
tweet go to build/test-artifacts/web/, with axe-core's findings on every screen (none serious
or critical allowed).
"""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
import requests

from infra.local.browser import ARTIFACTS, AXE_JS, CHROMIUM, REPO_ROOT, axe_scan, chromium, serious
from tests.media_support import png
from tests.support import wait_until

DIST_INDEX = REPO_ROOT / "web" / "dist" / "index.html"
PASSWORD = "correct horse battery"
LIVE_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect  # noqa: PLC0415

    # Deadlines, not sleeps: generous, because the machine running the stack is shared.
    expect.set_options(timeout=15_000)
    assert DIST_INDEX.is_file(), "the web client is not built: run `make web`"
    assert AXE_JS.is_file(), "axe-core is missing: run `make web` (npm ci)"
    assert CHROMIUM, "chromium is not installed: `make test` apt-installs it"
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def axe_results():
    results: dict[str, dict] = {}
    yield results
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(results, indent=2))


def check_axe(page, screen: str, results: dict) -> None:
    result = axe_scan(page)
    results[screen] = result
    assert not serious(result), f"{screen}: {json.dumps(serious(result), indent=2)}"


def sign_up(page, web_url: str, handle: str) -> None:
    page.goto(f"{web_url}/#/signup")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Home").wait_for()


def log_in(page, handle: str) -> None:
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def wait_live(page) -> None:
    page.locator(".live-open").wait_for(timeout=LIVE_TIMEOUT_MS)


def handle_for(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def test_two_people_use_warbler_live_in_the_browser(local_stack, browser, axe_results) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415

    web = local_stack.web_url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    a_handle, b_handle = handle_for("wa"), handle_for("wb")
    word = f"w{uuid.uuid4().hex[:8]}"
    text = f"Hello from B, {word} #webtest"
    ctx_a = browser.new_context(viewport={"width": 1280, "height": 860})
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 860})
    for ctx in (ctx_a, ctx_b):
        ctx.set_default_timeout(30_000)
    a, b = ctx_a.new_page(), ctx_b.new_page()
    errors: list[str] = []
    for page in (a, b):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # Both sign up; the sign-up screen itself is scanned first.
        a.goto(f"{web}/#/signup")
        a.get_by_label("Handle").wait_for()
        check_axe(a, "signup", axe_results)
        sign_up(a, web, a_handle)
        sign_up(b, web, b_handle)

        # A follows B from B's profile.
        a.goto(f"{web}/#/@{b_handle}")
        a.get_by_role("button", name=f"Follow @{b_handle}").click()
        expect(a.get_by_role("button", name=f"Following @{b_handle}")).to_have_attribute("aria-pressed", "true")
        check_axe(a, "profile", axe_results)
        local_stack.wait_idle(timeout=20)

        # A watches home; B posts; A sees "1 new" without reloading, and opens it.
        a.get_by_role("link", name="Home", exact=True).click()
        a.get_by_role("heading", name="Home").wait_for()
        wait_live(a)
        wait_live(b)
        expect(b.get_by_test_id("notification-badge")).to_have_text(re.compile(r"^1 unread"), timeout=LIVE_TIMEOUT_MS)
        b.get_by_role("textbox", name="What's happening?").fill(text)
        b.get_by_role("button", name="Post", exact=True).click()
        expect(b.locator("article", has_text=word)).to_be_visible()
        pill = a.get_by_role("button", name="1 new")
        expect(pill).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        expect(a.locator("article", has_text=word)).to_have_count(0)
        pill.click()
        card = a.locator("article", has_text=word)
        expect(card).to_be_visible()

        # A likes (optimistically, then confirmed) and replies.
        like = card.get_by_role("button", name=re.compile(r"^Like,"))
        like.click()
        expect(like).to_have_attribute("aria-pressed", "true")
        expect(like).to_have_accessible_name("Like, 1 like")
        card.get_by_role("button", name=re.compile(r"^Reply,")).click()
        dialog = a.get_by_role("dialog", name=f"Reply to @{b_handle}")
        dialog.get_by_role("textbox", name="Your reply").fill("Nice one, well said")
        dialog.get_by_role("button", name="Reply", exact=True).click()
        expect(dialog).to_have_count(0)
        expect(a.locator("article", has_text="Nice one, well said")).to_be_visible()
        check_axe(a, "home", axe_results)
        a.screenshot(path=str(ARTIFACTS / "home.png"))

        # B's badge counts up live, without a reload: A's follow, then the like and the reply.
        badge = b.get_by_test_id("notification-badge")
        expect(badge).to_have_text(re.compile(r"^3 unread"), timeout=LIVE_TIMEOUT_MS)
        b.get_by_role("link", name=re.compile(r"^Notifications")).click()
        expect(b.get_by_text(re.compile(r"liked your tweet"))).to_be_visible()
        expect(b.get_by_text(re.compile(r"replied to your tweet"))).to_be_visible()
        expect(b.get_by_text(re.compile(r"followed you"))).to_be_visible()
        expect(badge).to_have_count(0)  # opening the screen marked them read
        check_axe(b, "notifications", axe_results)
        b.screenshot(path=str(ARTIFACTS / "notifications.png"))

        # The tweet's own screen: the conversation with A's reply.
        a.locator("article", has_text=word).first.get_by_role("link", name=re.compile("^Open tweet")).click()
        expect(a.get_by_role("region", name="Replies").locator("article")).to_have_count(1)
        check_axe(a, "tweet", axe_results)

        # Search finds the tweet (once the indexer has it).
        token_a = a.evaluate("() => JSON.parse(sessionStorage['warbler:session']).token")

        def indexed() -> bool:
            r = requests.get(
                f"{local_stack.rest_url}/search",
                params={"q": word, "sort": "latest"},
                headers={"Authorization": f"Bearer {token_a}"},
                timeout=10,
            )
            return r.status_code == 200 and any(word in t.get("text", "") for t in r.json()["items"])

        wait_until(indexed, timeout=20, message="the tweet never became searchable")
        a.goto(f"{web}/#/search")
        a.get_by_role("searchbox", name="Search Warbler").fill(word)
        a.get_by_role("button", name="Search", exact=True).click()
        expect(a.get_by_role("region", name="Matching tweets").locator("article", has_text=word)).to_be_visible()
        a.get_by_text("Search operators").click()
        check_axe(a, "search", axe_results)

        # B's profile, then B deletes the tweet; it disappears from A's home without a reload.
        a.get_by_role("link", name="Home", exact=True).click()
        expect(a.locator("article", has_text=text)).to_be_visible()
        b.goto(f"{web}/#/@{b_handle}")
        own = b.locator("article", has_text=word)
        expect(own).to_be_visible()
        b.get_by_role("button", name="Edit profile").click()
        edit = b.get_by_role("dialog", name="Edit profile")
        edit.get_by_label("Bio").fill("Posting from Chromium.")
        check_axe(b, "edit-profile", axe_results)
        edit.get_by_role("button", name="Save").click()
        expect(edit).to_have_count(0)
        expect(b.get_by_text("Posting from Chromium.")).to_be_visible()
        b.screenshot(path=str(ARTIFACTS / "profile.png"))
        own.get_by_role("button", name="Delete", exact=True).click()
        own.get_by_role("button", name="Delete tweet").click()
        expect(b.locator("article", has_text=word)).to_have_count(0)
        expect(a.locator("article", has_text=text)).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
        assert not errors, errors
    finally:
        ctx_a.close()
        ctx_b.close()


def connection_ids(local_stack) -> set[str]:
    return set(list(local_stack.websocket.connections))


def test_phone_width_dark_mode_reconnect_and_an_expired_session_keep_the_draft(
    local_stack, browser, axe_results
) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415

    web = local_stack.web_url
    handle = handle_for("wd")
    ctx = browser.new_context(viewport={"width": 375, "height": 812}, color_scheme="dark")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    others = connection_ids(local_stack)  # sockets of earlier tests, still closing
    try:
        sign_up(page, web, handle)
        # Usable at 375 px: nothing is wider than the screen.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 20, 25)", background  # the dark palette
        check_axe(page, "home-dark-375px", axe_results)
        page.screenshot(path=str(ARTIFACTS / "home-dark-375.png"))

        # The server drops the socket (API Gateway's DeleteConnection): the app reconnects.
        wait_live(page)
        mine = wait_until(lambda: connection_ids(local_stack) - others, timeout=10)
        for connection_id in mine:
            local_stack.websocket.delete_connection(connection_id)
        wait_until(lambda: connection_ids(local_stack) - others - mine, timeout=20, message="never reconnected")
        wait_live(page)

        # The counter counts like the server: an emoji is one character, 281 is over.
        box = page.get_by_role("textbox", name="What's happening?")
        box.fill("🐦" * 280)
        expect(page.locator(".counter")).to_contain_text("0")
        expect(page.get_by_role("button", name="Post", exact=True)).to_be_enabled()
        box.fill("🐦" * 281)
        expect(page.get_by_role("button", name="Post", exact=True)).to_be_disabled()
        # ... and a link is 23, however long: 280 - 23 - 1 - 3.
        box.fill(f"https://example.com/{'a' * 300} 🐦🐦🐦")
        expect(page.locator(".counter")).to_contain_text("253")

        # The token is refused (as an expired one is): to the login form, draft kept.
        draft = "a draft that must survive #kept"
        box.fill(draft)
        page.route(
            "**/tweets",
            lambda route: route.fulfill(
                status=401,
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": web},
                body='{"error":{"code":"unauthorized","message":"The incoming token has expired"}}',
            ),
        )
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.get_by_text("Your session expired")).to_be_visible()
        page.unroute("**/tweets")
        log_in(page, handle)
        box = page.get_by_role("textbox", name="What's happening?")
        expect(box).to_have_value(draft)

        # Keyboard only: Tab reaches the composer with a visible focus ring; Ctrl+Enter posts.
        page.locator("body").focus()
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement?.tagName") == "TEXTAREA":
                break
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Control+Enter")
        expect(page.locator("article", has_text=draft)).to_be_visible()
        expect(box).to_have_value("")
    finally:
        ctx.close()


# Records every status an attachment shows (the upload is too quick on loopback to poll for).
WATCH_ATTACHMENT = """() => {
  window.__stages = [];
  const seen = () => document.querySelectorAll('.attachment-status').forEach((el) => {
    const p = el.querySelector('progress');
    window.__stages.push(el.textContent + (p ? ' <progress>' : ''));
  });
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_a_posts_an_image_with_alt_text_and_a_link_and_b_sees_both_in_the_timeline(
    local_stack, browser, axe_results
) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415

    web = local_stack.web_url
    a_handle, b_handle = handle_for("ma"), handle_for("mb")
    word = f"m{uuid.uuid4().hex[:8]}"
    alt = f"A green rectangle, {word}"
    ctx_a = browser.new_context(viewport={"width": 1280, "height": 860})
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 860})
    a, b = ctx_a.new_page(), ctx_b.new_page()
    errors: list[str] = []
    refused: list[str] = []
    for page in (a, b):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        sign_up(a, web, a_handle)
        sign_up(b, web, b_handle)
        b.goto(f"{web}/#/@{a_handle}")
        b.get_by_role("button", name=f"Follow @{a_handle}").click()
        expect(b.get_by_role("button", name=f"Following @{a_handle}")).to_have_attribute("aria-pressed", "true")
        local_stack.wait_idle(timeout=20)
        b.get_by_role("link", name="Home", exact=True).click()
        wait_live(b)

        # A picks a PNG: a preview at once, the upload's progress, processing, then ready.
        a.evaluate(WATCH_ATTACHMENT)
        a.get_by_label("Add photos or video").set_input_files(
            files=[{"name": "green.png", "mimeType": "image/png", "buffer": png((320, 200))}]
        )
        attached = a.get_by_role("list", name="Media to post").get_by_role("listitem")
        expect(attached).to_have_count(1)
        expect(attached.get_by_role("img", name="Preview of green.png")).to_be_visible()
        expect(attached).to_have_attribute("data-stage", "ready", timeout=LIVE_TIMEOUT_MS)
        stages = a.evaluate("() => window.__stages")
        assert any(s.startswith("Uploading") and s.endswith("<progress>") for s in stages), stages
        assert any(s.startswith("Processing") for s in stages), stages
        attached.get_by_label("Description of green.png for people who cannot see it").fill(alt)
        check_axe(a, "compose-with-image", axe_results)
        a.screenshot(path=str(ARTIFACTS / "compose-image.png"))
        a.get_by_role("textbox", name="What's happening?").fill(f"A picture, {word}: https://example.com/{word}")
        a.get_by_role("button", name="Post", exact=True).click()
        expect(a.get_by_role("list", name="Media to post")).to_have_count(0)
        mine = a.locator("article", has_text=word)
        expect(mine.get_by_role("img", name=alt)).to_be_visible()

        # B: "1 new", and the image in the timeline, from the media CDN, with its alt text.
        pill = b.get_by_role("button", name="1 new")
        expect(pill).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        pill.click()
        image = b.locator("article", has_text=word).get_by_role("img", name=alt)
        expect(image).to_be_visible()
        expect(image).to_have_attribute("loading", "lazy")
        assert image.get_attribute("src").startswith(f"{local_stack.media_cdn.url}/")
        image.scroll_into_view_if_needed()
        wait_until(lambda: image.evaluate("(img) => img.complete && img.naturalWidth > 0"), timeout=10)
        assert image.evaluate("(img) => img.naturalWidth") > 0  # loaded: the CSP admits the CDN
        # The link goes through the short link the server recorded, showing its display form.
        link = b.locator("article", has_text=word).get_by_role("link", name=f"example.com/{word}")
        assert link.get_attribute("href").startswith(f"{local_stack.rest_url}/s/")
        assert link.get_attribute("title") == f"https://example.com/{word}"
        check_axe(b, "home-with-image", axe_results)
        b.screenshot(path=str(ARTIFACTS / "media.png"))

        # A file the server would not take is refused before anything is uploaded.
        a.get_by_label("Add photos or video").set_input_files(
            files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
        )
        expect(a.get_by_role("alert")).to_contain_text("notes.txt is not a file Warbler takes")
        # A file dropped on the compose box is attached too; its remove button takes it away.
        dropped = a.evaluate_handle(
            """(b64) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));
                return dt;
            }""",
            base64.b64encode(png((40, 30))).decode(),
        )
        a.locator("form.compose").first.dispatch_event("drop", {"dataTransfer": dropped})
        expect(a.get_by_role("img", name="Preview of dropped.png")).to_be_visible()
        a.get_by_role("button", name="Remove dropped.png").click()
        expect(a.get_by_role("list", name="Media to post")).to_have_count(0)
        assert not errors, errors
        assert not refused, refused
    finally:
        ctx_a.close()
        ctx_b.close()
