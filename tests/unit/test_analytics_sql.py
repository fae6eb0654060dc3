"""The report's SQL (warbler/analytics/figures.sql) on a small fixed lake, every expected figure
computed by hand below; and the SQL text checked to mean the same to DuckDB and Athena (Trino)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlglot

from warbler import errors
from warbler.analytics import figures, report
from warbler.analytics.engines import DuckDBEngine

# (event_id, type, actor, at, extra fields)
LAKE = [
    ("e11", "seen", "u7", "2026-11-01T10:00:00.000Z", {}),  # 37 days before: outside MAU
    ("e10", "seen", "u9", "2026-11-20T10:00:00.000Z", {}),  # in MAU only
    ("e1", "signup", "u1", "2026-12-01T09:00:00.000Z", {}),
    ("e2", "signup", "u2", "2026-12-01T10:00:00.000Z", {}),
    ("e3", "signup", "u3", "2026-12-01T11:00:00.000Z", {}),
    ("e4", "post", "u1", "2026-12-01T12:00:00.000Z", {"tweet_id": "t1", "hashtags": ["Python"]}),
    ("e5", "seen", "u1", "2026-12-02T08:00:00.000Z", {}),
    ("e6", "like", "u2", "2026-12-02T09:00:00.000Z", {"tweet_id": "t1"}),
    ("e29", "seen", "u10", "2026-12-03T10:00:00.000Z", {}),  # in WAU and MAU
    ("e7", "signup", "u4", "2026-12-07T08:00:00.000Z", {}),
    ("e8", "signup", "u5", "2026-12-07T09:00:00.000Z", {}),
    ("e9", "post", "u5", "2026-12-07T10:00:00.000Z", {"tweet_id": "t9"}),  # same day: not a return
    # the report's day, Tuesday 2026-12-08
    ("e12", "post", "u1", "2026-12-08T01:00:00.000Z", {"tweet_id": "t2", "hashtags": ["python", "duckdb"]}),
    ("e13", "post", "u1", "2026-12-08T01:30:00.000Z", {"tweet_id": "t3", "hashtags": ["DuckDB"]}),
    ("e14", "reply", "u2", "2026-12-08T02:00:00.000Z", {"tweet_id": "t4", "parent_id": "t2", "hashtags": ["duckdb"]}),
    ("e15", "quote", "u3", "2026-12-08T02:10:00.000Z", {"tweet_id": "t5", "parent_id": "t2"}),
    ("e16", "like", "u4", "2026-12-08T03:00:00.000Z", {"tweet_id": "t2"}),
    ("e17", "retweet", "u5", "2026-12-08T03:05:00.000Z", {"tweet_id": "t2"}),
    ("e18", "like", "u5", "2026-12-08T04:00:00.000Z", {"tweet_id": "t3"}),
    ("e19", "follow", "u4", "2026-12-08T05:00:00.000Z", {"target_user_id": "u1"}),
    ("e20", "unfollow", "u4", "2026-12-08T05:10:00.000Z", {"target_user_id": "u1"}),
    ("e21", "delete", "u1", "2026-12-08T06:00:00.000Z", {"tweet_id": "t3"}),
    ("e22", "click", "u2", "2026-12-08T07:00:00.000Z", {"key": "abc", "tweet_id": "t2"}),
    ("e23", "click", "u3", "2026-12-08T07:05:00.000Z", {"key": "abc"}),
    ("e24", "click", "u2", "2026-12-08T07:10:00.000Z", {"key": "abc"}),
    ("e25", "click", "u3", "2026-12-08T07:20:00.000Z", {"key": "xyz"}),
    ("e26", "seen", "u6", "2026-12-08T08:00:00.000Z", {}),
    ("e27", "signup", "u8", "2026-12-08T09:00:00.000Z", {}),
    ("e28", "post", "u2", "2026-12-08T10:00:00.000Z", {"tweet_id": "t6", "text": "extra fields are ignored"}),
]
REDELIVERED = ["e16"]  # a second copy, in another object: counted once
DAY = date(2026, 12, 8)


def _line(event: tuple) -> bytes:
    event_id, kind, actor, at, extra = event
    return json.dumps({"event_id": event_id, "type": kind, "actor_id": actor, "at": at, **extra}).encode() + b"\n"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("lake")
    files: list[str] = []
    by_day: dict[str, list[tuple]] = {}
    for event in LAKE:
        by_day.setdefault(event[3][:10], []).append(event)
    for day, events in by_day.items():
        folder = root / f"dt={day}"
        folder.mkdir()
        # Two gzip members in one object, as the local Firehose source writes them.
        half = len(events) // 2
        body = gzip.compress(b"".join(map(_line, events[:half]))) + gzip.compress(b"".join(map(_line, events[half:])))
        (folder / "a.json.gz").write_bytes(body)
        files.append(str(folder / "a.json.gz"))
    copies = [e for e in LAKE if e[0] in REDELIVERED]
    redelivery = root / f"dt={DAY.isoformat()}" / "b.json"  # uncompressed, like an old object
    redelivery.write_bytes(b"".join(map(_line, copies)))
    files.append(str(redelivery))
    eng = DuckDBEngine.from_files(files)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def daily_figures(engine) -> dict:
    return report.compute(report.daily(DAY), engine)


def test_deduplicating_once_gives_the_figures_of_deduplicating_per_figure(engine, daily_figures) -> None:
    """DuckDB runs the events block once into a table (the report's speed-up); Athena runs it in
    front of each figure. Both must give every figure the same rows."""
    period = report.daily(DAY)
    for figure in figures.report_figures():
        per_figure = engine.query(figures.render(figure, period))
        assert engine.query(figures.render(figure, period, engine.deduplicated)) == per_figure, figure.name
    assert (
        engine.query("SELECT COUNT(*) AS n FROM unique_events")[0]["n"]
        < engine.query("SELECT COUNT(*) AS n FROM activity")[0]["n"]
    )


def test_active_users_are_distinct_actors_of_the_day_week_and_month(daily_figures) -> None:
    # today u1 u2 u3 u4 u5 u6 u8; the week adds u10 (12-03); the month adds u9 (11-20); u7 is too old
    assert daily_figures["active_users"] == {"dau": 7, "wau": 8, "mau": 9, "period_active_users": 7}


def test_actions_count_each_event_once_despite_a_redelivered_copy(daily_figures) -> None:
    assert daily_figures["actions"] == {
        "events": 17,
        "signups": 1,
        "posts": 3,
        "replies": 1,
        "quotes": 1,
        "retweets": 1,
        "likes": 2,  # e16 twice in the lake, once here
        "follows": 1,
        "unfollows": 1,
        "deletes": 1,
        "link_clicks": 4,
    }


def test_top_hashtags_are_lower_cased_uses_in_posts_replies_and_quotes(daily_figures) -> None:
    assert daily_figures["top_hashtags"] == [{"hashtag": "duckdb", "uses": 3}, {"hashtag": "python", "uses": 1}]


def test_top_tweets_count_likes_retweets_and_replies_and_quotes_to_their_parent(daily_figures) -> None:
    assert daily_figures["top_tweets"] == [
        {"tweet_id": "t2", "engagements": 4, "likes": 1, "retweets": 1, "replies": 1, "quotes": 1},
        {"tweet_id": "t3", "engagements": 1, "likes": 1, "retweets": 0, "replies": 0, "quotes": 0},
    ]


def test_top_links_count_clicks_and_distinct_clickers(daily_figures) -> None:
    assert daily_figures["top_links"] == [
        {"link": "abc", "clicks": 3, "clickers": 2},
        {"link": "xyz", "clicks": 1, "clickers": 1},
    ]


def test_retention_of_each_cohort_on_day_1_and_day_7(daily_figures) -> None:
    cohorts = daily_figures["retention"]
    # 12-01: u1 u2 u3; back on 12-02: u1 (seen) u2 (like); back on 12-08: all three
    assert cohorts[0]["cohort"] == "2026-12-01"
    assert (cohorts[0]["size"], cohorts[0]["day1_returned"], cohorts[0]["day7_returned"]) == (3, 2, 3)
    assert cohorts[0]["day1_retention"] == pytest.approx(2 / 3)
    assert cohorts[0]["day7_retention"] == 1.0
    # 12-07: u4 u5 both back on 12-08 (u5's same-day post is not a return); day 7 is not yet
    assert cohorts[1] == {
        "cohort": "2026-12-07",
        "size": 2,
        "day1_returned": 2,
        "day1_retention": 1.0,
        "day7_returned": 0,
        "day7_retention": None,
    }
    assert len(cohorts) == 2  # the report's own day is not a cohort yet


def test_posts_per_active_user_percentiles_by_nearest_rank(daily_figures) -> None:
    # posts today per active account, sorted: 0 0 0 0 0 1 2 -> p50 = 4th = 0, p95 = 7th = 2
    assert daily_figures["posts_per_active_user"] == {"active_users": 7, "p50": 0, "p95": 2, "max": 2}


def test_hourly_activity_sums_to_the_days_events(daily_figures) -> None:
    hours = {r["hour"]: r["events"] for r in daily_figures["hourly"]}
    assert hours == {"01": 2, "02": 2, "03": 2, "04": 1, "05": 2, "06": 1, "07": 4, "08": 1, "09": 1, "10": 1}


def test_weekly_report_covers_monday_to_sunday(engine) -> None:
    period = report.weekly(DAY)
    assert (period.start, period.end, period.name) == (date(2026, 12, 7), date(2026, 12, 13), "2026-W50")
    weekly = report.compute(period, engine)
    assert weekly["daily_active"] == [
        {"day": "2026-12-07", "active_users": 2, "events": 3},
        {"day": "2026-12-08", "active_users": 7, "events": 17},
    ]
    cohorts = {c["cohort"]: c for c in weekly["retention"]}
    assert cohorts["2026-12-01"]["day7_retention"] == 1.0
    assert cohorts["2026-12-07"]["day7_retention"] is None  # 12-14 is after the week
    assert cohorts["2026-12-08"]["day1_retention"] == 0.0  # u8 did nothing on 12-09
    assert weekly["actions"]["signups"] == 3


def test_an_empty_lake_reports_zeros(tmp_path: Path) -> None:
    eng = DuckDBEngine.from_files([])
    try:
        empty = report.compute(report.daily(DAY), eng)
    finally:
        eng.close()
    assert empty["active_users"]["dau"] == 0 and empty["actions"]["posts"] == 0
    assert empty["top_hashtags"] == [] and empty["retention"] == []


def test_schedule_reports_yesterday_and_on_mondays_last_week() -> None:
    tuesday = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)
    monday = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    assert [p.name for p in report.due(tuesday)] == ["2026-12-07"]
    assert [p.name for p in report.due(monday)] == ["2026-12-06", "2026-W49"]
    assert report.due(monday)[1].end == date(2026, 12, 6)


def test_periods_parse_from_the_api_path() -> None:
    assert report.parse_period("weekly", "2026-W50").start == date(2026, 12, 7)
    assert report.parse_period("daily", "2026-12-08").end == DAY
    for kind, bad in (("daily", "2026-13-01"), ("daily", "20261208"), ("weekly", "2026-W60"), ("weekly", "2026-50")):
        with pytest.raises(errors.InvalidInput):
            report.parse_period(kind, bad)
    with pytest.raises(errors.NotFound):
        report.parse_period("monthly", "2026-12")


# -- one SQL text for DuckDB and Athena ----------------------------------------------------


@pytest.mark.parametrize("figure", [f.name for f in figures.report_figures()])
def test_figure_sql_means_the_same_to_duckdb_and_athena(figure: str) -> None:
    """Athena cannot run here, so the text is checked instead: it parses as Trino (Athena engine
    v3) and as DuckDB, and sqlglot reads it identically in both dialects (a construct only one of
    them has, e.g. DuckDB's ``list_`` functions or ``::`` casts, would be rewritten or rejected)."""
    sql = figures.render(next(f for f in figures.figures() if f.name == figure), report.daily(DAY))
    as_trino = sqlglot.parse_one(sql, read="trino")
    as_duckdb = sqlglot.parse_one(sql, read="duckdb")
    assert as_trino.sql(dialect="trino") == as_duckdb.sql(dialect="trino")
    assert "::" not in sql and "httpfs" not in sql


def test_every_figure_block_names_a_known_window() -> None:
    names = [f.name for f in figures.figures()]
    assert names[0] == "events" and len(names) == len(set(names))
    assert all(f.window in figures.WINDOWS for f in figures.report_figures())
