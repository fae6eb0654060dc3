"""A report as pictures and HTML: PNG bar charts (Pillow) and one self-contained HTML page
that embeds them, so the page opens from a presigned link with no other object to fetch."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from PIL import Image, ImageDraw, ImageFont

ACTIONS = (
    "signups",
    "posts",
    "replies",
    "quotes",
    "retweets",
    "likes",
    "follows",
    "unfollows",
    "deletes",
    "link_clicks",
)
_COLOR = "#1d9bf0"
_SECOND = "#f4a100"
_INK, _GRID = "#0f1419", "#dfe3e6"
# 7 x 3 inches at 96 dpi. Drawn with Pillow (already in the layer for media) rather than
# matplotlib, whose numpy/fontTools stack would take the layer past Lambda's 250 MB unzipped.
_W, _H = 672, 288


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size)  # Pillow's bundled scalable font (FreeType)
    except (TypeError, OSError):
        return ImageFont.load_default()


def _nice_top(value: float) -> float:
    """A round axis top at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


class _Canvas:
    def __init__(self, title: str, left: int) -> None:
        self.image = Image.new("RGB", (_W, _H), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.small, self.label = _font(11), _font(14)
        self.left, self.right, self.top, self.bottom = left, _W - 16, 34, _H - 40
        self.draw.text((_W // 2, 8), title, fill=_INK, font=self.label, anchor="ma")

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def _vbars(title: str, labels: list[str], series: list[tuple[str, list[float], str]], unit: str, top=None) -> bytes:
    """Vertical bars, one group per label, one bar per series (a legend when there are several)."""
    c = _Canvas(title, left=64)
    peak = top or _nice_top(max([v for _, values, _ in series for v in values] or [0]))
    height = c.bottom - c.top
    for i in range(5):  # grid lines and the y axis' numbers
        y = c.bottom - height * i / 4
        c.draw.line((c.left, y, c.right, y), fill=_GRID)
        c.draw.text((c.left - 6, y), _number(peak * i / 4), fill=_INK, font=c.small, anchor="rm")
    c.draw.text((8, 12), unit, fill=_INK, font=c.small, anchor="la")  # the y axis' unit, above it
    slot = (c.right - c.left) / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    every = max(1, len(labels) // 12)  # keep the labels readable
    for i, label in enumerate(labels):
        x0 = c.left + slot * i + slot * 0.1
        for k, (_, values, color) in enumerate(series):
            value = min(values[i], peak)
            if value > 0:
                c.draw.rectangle(
                    (x0 + k * bar, c.bottom - height * value / peak, x0 + (k + 1) * bar - 1, c.bottom), fill=color
                )
        if i % every == 0:
            c.draw.text((c.left + slot * (i + 0.5), c.bottom + 6), label, fill=_INK, font=c.small, anchor="ma")
    c.draw.line((c.left, c.bottom, c.right, c.bottom), fill=_INK)
    if len(series) > 1:
        x = c.right - 90 * len(series)
        for name, _, color in series:
            c.draw.rectangle((x, _H - 18, x + 10, _H - 8), fill=color)
            c.draw.text((x + 14, _H - 13), name, fill=_INK, font=c.small, anchor="lm")
            x += 90
    return c.png()


def _hbars(title: str, labels: list[str], values: list[float]) -> bytes:
    """Horizontal bars, the first label on top, each with its number."""
    c = _Canvas(title, left=max([int(c_len * 7) + 16 for c_len in map(len, labels)] or [40]))
    peak = _nice_top(max(values or [0]))
    row = (c.bottom + 24 - c.top) / max(len(labels), 1)
    width = c.right - 48 - c.left
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = c.top + row * i
        c.draw.text((c.left - 6, y + row / 2), label, fill=_INK, font=c.small, anchor="rm")
        end = c.left + width * value / peak
        if value > 0:
            c.draw.rectangle((c.left, y + row * 0.15, end, y + row * 0.85), fill=_COLOR)
        c.draw.text((end + 4, y + row / 2), _number(value), fill=_INK, font=c.small, anchor="lm")
    c.draw.line((c.left, c.top, c.left, c.bottom + 24), fill=_INK)
    return c.png()


def charts(report: dict[str, Any]) -> dict[str, bytes]:
    """name -> PNG. Activity over the period, actions, retention and hashtags."""
    f = report["figures"]
    out: dict[str, bytes] = {}
    if report["kind"] == "daily":
        hours = {int(r["hour"]): r for r in f["hourly"]}
        events = [float(hours.get(h, {}).get("events", 0)) for h in range(24)]
        out["activity"] = _vbars(
            f"Activity by hour (UTC), {report['period']}",
            [str(h) for h in range(24)],
            [("events", events, _COLOR)],
            "events",
        )
    else:
        days = f["daily_active"]
        out["activity"] = _vbars(
            f"Daily active users, {report['period']}",
            [d["day"][5:] for d in days],
            [("active users", [float(d["active_users"]) for d in days], _COLOR)],
            "users",
        )
    out["actions"] = _hbars("Actions", list(ACTIONS), [float(f["actions"][a] or 0) for a in ACTIONS])
    cohorts = f["retention"]
    out["retention"] = _vbars(
        "Retention by sign-up day (% of cohort)",
        [c["cohort"][5:] for c in cohorts],
        [
            ("day 1", [100 * float(c["day1_retention"] or 0) for c in cohorts], _COLOR),
            ("day 7", [100 * float(c["day7_retention"] or 0) for c in cohorts], _SECOND),
        ],
        "%",
        top=100.0,
    )
    tags = f["top_hashtags"]
    out["hashtags"] = _hbars("Top hashtags", [f"#{t['hashtag']}" for t in tags], [float(t["uses"]) for t in tags])
    return out


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{100 * value:.1f} %" if value <= 1 else f"{value:.2f}"
    return str(value)


def page(report: dict[str, Any], images: dict[str, bytes]) -> str:
    f = report["figures"]
    title = f"Warbler {report['kind']} report {report['period']}"
    active, per_user = f["active_users"], f["posts_per_active_user"]
    headline = [
        ("DAU", active["dau"]),
        ("WAU", active["wau"]),
        ("MAU", active["mau"]),
        *((a.replace("_", " "), f["actions"][a]) for a in ACTIONS),
        ("posts per active user p50", per_user["p50"]),
        ("posts per active user p95", per_user["p95"]),
    ]
    segments = report.get("segments") or {}
    img = "".join(
        f'<img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        for name, png in images.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #0f1419; max-width: 60em; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: .5em; }}
.tile {{ border: 1px solid #cfd9de; border-radius: 8px; padding: .5em 1em; min-width: 7em; }}
.tile b {{ display: block; font-size: 1.4em; }}
table {{ border-collapse: collapse; margin: .5em 0 1.5em; }}
td, th {{ border-bottom: 1px solid #eff3f4; padding: .2em .8em; text-align: left; }}
img {{ display: block; margin: 1em 0; max-width: 100%; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(report["start"])} to {html.escape(report["end"])} (UTC) · engine {html.escape(report["engine"])} ·
generated {html.escape(report["generated_at"])}</p>
<div class="tiles">{"".join(f'<div class="tile">{html.escape(k)}<b>{html.escape(_fmt(v))}</b></div>' for k, v in headline)}</div>
<h2>Segments</h2>
{_table([segments], list(segments)) if segments else "<p><em>not counted</em></p>"}
{img}
<h2>Top hashtags</h2>{_table(f["top_hashtags"], ["hashtag", "uses"])}
<h2>Top tweets by engagement</h2>{_table(f["top_tweets"], ["tweet_id", "engagements", "likes", "retweets", "replies", "quotes"])}
<h2>Top links</h2>{_table(f["top_links"], ["link", "clicks", "clickers"])}
<h2>Retention</h2>{_table(f["retention"], ["cohort", "size", "day1_returned", "day1_retention", "day7_returned", "day7_retention"])}
</body></html>
"""


def summary(report: dict[str, Any], link: str) -> tuple[str, str, str]:
    """(subject, text, html) of the report mail."""
    f = report["figures"]
    active, actions = f["active_users"], f["actions"]
    subject = f"Warbler {report['kind']} report {report['period']}: DAU {active['dau']}, {actions['signups']} sign-ups"
    lines = [
        f"DAU {active['dau']} · WAU {active['wau']} · MAU {active['mau']}",
        " · ".join(f"{a.replace('_', ' ')} {actions[a]}" for a in ACTIONS),
    ]
    if f["top_hashtags"]:
        lines.append("top hashtags: " + ", ".join(f"#{t['hashtag']} ({t['uses']})" for t in f["top_hashtags"][:5]))
    segments = report.get("segments") or {}
    if segments:
        lines.append("segments: " + " · ".join(f"{k} {v}" for k, v in segments.items()))
    text = "\n".join([subject, "", *lines, "", f"Full report: {link}"])
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    mail_html = f'<h2>{html.escape(subject)}</h2>{body}<p><a href="{html.escape(link)}">Full report</a></p>'
    return subject, text, mail_html
