"""Search: the query language, ranking, paging, the result cache, and keeping the index in step.

Query language (tweets): words are ANDed; ``"quoted phrases"``; ``#hashtag``; ``from:handle``;
``-word``, ``-"phrase"``, ``-#tag``, ``-from:handle`` exclude; ``since:YYYY-MM-DD`` (inclusive)
and ``until:YYYY-MM-DD`` (exclusive). Anything malformed is a ``BadRequest`` before OpenSearch
sees it.

Ranking: ``latest`` is newest first (the snowflake id, exact), paged with ``search_after``.
``top`` = text relevance x (1 + 2*recency + ln(1+likes) + 2*ln(1+retweets)), recency halving
every day; its cursor pins "now" so later pages rank alike, and pages by offset up to
``search_max_depth`` (scores are floats, a poor ``search_after`` key). Users: exact handle,
then handle prefix, then display-name prefix, followers count breaking ties.

The index only decides *which* ids match: results are hydrated like timelines (a deleted tweet
drops out even if the index lags), and the Redis cache holds ids, never views, for
``search_cache_seconds``, keyed by the normalised query. Empty results are not cached: they are
cheap, and they are what someone waiting for a fresh post keeps asking.

Indexing is state-based: an activity event only says *which* tweet changed; the indexer reads
that tweet's current record and indexes it whole (or deletes it if it is gone), so redelivery
and reordering converge on the same document.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from warbler import pagination, tweets, users
from warbler.adapters import opensearch
from warbler.adapters.dynamo import FollowModel, TweetModel
from warbler.adapters.redis_store import RedisErrors, client
from warbler.errors import BadRequest
from warbler.pagination import Page
from warbler.settings import get_settings
from warbler.text import HANDLE_RE

MAX_QUERY_CHARS = 256
MAX_TERMS = 24
MAX_USER_QUERY_CHARS = 50
TYPES = ("tweets", "users")
SORTS = ("top", "latest")
CACHE_PREFIX = "search:"  # search:{<sha1 of the normalised request>}: JSON {ids, next}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HASHTAG_RE = re.compile(r"^\w*[^\W\d_]\w*$", re.UNICODE)
_HANDLE_PREFIX = re.compile(r"[a-z0-9_]{1,15}")
_WORDY = re.compile(r"\w", re.UNICODE)
_DAY_MS = 24 * 3600 * 1000


# ---------------------------------------------------------------------------------------------
# The query language


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
    if not _DATE_RE.match(value):
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
            if not HANDLE_RE.match(handle):
                raise BadRequest(f"from:{value} is not a valid handle")
            bucket["authors"].append(handle.lower())
        elif token.startswith("#"):
            tag = token[1:]
            if not _HASHTAG_RE.match(tag):
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
# Cursors


def _decode(cursor: str | None, kind: str) -> dict | None:
    value = pagination.decode(cursor)
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("k") != kind:
        raise BadRequest("cursor does not belong to this search")
    return value


def _search_after(value: dict | None, shape: tuple[type, ...]) -> list | None:
    if value is None:
        return None
    after = value.get("a")
    if not isinstance(after, list) or len(after) != len(shape):
        raise BadRequest("cursor is not valid")
    if not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(after, shape, strict=True)):
        raise BadRequest("cursor is not valid")
    return after


# ---------------------------------------------------------------------------------------------
# Searching


@dataclass(frozen=True)
class IdPage:
    ids: list[str]
    next_cursor: str | None


def _latest(query: TweetQuery, limit: int, cursor: str | None) -> IdPage:
    after = _search_after(_decode(cursor, "latest"), (str,))
    body: dict[str, Any] = {
        "query": tweet_filter(query),
        "sort": [{"tid": "desc"}],
        "size": limit + 1,
        "_source": False,
        "track_total_hits": False,
    }
    if after:
        body["search_after"] = after
    hits = opensearch.search(opensearch.TWEETS, body)
    page = hits[:limit]
    more = len(hits) > limit
    next_cursor = pagination.encode({"k": "latest", "a": page[-1]["sort"]}) if more else None
    return IdPage([h["_id"] for h in page], next_cursor)


def _top(query: TweetQuery, limit: int, cursor: str | None) -> IdPage:
    state = _decode(cursor, "top")
    max_depth = get_settings().search_max_depth
    if state is None:
        offset, now_ms = 0, int(time.time() * 1000)
    else:
        o, t = state.get("o"), state.get("t")
        if not isinstance(o, int) or not isinstance(t, int) or not 0 <= o < max_depth:
            raise BadRequest("cursor is not valid")
        offset, now_ms = o, t
    size = min(limit, max_depth - offset)
    body = {
        "query": top_query(query, now_ms),
        "sort": ["_score", {"tid": "desc"}],
        "from": offset,
        "size": size + 1,
        "_source": False,
        "track_total_hits": False,
    }
    hits = opensearch.search(opensearch.TWEETS, body)
    page = hits[:size]
    more = len(hits) > size and offset + size < max_depth
    next_cursor = pagination.encode({"k": "top", "o": offset + size, "t": now_ms}) if more else None
    return IdPage([h["_id"] for h in page], next_cursor)


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


def _users(q: str | None, limit: int, cursor: str | None) -> tuple[str, IdPage]:
    prefix, query = user_query(q)
    after = _search_after(_decode(cursor, "users"), (float, int, str)) if cursor else None
    body: dict[str, Any] = {
        "query": query,
        "sort": ["_score", {"followers_count": "desc"}, {"uid": "asc"}],
        "size": limit + 1,
        "_source": False,
        "track_total_hits": False,
    }
    if after:
        body["search_after"] = after
    hits = opensearch.search(opensearch.USERS, body)
    page = hits[:limit]
    more = len(hits) > limit
    next_cursor = None
    if more:
        score, followers, uid = page[-1]["sort"]
        next_cursor = pagination.encode({"k": "users", "a": [float(score), int(followers), str(uid)]})
    return prefix, IdPage([h["_id"] for h in page], next_cursor)


def _cache_key(*parts: object) -> str:
    digest = hashlib.sha1(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
    return f"{CACHE_PREFIX}{{{digest}}}"


def _cached(key: str) -> IdPage | None:
    try:
        raw = client().get(key)
    except RedisErrors:
        return None
    if not raw:
        return None
    value = json.loads(raw)
    return IdPage(list(value["ids"]), value["next"])


def _remember(key: str, page: IdPage) -> None:
    ttl = get_settings().search_cache_seconds
    if not page.ids or ttl <= 0:
        return
    with contextlib.suppress(*RedisErrors):
        client().set(key, json.dumps({"ids": page.ids, "next": page.next_cursor}), ex=ttl)


def _ids(key: str, run) -> IdPage:
    cached = _cached(key)
    if cached is not None:
        return cached
    try:
        page: IdPage = run()
    except opensearch.QueryRejected:
        raise BadRequest("the search engine could not run this query") from None
    _remember(key, page)
    return page


def search(caller_id: str, q: str | None, kind: str | None, sort: str | None, limit: int, cursor: str | None) -> Page:
    """``GET /search``: Tweet or User views in rank order, with an opaque cursor."""
    kind = kind or "tweets"
    sort = sort or "top"
    if kind not in TYPES:
        raise BadRequest(f"type must be one of {', '.join(TYPES)}")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    if kind == "users":
        prefix, _ = user_query(q)
        page = _ids(_cache_key("users", prefix, limit, cursor), lambda: _users(q, limit, cursor)[1])
        return Page(user_views(caller_id, page.ids), page.next_cursor)
    query = parse(q)
    run = _latest if sort == "latest" else _top
    page = _ids(_cache_key("tweets", sort, query.normalised(), limit, cursor), lambda: run(query, limit, cursor))
    return Page(tweets.hydrate(page.ids, caller_id), page.next_cursor)


def user_views(caller_id: str, user_ids: Sequence[str]) -> list[dict]:
    people = users.users_by_id(user_ids)
    others = [u for u in dict.fromkeys(user_ids) if u in people and u != caller_id]
    following = {e.followee_id for e in FollowModel.batch_get([(caller_id, u) for u in others])} if others else set()
    return [users.user_view(people[u], (u in following) if u != caller_id else None) for u in user_ids if u in people]


# ---------------------------------------------------------------------------------------------
# Indexing

_TWEET_EVENTS = {"post", "reply", "quote", "delete", "like", "unlike", "retweet", "unretweet"}
_USER_FIELDS = ("handle", "display_name", "followers_count", "created_at")


def tweets_touched(event: dict) -> list[str]:
    """The tweets whose document an activity event may change (itself, and the parent whose
    reply/quote count moved)."""
    if event.get("type") not in _TWEET_EVENTS or not event.get("tweet_id"):
        return []
    touched = [str(event["tweet_id"])]
    if event["type"] in ("reply", "quote") and event.get("parent_id"):
        touched.append(str(event["parent_id"]))
    return touched


def tweet_document(rec: dict, handle: str) -> dict[str, Any]:
    kind = "reply" if rec.get("reply_to_id") else "quote" if rec.get("quote_of_id") else "post"
    return {
        "tid": rec["id"],
        "author_id": rec["author_id"],
        "author_handle": handle.lower(),
        "text": rec["text"],
        "hashtags": [h.lower() for h in rec.get("hashtags") or []],
        "kind": kind,
        "created_at": rec["created_at"],
        **{name: int(rec.get(name) or 0) for name in ("like_count", "retweet_count", "reply_count", "quote_count")},
    }


def tweet_actions(tweet_ids: Iterable[str]) -> list[opensearch.BulkItem]:
    """Index each tweet as it is now in DynamoDB, or delete it if it is gone. Retweets (which are
    tweets of their own) are not searchable content and are never indexed."""
    wanted = list(dict.fromkeys(tweet_ids))
    if not wanted:
        return []
    current = {t.tweet_id: tweets.record(t) for t in TweetModel.batch_get(wanted, consistent_read=True)}
    live = {tid: rec for tid, rec in current.items() if not rec.get("retweet_of_id")}
    cards = users.cards({rec["author_id"] for rec in live.values()})
    items = []
    for tid in wanted:
        rec = live.get(tid)
        author = cards.get(rec["author_id"]) if rec else None
        if rec is None or author is None:
            items.append(opensearch.BulkItem(opensearch.TWEETS, tid, None))
        else:
            items.append(opensearch.BulkItem(opensearch.TWEETS, tid, tweet_document(rec, author["handle"])))
    return items


def user_document(image: dict) -> dict[str, Any]:
    return {
        "uid": image["user_id"],
        "handle": image["handle"],
        "display_name": image.get("display_name") or image["handle"],
        "followers_count": int(image.get("followers_count") or 0),
        "created_at": image["created_at"],
    }


def user_action(change: str, old: dict | None, new: dict | None) -> opensearch.BulkItem | None:
    """The action for one users-table stream record; None when no searchable field changed
    (``last_seen_at`` and friends move on every read)."""
    if change == "REMOVE" or not new:
        user_id = (old or {}).get("user_id")
        return opensearch.BulkItem(opensearch.USERS, user_id, None) if user_id else None
    if change == "MODIFY" and old and all(old.get(f) == new.get(f) for f in _USER_FIELDS):
        return None
    return opensearch.BulkItem(opensearch.USERS, new["user_id"], user_document(new))
