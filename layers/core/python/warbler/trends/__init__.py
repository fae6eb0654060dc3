"""Trending hashtags and topics: what is used now far more than its own baseline.

Two halves, joined by Redis (``warbler.trends.store``); terms come from ``warbler.trends.terms``:

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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from warbler import activity, clock
from warbler.errors import InvalidInput
from warbler.settings import get_settings
from warbler.trends.store import CountRules, TrendStore, Uses
from warbler.trends.terms import hashtags, topics
from warbler.tweets import views

HASHTAGS, TOPICS = "hashtags", "topics"
KINDS = (HASHTAGS, TOPICS)
COUNTED = frozenset({activity.POST, activity.REPLY, activity.QUOTE, activity.RETWEET})
DEFAULT_LIMIT = 10

# -- buckets ------------------------------------------------------------------------------


def bucket_of(moment: datetime) -> int:
    return int(moment.timestamp()) // get_settings().trends_bucket_seconds


def _window_buckets() -> int:
    s = get_settings()
    return max(1, s.trends_window_seconds // s.trends_bucket_seconds)


def count_rules() -> CountRules:
    s = get_settings()
    recent = s.trends_recent_buckets * s.trends_bucket_seconds
    return CountRules(
        counts_ttl=s.trends_window_seconds + 2 * recent + s.trends_dedupe_seconds,
        bucket_ttl=recent + s.trends_bucket_seconds + s.trends_dedupe_seconds,
        indexed_from=_indexed_from(),
    )


def _indexed_from() -> int:
    """A term with fewer accounts than this in each of the R recent buckets has fewer than
    ``min_accounts`` in all: only terms at or above it in some bucket are candidates."""
    s = get_settings()
    return max(1, math.ceil(s.trends_min_accounts / s.trends_recent_buckets))


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
    uses = uses_of(events)
    (store or TrendStore()).count(uses, count_rules())
    return sum(len(events) for groups in uses.values() for events in groups.values())


def uses_of(events: Sequence[dict]) -> Uses:
    """A batch's events grouped by bucket and (kind, term): what one count sends."""
    counted = [e for e in events if e.get("type") in COUNTED]
    retweeted = [e["tweet_id"] for e in counted if e["type"] == activity.RETWEET and e.get("tweet_id")]
    originals = views.records(retweeted) if retweeted else {}
    uses: Uses = {}
    for event in counted:
        groups = uses.setdefault(bucket_of(clock.parse_iso(event["at"])), {})
        pair = f"{event['event_id']} {event['actor_id']}"
        for kind, terms in terms_of(event, originals).items():
            for term in terms:
                key = (kind, term)
                if key in groups:
                    groups[key].append(pair)
                else:
                    groups[key] = [pair]
    return uses


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
    candidates = sorted(set(store.active(kind, recent, s.trends_min_accounts, _indexed_from())) | set(peaks))
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
