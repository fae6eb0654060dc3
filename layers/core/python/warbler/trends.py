"""Trending hashtags and topics: what is used now far more than its own baseline.

Two halves, joined by Redis (``warbler.adapters.trend_store``):

* ``aggregate(events)`` — from the activity stream: every post, reply, quote and retweet adds one
  *use* and its author's account to each of its terms, in the time bucket of the event's ``at``.
  Counting is exactly-once per event id, so a redelivered batch changes nothing.
* ``rank(kind, now)`` — on a schedule: scores each candidate term and stores the ranking that
  ``top(kind, limit)`` serves with one Redis read.

The score (docs/trends.md), per term, with B-minute buckets::

    observed = distinct accounts in the last R buckets              (HyperLogLog union)
    expected = max(floor, mean accounts per R buckets over the 24 h before them)
    raw      = (observed - expected)^2 / expected   if observed >= min_accounts and observed > expected, else 0
    score    = max(raw, previous peak * 0.5 ** (time since the peak / half-life))

A term below ``min_accounts`` distinct accounts never scores, however often it is used; a term
that is steadily large expects what it observes and scores ~0; a finished burst halves every
half-life and leaves the ranking below ``min_score``.

Replies count: a reply is an account choosing to write about the term, and the distinct-account
threshold stops two people in one thread from making it trend. Likes do not (they add no words),
nor do deletes and un-retweets take uses back: a trend is what was said, as it was said.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from warbler import activity, clock, tweets
from warbler.adapters.trend_store import Retention, TrendStore, Uses
from warbler.errors import InvalidInput
from warbler.settings import get_settings

HASHTAGS, TOPICS = "hashtags", "topics"
KINDS = (HASHTAGS, TOPICS)
COUNTED = frozenset({activity.POST, activity.REPLY, activity.QUOTE, activity.RETWEET})
MAX_TOPICS_PER_TWEET = 40
DEFAULT_LIMIT = 10

# English stop words (the usual function words, contractions included) and microblog filler.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "ago",
        "all",
        "almost",
        "also",
        "am",
        "among",
        "an",
        "and",
        "another",
        "any",
        "anybody",
        "anyone",
        "anything",
        "anyway",
        "anywhere",
        "are",
        "aren't",
        "around",
        "as",
        "at",
        "back",
        "be",
        "became",
        "because",
        "become",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "came",
        "can",
        "can't",
        "cannot",
        "come",
        "could",
        "couldn't",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "done",
        "down",
        "during",
        "each",
        "either",
        "else",
        "enough",
        "even",
        "ever",
        "every",
        "everyone",
        "everything",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "go",
        "goes",
        "going",
        "gone",
        "got",
        "gotta",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "he",
        "he'd",
        "he'll",
        "he's",
        "her",
        "here",
        "here's",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "how's",
        "however",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "just",
        "know",
        "least",
        "less",
        "let",
        "let's",
        "like",
        "likely",
        "lol",
        "made",
        "make",
        "makes",
        "many",
        "may",
        "maybe",
        "me",
        "might",
        "mine",
        "more",
        "most",
        "much",
        "must",
        "mustn't",
        "my",
        "myself",
        "near",
        "need",
        "needs",
        "neither",
        "never",
        "no",
        "nobody",
        "none",
        "nor",
        "not",
        "nothing",
        "now",
        "of",
        "off",
        "often",
        "oh",
        "ok",
        "okay",
        "on",
        "once",
        "one",
        "only",
        "onto",
        "or",
        "other",
        "others",
        "otherwise",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "please",
        "quite",
        "rather",
        "really",
        "rt",
        "said",
        "same",
        "say",
        "says",
        "see",
        "seem",
        "seems",
        "shall",
        "shan't",
        "she",
        "she'd",
        "she'll",
        "she's",
        "should",
        "shouldn't",
        "since",
        "so",
        "some",
        "somebody",
        "someone",
        "something",
        "sometimes",
        "soon",
        "still",
        "such",
        "sure",
        "take",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they'd",
        "they'll",
        "they're",
        "they've",
        "thing",
        "things",
        "think",
        "this",
        "those",
        "though",
        "through",
        "thru",
        "to",
        "today",
        "too",
        "toward",
        "towards",
        "u",
        "under",
        "until",
        "up",
        "upon",
        "ur",
        "us",
        "use",
        "used",
        "using",
        "very",
        "via",
        "want",
        "wants",
        "was",
        "wasn't",
        "way",
        "we",
        "we'd",
        "we'll",
        "we're",
        "we've",
        "well",
        "went",
        "were",
        "weren't",
        "what",
        "what's",
        "whatever",
        "when",
        "when's",
        "where",
        "where's",
        "whether",
        "which",
        "while",
        "who",
        "who's",
        "whoever",
        "whole",
        "whom",
        "whose",
        "why",
        "why's",
        "will",
        "with",
        "within",
        "without",
        "won't",
        "would",
        "wouldn't",
        "yeah",
        "yes",
        "yet",
        "you",
        "you'd",
        "you'll",
        "you're",
        "you've",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TAG_OR_MENTION_RE = re.compile(r"[#@]\w+")
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]+")  # a word, or a run of punctuation


# -- terms --------------------------------------------------------------------------------


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


# -- buckets ------------------------------------------------------------------------------


def bucket_of(moment: datetime) -> int:
    return int(moment.timestamp()) // get_settings().trends_bucket_seconds


def _window_buckets() -> int:
    s = get_settings()
    return max(1, s.trends_window_seconds // s.trends_bucket_seconds)


def retention() -> Retention:
    s = get_settings()
    recent = s.trends_recent_buckets * s.trends_bucket_seconds
    kept = _window_buckets() + 2 * s.trends_recent_buckets
    return Retention(
        hash_ttl=s.trends_window_seconds + 2 * recent + s.trends_dedupe_seconds,
        bucket_ttl=recent + s.trends_bucket_seconds + s.trends_dedupe_seconds,
        buckets_kept=kept,
    )


# -- aggregation --------------------------------------------------------------------------


def terms_of(event: dict, originals: dict[str, dict]) -> dict[str, list[str]]:
    """The hashtags and topics one activity event uses; a retweet uses its original's."""
    if event.get("type") not in COUNTED:
        return {}
    source = event
    if event["type"] == activity.RETWEET:
        source = originals.get(event.get("tweet_id") or "", {})
    return {HASHTAGS: hashtags(source.get("hashtags") or []), TOPICS: topics(source.get("text") or "")}


