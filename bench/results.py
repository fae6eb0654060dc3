"""Everything one run measured, handed from the drivers to the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.fanout import FanoutResult
from bench.graph import GraphSpec
from bench.mix import MixResult
from bench.naive_sql import LoadResult
from bench.redis_baseline import BenchmarkResult
from bench.stats import Latencies


@dataclass
class SizeResult:
    spec: GraphSpec
    shape: dict[str, Any]
    sql_load: LoadResult | None = None
    sql: Latencies | None = None
    sql_buckets: dict[int, Latencies] = field(default_factory=dict)
    handler: Latencies = field(default_factory=Latencies)
    raw: Latencies = field(default_factory=Latencies)
    handler_buckets: dict[int, Latencies] = field(default_factory=dict)
    bucket_following: dict[int, float] = field(default_factory=dict)
    round_trips: float = 0.0
    max_round_trips: int = 0
    commands: float = 0.0
    items: float = 0.0
    seeded_famous: int = 0
    profile: dict[str, float] = field(default_factory=dict)  # seconds per cost (bench.home_profile)


@dataclass
class Results:
    args: dict[str, Any]
    environment: dict[str, str] = field(default_factory=dict)
    sizes: list[SizeResult] = field(default_factory=list)
    fanout: FanoutResult | None = None
    trends: dict | None = None  # bench.trends_bench's figures (see bench.__main__._trends)
    zadd: BenchmarkResult | None = None
    mix: MixResult | None = None
    push: Any = None  # bench.push_lag.PushLag, when the stack ran
    notes: list[str] = field(default_factory=list)
    capacity: str = ""  # the capacity and cost section (bench.capacity), Markdown
