"""Measure what one operation costs, on the local stack, for the capacity model.

Phases, each on a drained stack (``wait_idle``) so every stream consumer's work for the phase is
inside it: follows, posts (with everything they set off: planner, worker, publisher, notifier,
indexer, trends), warm home reads through the gateway, likes, searches, pushes to connected
followers; then a fan-out-only phase on real power-law chunks for the per-delivery costs. The
probe (``bench.capacity.probe``) attributes CPU, DynamoDB request units, Kinesis records, Redis
round trips, OpenSearch bytes and WebSocket pushes to the function that caused them; Redis
server CPU comes from ``INFO``, memory from ``MEMORY USAGE`` and item sizes from the tables.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import boto3
import redis

from bench import environment
from bench.capacity.model import FunctionCost, Measured
from bench.capacity.probe import MeasuredRegistry, Probe, item_bytes
from bench.progress import Progress
from infra import catalog
from infra.local.client import Account, Api

TEXT = "Watching the launch with @{mention} from the roof, best seat in town #launch #space {n}"


def _redis_cpu(r: redis.Redis) -> float:
    info = r.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class RedisCpu:
    """Redis server CPU spent by a phase, less what the idle server spends in the same time
    (its cron, the pollers' and schedules' background reads), measured before the phases."""

    def __init__(self, r: redis.Redis, idle_seconds: float = 3.0) -> None:
        self.r = r
        start, began = _redis_cpu(r), time.perf_counter()
        time.sleep(idle_seconds)
        self.idle_rate = (_redis_cpu(r) - start) / (time.perf_counter() - began)

    @contextlib.contextmanager
    def phase(self) -> Iterator[list[float]]:
        spent: list[float] = []
        start, began = _redis_cpu(self.r), time.perf_counter()
        yield spent
        busy = _redis_cpu(self.r) - start - self.idle_rate * (time.perf_counter() - began)
        spent.append(max(0.0, busy))


def _memory(r: redis.Redis, pattern: str) -> list[int]:
    out = []
    for key in r.scan_iter(match=pattern, count=1000):
        if r.type(key) != "none":
            out.append(int(r.memory_usage(key, samples=0) or 0))
    return out


def _mean(values: list[float]) -> float:
    if not values:
        raise RuntimeError("nothing measured for a figure the model needs (did the key or table names change?)")
    return sum(values) / len(values)


def _tables(endpoint: str) -> dict[str, list[dict]]:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    out: dict[str, list[dict]] = {}
    for table in catalog.TABLES:
        name = next((n for n in client.list_tables()["TableNames"] if n.endswith("-" + table.name)), None)
        if name is None:
            continue
        items: list[dict] = []
        for page in client.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        out[table.name] = items
    return out


def _function_memory_mb() -> dict[str, int]:
    return {f.name: f.memory_mb for f in catalog.FUNCTIONS}


def _batch_sizes() -> dict[str, int]:
    return {f.name: f.streams[0].batch_size for f in catalog.FUNCTIONS if f.streams}


def peak_rss_mb(name: str) -> float:
    """A fresh interpreter's peak RSS after importing the function (what its memory must hold)."""
    code = (
        "import resource, sys; from infra import catalog, functions; "
        f"functions.load(next(f for f in catalog.FUNCTIONS if f.name == {name!r})); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    env = {**__import__("os").environ}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=environment.REPO_ROOT
    )
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return float("nan")