def aggregate(events: Sequence[dict], store: TrendStore | None = None) -> int:
    """Count a batch of activity events into the buckets of their ``at``; returns the uses
    counted (before deduplication). Safe to repeat: each event id counts once per term."""
    counted = [e for e in events if e.get("type") in COUNTED]
    retweeted = [e["tweet_id"] for e in counted if e["type"] == activity.RETWEET and e.get("tweet_id")]
    originals = tweets.records(retweeted) if retweeted else {}
    groups: dict[tuple[str, str, int], list[tuple[str, str]]] = defaultdict(list)
    for event in counted:
        bucket = bucket_of(clock.parse_iso(event["at"]))
        for kind, terms in terms_of(event, originals).items():
            for term in terms:
                groups[(kind, term, bucket)].append((event["event_id"], event["actor_id"]))
    uses = [Uses(kind, term, bucket, pairs) for (kind, term, bucket), pairs in groups.items()]
    (store or TrendStore()).count(uses, retention())
    return sum(len(u.events) for u in uses)


# -- scoring and ranking ------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    name: str
    score: float
    uses: int  # in the observation window (the last R buckets)
    accounts: int  # distinct, in the observation window
    history: list[int]  # uses per bucket over the last 24 h, oldest first


def raw_score(observed: float, expected: float) -> float:
    """(observed - expected)^2 / expected, when enough accounts use the term more than expected."""
    s = get_settings()
    expected = max(expected, s.trends_expected_floor)
    if observed < s.trends_min_accounts or observed <= expected:
        return 0.0
    return (observed - expected) ** 2 / expected


def decayed(peak: float, peak_at: float, now: float) -> float:
    return peak * 0.5 ** (max(0.0, now - peak_at) / get_settings().trends_half_life_seconds)


def _peak(raw: str | None) -> tuple[float, float]:
    if not raw:
        return 0.0, 0.0
    score, at = raw.split("|", 1)
    return float(score), float(at)


def rank(kind: str, now: datetime | None = None, store: TrendStore | None = None) -> list[Trend]:
    """Score the kind's candidates as of ``now`` and publish the ranking and peaks."""
    s = get_settings()
    store = store or TrendStore()
    moment = now or clock.now()
    at = moment.timestamp()
    window, r = _window_buckets(), s.trends_recent_buckets
    current = bucket_of(moment)
    recent = list(range(current - r + 1, current + 1))
    baseline = list(range(current - r - window + 1, current - r + 1))
    history = list(range(current - window + 1, current + 1))

    peaks = {term: _peak(v) for term, v in store.state(kind).items()}
    candidates = sorted(set(store.active(kind, recent, s.trends_min_accounts)) | set(peaks))
    observed = store.observe(kind, candidates, recent, baseline)

    scored: dict[str, tuple[float, int]] = {}
    state: dict[str, str] = {}
    for term in candidates:
        accounts, base = observed[term]
        expected = sum(base) / window * r
        raw = raw_score(accounts, expected)
        peak, peak_at = peaks.get(term, (0.0, 0.0))
        fading = decayed(peak, peak_at, at)
        if raw >= fading and raw > 0:
            peak, peak_at, fading = raw, at, raw
        if fading >= s.trends_min_score and math.isfinite(fading):
            scored[term] = (fading, accounts)
            state[term] = f"{peak!r}|{peak_at!r}"

    top = sorted(scored, key=lambda t: (-scored[t][0], t))[: s.trends_ranking_size]
    uses = store.uses(kind, top, history)
    ranking = [
        Trend(term, round(scored[term][0], 3), sum(uses[term][-r:]), scored[term][1], uses[term]) for term in top
    ]
    store.publish(kind, state, json.dumps({"at": clock.iso(moment), "items": [asdict(t) for t in ranking]}))
    return ranking


def rank_all(now: datetime | None = None, store: TrendStore | None = None) -> dict[str, int]:
    store = store or TrendStore()
    return {kind: len(rank(kind, now, store)) for kind in KINDS}


# -- reading ------------------------------------------------------------------------------


def top(kind: str, limit: int | None = None, store: TrendStore | None = None) -> dict:
    """The precomputed ranking: one Redis GET."""
    size = get_settings().trends_ranking_size
    if kind not in KINDS:
        raise InvalidInput(f"type must be one of {', '.join(KINDS)}")
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= size:
        raise InvalidInput(f"limit must be between 1 and {size}")
    raw = (store or TrendStore()).ranking(kind)
    ranking = json.loads(raw) if raw else {"items": []}
    return {"items": ranking["items"][:limit]}
