"""The capacity section of the bench report: tables, the dominant costs, the DAU sweep plot."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from bench.capacity.model import Assumptions, Load, Measured, Plan, sweep
from bench.capacity.prices import Prices

SWEEP_DAU = [1e6, 3e6, 10e6, 30e6, 100e6, 150e6, 300e6]

# What would cut each service's bill, and why it is not the default today.
CUTS = {
    "API Gateway": "HTTP API instead of REST (a JWT authorizer does what the Cognito one does; we lose "
    "per-method throttles and WAF on the API itself, so WAF moves to CloudFront in front of it).",
    "Lambda": "Graviton (arm64): 20 % cheaper per GB-second, every dependency has arm64 wheels; and the "
    "home read at 1,769 MB (a whole vCPU) finishes faster than the price grows.",
    "ElastiCache": "Valkey (20 % cheaper nodes, same protocol) and a compact timeline encoding: ids as "
    "8-byte binary in a list instead of 19-digit zset members cuts memory per entry several-fold.",
    "DynamoDB": "Provisioned capacity with auto-scaling: the load is steady and diurnal, so on-demand's "
    "premium buys nothing once the daily curve is known.",
    "Data transfer": "Compress responses (gzip/br at API Gateway) and send ids + a delta on refresh "
    "instead of whole pages.",
    "Cognito": "Above ~10M MAU a self-issued token service (our own JWTs signed with KMS) costs a "
    "fraction of per-MAU pricing; Cognito stays for sign-up and recovery flows.",
    "CloudWatch Logs": "Sample access logs, and ship function logs to S3 through a subscription filter "
    "rather than keeping them in CloudWatch.",
    "Kinesis": "Pack the planner's chunks of many tweets into fewer, larger records (fewer PUT units and "
    "shards), or on-demand mode for the spiky fan-out stream.",
    "CloudFront": "Serve smaller previews (AVIF/WebP) and cache longer at the edge.",
    "OpenSearch": "Keep fewer days searchable in hot storage and move older indices to UltraWarm.",
}

TWITTER = """\
### Compared with Twitter's published timelines design

Raffi Krikorian's "Timelines at Scale" (QCon SF 2012; notes by High Scalability, 2013, and
the Redis write-up on the VMware Tanzu blog) describes ~150M active users, ~300K timeline reads/s,
~5K tweets/s on average (12K peak) written and ~30B timeline deliveries a day, home timelines of
800 entries held in Redis and replicated on three machines, fan-out on write except for the
largest accounts, and only active users' timelines kept in memory. Warbler follows the same
shape — 800-entry timelines, three copies (`redis_replicas = 2`), famous accounts merged at
read, passive users skipped and rebuilt — and differs in:

- **Entry format.** Twitter's timeline entries were a few packed fields (tweet id, user id, bits),
  ~20 bytes; Warbler's are 19-digit decimal snowflakes in a sorted set (exact order without double
  rounding), measured above at {entry_bytes:.0f} bytes per entry with Redis's own overhead. Memory,
  not CPU, sizes the Redis fleet at this scale.
- **Rates.** The design's 150M DAU with 100 reads per post is ~{reads:,.0f} reads/s on average,
  about twice Twitter's 2012 figure; deliveries ({deliveries:,.0f}/s, ~{per_post:.0f} per post)
  land near Twitter's 30B a day (~350K/s).
- **Serverless edge.** Twitter ran its own servers; Warbler pays per request (API Gateway, Lambda),
  which is why the request-priced services dominate the bill here and would not on servers.
- **Passive window.** Twitter kept timelines for users active in the last 30 days; Warbler's
  window is 3 days (`WARBLER_PASSIVE_AFTER_SECONDS`), trading rebuilds on return for memory.
