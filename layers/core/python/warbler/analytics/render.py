"""A report as pictures and HTML: PNG charts (matplotlib, headless) and one self-contained HTML page
that embeds them, so the page opens from a presigned link with no other object to fetch."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from matplotlib.figure import Figure

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


def _axes(left: float = 0.1):
    # A bare Figure (no pyplot): no global state, no GUI backend, and the Agg canvas by default.
    fig = Figure(figsize=(7, 3))
    fig.subplots_adjust(left=left, right=0.97, bottom=0.16, top=0.88)
    return fig, fig.add_subplot()


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96)
    return buffer.getvalue()


def charts(report: dict[str, Any]) -> dict[str, bytes]:
    """name -> PNG. Activity over the period, actions, retention and hashtags."""
    f = report["figures"]
    out: dict[str, bytes] = {}

    fig, ax = _axes()
    if report["kind"] == "daily":
        hours = {int(r["hour"]): r for r in f["hourly"]}
        ax.bar(range(24), [hours.get(h, {}).get("events", 0) for h in range(24)], color=_COLOR)
        ax.set_xlabel("hour (UTC)")
        ax.set_ylabel("events")
        ax.set_title(f"Activity by hour, {report['period']}")
    else:
        days = f["daily_active"]
        ax.bar([d["day"][5:] for d in days], [d["active_users"] for d in days], color=_COLOR)
        ax.set_ylabel("active users")
        ax.set_title(f"Daily active users, {report['period']}")
    out["activity"] = _png(fig)

    fig, ax = _axes(left=0.16)
    counts = [f["actions"][a] or 0 for a in ACTIONS]
    ax.barh(ACTIONS[::-1], counts[::-1], color=_COLOR)
    ax.set_title("Actions")
    out["actions"] = _png(fig)

    fig, ax = _axes()
    cohorts = f["retention"]
    labels = [c["cohort"][5:] for c in cohorts]
    xs = range(len(cohorts))
    ax.bar([x - 0.2 for x in xs], [100 * (c["day1_retention"] or 0) for c in cohorts], 0.4, label="day 1")
    ax.bar([x + 0.2 for x in xs], [100 * (c["day7_retention"] or 0) for c in cohorts], 0.4, label="day 7")
    ax.set_xticks(list(xs), labels)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of cohort")
    ax.set_title("Retention by sign-up day")
    ax.legend(loc="lower right")
    out["retention"] = _png(fig)

    fig, ax = _axes(left=0.2)
    tags = f["top_hashtags"]
    ax.barh([f"#{t['hashtag']}" for t in tags][::-1], [t["uses"] for t in tags][::-1], color=_COLOR)
    ax.set_title("Top hashtags")
    out["hashtags"] = _png(fig)
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