def measure(users: int = 40, follows_each: int = 12, posts: int = 60, reads: int = 300, likes: int = 60,
            searches: int = 20, push_followers: int = 8, fanout_deliveries: int = 60_000, rss: bool = True,
            progress: Progress | None = None) -> Measured:  # fmt: skip
    from infra.local.stack import LocalStack

    progress = progress or Progress(quiet=True)
    probe = Probe().install()
    rng = random.Random(7)
    try:
        with LocalStack(rest_port=0, ws_port=0, registry=MeasuredRegistry(probe)) as stack:
            r = redis.Redis.from_url(stack.redis_url, decode_responses=True)
            redis_version = f"Redis {r.info('server')['redis_version']}"
            api = Api(stack.rest_url)
            run = rng.randrange(1 << 24)
            task = progress.task(f"capacity: sign up {users} users", users)
            accounts: list[Account] = []
            for u in range(users):
                accounts.append(api.signup(f"c{run:x}u{u}"[:15]))
                task.advance()
            task.done()
            followers: list[set[int]] = [set() for _ in range(users)]

            # -- follows
            with probe.phase() as follow_tallies:
                for a in range(users):
                    for b in rng.sample([x for x in range(users) if x != a], follows_each):
                        accounts[a].follow(accounts[b])
                        followers[b].add(a)
                stack.wait_idle(120)
            n_follows = users * follows_each
            for account in accounts:  # every account active: a home timeline exists
                account.home()
            stack.wait_idle(60)

            # -- posts (and everything they set off)
            redis_cpu = RedisCpu(r)
            deliveries = 0
            with probe.phase() as post_tallies, redis_cpu.phase() as spent_posts:
                for i in range(posts):
                    author = rng.randrange(users)
                    accounts[author].post(TEXT.format(mention=accounts[rng.randrange(users)].handle, n=i))
                    deliveries += len(followers[author]) + 1
                stack.wait_idle(120)

            # -- warm home reads through the gateway
            bodies: list[bytes] = []
            with probe.phase() as read_tallies, redis_cpu.phase() as spent_reads:
                for _ in range(reads):
                    resp = accounts[rng.randrange(users)].call("GET", "/timelines/home", params={"limit": 20})
                    resp.raise_for_status()
                    bodies.append(resp.content)
                stack.wait_idle(60)

            # -- likes, of tweets the readers were shown
            tweet_ids = list(dict.fromkeys(t["id"] for b in bodies[-50:] for t in json.loads(b)["items"]))
            done_likes = 0
            with probe.phase() as like_tallies, redis_cpu.phase() as spent_likes:
                pairs = {(rng.randrange(users), rng.choice(tweet_ids)) for _ in range(likes)}
                for liker, tid in pairs:
                    if accounts[liker].call("POST", f"/tweets/{tid}/like").ok:
                        done_likes += 1
                stack.wait_idle(60)

            # -- searches
            with probe.phase() as search_tallies:
                for i in range(searches):
                    q = ["#launch", "roof", "best seat", "launch -rain"][i % 4]
                    accounts[0].call("GET", "/search", params={"q": q}).raise_for_status()

            # -- pushes to connected followers
            push_bytes = _push_message_bytes(stack, probe, api, push_followers, run)

            # -- sizes
            tables = _tables(stack.aws_endpoint)
            average = {name: _mean([item_bytes(i) for i in items]) for name, items in tables.items() if items}
            shares = {
                t.name: sum(sum(1 for i in tables.get(t.name, []) if ix.hash_key in i) for ix in t.indexes)
                / max(1, len(tables.get(t.name, [])))
                for t in catalog.TABLES
            }
            timeline_800 = _timeline_800_bytes(r)
            memory_figures = {
                "user_timeline": _mean(_memory(r, "utl:*")),
                "tweet": _mean(_memory(r, "tw:*")),
                "card": _mean(_memory(r, "usr:*")),
                "live": _live_entry_bytes(r),
            }

            # -- fan-out alone, on real power-law chunks (per-delivery costs)
            fanout_cpu, fanout_cost = _fanout_phase(stack, probe, redis_cpu, fanout_deliveries, progress)

        for tallies in (follow_tallies, post_tallies, read_tallies, like_tallies, search_tallies):
            probe.tallies = tallies
            probe.settle_updates(average, shares)
    finally:
        probe.uninstall()

    def total(tallies, attr: str) -> float:
        return sum(getattr(t, attr) for t in tallies.values())

    memory_mb, batches = _function_memory_mb(), _batch_sizes()
    functions: dict[str, FunctionCost] = {}

    def cost(name: str, tallies, unit: str, units: float) -> None:
        t = tallies.get(name)
        if t is None or units <= 0:
            return
        functions[name] = FunctionCost(
            unit=unit,
            cpu_ms=t.cpu_seconds * 1000 / units,
            memory_mb=memory_mb.get(name, 512),
            batch_size=batches.get(name, 1),
            redis_round_trips=t.redis_round_trips / units,
            dynamodb_calls=t.calls_of("dynamodb") / units,
            kinesis_calls=t.calls_of("kinesis") / units,
            opensearch_calls=t.opensearch_requests / units,
            websocket_posts=t.pushes / units,
        )

    cost("timelines", read_tallies, "read", reads)
    cost("tweets", post_tallies, "post", posts)
    cost("engagements", like_tallies, "like", max(1, done_likes))
    cost("search_api", search_tallies, "search", searches)
    cost("users", follow_tallies, "follow", n_follows)
    for name in ("fanout_planner", "activity_publisher", "notifier", "indexer", "trends_aggregator"):
        t = post_tallies.get(name)
        if t is not None and t.records:
            cost(name, post_tallies, "record", t.records)
    cost("graph_events", follow_tallies, "record", max(1, follow_tallies.get("graph_events", _Empty).records))
    functions["fanout_worker"] = fanout_cost
    if rss:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for fc, mb in zip(functions.values(), pool.map(peak_rss_mb, list(functions)), strict=True):
                fc.peak_rss_mb = mb

    activity_records = sum(t.kinesis_records.get("activity", 0) for t in post_tallies.values())
    activity_bytes = sum(t.kinesis_bytes.get("activity", 0) for t in post_tallies.values())
    fanout_bytes = sum(t.kinesis_bytes.get("fanout", 0) for t in post_tallies.values())
    planner = post_tallies.get("fanout_planner", _Empty)
    redis_per_delivery = fanout_cpu
    return Measured(
        functions=functions,
        redis_cpu_per_read=spent_reads[0] / reads,
        redis_cpu_per_delivery=redis_per_delivery,
        redis_cpu_per_post=max(0.0, spent_posts[0] - deliveries * redis_per_delivery) / posts,
        redis_cpu_per_like=spent_likes[0] / max(1, done_likes),
        timeline_800_bytes=timeline_800,
        user_timeline_bytes=memory_figures["user_timeline"],
        tweet_record_bytes=memory_figures["tweet"],
        card_bytes=memory_figures["card"],
        live_entry_bytes=memory_figures["live"],
        wru_per_post=total(post_tallies, "wru") / posts,
        rru_per_post=(total(post_tallies, "rru") - planner.rru) / posts,
        wru_per_like=total(like_tallies, "wru") / max(1, done_likes),
        rru_per_like=total(like_tallies, "rru") / max(1, done_likes),
        wru_per_follow=total(follow_tallies, "wru") / n_follows,
        rru_per_read=total(read_tallies, "rru") / reads,
        wru_per_seen=float(-(-int(average.get("users", 200)) // 1024)),
        rru_per_fanout_follower=planner.rru / max(1, deliveries - posts),
        tweet_item_bytes=average.get("tweets", 0.0) * (1 + shares.get("tweets", 0.0)),
        user_item_bytes=average.get("users", 0.0),
        follow_item_bytes=average.get("follows", 0.0) * (1 + shares.get("follows", 0.0)),
        engagement_item_bytes=average.get("engagements", 0.0) * (1 + shares.get("engagements", 0.0)),
        activity_event_bytes=activity_bytes / max(1, activity_records),
        fanout_bytes_per_follower=fanout_bytes / max(1, deliveries),
        search_doc_bytes=total(post_tallies, "opensearch_bytes") / posts,
        push_message_bytes=push_bytes,
        home_response_bytes=_mean([len(b) for b in bodies]),
        home_response_gzip_ratio=_mean([len(gzip.compress(b)) / len(b) for b in bodies]),
        machine=environment.describe(redis_version, "not used"),
    )


class _Empty:
    records = 0
    rru = 0.0


def _timeline_800_bytes(r: redis.Redis) -> float:
    """MEMORY USAGE of a home timeline grown to the 800-entry cap, in the stored format."""
    from warbler.ids import new_id

    source = next(iter(r.scan_iter(match="tl:*", count=1000)), None)
    if source is None:
        raise RuntimeError("no home timeline key (tl:*) to measure")
    scratch = source + ":capacity-probe"
    try:
        r.copy(source, scratch, replace=True)
        while r.zcard(scratch) < 801:  # 800 entries and the floor member
            r.zadd(scratch, {new_id(): 0 for _ in range(200)})
            excess = r.zcard(scratch) - 801
            if excess > 0:
                r.zpopmax(scratch, excess)
        return float(r.memory_usage(scratch, samples=0) or 0)
    finally:
        r.delete(scratch)


def _live_entry_bytes(r: redis.Redis) -> float:
    sizes = []
    for key in r.scan_iter(match="live:*", count=1000):
        entries = r.hlen(key) if r.type(key) == "hash" else 0
        if entries:
            sizes.append((r.memory_usage(key, samples=0) or 0) / entries)
    return _mean(sizes) if sizes else 150.0


def _push_message_bytes(stack, probe: Probe, api: Api, followers: int, run: int) -> float:
    from websockets.sync.client import connect

    author = api.signup(f"c{run:x}pa"[:15])
    sockets = []
    for i in range(followers):
        follower = api.signup(f"c{run:x}p{i}"[:15])
        follower.follow(author)
        follower.home()
        sockets.append(connect(f"{stack.ws_url}/?token={follower.token}", open_timeout=10))
    stack.wait_idle(60)
    received: list[int] = []
    lock = threading.Lock()

    def listen(ws) -> None:
        try:
            for message in ws:
                with lock:
                    received.append(len(message))
        except Exception:  # noqa: BLE001 - the socket closes at the end
            return

    threads = [threading.Thread(target=listen, args=(ws,), daemon=True) for ws in sockets]
    for thread in threads:
        thread.start()
    with probe.phase() as tallies:
        for i in range(3):
            author.post(TEXT.format(mention=author.handle, n=i))
        stack.wait_idle(60)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with lock:
                if len(received) >= 3 * followers:
                    break
            time.sleep(0.05)
    for ws in sockets:
        ws.close()
    pushes = sum(t.pushes for t in tallies.values())
    pushed = sum(t.push_bytes for t in tallies.values())
    if pushes:
        return pushed / pushes
    return _mean([float(n) for n in received])


def _fanout_phase(stack, probe: Probe, redis_cpu: RedisCpu, deliveries: int, progress: Progress):
    """The worker alone on the bench's power-law chunks: Redis CPU and handler cost per delivery."""
    from bench import fanout
    from bench.graph import GraphSpec, generate

    graph = generate(GraphSpec(users=10_000, follows=158_114, tweets_per_user=10, seed=42))
    fanout.activate_timelines(graph, progress)
    docs = fanout.chunks_for(graph, deliveries)
    followers = sum(len(c["followers"]) for d in docs for c in d["chunks"])
    with probe.phase() as tallies, redis_cpu.phase() as spent:
        fanout.run(stack.invoke, docs, 100, progress, stages=False)  # no replay: Redis CPU is the worker's
    t = tallies["fanout_worker"]
    memory = _function_memory_mb().get("fanout_worker", 512)
    cost = FunctionCost(
        unit="follower",
        cpu_ms=t.cpu_seconds * 1000 / followers,
        memory_mb=memory,
        batch_size=max(1, followers // max(1, t.invocations)),
        redis_round_trips=t.redis_round_trips / followers,
        websocket_posts=t.pushes / followers,
    )
    return spent[0] / followers, cost


def save(measured: Measured, path: Path) -> None:
    doc = asdict(measured)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def load(path: Path) -> Measured:
    doc = json.loads(path.read_text())
    doc["functions"] = {name: FunctionCost(**fc) for name, fc in doc["functions"].items()}
    return Measured(**doc)
