"""Each segment's rule at its boundary (warbler.segments.rules), the day buckets of the sparse
index, and the counters against a real Redis with time injected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from warbler.segments import counters, rules
from warbler.segments.store import SegmentStore
from warbler.settings import get_settings

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


def test_famous_from_the_threshold_on() -> None:
    threshold = get_settings().famous_threshold
    assert not rules.is_famous(threshold - 1)
    assert rules.is_famous(threshold)
    assert not rules.is_famous(None)


def test_live_with_one_open_connection() -> None:
    assert not rules.is_live(0)
    assert rules.is_live(1)


def test_active_until_the_passive_window_has_passed() -> None:
    window = timedelta(seconds=get_settings().passive_after_seconds)
    assert rules.is_active(NOW - window + timedelta(seconds=1), NOW)
    assert not rules.is_active(NOW - window, NOW)
    assert rules.segment_of(NOW - window + timedelta(seconds=1), NOW) == "active"


def test_passive_from_the_passive_window_until_the_inactive_one() -> None:
    passive = timedelta(seconds=get_settings().passive_after_seconds)
    inactive = timedelta(seconds=get_settings().inactive_after_seconds)
    assert rules.is_passive(NOW - passive, NOW)
    assert rules.is_passive(NOW - inactive + timedelta(seconds=1), NOW)
    assert not rules.is_passive(NOW - inactive, NOW)
    assert not rules.is_passive(NOW - passive + timedelta(seconds=1), NOW)


def test_inactive_after_a_year_by_default_and_exactly_at_the_boundary() -> None:
    inactive = timedelta(seconds=get_settings().inactive_after_seconds)
    assert inactive == timedelta(days=365)
    assert not rules.is_inactive(NOW - inactive + timedelta(seconds=1), NOW)
    assert rules.is_inactive(NOW - inactive, NOW)
    assert rules.segment_of(NOW - inactive, NOW) == "inactive"
    assert rules.inactive_cutoff(NOW) == NOW - inactive


def test_small_settings_move_every_boundary(settings_override) -> None:
    with settings_override(passive_after_seconds=10, inactive_after_seconds=60):
        assert rules.segment_of(NOW - timedelta(seconds=9), NOW) == "active"
        assert rules.segment_of(NOW - timedelta(seconds=10), NOW) == "passive"
        assert rules.segment_of(NOW - timedelta(seconds=59), NOW) == "passive"
        assert rules.segment_of(NOW - timedelta(seconds=60), NOW) == "inactive"


def test_a_user_has_one_bucket_per_day_among_the_days_buckets() -> None:
    day = date(2030, 6, 15)
    bucket = rules.seen_bucket("u1", day)
    assert bucket.startswith("2030-06-15#") and bucket == rules.seen_bucket("u1", day)
    assert bucket in rules.buckets_of(day)
    assert len(set(rules.buckets_of(day))) == rules.SEEN_DAY_SHARDS
    assert rules.seen_bucket("u1", day + timedelta(days=1)) not in rules.buckets_of(day)
    # the shards spread users: 200 ids land in most of the 32 buckets
    assert len({rules.seen_bucket(f"user{i}", day) for i in range(200)}) > rules.SEEN_DAY_SHARDS // 2


@pytest.fixture
def store(clean_redis) -> SegmentStore:
    return SegmentStore(clean_redis)


def test_counts_follow_sign_ups_sightings_soft_deletes_and_fame(store, clean_redis, monkeypatch) -> None:
    monkeypatch.setattr(counters, "SegmentStore", lambda: store)
    window = timedelta(seconds=get_settings().passive_after_seconds)
    for _ in range(5):
        counters.account_created()
    counters.seen("a", NOW - timedelta(minutes=5))
    counters.seen("a", NOW)  # the same account twice: one active
    counters.seen("b", NOW - window + timedelta(hours=2))
    counters.seen("c", NOW - window - timedelta(hours=2))  # seen before the window: passive now
    counters.inactive_changed(+1)
    counters.famous("a", get_settings().famous_threshold)
    counters.famous("b", 3)
    clean_redis.hset("live:{b7}", mapping={"a": "conn1 conn2", "b": "conn3"})
    assert counters.counts(NOW, store) == {
        "famous": 1,
        "live": 2,
        "active": 2,
        "passive": 2,
        "inactive": 1,
        "accounts": 5,
    }
    counters.famous("a", get_settings().famous_threshold - 1)  # an unfollow took it below
    counters.inactive_changed(-1)  # a return
    assert counters.counts(NOW, store)["famous"] == 0
    assert counters.counts(NOW, store)["inactive"] == 0
    assert counters.counts(NOW + window + timedelta(hours=1), store)["active"] == 0
