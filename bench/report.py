"""The Markdown report and its plots (matplotlib, Agg backend) under ``bench/results/``."""

from __future__ import annotations

import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

from bench.mix import READERS  # noqa: E402
from bench.results import Results, SizeResult  # noqa: E402
from bench.stats import Latencies, ratio  # noqa: E402


def _ms(lat: Latencies | None) -> str:
    if lat is None or not len(lat):
        return "n/a"
    return f"{lat.p50:.3f} / {lat.p95:.3f} / {lat.p99:.3f}"


def _x(value: float, target: str = "") -> str:
    text = "n/a" if math.isnan(value) else f"{value:.2f}×"
    return f"{text} (target {target})" if target else text


COMMANDS = [
    "- **Fan-out worker** (one Kinesis batch): one pipeline = one round trip (one per node on a cluster) of "
    "one `EVALSHA` per hash slot (256 timeline buckets) for all the batch's entries; inside, per delivery "
    "`ZADD` (a retweet also `ZREVRANGE` of the dedupe window), for ~1 in 14 entries `ZCARD` "
    "(+ `ZREMRANGEBYRANK` past the cap); per timeline named in the call one `EXISTS`; per slot one `HMGET` "
    "of the live index per thousand followers. Removals: `ZREM` per delivery, the same `HMGET`.",
    "- **Warm home read**: round trip 1 is one `EVALSHA` in the reader's bucket slot: `EXISTS`, "
    "`ZREMRANGEBYRANK` (trim), `ZREVRANGEBYLEX` (page), `EXPIRE` of the home timeline, `SRANDMEMBER` "
    "(famous followees), `SET NX EX` (hourly seen marker), and per famous followee `ZSCORE` (is the "
    "bucket's copy filled?), `ZREVRANGEBYLEX` + `ZCARD` + `EXPIRE` of that copy; round trip 2 is "
    "hydration: `GET` per tweet record with the caller's like/retweet flags (`SMISMEMBER`, `GET` of the "
    "since-markers), and `GET` per author card not memoised in the process (a third round trip when "
    "a card's 30 s memo lapsed). A copy missing from the bucket costs that read two more round trips "
    "(the authors' timelines, then filling the copies); the planner writes a famous tweet into the "
    "copies with the fan-out script (at most 256 `EVALSHA`, one per bucket).",
    "- **Trend aggregator** (one batch): one pipeline (one per node on a cluster) of one `EVALSHA` per "
    "trend key tag (64) with every (term, bucket) group under it; inside, per bucket of the call: one "
    "`SMISMEMBER` and one `SADD` of the call's event ids in the tag's seen-set (exactly-once), one `HMGET` "
    "of the changed terms' counters (uses, distinct accounts, and the accounts themselves while there are "
    "at most 8) in the bucket's counts hash and one `HSET` of their new values, one `ZADD GT` of the terms "
    "whose accounts grew (from 2 accounts: fewer in each of the 3 recent buckets cannot reach the ranker's "
    "5) in the tag's active index, and `EXPIRE NX` of each key. A term past 8 accounts adds a variadic "
    "`PFADD` of its HyperLogLog, and `EXPIRE NX` + `PFCOUNT` when it changed. No command is per use, "
    "and only those few terms have one of their own.",
]


