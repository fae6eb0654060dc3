"""``python -m bench.analytics_bench [--events 1000000]`` — how long the daily report takes over a
lake of that many events, on this machine.

A synthetic lake (``--days`` days ending with the report's day, ``--accounts`` accounts with
Zipf-ish activity, the mix of a social network: mostly `seen` and likes, some posts with hashtags,
sign-ups, follows, clicks; 1 % of events delivered twice) is written as gzip NDJSON objects of
``--per-object`` events into the analytics bucket of a private moto server, exactly as the
Firehose delivery stream lays it out. Then, in this process:

* report   — ``warbler.analytics.report.run`` for the last day: every object of the 30 days the
             figures read fetched through boto3, loaded into DuckDB, every figure of figures.sql,
             four charts, the HTML, the JSON, the mail (moto's SES)
* figures  — the SQL alone, on the already-loaded (and once deduplicated) DuckDB table; then the
             same with the dedupe in front of every figure, as Athena runs it (the ratio is the saving)
* baseline — loading the same objects into DuckDB (and the one dedupe) and counting the rows

Prints the environment, inputs and figures with ratios to the baseline; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench import environment
from bench.stats import ratio
from infra.local.bootstrap import aws_client, aws_env
from infra.local.services import MotoServer

MIX = (  # (type, share of events)
    ("seen", 0.40),
    ("like", 0.25),
    ("post", 0.10),
    ("reply", 0.06),
    ("retweet", 0.06),
    ("quote", 0.02),
    ("follow", 0.04),
    ("unfollow", 0.01),
    ("click", 0.03),
    ("delete", 0.01),
    ("signup", 0.02),
)
TAGS = [f"tag{i}" for i in range(500)]


def synthetic_events(count: int, days: list[date], accounts: int, rng: random.Random):
    kinds, weights = zip(*MIX, strict=True)
    tweets: list[str] = ["1"]
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        day = rng.choice(days)
        actor = f"u{int(accounts * rng.random() ** 3)}"  # a few very active accounts, a long tail
        second = rng.randrange(86_400)
        event = {
            "event_id": f"e{n}",
            "type": kind,
            "actor_id": actor,
            "at": f"{day.isoformat()}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z",
        }
        if kind in {"post", "reply", "quote"}:
            event["tweet_id"] = str(n)
            tweets.append(str(n))
            event["hashtags"] = [
                rng.choice(TAGS[: 1 + int(rng.paretovariate(1.0)) % 500]) for _ in range(rng.randrange(3))
            ]
            if kind != "post":
                event["parent_id"] = rng.choice(tweets[-5000:])
        elif kind in {"like", "retweet", "delete", "click"}:
            event["tweet_id"] = rng.choice(tweets[-5000:])
            if kind == "click":
                event["key"] = f"k{rng.randrange(200)}"
        elif kind in {"follow", "unfollow"}:
            event["target_user_id"] = f"u{rng.randrange(accounts)}"
        yield event
        if rng.random() < 0.01:
            yield event  # an at-least-once redelivery


def write_lake(s3, bucket: str, events, per_object: int) -> tuple[int, int, int]:
    by_day: dict[str, list[bytes]] = {}
    objects = delivered = size = 0

    def flush(day: str) -> None:
        nonlocal objects, size
        body = gzip.compress(b"".join(by_day.pop(day)))
        s3.put_object(Bucket=bucket, Key=f"activity/dt={day}/bench-{objects}.gz", Body=body)
        objects += 1
        size += len(body)

    for event in events:
        day = event["at"][:10]
        by_day.setdefault(day, []).append(json.dumps(event, separators=(",", ":")).encode() + b"\n")
        delivered += 1
        if len(by_day[day]) >= per_object:
            flush(day)
    for day in list(by_day):
        flush(day)
    return objects, delivered, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_bench")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--days", type=int, default=30, help="the daily report reads 30 days (MAU; the day-7 cohorts are inside)"
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--per-object", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    moto = MotoServer().start()
    try:
        os.environ.update(aws_env(moto.url))
        os.environ["WARBLER_REPORT_RECIPIENTS"] = "bench@warbler.local"
        s3 = aws_client("s3", moto.url)
        from warbler.analytics import figures, report  # noqa: PLC0415 - after the environment
        from warbler.analytics.engines import DuckDBEngine  # noqa: PLC0415
        from warbler.analytics.store import LakeStore  # noqa: PLC0415
        from warbler.settings import get_settings  # noqa: PLC0415

        bucket = get_settings().analytics_bucket
        s3.create_bucket(Bucket=bucket)
        aws_client("ses", moto.url).verify_email_identity(EmailAddress=get_settings().report_sender)
        last = date(2026, 12, 8)
        days = [last - timedelta(days=i) for i in range(args.days)]
        started = time.perf_counter()
        objects, delivered, size = write_lake(
            s3, bucket, synthetic_events(args.events, days, args.accounts, random.Random(args.seed)), args.per_object
        )
        written_s = time.perf_counter() - started
        period = report.daily(last)

        started = time.perf_counter()
        engine = DuckDBEngine(LakeStore(), period.days())
        rows = engine.query("SELECT COUNT(*) AS n FROM activity")[0]["n"]
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        computed = report.compute(period, engine)
        figures_s = time.perf_counter() - started
        # The same figures with the events block in front of each (Athena's shape, and this
        # engine's before it deduplicated once): what deduplicating once saves.
        started = time.perf_counter()
        for figure in figures.report_figures():
            engine.query(figures.render(figure, period))
        per_figure_s = time.perf_counter() - started
        engine.close()

        started = time.perf_counter()
        written = report.run(period)
        report_s = time.perf_counter() - started
        import duckdb  # noqa: PLC0415

        print("analytics report benchmark")
        print(f"  CPU        {environment.cpu_model()} ({os.cpu_count()} cores), {environment.memory_gb():.1f} GB")
        print(
            f"  Python     {platform.python_version()}, DuckDB {duckdb.__version__}, commit {environment.git_commit()}"
        )
        print(f"  lake       {args.events:,} events ({delivered:,} delivered, 1 % twice) over {args.days} days,")
        print(
            f"             {args.accounts:,} accounts, {objects} gzip objects, {size / 1e6:.1f} MB (written in {written_s:.1f} s)"
        )
        print(f"  figures    {len(figures.report_figures())} queries; DAU {computed['active_users']['dau']:,},")
        print(
            f"             MAU {computed['active_users']['mau']:,}, events on the day {computed['actions']['events']:,}"
        )
        print(f"  baseline   fetch + load + count {rows:,} rows: {baseline_s:.2f} s")
        print(
            f"  figures    SQL only:                 {figures_s:.2f} s  ({ratio(figures_s, baseline_s):.2f}x baseline)"
        )
        print(
            f"  per figure SQL, deduplicating per figure: {per_figure_s:.2f} s  "
            f"({ratio(per_figure_s, figures_s):.2f}x deduplicating once)"
        )
        print(f"  report     the whole job:            {report_s:.2f} s  ({ratio(report_s, baseline_s):.2f}x baseline)")
        print(
            f"  wrote      {written['json']}, {written['html']}, {len(written['charts'])} charts, mail {written['mail']}"
        )
        out = Path(tempfile.gettempdir()) / "warbler-bench-report.html"
        out.write_bytes(LakeStore().get(written["html"]) or b"")
        print(f"  html       {out}")
    finally:
        moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
