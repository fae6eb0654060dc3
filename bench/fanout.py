"""Fan-out worker throughput: timeline deliveries per second, next to raw pipelined ZADD.

Tweets of the synthetic graph are fanned out to their authors' real follower lists (famous
authors excluded, as the planner does), cut into ``fanout_chunk_size`` chunks, wrapped in
Kinesis batches exactly as the event source mapping delivers them, and handed to the
``fanout_worker`` handler in-process. Every follower's home timeline exists first (an active
user), so each delivery is a real ZADD plus the cap trim, not a skip.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass

from bench.events import Invoke, kinesis_event
from bench.graph import SocialGraph
from bench.progress import Progress
from bench.warbler_seed import tweet_id, user_id


@dataclass
class FanoutResult:
    deliveries: int
    invocations: int
    records: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0


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
    """Fan-out chunk documents for tweets in time order until ``deliveries`` are reached."""
    from warbler.settings import get_settings

    s = get_settings()
    followers: list[list[int]] = [[] for _ in range(graph.users)]
    for a, b in graph.edges():
        followers[b].append(a)
    docs: list[dict] = []
    total = 0
    for i, author in enumerate(graph.tweet_author):
        audience = followers[author]
        if not audience or len(audience) >= s.famous_threshold:
            continue
        for start in range(0, len(audience), s.fanout_chunk_size):
            part = audience[start : start + s.fanout_chunk_size]
            docs.append(
                {
                    "op": "add",
                    "entry": tweet_id(i),
                    "author_id": user_id(author),
                    "followers": [user_id(f) for f in part],
                }
            )
            total += len(part)
        if total >= deliveries:
            break
    return docs


def run(invoke: Invoke, docs: list[dict], batch: int, progress: Progress) -> FanoutResult:
    events = [kinesis_event(docs[i : i + batch], first_sequence=i) for i in range(0, len(docs), batch)]
    deliveries = sum(len(d["followers"]) for d in docs)
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
    return FanoutResult(deliveries, len(events), len(docs), elapsed)
