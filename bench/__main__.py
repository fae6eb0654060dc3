"""``python -m bench run|smoke|graph`` — the Warbler benchmark (issue 7).

    python -m bench run                      # full: 10K/30K/100K users, up to 5M follows
    python -m bench smoke                    # CI: tiny graphs, < 2 minutes with stack start
    python -m bench run --users 50000 --follows 2000000 --duration 60 --post-rate 3 --seed 7
    python -m bench graph --users 100000 --follows 5000000   # print the generated graph's shape

Figures and ratios are printed and written to ``bench/results/`` (report.md + PNGs); nothing
asserts on timings.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bench import environment, events, naive_sql, redis_baseline, report, timeline
from bench.graph import GraphSpec, generate
from bench.progress import Progress
from bench.results import Results, SizeResult

if TYPE_CHECKING:
    from infra.local.stack import LocalStack

PRESETS = {
    "run": dict(
        users=100_000, follows=5_000_000, scales="0.1,0.3,1", reads=2000, readers=300, fanout_deliveries=1_000_000,
        zadd_requests=2_000_000, duration=60.0, post_rate=2.0, http_users=40, http_follows=300,
        tweets_per_user=100.0, push_followers=100, push_tweets=30, trend_events=20_000,
    ),
    "smoke": dict(
        users=2_000, follows=40_000, scales="0.25,0.5,1", reads=300, readers=50, fanout_deliveries=100_000,
        zadd_requests=200_000, duration=8.0, post_rate=2.0, http_users=10, http_follows=30,
        tweets_per_user=10.0, push_followers=10, push_tweets=5, trend_events=2_000,
    ),
}  # fmt: skip


def sizes(args: argparse.Namespace) -> list[GraphSpec]:
    """Graph sizes for the growth curves: users scale by s, follows by s**1.5, so the average
    following count grows with the graph too (as it does on a real network)."""
    out = []
    for raw in args.scales.split(","):
        s = float(raw)
        out.append(
            GraphSpec(
                users=max(100, round(args.users * s)),
                follows=max(200, round(args.follows * s**1.5)),
                tweets_per_user=args.tweets_per_user,
                zipf_exponent=args.zipf,
                seed=args.seed,
            )
        )
    return out


@contextlib.contextmanager
def warbler_stack(progress: Progress) -> Iterator[LocalStack]:
    """The local stack (gateways, moto, Redis, pollers). Every phase needs it: even a warm home
    read goes to DynamoDB once per reader (the first read fills its like and retweet flag cache)."""
    from infra.local.stack import LocalStack

    progress.note("starting the local stack (moto, redis, gateways, pollers)")
    with LocalStack(rest_port=0, ws_port=0) as stack:
        progress.note(f"stack up: REST {stack.rest_url}, Redis {stack.redis_url}")
        yield stack


def run(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    progress = Progress(quiet=args.quiet)
    results = Results(args=vars(args).copy())
    pg = naive_sql.connect(args.pg)
    if pg is None:
        progress.note(naive_sql.HOW_TO_PROVIDE)
        results.notes.append(naive_sql.HOW_TO_PROVIDE)
    with warbler_stack(progress) as stack:
        redis_url = stack.redis_url
        import logging

        logging.getLogger("infra").setLevel(logging.WARNING)
        results.environment = environment.describe(
            redis_baseline.server_version(redis_url), naive_sql.server_version(pg) if pg else "not reachable"
        )
        for key, value in results.environment.items():
            progress.note(f"{key}: {value}")
        registry = stack.registry
        invoke = registry.invoke
        read_handler = events.home_reader(registry)

        # The API mix runs first, on a fresh stack, so its lag is not measured behind the load of
        # the in-process phases.
        _mix(args, stack, results, progress)
        specs = sizes(args)
        for spec in specs:
            results.sizes.append(_one_size(args, spec, pg, read_handler, redis_url, progress))
            gc.collect()
        _fanout(args, specs[0], invoke, redis_url, results, progress)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results.trends = _trends(args, out, progress)
    results.capacity = _capacity(args, out, progress)
    path = report.write(results, out)
    print(report.summary(results))
    progress.note(f"report: {path}")
    return 0


def _capacity(args: argparse.Namespace, out: Path, progress: Progress) -> str:
    """Per-operation costs measured on a fresh stack, and the design's load modelled on AWS.

    A process of its own: handlers keep clients bound to the stack they were first imported
    under, so a second stack in this process would be talking to the first one's (stopped) moto.
    """
    import subprocess

    command = [sys.executable, "-m", "bench.capacity", "--out", str(out), "--quiet"]
    if args.command == "smoke":
        command.append("--small")
    task = progress.task("capacity: per-operation costs on a fresh stack, then the model", 1)
    done = subprocess.run(command, cwd=environment.REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"python -m bench.capacity failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    task.done(done.stdout.strip().splitlines()[-1].strip())
    return (out / "capacity.md").read_text()


def _trends(args: argparse.Namespace, out: Path, progress: Progress) -> dict:
    """The trend aggregator against its floor: ``bench.trends_bench`` in a process of its own
    (its own redis-server, and the handler imported under its environment)."""
    import json
    import subprocess

    figures = out / "trends.json"
    command = [sys.executable, "-m", "bench.trends_bench", "--events", str(args.trend_events), "--json", str(figures)]
    task = progress.task(f"trend aggregator: {args.trend_events:,} events vs its floor", 1)
    done = subprocess.run(command, cwd=environment.REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"python -m bench.trends_bench failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result = json.loads(figures.read_text())
    task.done(f"ratio {result['ratio']:.2f}")
    return result


def _one_size(args, spec: GraphSpec, pg, read_handler, redis_url: str, progress: Progress) -> SizeResult:
    from bench import warbler_seed

    task = progress.task(f"generate graph {spec.label}", spec.follows)
    graph = generate(spec, progress=lambda done, total: task.set(done))
    task.done()
    shape = graph.summary()
    progress.note(
        f"graph: max followers {shape['max_followers']:,}, median following {shape['median_following']}, "
        f"p99 following {shape['p99_following']}"
    )
    result = SizeResult(spec=spec, shape=shape)
    rng = random.Random(args.seed)
    active = [u for u in range(graph.users) if graph.following_count[u] > 0]
    readers = rng.sample(active, min(args.readers, len(active)))
    low = max(1, int(shape["median_following"]))
    buckets = {
        low: graph.readers_following_about(low, 50, args.seed),
        10 * low: graph.readers_following_about(10 * low, 50, args.seed),
    }
    result.bucket_following = {k: sum(graph.following_count[u] for u in v) / len(v) for k, v in buckets.items()}

    if pg is not None:
        result.sql_load = naive_sql.load(pg, graph, progress)
        task = progress.task(f"naive SQL: {args.reads} home reads", 1)
        result.sql = naive_sql.measure_home(pg, readers, args.reads, args.seed)
        result.sql_buckets = {k: naive_sql.measure_home(pg, v, args.reads // 2, args.seed) for k, v in buckets.items()}
        task.done(result.sql.row())

    index = warbler_seed.TweetIndex(graph)
    seeded = warbler_seed.seed(graph, readers + [u for v in buckets.values() for u in v], index, progress)
    result.seeded_famous = seeded.famous_authors
    ids = {u: warbler_seed.user_id(u) for u in readers + [u for v in buckets.values() for u in v]}
    task = progress.task(f"Warbler handler in-process: {args.reads} home reads (+ raw redis-py replay)", 1)
    comparison = timeline.compare_with_raw(read_handler, [ids[u] for u in readers], redis_url, args.reads, args.seed)
    result.handler, result.raw = comparison.handler, comparison.raw
    result.round_trips, result.commands, result.items = comparison.round_trips, comparison.commands, comparison.items
    result.max_round_trips = comparison.max_round_trips
    result.handler_buckets = {
        k: timeline.measure(read_handler, [ids[u] for u in v], args.reads // 2, args.seed) for k, v in buckets.items()
    }
    task.done(f"handler {result.handler.row()} | raw {result.raw.row()}")
    from bench import home_profile

    task = progress.task(f"profile the handler (pyinstrument): {args.reads // 2} warm reads", 1)
    result.profile = home_profile.profile(read_handler, [ids[u] for u in readers], args.reads // 2)
    task.done()
    return result


def _fanout(args, spec: GraphSpec, invoke, redis_url: str, results: Results, progress: Progress) -> None:
    from bench import fanout

    graph = generate(spec)
    fanout.activate_timelines(graph, progress)
    docs = fanout.chunks_for(graph, args.fanout_deliveries)
    results.fanout = fanout.run(invoke, docs, args.fanout_batch, progress)
    task = progress.task(f"redis-benchmark ZADD -P 16, {args.zadd_requests:,} requests, same Redis", 1)
    results.zadd = redis_baseline.run_zadd(redis_url, args.zadd_requests)
    redis_baseline.cleanup_benchmark_keys(redis_url)
    task.done(results.zadd.describe())


def _mix(args, stack, results: Results, progress: Progress) -> None:
    from bench.mix import Mix

    mix = Mix(stack.rest_url, args.http_users, args.http_follows, args.seed, progress)
    mix.setup()
    results.mix = mix.run(args.duration, args.post_rate, args.reads_per_post)
    from bench.push_lag import measure

    task = progress.task(f"post -> WebSocket push lag, {args.push_followers} connected followers", 1)
    results.push = measure(stack, args.push_followers, args.push_tweets, pings=10, timeout=20.0)
    task.done(f"(p50 {results.push.lag.p50:.0f} ms, p99 {results.push.lag.p99:.0f} ms)")


def graph_command(args: argparse.Namespace) -> int:
    spec = GraphSpec(args.users, args.follows, args.tweets_per_user, args.zipf, seed=args.seed)
    progress = Progress()
    task = progress.task(f"generate {spec.label}", spec.follows)
    graph = generate(spec, progress=lambda done, total: task.set(done))
    task.done()
    for key, value in graph.summary().items():
        print(f"{key}: {value}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)
    for name, preset in PRESETS.items():
        s = sub.add_parser(name, help="full benchmark" if name == "run" else "small benchmark for CI")
        s.add_argument("--users", type=int, default=preset["users"], help="users in the largest graph")
        s.add_argument("--follows", type=int, default=preset["follows"], help="follows in the largest graph")
        s.add_argument("--scales", default=preset["scales"], help="graph sizes as fractions of --users (follows ^1.5)")
        # The naive design keeps every tweet: about two months of a typical account at ~2 a day.
        s.add_argument("--tweets-per-user", type=float, default=preset["tweets_per_user"])
        s.add_argument("--zipf", type=float, default=0.9, help="exponent of followee popularity")
        s.add_argument("--seed", type=int, default=42)
        s.add_argument("--reads", type=int, default=preset["reads"], help="measured home reads per design and size")
        s.add_argument("--readers", type=int, default=preset["readers"], help="distinct sampled readers per size")
        s.add_argument("--fanout-deliveries", type=int, default=preset["fanout_deliveries"])
        s.add_argument("--fanout-batch", type=int, default=100, help="Kinesis records per worker invocation")
        s.add_argument("--zadd-requests", type=int, default=preset["zadd_requests"])
        s.add_argument("--trend-events", type=int, default=preset["trend_events"], help="events for bench.trends_bench")
        s.add_argument("--duration", type=float, default=preset["duration"], help="seconds of the API mix")
        s.add_argument("--post-rate", type=float, default=preset["post_rate"], help="posts per second in the mix")
        s.add_argument("--reads-per-post", type=int, default=100)
        s.add_argument("--push-followers", type=int, default=preset["push_followers"], help="connected followers")
        s.add_argument("--push-tweets", type=int, default=preset["push_tweets"])
        s.add_argument("--http-users", type=int, default=preset["http_users"], help="users signed up through the API")
        s.add_argument("--http-follows", type=int, default=preset["http_follows"])
        s.add_argument("--pg", default=None, help="PostgreSQL conninfo (default: PG* env, else local socket, db test)")
        # The smoke run (CI) writes beside, not over, the committed full-run report.
        out = environment.REPO_ROOT / "bench" / "results" / ("smoke" if name == "smoke" else "")
        s.add_argument("--out", default=str(out))
        s.add_argument("--quiet", action="store_true")
        s.set_defaults(func=run)
    g = sub.add_parser("graph", help="generate a graph and print its shape")
    g.add_argument("--users", type=int, default=100_000)
    g.add_argument("--follows", type=int, default=5_000_000)
    g.add_argument("--tweets-per-user", type=float, default=10.0)
    g.add_argument("--zipf", type=float, default=0.9)
    g.add_argument("--seed", type=int, default=42)
    g.set_defaults(func=graph_command)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
