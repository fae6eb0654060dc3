"""Finding links in tweet text and counting its weighted length, with twitter-text's rules.

``twitter-text-parser`` ports Twitter's own twitter-text (config v3): its URL extractor knows the
TLD list, trailing punctuation, parentheses and IDNs. The length counts every URL it finds as
``transformedURLLength`` (23) characters, as twitter-text v3 does, and every other character as
one code point - the web client's counter (web/src/lib/text.ts) counts the same way; twitter-text's
weight of 2 for CJK and emoji is deliberately not applied, so both sides agree. Only ``http`` and
``https`` links (or bare domains, which Twitter links as ``http://``) are ever found: the extractor
does not match ``javascript:``, ``data:`` or any other scheme, and ``safe_target`` re-checks every
URL before it is stored or redirected to.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import twitter_text

from warbler.errors import InvalidInput

MAX_URL_LENGTH = 2048
MAX_WEIGHTED_LENGTH = 280
TRANSFORMED_URL_LENGTH = 23
_DISPLAY_CHARS = 26
_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class FoundUrl:
    text: str  # as written in the tweet
    expanded_url: str  # with a scheme
    display_url: str
    start: int  # code point offsets into the text
    end: int


def safe_target(url: str) -> bool:
    """An absolute http(s) URL with a host, no control characters, at most 2,048 characters."""
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in _SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def _display(expanded: str) -> str:
    shown = expanded.split("://", 1)[-1]
    shown = shown.removeprefix("www.")
    return shown if len(shown) <= _DISPLAY_CHARS else shown[: _DISPLAY_CHARS - 1] + "…"


def url_spans(text: str) -> list[tuple[int, int, str]]:
    """Where twitter-text sees a URL: ``(start, end, as written)``, whatever its length or target."""
    return [(m["indices"][0], m["indices"][1], m["url"]) for m in twitter_text.extract_urls_with_indices(text)]


def find_urls(text: str) -> list[FoundUrl]:
    """Every link in ``text``, in order; a link over 2,048 characters is a 422."""
    found = []
    for start, end, written in url_spans(text):
        expanded = written if "://" in written else f"http://{written}"
        if len(expanded) > MAX_URL_LENGTH:
            raise InvalidInput(f"a link is longer than {MAX_URL_LENGTH} characters")
        if not safe_target(expanded):
            continue  # not a link we would follow: it stays plain text
        found.append(FoundUrl(written, expanded, _display(expanded), start, end))
    return found


def weighted_length(text: str) -> int:
    """The length of a tweet: each URL as 23 characters, everything else one per code point."""
    spans = url_spans(text)
    return len(text) - sum(end - start for start, end, _ in spans) + TRANSFORMED_URL_LENGTH * len(spans)


def check_length(text: str) -> None:
    length = weighted_length(text)
    if length > MAX_WEIGHTED_LENGTH:
        raise InvalidInput(
            f"text is {length} characters (each link counts as {TRANSFORMED_URL_LENGTH}); "
            f"the limit is {MAX_WEIGHTED_LENGTH}"
        )
