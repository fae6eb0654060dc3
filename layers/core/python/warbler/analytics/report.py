"""The daily and weekly reports: which are due, computing their figures, writing and mailing them.

Schedule (one EventBridge rule, ``cron(30 0 * * ? *)``): every day at 00:30 UTC the report of the
day before; on Mondays also the report of the ISO week before (Monday to Sunday). The half hour is
the Firehose buffer (at most 5 minutes) with room to spare, so the day's last events are in the lake.

Objects in the analytics bucket, per report: ``reports/<kind>/<period>.json`` (the figures),
``reports/<kind>/<period>.html`` (a self-contained page with the charts) and the charts as
``reports/<kind>/<period>/<chart>.png``. A rerun overwrites them with the same figures: the lake is
append-only and every figure is deduplicated on ``event_id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from warbler import clock, errors
from warbler.analytics import figures, render
from warbler.analytics.engines import AthenaEngine, DuckDBEngine, Engine
from warbler.analytics.store import REPORTS_PREFIX, LakeStore, MailStore, segments_key
from warbler.settings import get_settings

KINDS = ("daily", "weekly")
SINGLE_ROW = {"active_users", "actions", "posts_per_active_user"}
_WEEK = re.compile(r"(\d{4})-W(\d{2})")

# The segment counts of a report: the segmenter's snapshot (``reports/segments/<day>.json``, taken
# by its 00:05 run, so the counts as the day ended), or what a caller passes.
SegmentCounter = Callable[[], dict[str, int]]


def daily(day: date) -> figures.Period:
    return figures.Period("daily", day, day)


def weekly(any_day: date) -> figures.Period:
    monday = any_day - timedelta(days=any_day.weekday())
    return figures.Period("weekly", monday, monday + timedelta(days=6))


def parse_period(kind: str, name: str) -> figures.Period:
    """A period from the API's ``{kind}/{period}`` (``daily/2026-12-01``, ``weekly/2026-W49``)."""
    if kind == "daily":
        try:
            return daily(date.fromisoformat(name)) if len(name) == 10 else _bad(kind, name)
        except ValueError:
            return _bad(kind, name)
    if kind == "weekly":
        match = _WEEK.fullmatch(name)
        if match is None:
            return _bad(kind, name)
        try:
            return weekly(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        except ValueError:
            return _bad(kind, name)
    raise errors.NotFound(f"no report kind {kind!r} (daily or weekly)")


def _bad(kind: str, name: str) -> figures.Period:
    example = "2026-12-01" if kind == "daily" else "2026-W49"
    raise errors.InvalidInput(f"{kind} period {name!r} is not like {example}")


def due(now: datetime) -> list[figures.Period]:
    """What the scheduled run at ``now`` reports: yesterday, and on Mondays last week."""
    yesterday = now.date() - timedelta(days=1)
    periods = [daily(yesterday)]
    if now.weekday() == 0:
        periods.append(weekly(yesterday))
    return periods


def open_engine(period: figures.Period, lake: LakeStore | None = None) -> Engine:
    if get_settings().analytics_engine == "athena":
        return AthenaEngine()
    return DuckDBEngine(lake or LakeStore(), period.days())


def compute(period: figures.Period, engine: Engine) -> dict[str, Any]:
    """Every figure of figures.sql for ``period``: single-row figures as objects, others as lists."""
    out: dict[str, Any] = {}
    for figure in figures.report_figures():
        rows = engine.query(figures.render(figure, period, engine.deduplicated))
        out[figure.name] = rows[0] if figure.name in SINGLE_ROW else rows
    return out


def key(period: figures.Period, suffix: str) -> str:
    return f"{REPORTS_PREFIX}{period.kind}/{period.name}{suffix}"


def segments_at_end(period: figures.Period, lake: LakeStore) -> dict[str, int] | None:
    """The counts as the period ended: the snapshot taken at the start of the next day."""
    body = lake.get(segments_key(period.end + timedelta(days=1)))
    return json.loads(body)["counts"] if body is not None else None


def build(period: figures.Period, engine: Engine, segments: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "period": period.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "engine": get_settings().analytics_engine,
        "generated_at": clock.now_iso(),
        "figures": compute(period, engine),
        "segments": segments or {},
    }


def publish(report: dict[str, Any], period: figures.Period, lake: LakeStore, mail: MailStore | None) -> dict[str, Any]:
    """Write the JSON, the charts and the HTML; mail the summary. Returns where they went."""
    s = get_settings()
    images = render.charts(report)
    chart_keys = {}
    for name, png in images.items():
        chart_keys[name] = key(period, f"/{name}.png")
        lake.put(chart_keys[name], png, "image/png")
    report = {**report, "charts": chart_keys, "html": key(period, ".html")}
    lake.put(key(period, ".html"), render.page(report, images).encode(), "text/html; charset=utf-8")
    # The JSON last: its presence means the whole report is there.
    lake.put(key(period, ".json"), json.dumps(report, indent=1).encode(), "application/json")
    recipients = [r.strip() for r in s.report_recipients.split(",") if r.strip()]
    message_id = None
    if recipients and mail is not None:
        link = lake.link(key(period, ".html"), s.report_link_seconds)
        subject, text, mail_html = render.summary(report, link)
        message_id = mail.send(s.report_sender, recipients, subject, text, mail_html)
    return {"json": key(period, ".json"), "html": report["html"], "charts": chart_keys, "mail": message_id}


def run(
    period: figures.Period,
    *,
    lake: LakeStore | None = None,
    mail: MailStore | None = None,
    segments: SegmentCounter | None = None,
) -> dict[str, Any]:
    """Compute, write and mail one report."""
    lake = lake or LakeStore()
    engine = open_engine(period, lake)
    try:
        report = build(period, engine, segments() if segments else segments_at_end(period, lake))
    finally:
        engine.close()
    return publish(report, period, lake, mail or MailStore())


def stored(kind: str, name: str, lake: LakeStore | None = None) -> dict[str, Any]:
    """A written report, for the admin API (404 when it has not been produced)."""
    period = parse_period(kind, name)
    body = (lake or LakeStore()).get(key(period, ".json"))
    if body is None:
        raise errors.NotFound(f"no {kind} report for {period.name} yet")
    return json.loads(body)
