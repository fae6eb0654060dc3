"""CORS for any origin on Mastodon's client paths, as Mastodon allows it (rack-cors with
``origins '*'`` on ``/api/*``, ``/.well-known/*`` and ``/oauth/token``): browser clients served
from an origin of their own (Elk, Phanpy) call the instance directly. No credentials are involved
(Mastodon tokens are bearer tokens, never cookies), so ``*`` lends a page no authority.

The gateways answer the preflight (infra.catalog.ANY_ORIGIN_CORS declares it for both, and
tests/infra/test_mastodon_parity.py holds these values equal to it); a Lambda proxy response must
carry Access-Control-Allow-Origin itself, which is what ``with_cors`` adds. Any other path of a
Mastodon function (the HTML sign-in page, NodeInfo) keeps the native rule: the web client's
origin only (``warbler.api.with_cors``)."""

from __future__ import annotations

from warbler import api

PREFIXES = ("/api/", "/.well-known/")
PATHS = ("/oauth/token",)
EXPOSE_HEADERS = ("Link", "X-RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-Id")

_ANY_ORIGIN = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": ",".join(EXPOSE_HEADERS)}


def covers(path: str) -> bool:
    return path in PATHS or path.startswith(PREFIXES)


def with_cors(event: dict, response: dict) -> dict:
    """``response`` readable by a page of any origin when the route's path is covered."""
    if not covers(event.get("resource") or ""):
        return api.with_cors(event, response)
    if response.get("multiValueHeaders"):
        response["multiValueHeaders"].update({k: [v] for k, v in _ANY_ORIGIN.items()})
    else:
        response["headers"] = {**(response.get("headers") or {}), **_ANY_ORIGIN}
    return response
