"""The tweet and user search languages, compiled to OpenSearch queries.

Tweets: words are ANDed; ``"quoted phrases"``; ``#hashtag``; ``from:handle``; ``-word``,
``-"phrase"``, ``-#tag``, ``-from:handle`` exclude; ``since:YYYY-MM-DD`` (inclusive) and
``until:YYYY-MM-DD`` (exclusive). Anything malformed is a ``BadRequest`` before OpenSearch sees
it. ``top`` ranks by text relevance x (1 + 2*recency + ln(1+likes) + 2*ln(1+retweets)), recency
halving every day. Users: exact handle, then handle prefix, then display-name prefix.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from warbler.errors import BadRequest
from warbler.text import HANDLE_RE

MAX_QUERY_CHARS = 256
MAX_TERMS = 24
MAX_USER_QUERY_CHARS = 50

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HASHTAG_RE = re.compile(r"\w*[^\W\d_]\w*", re.UNICODE)
_HANDLE_PREFIX = re.compile(r"[a-z0-9_]{1,15}")
_WORDY = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Clauses:
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class TweetQuery:
    include: Clauses = field(default_factory=Clauses)
    exclude: Clauses = field(default_factory=Clauses)
    since: dt.date | None = None
    until: dt.date | None = None

    def normalised(self) -> str:
        """A canonical form: the same for every spelling of the same search (order, case, spacing)."""

        def render(c: Clauses, sign: str) -> list[str]:
            return (
                [f"{sign}{w}" for w in sorted(set(c.words))]
                + [f'{sign}"{p}"' for p in sorted(set(c.phrases))]
                + [f"{sign}#{h}" for h in sorted(set(c.hashtags))]
                + [f"{sign}from:{a}" for a in sorted(set(c.authors))]
            )

        parts = render(self.include, "") + render(self.exclude, "-")
        if self.since:
            parts.append(f"since:{self.since.isoformat()}")
        if self.until:
            parts.append(f"until:{self.until.isoformat()}")
        return " ".join(parts)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _tokens(q: str) -> list[tuple[bool, str, bool]]:
    """(negated, text, quoted) for each token; quotes must surround a whole phrase."""
    out: list[tuple[bool, str, bool]] = []
    i, n = 0, len(q)
    while i < n:
        if q[i].isspace():
            i += 1
            continue
        negated = q[i] == "-" and i + 1 < n and not q[i + 1].isspace()
        if negated:
            i += 1
        if q[i] == '"':
            end = q.find('"', i + 1)
            if end < 0:
                raise BadRequest("unbalanced quote in the query")
            phrase = " ".join(q[i + 1 : end].split())
            if not phrase:
                raise BadRequest("empty phrase in the query")
            out.append((negated, phrase, True))
            i = end + 1
            continue
        j = i
        while j < n and not q[j].isspace():
            j += 1
        token = q[i:j]
        if '"' in token:
            raise BadRequest("unbalanced quote in the query")
        out.append((negated, token, False))
        i = j
    return out


def _date(value: str, operator: str) -> dt.date:
    if not _DATE_RE.fullmatch(value):
        raise BadRequest(f"{operator}: takes a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{operator}:{value} is not a valid date") from None


def parse(q: str | None) -> TweetQuery:
    """Parse a tweet search; ``BadRequest`` with a message for anything malformed."""
    text = unicodedata.normalize("NFC", q or "").strip()
    if not text:
        raise BadRequest("q must not be empty")
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"q is limited to {MAX_QUERY_CHARS} characters")
    tokens = _tokens(text)
    if len(tokens) > MAX_TERMS:
        raise BadRequest(f"q is limited to {MAX_TERMS} terms")
    found: dict[bool, dict[str, list[str]]] = {
        flag: {"words": [], "phrases": [], "hashtags": [], "authors": []} for flag in (False, True)
    }
    since = until = None
    for negated, token, quoted in tokens:
        bucket = found[negated]
        if quoted:
            bucket["phrases"].append(_fold(token))
            continue
        operator, colon, value = token.partition(":")
        operator = operator.lower()
        if colon and operator in ("since", "until"):
            if negated:
                raise BadRequest(f"{operator}: cannot be negated")
            day = _date(value, operator)
            if (since if operator == "since" else until) is not None:
                raise BadRequest(f"{operator}: may appear once")
            if operator == "since":
                since = day
            else:
                until = day
        elif colon and operator == "from":
            handle = value.lstrip("@")
            if not HANDLE_RE.fullmatch(handle):
                raise BadRequest(f"from:{value} is not a valid handle")
            bucket["authors"].append(handle.lower())
        elif token.startswith("#"):
            tag = token[1:]
            if not _HASHTAG_RE.fullmatch(tag):
                raise BadRequest(f"{token} is not a valid hashtag")
            bucket["hashtags"].append(_fold(tag))
        elif _WORDY.search(token):
            bucket["words"].append(_fold(token))
        # A token with no letters or digits (say "!!!") matches nothing in the analyser: skip it.
    if since and until and since >= until:
        raise BadRequest("since: must be before until:")
    include = Clauses(*(tuple(v) for v in found[False].values()))
    exclude = Clauses(*(tuple(v) for v in found[True].values()))
    if not (include.words or include.phrases or include.hashtags or include.authors):
        raise BadRequest("q needs at least one word, phrase, #hashtag or from:handle to look for")
    return TweetQuery(include, exclude, since, until)


def _midnight(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00.000Z"


def tweet_filter(query: TweetQuery) -> dict[str, Any]:
    """The bool query for a parsed search (no ranking)."""
    inc, exc = query.include, query.exclude
    must: list[dict] = []
    if inc.words:
        must.append({"match": {"text": {"query": " ".join(inc.words), "operator": "and"}}})
    must += [{"match_phrase": {"text": p}} for p in inc.phrases]
    # Hashtags score a constant 1 so that a tag-only search still ranks by recency/engagement.
    must += [{"constant_score": {"filter": {"term": {"hashtags": h}}, "boost": 1.0}} for h in inc.hashtags]
    if not must:
        must.append({"match_all": {}})
    filters: list[dict] = []
    if inc.authors:
        filters.append({"terms": {"author_handle": list(dict.fromkeys(inc.authors))}})
    if query.since or query.until:
        bounds: dict[str, str] = {}
        if query.since:
            bounds["gte"] = _midnight(query.since)
        if query.until:
            bounds["lt"] = _midnight(query.until)
        filters.append({"range": {"created_at": bounds}})
    must_not: list[dict] = [{"match": {"text": {"query": w, "operator": "and"}}} for w in exc.words]
    must_not += [{"match_phrase": {"text": p}} for p in exc.phrases]
    if exc.hashtags:
        must_not.append({"terms": {"hashtags": list(exc.hashtags)}})
    if exc.authors:
        must_not.append({"terms": {"author_handle": list(exc.authors)}})
    body: dict[str, Any] = {"must": must}
    if filters:
        body["filter"] = filters
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def top_query(query: TweetQuery, now_ms: int) -> dict[str, Any]:
    """Relevance x (1 + 2*recency + ln(1+likes) + 2*ln(1+retweets)); recency halves each day."""
    return {
        "function_score": {
            "query": tweet_filter(query),
            "functions": [
                {"weight": 1},
                {"exp": {"created_at": {"origin": now_ms, "scale": "1d", "decay": 0.5}}, "weight": 2},
                {"field_value_factor": {"field": "like_count", "modifier": "log1p", "missing": 0}},
                {"field_value_factor": {"field": "retweet_count", "modifier": "log1p", "missing": 0}, "weight": 2},
            ],
            "score_mode": "sum",
            "boost_mode": "multiply",
        }
    }


# ---------------------------------------------------------------------------------------------


def user_query(q: str | None) -> tuple[str, dict[str, Any]]:
    """The normalised prefix and the query: exact handle 4, handle prefix 2, display-name prefix 1."""
    prefix = _fold(q or "").strip().lstrip("@").strip()
    if not prefix:
        raise BadRequest("q must not be empty")
    if len(prefix) > MAX_USER_QUERY_CHARS:
        raise BadRequest(f"q is limited to {MAX_USER_QUERY_CHARS} characters for users")
    prefix = " ".join(prefix.split())
    queries: list[dict] = [
        {"constant_score": {"filter": {"match_phrase_prefix": {"display_name": {"query": prefix}}}, "boost": 1.0}}
    ]
    if _HANDLE_PREFIX.fullmatch(prefix):
        queries.append({"constant_score": {"filter": {"prefix": {"handle": prefix}}, "boost": 2.0}})
        queries.append({"constant_score": {"filter": {"term": {"handle": prefix}}, "boost": 4.0}})
    # dis_max: a user scores their best kind of match, not the sum (a display name that defaults
    # to the handle must not outrank a better-followed account with the same handle prefix).
    return prefix, {"dis_max": {"queries": queries, "tie_breaker": 0.0}}