def targets(results: Results) -> list[tuple[str, str, str]]:
    """(target, measured ratio, how) for each project target this run measures."""
    rows: list[tuple[str, str, str]] = []
    if results.fanout and results.zadd:
        rows.append((
            "fan-out worker ≥ 0.4 × redis-benchmark pipelined ZADD",
            _x(ratio(results.fanout.per_second, results.zadd.rps)),
            f"{results.fanout.per_second:,.0f} deliveries/s vs {results.zadd.rps:,.0f} ZADD/s",
        ))  # fmt: skip
    if results.sizes:
        big = results.sizes[-1]
        rows.append((
            "home handler ≤ 1.5 × raw redis-py calls (warm cache)",
            _x(ratio(big.handler.p50, big.raw.p50)),
            f"p50 {big.handler.p50:.3f} ms vs {big.raw.p50:.3f} ms at {big.spec.label}",
        ))  # fmt: skip
        rows.append((
            "warm home read ≤ 2 Redis round trips (famous followees merged)",
            f"{big.round_trips:.2f} (max {big.max_round_trips})",
            f"mean (max) over each sampled reader's recorded warm read at {big.spec.label}; "
            f"{big.seeded_famous} famous authors among their followees, merged at read",
        ))  # fmt: skip
        if big.sql is not None:
            rows.append((
                f"home read ≥ 20× faster than naive SQL ({big.spec.label})",
                _x(ratio(big.sql.p50, big.handler.p50)),
                f"p50 {big.sql.p50:.3f} ms SQL vs {big.handler.p50:.3f} ms handler; "
                f"p99 {_x(ratio(big.sql.p99, big.handler.p99))}",
            ))  # fmt: skip
        if len(big.handler_buckets) == 2:
            (lo, lo_lat), (hi, hi_lat) = sorted(big.handler_buckets.items())
            rows.append((
                "home read flat as following grows 10×",
                _x(ratio(hi_lat.p50, lo_lat.p50)),
                f"handler p50 following≈{lo}: {lo_lat.p50:.3f} ms, following≈{hi}: {hi_lat.p50:.3f} ms"
                + (
                    f"; naive SQL {_x(ratio(big.sql_buckets[hi].p50, big.sql_buckets[lo].p50))}"
                    if len(big.sql_buckets) == 2 else ""
                ),
            ))  # fmt: skip
    if results.trends is not None:
        t = results.trends
        rows.append((
            "trend aggregator ≥ 0.6 × its floor (pipelined HINCRBY of the same increments)",
            _x(t["ratio"]),
            f"{t['full']:,.0f} vs {t['baseline']:,.0f} events/s ({t['events']:,} events, interleaved per batch)",
        ))  # fmt: skip
    if results.mix and len(results.mix.lag):
        rows.append((
            "post → follower timeline p99 < 1 s locally",
            f"{results.mix.lag.p99:.0f} ms",
            f"p50 {results.mix.lag.p50:.0f} ms over {len(results.mix.lag)} posts, {results.mix.undelivered} undelivered",
        ))  # fmt: skip
    if results.push is not None and len(results.push.lag):
        push = results.push
        rows.append((
            "post → WebSocket push (no target; reported)",
            f"p99 {push.lag.p99:.0f} ms",
            f"p50 {push.lag.p50:.0f} ms to {push.followers} connected followers × {push.tweets} tweets, "
            f"{push.lost} lost; ping→pong p50 {push.pong.p50:.1f} ms",
        ))  # fmt: skip
    return rows


