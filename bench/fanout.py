"""Fan-out worker throughput: timeline deliveries per second, next to raw pipelined ZADD.

Tweets of the synthetic graph are fanned out to their authors' real follower lists (famous
authors excluded, as the planner does), cut into ``fanout_chunk_size`` chunks and packed into
fan-out records exactly as the planner packs them (``feeds.manager.pack``), wrapped in Kinesis
batches as the event source mapping delivers them, and handed to the ``fanout_worker`` handler
in-process. Every follower's home timeline exists first (an active user), so each delivery is a
real ZADD plus the cap trim, not a skip.

``breakdown`` then replays the same batches through the worker's stages one by one — decode
(base64 + JSON + validation), grouping by hash slot, the script calls (one per slot, one round
trip), the live push — to say where the time goes.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass, field

from bench.events import Invoke, kinesis_event
from bench.graph import SocialGraph
from bench.progress import Progress
from bench.warbler_seed import tweet_id, user_id

STAGES = ("decode", "grouping", "script", "push")


@dataclass
class FanoutResult:
    deliveries: int
    invocations: int
    records: int
    seconds: float
    chunks: int = 0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, over all batches
    commands: dict[str, int] = field(default_factory=dict)  # Redis commands per stage

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0

    def shares(self) -> dict[str, float]:
        total = sum(self.stages.values())
        return {k: v / total for k, v in self.stages.items()} if total else {}


def activate_timelines(graph: SocialGraph, progress: Progress) -> int:
    """Give every user of the graph an empty, present home timeline (as a rebuild leaves it)."""
    from warbler.adapters.keys import Keys
    from warbler.feeds.store import TimelineStore
    from warbler.settings import get_settings

    store = TimelineStore()
    ttl = get_settings().passive_after_seconds
    task = progress.task(f"activate {graph.users:,} home timelines", graph.users)
    for u in range(graph.users):
        store.replace(Keys.home(user_id(u)), [], ttl)
        if u % 1000 == 0:
            task.set(u)
    task.done()
    return graph.users


def chunks_for(graph: SocialGraph, deliveries: int) -> list[dict]:
    """Packed fan-out records for tweets in time order until ``deliveries`` are reached."""
    from warbler.feeds.entries import Op
    from warbler.feeds.manager import Chunk, pack
    from warbler.settings import get_settings

    s = get_settings()
    followers: list[list[int]] = [[] for _ in range(graph.users)]
    for a, b in graph.edges():
        followers[b].append(a)
    chunks: list[tuple[str, Chunk]] = []
    total = 0
    for i, author in enumerate(graph.tweet_author):
        audience = followers[author]
        if not audience or len(audience) >= s.famous_threshold:
            continue
        for start in range(0, len(audience), s.fanout_chunk_size):
            part = [user_id(f) for f in audience[start : start + s.fanout_chunk_size]]
            chunks.append((f"{tweet_id(i)}:{part[0]}", Chunk(Op.ADD, tweet_id(i), user_id(author), part)))
            total += len(part)
        if total >= deliveries:
            break
    return [doc for _, doc in pack(chunks, s.fanout_chunk_size)]


def run(invoke: Invoke, docs: list[dict], batch: int, progress: Progress, stages: bool = True) -> FanoutResult:
    events = [kinesis_event(docs[i : i + batch], first_sequence=i) for i in range(0, len(docs), batch)]
    deliveries = sum(len(c["followers"]) for d in docs for c in d["chunks"])
    chunks = sum(len(d["chunks"]) for d in docs)
    task = progress.task(f"fan-out worker: {deliveries:,} deliveries in {len(events)} batches", len(events))
    elapsed = 0.0
    for n, event in enumerate(events, 1):
        with contextlib.redirect_stdout(io.StringIO()):  # the handler's metric lines (EMF), not ours
            started = time.perf_counter()
            response = invoke("fanout_worker", event)
            elapsed += time.perf_counter() - started
        if response.get("batchItemFailures"):
            raise RuntimeError(f"fan-out worker reported failures: {response['batchItemFailures'][:3]}")
        task.set(n)
    task.done(f"({deliveries / elapsed:,.0f} deliveries/s)")
    result = FanoutResult(deliveries, len(events), len(docs), elapsed, chunks)
    if stages:
        result.stages, result.commands = breakdown(events)
    return result


def breakdown(events: list[dict]) -> tuple[dict[str, float], dict[str, int]]:
    """The worker's stages timed separately over the same batches (re-applying is idempotent),
    with the Redis commands each stage sends (from the server's commandstats)."""
    from warbler import batches, live
    from warbler.adapters.redis_client import client
    from warbler.feeds.entries import Op
    from warbler.feeds.manager import chunks_of_record
    from warbler.feeds.store import TimelineStore, home_groups

    store = TimelineStore()
    r = client()
    seconds = dict.fromkeys(STAGES, 0.0)
    commands = dict.fromkeys(STAGES, 0)
    for event in events:
        for stage in STAGES:
            before = _command_calls(r)
            started = time.perf_counter()
            if stage == "decode":
                chunks = [c for record in event["Records"] for c in chunks_of_record(batches.kinesis_json(record))]
            elif stage == "grouping":
                groups = home_groups((c.entry, c.followers) for c in chunks if c.op == Op.ADD)
            elif stage == "script":
                applied = store.apply_groups(Op.ADD, groups)
            else:
                live.push_timeline([(c.op, c.entry, c.followers) for c in chunks], applied.live)
            seconds[stage] += time.perf_counter() - started
            after = _command_calls(r)
            commands[stage] += after - before - 1  # INFO itself
    return seconds, commands


def _command_calls(r) -> int:
    return sum(int(v["calls"]) for v in r.info("commandstats").values())
