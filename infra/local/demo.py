"""Seed a small social graph through the public HTTP API, as a client would.

Going through the API (not the tables) proves the endpoints work end to end and leaves the
stream consumers to build timelines exactly as they would for real users. Any failing call
stops the seeding with an error naming the request and the API's answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.stack import LocalStack

PASSWORD = "warbler-demo-1"
HANDLES = ("ada", "grace", "linus", "margaret", "alan")
FOLLOWS = {  # follower -> followees
    "ada": ("grace", "linus", "margaret", "alan"),
    "grace": ("ada", "margaret"),
    "linus": ("ada",),
    "margaret": ("grace", "alan"),
    "alan": ("ada", "grace"),
}
TWEETS = {
    "grace": ("It's easier to ask forgiveness than it is to get permission. #computing",),
    "margaret": ("There was no choice but to be pioneers. #apollo",),
    "alan": ("We can only see a short distance ahead, but we can see plenty there that needs to be done.",),
    "linus": ("Talk is cheap. Show me the code. #opensource",),
    "ada": ("The Analytical Engine weaves algebraic patterns. @grace @alan",),
}


class DemoError(RuntimeError):
    """A demo request failed; the message names the request and the API's answer."""


@dataclass
class DemoResult:
    token: str  # ID token of the first demo user, ready for Authorization: Bearer
    handle: str
    tokens: dict[str, str] = field(default_factory=dict)


def _call(base_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            text = resp.read().decode()
    except urllib.error.HTTPError as exc:
        raise DemoError(f"{method} {path} -> {exc.code}: {exc.read().decode()[:500]}") from None
    except urllib.error.URLError as exc:
        raise DemoError(f"{method} {path} -> {exc.reason}") from None
    return json.loads(text) if text else None


def _sign_up_or_log_in(base_url: str, handle: str) -> str:
    body = {"handle": handle, "password": PASSWORD, "display_name": handle.title()}
    try:
        answer = _call(base_url, "POST", "/auth/signup", body)
    except DemoError as signup_error:
        # Seeding twice against the same stack: the handle is taken, so log in instead.
        try:
            answer = _call(base_url, "POST", "/auth/login", {"handle": handle, "password": PASSWORD})
        except DemoError as login_error:
            raise DemoError(f"{signup_error}; then {login_error}") from None
    if not isinstance(answer, dict) or not answer.get("token"):
        raise DemoError(f"POST /auth/signup for {handle} answered without a token: {answer!r:.300}")
    return str(answer["token"])


def seed(base_url: str, stack: LocalStack | None = None) -> DemoResult:
    """Users, follows and tweets through the REST API; waits for the streams to settle."""
    tokens = {handle: _sign_up_or_log_in(base_url, handle) for handle in HANDLES}
    for follower, followees in FOLLOWS.items():
        for followee in followees:
            _call(base_url, "POST", f"/users/{followee}/follow", token=tokens[follower])
    for handle, texts in TWEETS.items():
        for text in texts:
            _call(base_url, "POST", "/tweets", {"text": text}, token=tokens[handle])
    if stack is not None:
        stack.wait_idle(30)
    first = HANDLES[0]
    return DemoResult(token=tokens[first], handle=first, tokens=tokens)
