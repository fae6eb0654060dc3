"""``python -m bench.trends_bench`` — activity events per second the trend aggregator sustains.

The ``trends_aggregator`` handler runs in-process against a private redis-server, fed Kinesis
events of ``--batch`` records (the catalog's batch size) built from synthetic posts: Zipf-ish
hashtags and ~14-word texts over ``--accounts`` accounts, in the current 5-minute bucket. Runs:

* full      — hashtags and topics (each word and two-word phrase of the text is a term)
* redeliver — the same batches again: everything is a duplicate, nothing changes
* hashtags  — posts without text, hashtags only
* baseline  — the same (term, bucket) increments as the full run as plain pipelined HINCRBYs,
              one pipeline per batch: no dedupe, no HyperLogLog, no parsing (the floor)

The full run and the baseline are timed batch by batch, interleaved (a full batch, then the same
batch's floor), so a loaded machine's drifting load weighs on both alike; the ratio is the median
of the per-batch ratios, which a load spike in one phase of one batch cannot move. Then the
handler's stages (decode, terms and grouping, Redis) are timed on a replay of the same batches.

then one ranker run over what was counted. Prints the environment, inputs and figures; the
tests assert nothing on timings.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from bench import environment
from bench.stats import ratio
from infra.local.functions import LambdaContext
from infra.local.services import RedisServer
from infra.local.traffic import activity, kinesis_event


def _events(count: int, accounts: int, with_text: bool, rng: random.Random) -> list[dict]:
    tags = [f"tag{i}" for i in range(500)]
    tag_weights = [1 / (i + 1) for i in range(len(tags))]
    words = [f"word{i}" for i in range(3000)] + ["the", "and", "of", "to", "is", "in", "it", "for"]
    word_weights = [1 / (i + 1) ** 0.8 for i in range(3000)] + [1.0] * 8
    now = datetime.now(UTC)
    out = []
    for _ in range(count):
        chosen = list(dict.fromkeys(rng.choices(tags, tag_weights, k=rng.randint(0, 3))))
        text = " ".join(rng.choices(words, word_weights, k=14)) if with_text else ""
        body = f"{text} " + " ".join(f"#{t}" for t in chosen)
        out.append(activity(f"{rng.randrange(accounts)}", now, chosen, text=body.strip() or "-"))
    return out


def _run(handler, batches: list[dict]) -> float:
    context = LambdaContext("trends_aggregator", 512, 60)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the handler's EMF metric lines
        for batch in batches:
            result = handler(batch, context)
            assert result == {"batchItemFailures": []}, result
    return time.perf_counter() - started


def _baseline(r, events: list[dict]) -> float:
    """The floor for one batch: its (term, bucket) increments as one pipeline of HINCRBYs."""
    from warbler import trends

    started = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for event in events:
        bucket = trends.bucket_of(datetime.fromisoformat(event["at"].replace("Z", "+00:00")))
        for kind, terms in trends.terms_of(event, {}).items():
            for term in terms:
                pipe.hincrby(f"base:{{{kind}:{term}}}", f"u{bucket}", 1)
    pipe.execute()
    return time.perf_counter() - started


def _interleaved(handler, r, batches: list[dict], events: list[dict], batch: int) -> tuple[list[float], list[float]]:
    """(handler seconds, baseline seconds) per batch over the same batches, timed alternately."""
    full, base = [], []
    for n, event in enumerate(batches):
        full.append(_run(handler, [event]))
        base.append(_baseline(r, events[n * batch : (n + 1) * batch]))
    return full, base


def _stages(decode, batches: list[dict]) -> dict[str, float]:
    """Where the handler's time goes: the same batches again (already counted, so the script
    finds every event seen; the share of Redis is a lower bound), stage by stage."""
    from warbler import trends
    from warbler.trends.store import TrendStore

    store, keep = TrendStore(), trends.count_rules()
    seconds = dict.fromkeys(("decode", "terms and grouping", "Redis (script + active index)"), 0.0)
    for batch in batches:
        started = time.perf_counter()
        events = [e for record in batch["Records"] for e in decode(record)]
        decoded = time.perf_counter()
        uses = trends.uses_of(events)
        grouped = time.perf_counter()
        store.count(uses, keep)
        done = time.perf_counter()
        seconds["decode"] += decoded - started
        seconds["terms and grouping"] += grouped - decoded
        seconds["Redis (script + active index)"] += done - grouped
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file (make bench's report reads it)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    server = RedisServer().start()
    os.environ["REDIS_URL"] = server.url
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "WarblerBench")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "warbler-bench")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "1")
    try:
        import redis

        from infra.functions import load
        from warbler import trends

        module = load("trends_aggregator")
        handler = module.lambda_handler
        r = redis.Redis.from_url(server.url, decode_responses=True)
        rng = random.Random(args.seed)
        full = _events(args.events, args.accounts, True, rng)
        tags_only = _events(args.events, args.accounts, False, rng)
        terms = sum(len(t) for e in full for t in trends.terms_of(e, {}).values()) / len(full)
        batches = [kinesis_event(full[i : i + args.batch]) for i in range(0, len(full), args.batch)]
        tag_batches = [kinesis_event(tags_only[i : i + args.batch]) for i in range(0, len(tags_only), args.batch)]

        print("# Trend aggregator throughput (in-process handler, real redis-server)")
        print(f"CPU: {environment.cpu_model()} ({os.cpu_count()} cores)")
        print(f"Python {sys.version.split()[0]} on {platform.system()} {platform.release()}")
        print(f"redis-server {r.info()['redis_version']}, commit {environment.git_commit()}")
        print(f"Inputs: events={args.events} batch={args.batch} accounts={args.accounts} seed={args.seed}")
        print(f"        {terms:.1f} terms per post (hashtags + topic words and phrases)")

        full_batches, base_batches = _interleaved(handler, r, batches, full, args.batch)
        full_s, base_s = sum(full_batches), sum(base_batches)
        # Each batch's pair ran under the same load: the median of their ratios is what a load
        # spike during one phase cannot move much (the ratio of the sums is printed too).
        per_batch = statistics.median(b / f for f, b in zip(full_batches, base_batches, strict=True))
        stages = _stages(module._activity_event, batches)
        again_s = _run(handler, batches)
        tags_s = _run(handler, tag_batches)
        started = time.perf_counter()
        ranked = trends.rank_all()
        rank_s = time.perf_counter() - started

        def row(name: str, seconds: float) -> None:
            rate = args.events / seconds
            print(f"{name:<10} {rate:>10,.0f} events/s  {rate * terms:>12,.0f} term-uses/s  {seconds:6.2f} s")

        print()
        row("full", full_s)
        row("redeliver", again_s)
        print(f"{'hashtags':<10} {args.events / tags_s:>10,.0f} events/s  (hashtags only){tags_s:>21.2f} s")
        row("baseline", base_s)
        print(
            f"full / baseline throughput ratio: {per_batch:.2f} (median per batch; {ratio(base_s, full_s):.2f} of the sums)"
        )
        print("stages (a redelivered replay):", ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
        print(f"ranker: {rank_s * 1000:.0f} ms for {ranked} (one scheduled run)")
        if args.json:
            figures = {
                "events": args.events,
                "terms": terms,
                "full": args.events / full_s,
                "redeliver": args.events / again_s,
                "hashtags": args.events / tags_s,
                "baseline": args.events / base_s,
                "ratio": per_batch,
                "ratio_of_sums": ratio(base_s, full_s),
                "stages": stages,
            }
            Path(args.json).write_text(json.dumps(figures))
        r.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
