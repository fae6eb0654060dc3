"""Text rules: NFC normalisation, the characters user text may hold, the 280-character limit,
hashtags, mentions and links, and the handle format.

Characters (``clean``): user text is NFC-normalised; a lone surrogate (not Unicode at all) is a
422; C0 and C1 control characters (NUL included) and the bidirectional overrides and isolates
(U+202A-U+202E, U+2066-U+2069, which can make a name or a link read backwards) are removed;
newlines are kept in tweets and bios and removed from display names. A tweet that is blank once
they are gone (only whitespace, control or format characters) is refused as blank, unless it
carries media.

Links and the length are twitter-text's (``warbler.links.extract``): every URL counts as 23
characters toward the 280, and hashtags or mentions are never taken from inside a URL."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from warbler.errors import InvalidInput
from warbler.links import extract

MAX_TWEET_CHARS = extract.MAX_WEIGHTED_LENGTH
# \A...\Z, not ^...$: "$" also matches before a trailing newline ("alice\n"). Use fullmatch.
HANDLE_CHARS = "[A-Za-z0-9_]{1,15}"
HANDLE_RE = re.compile(rf"\A{HANDLE_CHARS}\Z")
# C0 and C1 controls (NUL included) and the bidi embedding/override/isolate controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A tag or mention must not continue a word: "a#b" and "mail@host" are neither.
_HASHTAG_RE = re.compile(r"(?<![\w&#])#(\w*[^\W\d_]\w*)", re.UNICODE)
_MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")


@dataclass(frozen=True)
class ParsedText:
    text: str
    hashtags: list[str]
    mention_handles: list[str]
    urls: list[str]  # expanded (with a scheme), in order


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def clean(raw: str, *, newlines: bool, what: str = "text") -> str:
    """``raw`` as stored: NFC, without control and bidi-override characters (see the module doc)."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} is not valid Unicode (a lone surrogate)") from None
    text = unicodedata.normalize("NFC", raw)
    return (_UNSAFE_BUT_NEWLINE if newlines else _UNSAFE).sub("", text)


def is_blank(text: str) -> bool:
    """Nothing a reader would see: whitespace and format characters (zero-width, joiners) only."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def _without_urls(text: str, spans: list[tuple[int, int, str]]) -> str:
    """The text with each URL blanked out (same length, so offsets stay valid)."""
    out = text
    for start, end, _ in spans:
        out = out[:start] + " " * (end - start) + out[end:]
    return out


def parse_tweet_text(raw: str, *, allow_empty: bool = False) -> ParsedText:
    """``allow_empty``: a tweet with media may have no text."""
    text = clean(raw, newlines=True)
    if is_blank(text):
        if not allow_empty:
            raise InvalidInput("text must not be blank")
        text = ""
    extract.check_length(text)
    without_urls = _without_urls(text, extract.url_spans(text))
    hashtags = _unique([tag.lower() for tag in _HASHTAG_RE.findall(without_urls)])
    mentions = _unique([handle for handle in _MENTION_RE.findall(without_urls)])
    urls = [found.expanded_url for found in extract.find_urls(text)]
    return ParsedText(text=text, hashtags=hashtags, mention_handles=mentions, urls=urls)


def validate_handle(handle: str) -> str:
    if not HANDLE_RE.fullmatch(handle):
        raise InvalidInput("handle must be 1-15 letters, digits or underscores")
    return handle


def handle_key(handle: str) -> str:
    return handle.lower()


def segments(text: str) -> list[tuple[str, str]]:
    """The text cut into ("text" | "url" | "hashtag" | "mention", value) pieces by the same
    rules as ``parse_tweet_text`` (hashtags and mentions never inside a URL), for renderers."""
    urls = extract.url_spans(text)
    spans: list[tuple[int, int, str, str]] = [(start, end, "url", written) for start, end, written in urls]
    without_urls = _without_urls(text, urls)
    spans += [(m.start(), m.end(), "hashtag", m.group(1)) for m in _HASHTAG_RE.finditer(without_urls)]
    spans += [(m.start(), m.end(), "mention", m.group(1)) for m in _MENTION_RE.finditer(without_urls)]
    out: list[tuple[str, str]] = []
    at = 0
    for start, end, kind, value in sorted(spans):
        if start < at:
            continue
        if start > at:
            out.append(("text", text[at:start]))
        out.append((kind, value))
        at = end
    if at < len(text):
        out.append(("text", text[at:]))
    return out
