"""Terms of a tweet for trends: its hashtags, and its topics (significant words and two-word
phrases). Stop words are a data file beside this module (``stop_words.txt``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

MAX_TOPICS_PER_TWEET = 40


def _load_stop_words() -> frozenset[str]:
    lines = (Path(__file__).with_name("stop_words.txt").read_text(encoding="utf-8")).splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


STOP_WORDS = _load_stop_words()

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TAG_OR_MENTION_RE = re.compile(r"[#@]\w+")
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]+")  # a word, or a run of punctuation


def _significant(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and word not in STOP_WORDS


def topics(text: str) -> list[str]:
    """Significant words and two-word phrases of ``text``, lower-cased, in order, unique.

    URLs, @mentions and #hashtags (counted as hashtags) are removed first; a phrase is two
    adjacent significant words, so "the new york marathon" gives new, york, marathon,
    "new york", "york marathon"."""
    cleaned = _TAG_OR_MENTION_RE.sub(" | ", _URL_RE.sub(" | ", text.lower().replace("\u2019", "'")))
    words: list[str | None] = []  # None: a stop word or punctuation, which breaks a phrase
    for token in _TOKEN_RE.findall(cleaned):
        word = token.removesuffix("'s") if token[0].isalnum() else ""
        words.append(word if _significant(word) else None)
    out: dict[str, None] = {}
    for i, word in enumerate(words):
        if word is None:
            continue
        out.setdefault(word, None)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is not None:
            out.setdefault(f"{word} {nxt}", None)
    return list(out)[:MAX_TOPICS_PER_TWEET]


def hashtags(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t.lower().lstrip("#") for t in tags if t and t.strip("#")))