def summary(results: Results) -> str:
    lines = ["", "Warbler bench — targets as ratios measured in this run:"]
    for target, value, how in targets(results):
        lines.append(f"  {target}: {value}  [{how}]")
    for note in results.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def write(results: Results, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    plots = [p for p in (_latency_plot(results, out), _growth_plot(results, out), _lag_plot(results, out)) if p]
    path = out / "report.md"
    path.write_text(_markdown(results, plots))
    return path


def _markdown(results: Results, plots: list[str]) -> str:
    a = results.args
    md = [f"# Warbler benchmark — {a.get('command', 'run')}", "", time.strftime("%Y-%m-%d %H:%M:%S %Z"), ""]
    md += ["## Machine and versions", "", "| | |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in results.environment.items()]
    md += ["", "## Parameters", "", "| | |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in a.items() if k not in {"func", "quiet"}]
    md += ["", "## Targets (ratios measured in this run)", "", "| target | measured | detail |", "|---|---|---|"]
    md += [f"| {t} | {v} | {h} |" for t, v, h in targets(results)]

    md += ["", "## Home timeline read latency by graph size (ms: p50 / p95 / p99)", ""]
    md += ["| graph | max followers | median / p99 following | Warbler handler (in-process) | raw redis-py | "
           "naive SQL | SQL ÷ handler (p50) |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in results.sizes:
        md.append(
            f"| {s.spec.label} | {s.shape['max_followers']:,} | {s.shape['median_following']} / {s.shape['p99_following']} "
            f"| {_ms(s.handler)} | {_ms(s.raw)} | {_ms(s.sql)} | {_x(ratio(s.sql.p50 if s.sql else math.nan, s.handler.p50))} |"
        )
    md += ["", "### By following count (largest graph; ms: p50 / p95 / p99)", ""]
    if results.sizes:
        big = results.sizes[-1]
        md += ["| readers following about | mean following | Warbler handler | naive SQL |", "|---|---|---|---|"]
        for k in sorted(big.handler_buckets):
            md.append(
                f"| {k} | {big.bucket_following.get(k, math.nan):.0f} | {_ms(big.handler_buckets[k])} "
                f"| {_ms(big.sql_buckets.get(k))} |"
            )
        md += [
            "",
            f"A warm home read made {big.round_trips:.1f} Redis round trips and {big.commands:.1f} commands "
            f"on average and returned {big.items:.1f} tweets; the raw baseline replays exactly those "
            "round trips (recorded at the redis-py boundary) with a bare client, in the same process, "
            "interleaved with the handler reads: a reader's read and its replay in pairs, each going first "
            "in every other pair (the second of a pair finds the reader's keys hot in the caches).",
        ]
        for s in results.sizes:
            if s.sql_load is not None:
                how = "reused" if s.sql_load.reused else f"loaded {s.sql_load.rows:,} rows with COPY"
                md.append(
                    f"- PostgreSQL {s.spec.label}: {how} in {s.sql_load.seconds:.1f} s (schema `{s.sql_load.schema}`)."
                )

    profiled = [s for s in results.sizes if s.profile]
    if profiled:
        size = profiled[-1]
        total = sum(size.profile.values())
        md += ["", f"### Where a warm home read's time goes ({size.spec.label}; pyinstrument, {results.args.get('reads', 0) // 2} reads)", "",
               "| cost | share | ms of an unprofiled read (share × mean) |", "|---|---|---|"]  # fmt: skip
        mean = size.handler.mean_ms if size.handler is not None else 0.0
        for name, sec in sorted(size.profile.items(), key=lambda kv: -kv[1]):
            md.append(f"| {name} | {sec / total:.0%} | {sec / total * mean:.3f} |")
        md += ["", "Redis is redis-py and the wait for the server; hydration, timeline rules and auth claims are the "
               "Python of `tweets.views.hydrate`, `feeds.reads.HomeTimeline` and `api.caller_id` outside Redis; "
               "the resolver and Powertools are the rest of the handler. The profiler slows what it samples, so "
               f"the time column applies the shares to the unprofiled handler's mean ({mean:.3f} ms)."]  # fmt: skip

    if results.fanout:
        f, z = results.fanout, results.zadd
        md += ["", "## Fan-out", "",
               f"- fan-out worker (handler in-process, {f.records:,} chunk records in {f.invocations} Kinesis batches): "
               f"**{f.per_second:,.0f} deliveries/s** ({f.deliveries:,} in {f.seconds:.2f} s)"]  # fmt: skip
        if z:
            md += [f"- {z.describe()}", f"- ratio: **{_x(ratio(f.per_second, z.rps))}** (target ≥ 0.4×)"]
        if f.chunks:
            md.append(f"- packing: {f.chunks:,} chunks (one tweet's slice of an audience each) in {f.records:,} records, "
                      f"{f.deliveries / f.records:,.0f} deliveries per record, "
                      f"{f.deliveries / max(1, f.invocations):,.0f} per batch")  # fmt: skip
        if f.stages:
            total = sum(f.stages.values())
            md += ["", "Where the worker's time goes (the same batches replayed stage by stage; Redis commands "
                   "counted by the server, those inside scripts included):", "",
                   "| stage | seconds | share | µs per delivery | Redis commands |", "|---|---|---|---|---|"]  # fmt: skip
            for stage, sec in f.stages.items():
                md.append(f"| {stage} | {sec:.3f} | {sec / total:.0%} | {sec / f.deliveries * 1e6:.2f} | "
                          f"{f.commands.get(stage, 0):,} |")  # fmt: skip

    if results.trends is not None:
        t = results.trends
        md += ["", "## Trend aggregator", "",
               f"`python -m bench.trends_bench --events {t['events']}` in a subprocess (its own redis-server): "
               f"full handler **{t['full']:,.0f} events/s** vs the floor {t['baseline']:,.0f} events/s, "
               f"ratio **{_x(t['ratio'])}** (target ≥ 0.6×); redelivered batches {t['redeliver']:,.0f} events/s, "
               f"hashtags only {t['hashtags']:,.0f} events/s; {t['terms']:.1f} terms per post. The ratio is the "
               f"median of the per-batch ratios (each batch's handler run and floor run back to back); the ratio "
               f"of the sums was {_x(t.get('ratio_of_sums', math.nan))}."]  # fmt: skip
        if t.get("stages"):
            total = sum(t["stages"].values()) or math.nan
            md += [
                "",
                "Where the handler's time goes (the same batches replayed stage by stage: every event is "
                "already seen, so Redis's share is a lower bound):",
                "",
                "| stage | seconds | share |",
                "|---|---|---|",
            ]
            md += [f"| {name} | {sec:.3f} | {sec / total:.0%} |" for name, sec in t["stages"].items()]  # fmt: skip

    md += ["", "## Redis commands each hot path sends", "", *COMMANDS]

    if results.mix:
        m = results.mix
        md += ["", "## API mix through the gateway", "",
               f"{m.users} users and {m.edges} follows created through the API; {m.seconds:.0f} s of traffic: "
               f"{m.post_count} posts and {m.random_reads} home reads of random accounts by {READERS} concurrent "
               f"readers ({m.random_reads / max(1, m.post_count):.0f} per post, {m.random_reads / max(m.seconds, 1e-9):.0f}/s; "
               "the readers read as fast as the stack answers, up to the mix's reads per post), beside the poster "
               "and one watcher polling for delivery.", "",
               "| operation | n | p50 / p95 / p99 (ms) |", "|---|---|---|"]  # fmt: skip
        for name, lat in (
            ("home read (HTTP)", m.reads),
            ("post", m.posts),
            ("like", m.likes),
            ("search", m.searches),
            ("follow", m.follows),
        ):
            if len(lat):
                md.append(f"| {name} | {len(lat)} | {_ms(lat)} |")
        md += ["", f"Post → follower home timeline lag: {_ms(m.lag)} ms (p50 / p95 / p99) over {len(m.lag)} posts; "
               f"{m.undelivered} not seen within the deadline. Measured from the POST's response to the first "
               "home read of a watching follower that shows the tweet (an upper bound)."]  # fmt: skip
        if m.errors:
            md.append(f"Errors: {m.errors}")

    md += ["", "## Method", "",
           "- Graph: power-law (Zipf) followee popularity over a shuffled ranking, Pareto following counts, "
           "deterministic for the seed; tweets spread uniformly over authors, ids in time order.",
           "- Naive design: PostgreSQL tables users/tweets/follows, PKs, follows(followee_id, follower_id), "
           "tweets(author_id, id DESC); one prepared join query per read, 20 tweets with authors.",
           "- Warbler at graph scale: the sampled readers' Redis state (home timeline, famous followees, famous "
           "authors' timelines, cached tweets and author cards) is written through the domain layer's own "
           "adapters (`TimelineStore.replace`, `tweets.store.record`, `users.card`) as fan-out and the caches would "
           "leave it; the graph itself is not loaded into DynamoDB. Reads call the `timelines` handler with a "
           "REST proxy event, after one warm-up read per reader.",
           "- Fan-out: the `fanout_worker` handler is given Kinesis batches of real follower chunks, packed into "
           "records as the planner packs them; every follower's timeline is present, so each delivery is a write.",
           ]  # fmt: skip
    md += [f"- Note: {n}" for n in results.notes]
    md += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    if results.capacity:
        md += ["", results.capacity]
    return "\n".join(md) + "\n"


def _latency_plot(results: Results, out: Path) -> str | None:
    if not results.sizes:
        return None
    big = results.sizes[-1]
    series: list[tuple[str, Latencies]] = [("Warbler handler", big.handler), ("raw redis-py", big.raw)]
    if big.sql is not None:
        series.append(("naive SQL", big.sql))
    if results.mix and len(results.mix.reads):
        series.append(("HTTP via gateway\n(small API graph)", results.mix.reads))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.25
    for i, (q, name) in enumerate(((50, "p50"), (95, "p95"), (99, "p99"))):
        ax.bar([x + i * width for x in range(len(series))], [lat.ms(q) for _, lat in series], width, label=name)
    ax.set_xticks([x + width for x in range(len(series))], [n for n, _ in series])
    ax.set_ylabel("ms")
    ax.set_title(f"Home timeline read latency ({big.spec.label})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency_percentiles.png", dpi=110)
    plt.close(fig)
    return "latency_percentiles.png"


def _growth_plot(results: Results, out: Path) -> str | None:
    sizes: list[SizeResult] = results.sizes
    if not sizes:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    users = [s.spec.users for s in sizes]
    for q, style in ((50, "-o"), (99, "--o")):
        left.plot(users, [s.handler.ms(q) for s in sizes], style, color="tab:blue", label=f"Warbler p{q}")
        if all(s.sql is not None for s in sizes):
            left.plot(users, [s.sql.ms(q) for s in sizes], style, color="tab:red", label=f"naive SQL p{q}")  # type: ignore[union-attr]
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("users (follows grow as users^1.5)")
    left.set_ylabel("ms")
    left.set_title("Home read vs graph size")
    left.legend()
    big = sizes[-1]
    ks = sorted(big.handler_buckets)
    following = [big.bucket_following.get(k, k) for k in ks]
    right.plot(following, [big.handler_buckets[k].p50 for k in ks], "-o", color="tab:blue", label="Warbler p50")
    if len(big.sql_buckets) == len(ks):
        right.plot(following, [big.sql_buckets[k].p50 for k in ks], "-o", color="tab:red", label="naive SQL p50")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("accounts the reader follows")
    right.set_ylabel("ms")
    right.set_title(f"Home read vs following count ({big.spec.users:,} users)")
    right.legend()
    fig.tight_layout()
    fig.savefig(out / "growth.png", dpi=110)
    plt.close(fig)
    return "growth.png"


def _lag_plot(results: Results, out: Path) -> str | None:
    if results.mix is None or not len(results.mix.lag):
        return None
    lag_ms = sorted(s * 1000 for s in results.mix.lag.seconds)
    fig, (hist, cdf) = plt.subplots(1, 2, figsize=(10, 4))
    hist.hist(lag_ms, bins=min(40, max(5, len(lag_ms) // 3)), color="tab:green")
    hist.set_xlabel("post → follower timeline (ms)")
    hist.set_ylabel("posts")
    cdf.plot(lag_ms, [(i + 1) / len(lag_ms) for i in range(len(lag_ms))], color="tab:green")
    cdf.axvline(1000, color="grey", linestyle=":", label="1 s target (p99)")
    cdf.set_xlabel("ms")
    cdf.set_ylabel("fraction delivered")
    cdf.legend()
    fig.suptitle("Delivery lag")
    fig.tight_layout()
    fig.savefig(out / "lag.png", dpi=110)
    plt.close(fig)
    return "lag.png"
