"""Short links: wrapping the URLs of a tweet, and resolving a key for the redirect.

``link_urls`` is what tweet posting calls: every http(s) URL in the text (found by
``warbler.links.extract``) gets a key from this instance's ``KeyPool``, unless the URL has one
already - the same expanded URL always maps to the same key, so a retried or redelivered post
burns no new key. ``redirect`` resolves a key and queues its ``click`` event without waiting.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from warbler import clock, ids
from warbler.activity.store import ActivityStream
from warbler.errors import NotFound
from warbler.links import keys
from warbler.links.clicks import ClickQueue
from warbler.links.extract import find_urls, safe_target
from warbler.links.kgs import KeyPool
from warbler.links.store import Claim, Link, LinkStore
from warbler.settings import get_settings

CLICK = "click"
# A 301 a CDN (and browsers) may keep for a day: a key's target never changes.
REDIRECT_HEADERS = {
    "Cache-Control": "public, max-age=86400, s-maxage=86400",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_MAX_CLAIM_ATTEMPTS = 5
_RESOLVED_CACHE = 10_000


class Shortener:
    """Keys for URLs: one instance per function instance (its ``KeyPool`` is its block)."""

    def __init__(self, store: LinkStore, pool: KeyPool) -> None:
        self.store, self.pool = store, pool

    def keys_for(self, urls: Sequence[str], tweet_id: str | None) -> dict[str, str]:
        wanted = list(dict.fromkeys(urls))
        found = self.store.keys_for(wanted)
        at = clock.now_iso()
        for url in wanted:
            if url not in found:
                found[url] = self._claim(url, tweet_id, at)
        return found

    def _claim(self, url: str, tweet_id: str | None, at: str) -> str:
        for _ in range(_MAX_CLAIM_ATTEMPTS):
            key = self.pool.take()
            outcome = self.store.claim(key, url, tweet_id, at)
            if outcome is Claim.CLAIMED:
                return key
            if outcome is Claim.URL_TAKEN:  # a concurrent post of the same URL won: share its key
                self.pool.give_back(key)
                existing = self.store.keys_for([url]).get(url)
                if existing:
                    return existing
            # KEY_TAKEN: the key is burnt; draw the next one.
        raise RuntimeError(f"could not claim a short key for a URL after {_MAX_CLAIM_ATTEMPTS} attempts")


_lock = threading.Lock()
_shortener: Shortener | None = None
_clicks: ClickQueue | None = None
_resolved: OrderedDict[str, Link] = OrderedDict()


def shortener() -> Shortener:
    global _shortener
    with _lock:
        if _shortener is None:
            store = LinkStore()
            _shortener = Shortener(store, KeyPool(store, get_settings().link_key_block_size))
        return _shortener


def short_url(key: str) -> str:
    return f"{get_settings().short_link_base_url.rstrip('/')}/s/{key}"


def link_urls(text: str, tweet_id: str | None, using: Shortener | None = None) -> list[dict]:
    """The ``urls`` entities of a tweet: ``[{url, expanded_url, display_url, indices}]``."""
    found = find_urls(text)
    if not found:
        return []
    by_url = (using or shortener()).keys_for([f.expanded_url for f in found], tweet_id)
    return [
        {
            "url": short_url(by_url[f.expanded_url]),
            "expanded_url": f.expanded_url,
            "display_url": f.display_url,
            "indices": [f.start, f.end],
        }
        for f in found
    ]


def resolve(key: str, store: LinkStore | None = None) -> Link:
    """The link behind ``key``; keys never change target, so resolved links are kept in memory."""
    if not keys.is_key(key):
        raise NotFound("no such link")
    with _lock:
        cached = _resolved.get(key)
    if cached is not None:
        return cached
    link = (store or LinkStore()).resolve(key)
    if link is None or not safe_target(link.url):
        raise NotFound("no such link")
    with _lock:
        _resolved[key] = link
        while len(_resolved) > _RESOLVED_CACHE:
            _resolved.popitem(last=False)
    return link


def _send_clicks(events: Sequence[dict]) -> None:
    ActivityStream().put_keyed([(e["key"], e) for e in events])


def clicks() -> ClickQueue:
    global _clicks
    with _lock:
        if _clicks is None:
            _clicks = ClickQueue(_send_clicks)
        return _clicks


def click_event(link: Link, actor_id: str | None) -> dict:
    """The activity event of one redirect (analytics reads these fields)."""
    return {
        "event_id": ids.new_id(),
        "type": CLICK,
        "actor_id": actor_id,
        "key": link.key,
        "tweet_id": link.tweet_id,
        "at": clock.now_iso(),
    }


def redirect(key: str, actor_id: str | None = None) -> Link:
    """Resolve ``key`` for a 301 and queue its click; the caller does not wait for the stream."""
    link = resolve(key)
    clicks().put(click_event(link, actor_id))
    return link
