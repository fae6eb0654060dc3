"""Trends domain: term extraction, the score, and counting/ranking against a real Redis with
time injected (events carry ``at``; the ranker takes ``now``), so hours pass without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.local.traffic import activity, spread
from warbler import trends
from warbler.adapters.keys import TrendKeys
from warbler.trends import terms
from warbler.trends.store import TrendStore

NOW = datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC)


@pytest.fixture
def store(clean_redis) -> TrendStore:
    return TrendStore(clean_redis)


def names(ranking) -> list[str]:
    return [t.name for t in ranking]


def steady(tag: str, accounts_per_bucket: int, hours: float, until: datetime) -> list[dict]:
    """``tag`` used by the same-sized crowd in every 5-minute bucket for ``hours`` before ``until``."""
    buckets = int(hours * 12)
    start = until - timedelta(hours=hours)
    return [
        activity(f"steady{(b * 7 + i) % (accounts_per_bucket * 4)}", start + timedelta(minutes=5 * b, seconds=i), [tag])
        for b in range(buckets)
        for i in range(accounts_per_bucket)
    ]


def burst(tag: str, accounts: int, minutes: float, until: datetime, prefix: str = "burst") -> list[dict]:
    start = until - timedelta(minutes=minutes)
    return [activity(f"{prefix}{i}", at, [tag]) for i, at in enumerate(spread(start, minutes, accounts))]


# -- terms ----------------------------------------------------------------------------------


def test_topics_are_significant_words_and_adjacent_pairs_without_urls_mentions_or_tags():
    text = "The New York marathon is TODAY! https://t.co/x @runner #running, see www.example.com"

    assert trends.topics(text) == ["new", "new york", "york", "york marathon", "marathon"]


def test_topics_keep_unicode_words_and_drop_numbers_possessives_and_stop_words():
    assert trends.topics("Zoë's café, 2024 and I’m done") == ["zoë", "zoë café", "café"]


def test_topics_are_unique_and_capped_per_tweet():
    words = " ".join(f"w{i}x" for i in range(60))

    assert len(trends.topics(words)) == terms.MAX_TOPICS_PER_TWEET
    assert trends.topics("rust rust rust") == ["rust", "rust rust"]


def test_a_retweet_uses_its_originals_terms_and_a_like_uses_none():
    original = {"hashtags": ["Python"], "text": "#Python packaging"}
    retweet = {"type": "retweet", "tweet_id": "1", "actor_id": "a", "event_id": "e", "at": "2030-01-01T00:00:00Z"}

    assert trends.terms_of(retweet, {"1": original}) == {"hashtags": ["python"], "topics": ["packaging"]}
    assert trends.terms_of({**retweet, "type": "like"}, {"1": original}) == {}
    assert trends.terms_of(retweet, {}) == {"hashtags": [], "topics": []}  # deleted original


# -- the score --------------------------------------------------------------------------------


def test_raw_score_needs_enough_accounts_and_more_than_expected():
    assert trends.raw_score(4, 0) == 0  # below the 5-account threshold
    assert trends.raw_score(5, 0) == 16  # (5 - 1)^2 / 1: the floor stands in for "never seen"
    assert trends.raw_score(100, 120) == 0  # used less than usual
    assert trends.raw_score(200, 100) == 100


def test_scores_halve_every_half_life():
    assert trends.decayed(80, 0, 3600) == pytest.approx(40)
    assert trends.decayed(80, 0, 3 * 3600) == pytest.approx(10)
    assert trends.decayed(80, 100, 0) == 80  # a clock running backwards does not inflate


# -- counting and ranking --------------------------------------------------------------------


def test_a_burst_from_nothing_outranks_a_steadily_larger_tag(store):
    store_events = steady("weather", accounts_per_bucket=60, hours=24, until=NOW) + burst("eclipse", 50, 10, NOW)
    trends.aggregate(store_events, store)

    ranking = trends.rank("hashtags", NOW, store)

    assert names(ranking)[0] == "eclipse"
    eclipse = ranking[0]
    assert eclipse.accounts == 50 and eclipse.uses == 50
    assert len(eclipse.history) == 288 and sum(eclipse.history) == 50
    weather = next((t for t in ranking if t.name == "weather"), None)
    assert weather is None or weather.score < eclipse.score / 100


def test_one_account_or_a_handful_repeating_a_tag_does_not_trend(store):
    spam = [activity("spammer", at, ["buynow"]) for at in spread(NOW - timedelta(minutes=10), 10, 500)]
    handful = [activity(f"friend{i % 4}", at, ["ourclub"]) for i, at in enumerate(spread(NOW, 1, 200))]
    trends.aggregate(spam + handful + burst("enough", 5, 5, NOW), store)

    ranking = trends.rank("hashtags", NOW + timedelta(minutes=1), store)

    assert names(ranking) == ["enough"]
    assert trends.rank("topics", NOW + timedelta(minutes=1), store) == []  # tags are not topics


def test_a_finished_burst_fades_and_leaves_the_ranking(store):
    trends.aggregate(burst("goal", 40, 10, NOW), store)
    peak = trends.rank("hashtags", NOW, store)[0].score

    an_hour_later = trends.rank("hashtags", NOW + timedelta(hours=1), store)
    next_day = trends.rank("hashtags", NOW + timedelta(hours=20), store)

    assert names(an_hour_later) == ["goal"] and an_hour_later[0].score == pytest.approx(peak / 2, rel=1e-6)
    assert an_hour_later[0].accounts == 0  # nobody is using it now; the score is its memory
    assert next_day == []


def test_counting_the_same_events_twice_counts_them_once(store, clean_redis):
    events = burst("again", 30, 5, NOW) + [activity("a", NOW, ["again"], kind="reply")]
    trends.aggregate(events, store)
    trends.aggregate(events, store)
    trends.aggregate(events[:10], store)

    top = trends.rank("hashtags", NOW, store)[0]

    assert (top.name, top.uses, top.accounts) == ("again", 31, 31)
    buckets = list(range(trends.bucket_of(NOW) - 3, trends.bucket_of(NOW) + 1))
    assert sum(store.uses("hashtags", ["again"], buckets)["again"]) == 31
    assert sum(store.observe("hashtags", ["again"], [], buckets)["again"][1]) == 31


def test_topics_rank_like_hashtags(store):
    texts = [activity(f"fan{i}", NOW, text=f"Solar eclipse over Lisbon right now {i}") for i in range(12)]
    trends.aggregate(texts, store)

    ranking = trends.rank("topics", NOW, store)

    assert {"solar", "eclipse", "solar eclipse", "lisbon"} <= set(names(ranking))
    assert "now" not in names(ranking) and "eclipse lisbon" not in names(ranking)  # "over" splits it


def test_the_api_reads_the_published_ranking_in_one_get(store):
    trends.aggregate(burst("first", 30, 5, NOW) + burst("second", 10, 5, NOW, prefix="x"), store)
    trends.rank("hashtags", NOW, store)

    body = trends.top("hashtags", 1, store)

    assert [i["name"] for i in body["items"]] == ["first"]
    assert set(body["items"][0]) == {"name", "score", "uses", "accounts", "history"}
    assert trends.top("topics", None, store) == {"items": []}


@pytest.mark.parametrize(("kind", "limit"), [("people", 10), ("hashtags", 0), ("hashtags", 51)])
def test_the_api_rejects_unknown_types_and_limits(store, kind, limit):
    with pytest.raises(trends.InvalidInput):
        trends.top(kind, limit, store)


def test_a_buckets_counters_outlive_the_baseline_window_and_then_expire(store, clean_redis):
    events = [activity(f"o{i}", NOW, ["longlived"]) for i in range(3)]
    trends.aggregate(events, store)

    tag = TrendKeys.tag("hashtags", "longlived")
    counts = TrendKeys.counts(tag, trends.bucket_of(NOW))
    keep = trends.count_rules()

    s = trends.get_settings()
    needed = s.trends_window_seconds + s.trends_recent_buckets * s.trends_bucket_seconds
    assert needed < clean_redis.ttl(counts) <= keep.counts_ttl
    lifetimes = {key: clean_redis.ttl(key) for key in clean_redis.scan_iter(match="tr:*")}
    assert all(0 < ttl <= keep.counts_ttl for ttl in lifetimes.values()), lifetimes
    assert all(ttl <= keep.bucket_ttl for key, ttl in lifetimes.items() if key != counts), lifetimes


def test_a_terms_accounts_move_from_a_list_to_a_hyperloglog_and_stay_counted(store, clean_redis):
    from warbler.trends.store import LISTED_ACCOUNTS

    crowd = LISTED_ACCOUNTS + 5
    bucket = trends.bucket_of(NOW)
    field = TrendKeys.field("hashtags", "grows")
    tag = TrendKeys.tag("hashtags", "grows")
    for i in range(crowd):  # one new account a batch, and one repeat
        trends.aggregate([activity(f"g{i}", NOW, ["grows"]), activity("g0", NOW, ["grows"])], store)
        listed = clean_redis.hget(TrendKeys.counts(tag, bucket), field).split()[2:]
        on_hll = clean_redis.exists(TrendKeys.accounts(tag, bucket, field))
        if i < LISTED_ACCOUNTS:
            assert (sorted(listed), on_hll) == (sorted(f"g{j}" for j in range(i + 1)), 0), i
        else:
            assert (listed, on_hll) == ([], 1), i

    assert store.uses("hashtags", ["grows"], [bucket])["grows"] == [2 * crowd]
    assert store.observe("hashtags", ["grows"], [bucket], [bucket])["grows"] == (crowd, [crowd])
    assert store.active("hashtags", [bucket], 1) == {"grows": crowd}


def test_distinct_accounts_union_listed_and_hyperloglog_buckets(store):
    from warbler.trends.store import LISTED_ACCOUNTS

    first, second = NOW - timedelta(minutes=5), NOW
    big = [activity(f"p{i}", first, ["mixed"]) for i in range(LISTED_ACCOUNTS + 3)]  # on an HLL
    small = [activity(who, second, ["mixed"]) for who in ("p0", "p1", "late")]  # listed, two repeats
    trends.aggregate(big + small, store)

    recent = [trends.bucket_of(first), trends.bucket_of(second)]
    assert store.observe("hashtags", ["mixed"], recent, recent)["mixed"] == (
        LISTED_ACCOUNTS + 4,
        [LISTED_ACCOUNTS + 3, 3],
    )


def test_a_term_reaching_the_minimum_over_three_buckets_is_ranked_though_one_bucket_had_one_account(store):
    buckets = [NOW - timedelta(minutes=10), NOW - timedelta(minutes=5), NOW]
    thin = [activity(who, at, ["thin"]) for who, at in [("t1", buckets[0]), ("t2", buckets[0]), ("t3", buckets[2])]]
    spread_out = [
        activity(who, at, ["across"])
        for who, at in zip(
            ["s1", "s2", "s3", "s4", "s5"], [buckets[0], buckets[1], buckets[1], buckets[2], buckets[2]], strict=True
        )
    ]
    trends.aggregate(thin + spread_out, store)

    recent = [trends.bucket_of(at) for at in buckets]
    assert store.active("hashtags", recent, 1, 2) == {"across": 5, "thin": 4}  # the bucket of 1 counts as 1 at most
    assert store.active("hashtags", recent, 5, 2) == {"across": 5}
    assert "across" in names(trends.rank("hashtags", NOW, store))
    assert "thin" not in names(trends.rank("hashtags", NOW, store))