"""


def _money(x: float) -> str:
    return f"${x:,.0f}"


def section(plan: Plan, measured: Measured, prices: Prices, plot_name: str | None = None) -> str:
    load = plan.load
    out = ["## Capacity and cost at the design's scale", ""]
    out.append(
        f'Model: `python -m bench.capacity` (inputs are flags; `--dau 10e6` asks "what at 10M DAU?"). '
        f"Prices: `bench/capacity/prices.csv`, us-east-1 on-demand, read {prices.read_on()}. "
        "Per-operation costs were measured on this machine by `bench.capacity.measure` (below); what "
        "a laptop cannot measure (AWS latencies, node throughput) is a parameter in `Assumptions`."
    )
    out += ["", "### Inputs", "", "| input | value |", "|---|---|"]
    for f in fields(Load):
        out.append(f"| {f.name} | {getattr(load, f.name):,} |" if not isinstance(getattr(load, f.name), str)
                   else f"| {f.name} | {getattr(load, f.name)} |")  # fmt: skip
    r = plan.rates
    out += ["", f"Derived rates (average; peak × {load.peak_factor:.2f}): "
            + ", ".join(f"{k} {v:,.0f}/s" for k, v in r.items() if k not in ("audience_per_post", "live_connections"))
            + f"; {r['live_connections']:,.0f} live connections.", ""]  # fmt: skip

    out += ["### Measured per operation (this machine)", "",
            "| function | unit | CPU ms | billed ms on Lambda | memory (catalog) | peak RSS after import | Redis round trips | DynamoDB calls |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    a = Assumptions()
    for name, fc in sorted(measured.functions.items()):
        out.append(
            f"| {name} | {fc.unit} | {fc.cpu_ms:.3f} | {fc.billed_ms(a):.2f} | {fc.memory_mb} MB | "
            f"{fc.peak_rss_mb:.0f} MB | {fc.redis_round_trips:.2f} | {fc.dynamodb_calls:.2f} |"
        )
    m = measured
    out += [
        "",
        f"- Redis memory: a full 800-entry home timeline {m.timeline_800_bytes:,.0f} B "
        f"({m.timeline_800_bytes / 800:.0f} B/entry), a tweet record {m.tweet_record_bytes:,.0f} B, an author card "
        f"{m.card_bytes:,.0f} B, a cached user timeline {m.user_timeline_bytes:,.0f} B, a live index entry {m.live_entry_bytes:,.0f} B.",
        f"- Redis server CPU: {m.redis_cpu_per_read * 1e6:.1f} µs per warm read, {m.redis_cpu_per_delivery * 1e6:.2f} µs per "
        f"delivery, {m.redis_cpu_per_post * 1e6:.1f} µs per post besides its deliveries, {m.redis_cpu_per_like * 1e6:.1f} µs per like.",
        f"- DynamoDB: {m.wru_per_post:.1f} WRU and {m.rru_per_post:.1f} RRU per post (all consumers included), "
        f"{m.wru_per_like:.1f} WRU / {m.rru_per_like:.1f} RRU per like, {m.wru_per_follow:.1f} WRU per follow, "
        f"{m.rru_per_read:.2f} RRU per warm read, {m.rru_per_fanout_follower:.4f} RRU per fanned-out follower (planner pages). "
        f"Items: tweet {m.tweet_item_bytes:.0f} B with index copies, user {m.user_item_bytes:.0f} B, follow "
        f"{m.follow_item_bytes:.0f} B, engagement {m.engagement_item_bytes:.0f} B.",
        f"- Streams and index: an activity event {m.activity_event_bytes:.0f} B, {m.fanout_bytes_per_follower:.1f} B of fan-out "
        f"record per follower, {m.search_doc_bytes:.0f} B of bulk body per post, a push message {m.push_message_bytes:.0f} B, "
        f"a home page {m.home_response_bytes:,.0f} B (gzip ×{m.home_response_gzip_ratio:.2f}).",
        "",
        "### Monthly cost at the design's load",
        "",
        "| service | resource | average | peak | USD / month |",
        "|---|---|---|---|---|",
    ]
    for line in plan.lines:
        out.append(f"| {line.service} | {line.item} | {line.average} | {line.peak} | {_money(line.usd)} |")
    out.append(f"| **total** | | | | **{_money(plan.total)}** |")
    out += ["", "Lambda concurrency (average / peak): "
            + ", ".join(f"{n} {c[0]:,.0f} / {c[1]:,.0f}" for n, c in plan.concurrency.items()) + ".", ""]  # fmt: skip

    out += ["### The three dominant costs, and what would cut each", ""]
    by_service = plan.by_service()
    for service, usd in plan.dominant(3):
        share = usd / plan.total
        alt = [x for x in plan.alternatives if x.service == service]
        saving = "; ".join(f"{x.change}: {_money(x.usd)} ({(x.usd - usd) / usd:+.0%})" for x in alt)
        out.append(f"1. **{service}** — {_money(usd)} ({share:.0%}). {CUTS.get(service, '')}"
                   + (f" Modelled: {saving}." if saving else ""))  # fmt: skip
    out += ["", "Other modelled alternatives: " + "; ".join(
        f"{x.service}: {x.change} → {_money(x.usd)} (now {_money(by_service.get(x.service, 0))})"
        for x in plan.alternatives if x.service not in dict(plan.dominant(3))) + ".", ""]  # fmt: skip
    if plot_name:
        out += ["### Monthly cost against DAU", "", f"![{plot_name}]({plot_name})", ""]
    out.append(
        TWITTER.format(
            entry_bytes=m.timeline_800_bytes / 800,
            reads=r["reads"],
            deliveries=r["deliveries"],
            per_post=r["deliveries"] / r["posts"],
        )
    )
    return "\n".join(out) + "\n"


def plot(load: Load, measured: Measured, prices: Prices, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sweep(load, measured, prices, SWEEP_DAU)
    services = list(points[-1][1].by_service())
    fig, ax = plt.subplots(figsize=(8, 5))
    xs = [dau / 1e6 for dau, _ in points]
    ax.plot(xs, [p.total for _, p in points], color="black", linewidth=2.5, marker="o", label="total")
    for service in services[:7]:
        ax.plot(xs, [p.by_service().get(service, 0.0) for _, p in points], marker=".", label=service)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("daily active users (millions)")
    ax.set_ylabel("USD per month")
    ax.set_title("Warbler on AWS: monthly cost against DAU (per-user behaviour fixed)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
