"""The report's figures: the SQL of ``figures.sql``, parsed into named queries and rendered for a
period. Which days each figure reads (its *window*) is decided here, once, for both engines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

SQL_FILE = Path(__file__).with_name("figures.sql")
_HEADER = re.compile(r"-- figure: (?P<name>\w+) window: (?P<window>\w+|-)")
WINDOWS = ("period", "month", "cohorts")
COHORT_DAYS = 7  # day-7 retention looks a week back from the period
MONTH_DAYS = 30


@dataclass(frozen=True)
class Figure:
    name: str
    window: str  # one of WINDOWS
    sql: str  # the block as written, with {placeholders}


@dataclass(frozen=True)
class Period:
    """A report's days, inclusive: one day (daily) or Monday to Sunday (weekly)."""

    kind: str  # "daily" | "weekly"
    start: date
    end: date

    @property
    def name(self) -> str:
        """``2026-12-01`` or ``2026-W49`` (ISO week): the report's key in the bucket and the API."""
        if self.kind == "daily":
            return self.start.isoformat()
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    def window(self, window: str) -> tuple[date, date]:
        if window == "period":
            return self.start, self.end
        if window == "month":
            return self.end - timedelta(days=MONTH_DAYS - 1), self.end
        if window == "cohorts":
            return self.start - timedelta(days=COHORT_DAYS), self.end
        raise ValueError(f"unknown window {window!r}")

    def days(self) -> list[date]:
        """Every day any figure reads, oldest first (what an engine must load)."""
        first = min(self.window(w)[0] for w in WINDOWS)
        return [first + timedelta(days=i) for i in range((self.end - first).days + 1)]


@cache
def figures() -> tuple[Figure, ...]:
    """Every block of figures.sql, in file order (``events`` first)."""
    text = SQL_FILE.read_text()
    marks = list(_HEADER.finditer(text))
    out = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end() : following.start() if following else len(text)]
        out.append(Figure(mark["name"], mark["window"], body.strip()))
    return tuple(out)


def _literal(day: date) -> str:
    # Days are formatted here from date objects, never taken from input: safe to inline.
    return f"'{day.isoformat()}'"


def events_sql(lo: date, hi: date) -> str:
    """The ``events`` block (the lake deduplicated on ``event_id``) over the days ``lo``..``hi``."""
    return {f.name: f for f in figures()}["events"].sql.format(lo=_literal(lo), hi=_literal(hi))


def render(figure: Figure, period: Period, deduplicated: str | None = None) -> str:
    """The figure's SQL for ``period``, with the deduplicated ``events`` over its window in front.
    ``deduplicated`` names a table the engine already holds the ``events`` block's rows in (over
    every day it loaded): then the window is a plain filter of it, and the deduplication (a
    window function over every delivery) runs once per report instead of once per figure."""
    lo, hi = period.window(figure.window)
    values = {
        "start": _literal(period.start),
        "end": _literal(period.end),
        "lo": _literal(lo),
        "hi": _literal(hi),
        "week_start": _literal(period.end - timedelta(days=6)),
        "month_start": _literal(period.end - timedelta(days=MONTH_DAYS - 1)),
        "last_cohort": _literal(period.end - timedelta(days=1)),
    }
    if deduplicated is None:
        events = events_sql(lo, hi)
    else:  # a name the engine chose, not input
        events = f"SELECT * FROM {deduplicated} WHERE dt BETWEEN {values['lo']} AND {values['hi']}"
    return f"WITH events AS (\n{events}\n)\n{figure.sql.format(**values)}"


def report_figures() -> tuple[Figure, ...]:
    return tuple(f for f in figures() if f.name != "events")
