"""From measured per-operation costs to AWS resources and a monthly bill, at any load.

Pure arithmetic: ``plan(load, measured, prices)`` takes

- ``Load``: the traffic (DAU, posts a day, reads per post, followers, live share ...), with the
  design's numbers as defaults;
- ``Measured``: what one operation costs on this machine (CPU ms per handler call, Redis CPU and
  commands, DynamoDB item sizes → request units, Kinesis records and bytes, OpenSearch bytes, push
  bytes), written by ``bench.capacity.measure``;
- ``Prices``: the dated price list;

and returns the resources needed at the average and at the peak rate with a cost per service.
Every assumption that is not a measurement is a field of ``Load`` or ``Assumptions`` with its
reason beside it, so a reader can change it and re-run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from bench.capacity.prices import Prices

DAY = 86_400.0
HOURS_PER_MONTH = 730.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0
GB = 1e9
GIB = 2**30


@dataclass(frozen=True)
class Load:
    """The design's load (the issue's numbers) unless a flag changes it."""

    dau: float = 150e6
    mau: float = 300e6
    posts_per_day: float = 500e6  # 5.8K/s on average
    peak_posts_per_second: float = 15_000.0  # the peak scales every rate by peak / average
    reads_per_post: float = 100.0  # home timeline reads per post
    likes_per_post: float = 2.0
    searches_per_dau: float = 2.0
    follows_per_dau: float = 0.2
    other_requests_per_read: float = 0.3  # profiles, notifications, tweet pages, trends
    mean_followers: float = 200.0  # per posting account
    p99_followers: float = 25_000.0
    famous_threshold: float = 10_000.0
    # Share of follow edges that point at famous accounts: not fanned out, merged at read. On a
    # power-law graph most edges point at the head; 0.4 with the defaults below gives ~72
    # deliveries per post, near Twitter's published 30B deliveries for 400M tweets a day (75).
    famous_edge_share: float = 0.4
    timeline_holders_share: float = 0.6  # of MAU: read within the passive window (3 days)
    live_share: float = 0.05  # of DAU: a WebSocket open at an average moment
    seen_events_per_dau: float = 3.0  # hourly-throttled "seen" events a day per active user
    media_post_share: float = 0.15
    media_stored_bytes: float = 350e3  # stripped original + preview, per media post
    media_view_bytes: float = 40e3  # the resized preview a timeline page loads
    media_view_share: float = 0.3  # of media tweets on a page, the share whose preview is fetched
    page_size: int = 20
    search_days: float = 30.0  # tweets kept in the search index
    stored_days: float = 3 * 365.0  # tweets kept in DynamoDB (storage is cumulative)
    tweet_cache_days: float = 3.0
    redis_replicas: int = 2  # three copies, as Twitter kept
    architecture: str = "x86_64"  # what infra/cdk deploys today

    @property
    def peak_factor(self) -> float:
        return self.peak_posts_per_second / (self.posts_per_day / DAY)

    def scaled(self, dau: float) -> Load:
        """The same per-user behaviour at another DAU (MAU, posts, peak in proportion)."""
        k = dau / self.dau
        return replace(
            self,
            dau=dau,
            mau=self.mau * k,
            posts_per_day=self.posts_per_day * k,
            peak_posts_per_second=self.peak_posts_per_second * k,
        )


@dataclass(frozen=True)
class Assumptions:
    """What a laptop cannot measure about AWS; each is a parameter, not a finding."""

    # Lambda gives 1 vCPU at 1,769 MB and a proportional share below; CPU ms measured here on one
    # core are scaled by 1769 / memory for smaller functions.
    full_vcpu_mb: float = 1769.0
    redis_rtt_ms: float = 0.3  # same-AZ ElastiCache round trip
    dynamodb_call_ms: float = 4.0
    kinesis_call_ms: float = 10.0
    opensearch_call_ms: float = 10.0
    websocket_post_ms: float = 8.0  # pushes run on a thread pool; this is per message, not overlapped
    redis_target_cpu: float = 0.6  # shard CPU headroom (one command thread per shard)
    redis_usable_memory: float = 0.75  # ElastiCache reserves 25 % by default
    redis_max_nodes_per_cluster: int = 500
    opensearch_docs_per_second_per_node: float = 4_000.0  # r6g.2xlarge, bulk, 1 replica
    opensearch_queries_per_second_per_node: float = 150.0
    opensearch_storage_per_node_gb: float = 1_000.0
    opensearch_index_overhead: float = 1.3  # on-disk index ÷ JSON source
    opensearch_free_space: float = 0.75
    dynamodb_provisioned_utilisation: float = 0.7  # auto-scaling target
    diurnal_peak_over_mean: float = 1.3  # provisioned capacity follows the day, not the second
    kinesis_read_mb_per_shard: float = 2.0
    log_bytes_per_api_request: float = 450.0  # one JSON access-log line
    log_bytes_per_invocation: float = 250.0  # Powertools' structured lines per invocation
    lake_compression: float = 0.15
    firehose_record_increment: float = 5_000.0  # Firehose bills each record in 5 KB increments
    nat_azs: int = 3


@dataclass
class FunctionCost:
    """One function's cost per unit of work (a request, a post, a delivery, an event)."""

    unit: str
    cpu_ms: float  # handler thread CPU per unit, measured here
    memory_mb: int  # configured (catalog)
    batch_size: int = 1  # units per invocation (stream consumers)
    redis_round_trips: float = 0.0
    dynamodb_calls: float = 0.0
    kinesis_calls: float = 0.0
    opensearch_calls: float = 0.0
    websocket_posts: float = 0.0
    peak_rss_mb: float = 0.0

    def billed_ms(self, a: Assumptions) -> float:
        scale = max(1.0, a.full_vcpu_mb / self.memory_mb)
        waits = (
            self.redis_round_trips * a.redis_rtt_ms
            + self.dynamodb_calls * a.dynamodb_call_ms
            + self.kinesis_calls * a.kinesis_call_ms
            + self.opensearch_calls * a.opensearch_call_ms
            + self.websocket_posts * a.websocket_post_ms
        )
        return self.cpu_ms * scale + waits


@dataclass
class Measured:
    """Per-operation costs measured on this machine (``bench.capacity.measure``)."""

    functions: dict[str, FunctionCost]
    # Redis server CPU seconds, per operation
    redis_cpu_per_read: float
    redis_cpu_per_delivery: float
    redis_cpu_per_post: float  # beyond its deliveries: the author's own timelines, caches, limits
    redis_cpu_per_like: float
    # Redis memory (MEMORY USAGE, bytes)
    timeline_800_bytes: float
    user_timeline_bytes: float
    tweet_record_bytes: float
    card_bytes: float
    live_entry_bytes: float
    # DynamoDB request units per operation (writes in WRU incl. transactions and indexes)
    wru_per_post: float
    rru_per_post: float
    wru_per_like: float
    rru_per_like: float
    wru_per_follow: float
    rru_per_read: float  # a warm read: 0, plus the hourly seen stamp
    wru_per_seen: float
    rru_per_fanout_follower: float  # the planner's follower pages
    # DynamoDB storage bytes per item (with index copies)
    tweet_item_bytes: float
    user_item_bytes: float
    follow_item_bytes: float
    engagement_item_bytes: float
    # Streams and the index
    activity_event_bytes: float
    fanout_bytes_per_follower: float
    search_doc_bytes: float
    push_message_bytes: float
    home_response_bytes: float
    home_response_gzip_ratio: float
    machine: dict[str, str] = field(default_factory=dict)


@dataclass
class Line:
    service: str
    item: str
    average: str
    peak: str
    usd: float


@dataclass
class Alternative:
    service: str
    change: str
    usd: float  # the service's monthly cost with the change


@dataclass
class Plan:
    load: Load
    lines: list[Line]
    alternatives: list[Alternative]
    rates: dict[str, float]
    concurrency: dict[str, tuple[float, float]]  # function -> (average, peak)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    def by_service(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.service] = out.get(line.service, 0.0) + line.usd
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def dominant(self, n: int = 3) -> list[tuple[str, float]]:
        return list(self.by_service().items())[:n]


def _fmt(x: float) -> str:
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= size:
            return f"{x / size:,.1f}{unit}"
    return f"{x:,.1f}"


def rates(load: Load) -> dict[str, float]:
    """Operations per second on average."""
    posts = load.posts_per_day / DAY
    audience = load.mean_followers * (1 - load.famous_edge_share)  # fanned-out followers per post
    live_fraction = load.dau * load.live_share / load.mau  # chance a given follower is connected
    reads = posts * load.reads_per_post
    return {
        "posts": posts,
        "reads": reads,
        "likes": posts * load.likes_per_post,
        "searches": load.dau * load.searches_per_dau / DAY,
        "follows": load.dau * load.follows_per_dau / DAY,
        "other_requests": reads * load.other_requests_per_read,
        "audience_per_post": audience,
        "fanout_followers": posts * audience,  # the worker checks each; writes the holders'
        "deliveries": posts * audience * load.timeline_holders_share,
        "fanout_records": posts * (audience / 1000.0 + 1.0),  # 1,000-follower chunks + the author's own
        "pushes": posts * load.mean_followers * live_fraction,  # famous authors push to live followers too
        "seen": load.dau * load.seen_events_per_dau / DAY,
        "live_connections": load.dau * load.live_share,
    }


def _lambda(name: str, cost: FunctionCost, units: float, peak_factor: float, a: Assumptions, load: Load, prices):
    ms = cost.billed_ms(a)
    gb_seconds = units * SECONDS_PER_MONTH * ms / 1000.0 * cost.memory_mb / 1024.0
    invocations = units * SECONDS_PER_MONTH / cost.batch_size
    price = prices.unit_price(f"lambda.gb_second.{load.architecture}")
    usd = gb_seconds * price + invocations / 1e6 * prices.unit_price("lambda.request")
    concurrency = units * ms / 1000.0
    return usd, gb_seconds, invocations, concurrency, concurrency * peak_factor


def _elasticache(memory_bytes: float, cpu_per_second: float, load: Load, a: Assumptions, prices: Prices):
    """The cheapest r6g node type that holds the data and the command load."""
    best = None
    for key, tiers in prices.tiers.items():
        if not key.startswith("elasticache."):
            continue
        gib = _node_gib(key)
        shards_memory = memory_bytes / (gib * GIB * a.redis_usable_memory)
        shards_cpu = cpu_per_second / a.redis_target_cpu
        shards = max(1, math.ceil(max(shards_memory, shards_cpu)))
        nodes = shards * (1 + load.redis_replicas)
        usd = nodes * tiers[0].usd * HOURS_PER_MONTH
        if best is None or usd < best[0]:
            best = (usd, key.removeprefix("elasticache."), shards, nodes, shards_memory, shards_cpu)
    assert best is not None, "prices.csv has no elasticache node"
    return best


_NODE_GIB = {
    "large": 13.07, "xlarge": 26.32, "2xlarge": 52.82, "4xlarge": 105.81,
    "8xlarge": 209.55, "12xlarge": 317.77, "16xlarge": 419.09,
}  # fmt: skip


def _node_gib(key: str) -> float:
    return _NODE_GIB[key.rsplit(".", 1)[1]]


def plan(load: Load, measured: Measured, prices: Prices, a: Assumptions | None = None) -> Plan:
    a = a or Assumptions()
    r = rates(load)
    pf = load.peak_factor
    m = measured
    lines: list[Line] = []
    alternatives: list[Alternative] = []
    concurrency: dict[str, tuple[float, float]] = {}

    def add(service: str, item: str, avg: float, unit: str, usd: float, peak: float | None = None) -> None:
        lines.append(
            Line(service, item, f"{_fmt(avg)} {unit}", f"{_fmt(avg * pf if peak is None else peak)} {unit}", usd)
        )

    # --- Lambda: every function's units of work per second
    units = {
        "timelines": r["reads"],
        "tweets": r["posts"],
        "engagements": r["likes"],
        "search_api": r["searches"],
        "users": r["follows"],
        "fanout_planner": r["posts"],
        "fanout_worker": r["fanout_followers"],
        "activity_publisher": r["posts"] + r["likes"] + r["follows"],
        "notifier": r["posts"] + r["likes"] + r["follows"] + r["seen"],
        "indexer": r["posts"] + r["likes"] + r["follows"] + r["seen"],
        "trends_aggregator": r["posts"] + r["likes"] + r["follows"] + r["seen"],
        "graph_events": r["follows"],
    }
    lambda_usd = lambda_arm = gb_total = inv_total = 0.0
    for name, per_second in units.items():
        cost = m.functions.get(name)
        if cost is None:
            continue
        usd, gbs, inv, conc, conc_peak = _lambda(name, cost, per_second, pf, a, load, prices)
        lambda_usd += usd
        gb_total += gbs
        inv_total += inv
        concurrency[name] = (conc, conc_peak)
        arm = gbs * prices.unit_price("lambda.gb_second.arm64") + inv / 1e6 * prices.unit_price("lambda.request")
        lambda_arm += arm
        add("Lambda", f"{name} ({cost.memory_mb} MB, {cost.billed_ms(a):.2f} ms/{cost.unit})", conc, "concurrent", usd)
    # Profiles, notifications and tweet pages: priced as a home read (one Redis-served page each).
    read = m.functions.get("timelines")
    if read is not None:
        usd, gbs, inv, conc, conc_peak = _lambda("other reads", read, r["other_requests"], pf, a, load, prices)
        lambda_usd, gb_total, inv_total = lambda_usd + usd, gb_total + gbs, inv_total + inv
        lambda_arm += gbs * prices.unit_price("lambda.gb_second.arm64") + inv / 1e6 * prices.unit_price(
            "lambda.request"
        )
        concurrency["other reads"] = (conc, conc_peak)
        add(
            "Lambda",
            "other reads: profiles, notifications, tweet pages (priced as a home read)",
            conc,
            "concurrent",
            usd,
        )
    alternatives.append(Alternative("Lambda", "Graviton (arm64) for every function", lambda_arm))

    # --- API Gateway (REST) and the responses' bytes
    api_per_second = r["reads"] + r["posts"] + r["likes"] + r["searches"] + r["follows"] + r["other_requests"]
    api_month_m = api_per_second * SECONDS_PER_MONTH / 1e6
    rest = prices.cost("apigw.rest.request", api_month_m)
    add("API Gateway", "REST requests", api_per_second, "req/s", rest)
    alternatives.append(
        Alternative("API Gateway", "HTTP API with a JWT authorizer", prices.cost("apigw.http.request", api_month_m))
    )
    egress_gb = (r["reads"] + r["other_requests"]) * m.home_response_bytes * SECONDS_PER_MONTH / GB
    add(
        "Data transfer",
        "API responses to the internet",
        egress_gb / SECONDS_PER_MONTH * GB / 1e6,
        "MB/s",
        prices.cost("internet.transfer_out", egress_gb),
    )
    alternatives.append(
        Alternative("Data transfer", f"gzip API responses (measured ratio {m.home_response_gzip_ratio:.2f})",
                    prices.cost("internet.transfer_out", egress_gb * m.home_response_gzip_ratio))
    )  # fmt: skip

    # --- WebSocket
    conn_minutes_m = r["live_connections"] * HOURS_PER_MONTH * 60 / 1e6
    messages_m = r["pushes"] * math.ceil(m.push_message_bytes / 32_768) * SECONDS_PER_MONTH / 1e6
    add(
        "API Gateway WebSocket",
        "open connections",
        r["live_connections"],
        "connections",
        prices.cost("apigw.ws.connection_minute", conn_minutes_m),
    )
    add("API Gateway WebSocket", "push messages", r["pushes"], "msg/s", prices.cost("apigw.ws.message", messages_m))

    # --- DynamoDB
    wru = (
        r["posts"] * m.wru_per_post
        + r["likes"] * m.wru_per_like
        + r["follows"] * m.wru_per_follow
        + r["seen"] * m.wru_per_seen
    )
    rru = (r["posts"] * m.rru_per_post + r["likes"] * m.rru_per_like + r["reads"] * m.rru_per_read
           + r["fanout_followers"] * m.rru_per_fanout_follower)  # fmt: skip
    add("DynamoDB", "on-demand writes", wru, "WRU/s", wru * prices.unit_price("dynamodb.wru") * SECONDS_PER_MONTH / 1e6)
    add("DynamoDB", "on-demand reads", rru, "RRU/s", rru * prices.unit_price("dynamodb.rru") * SECONDS_PER_MONTH / 1e6)
    provisioned = (
        (wru * prices.unit_price("dynamodb.wcu_hour") + rru / 2 * prices.unit_price("dynamodb.rcu_hour"))
        * a.diurnal_peak_over_mean
        / a.dynamodb_provisioned_utilisation
        * HOURS_PER_MONTH
    )  # an RCU serves two eventually consistent reads a second
    stored_gb = (
        load.posts_per_day * load.stored_days * m.tweet_item_bytes
        + load.mau * m.user_item_bytes
        + load.mau * load.mean_followers * m.follow_item_bytes
        + load.posts_per_day * load.likes_per_post * load.stored_days * m.engagement_item_bytes
    ) / GB
    storage = stored_gb * (prices.unit_price("dynamodb.storage") + prices.unit_price("dynamodb.pitr"))
    add(
        "DynamoDB",
        f"storage + PITR ({load.stored_days / 365:.0f} years of tweets)",
        stored_gb / 1000,
        "TB",
        storage,
        peak=stored_gb / 1000,
    )
    alternatives.append(
        Alternative("DynamoDB", "provisioned capacity with auto-scaling (70 % target)", provisioned + storage)
    )

    # --- Kinesis: fan-out and activity streams, sized at the peak (writes and shared reads)
    kinesis_usd = 0.0
    activity_rate = r["posts"] + r["likes"] + r["follows"] + r["seen"]
    streams = {
        "fanout": (r["fanout_records"], r["fanout_followers"] * m.fanout_bytes_per_follower / r["fanout_records"] if r["fanout_records"] else 0.0, 1),
        "activity": (activity_rate, m.activity_event_bytes, 5),  # notifier, indexer, trends, analytics, publisher-side
    }  # fmt: skip
    for stream, (records, bytes_each, consumers) in streams.items():
        mb_peak = records * pf * bytes_each / 1e6
        shards = max(
            1, math.ceil(max(records * pf / 1000.0, mb_peak / 1.0, mb_peak * consumers / a.kinesis_read_mb_per_shard))
        )
        payload_units_m = records * math.ceil(bytes_each / 25_000) * SECONDS_PER_MONTH / 1e6
        usd = (
            shards
            * HOURS_PER_MONTH
            * (prices.unit_price("kinesis.shard_hour") + prices.unit_price("kinesis.extended_retention_shard_hour"))
        )
        usd += payload_units_m * prices.unit_price("kinesis.put_payload_unit")
        kinesis_usd += usd
        add("Kinesis", f"{stream} stream ({shards:,} shards, 7-day retention)", records, "rec/s", usd)

    # --- ElastiCache Redis
    memory = (
        load.mau * load.timeline_holders_share * (m.timeline_800_bytes + m.card_bytes)
        + load.dau * 0.3 * m.user_timeline_bytes  # authors who posted within the window
        + load.posts_per_day * load.tweet_cache_days * m.tweet_record_bytes
        + r["live_connections"] * m.live_entry_bytes
    )
    cpu = (
        r["reads"] * m.redis_cpu_per_read
        + r["deliveries"] * m.redis_cpu_per_delivery
        + r["posts"] * m.redis_cpu_per_post
        + r["likes"] * m.redis_cpu_per_like
    ) * pf
    usd, node, shards, nodes, shards_mem, shards_cpu = _elasticache(memory, cpu, load, a, prices)
    clusters = math.ceil(nodes / a.redis_max_nodes_per_cluster)
    add("ElastiCache", f"{shards:,} shards × {1 + load.redis_replicas} of {node} in {clusters} cluster(s) ({memory / 1e12:.1f} TB data; "
        f"{shards_mem:,.0f} shards for memory, {shards_cpu:,.0f} for CPU at peak)", nodes, "nodes", usd, peak=nodes)  # fmt: skip
    alternatives.append(Alternative("ElastiCache", "Valkey engine (priced 20 % below Redis OSS)", usd * 0.8))
    half = _elasticache(
        memory - load.mau * load.timeline_holders_share * m.timeline_800_bytes * 0.5, cpu, load, a, prices
    )
    alternatives.append(Alternative("ElastiCache", "timelines capped at 400 entries", half[0]))

    # --- OpenSearch
    docs_stored = load.posts_per_day * load.search_days
    storage_gb = docs_stored * m.search_doc_bytes * a.opensearch_index_overhead * 2 / a.opensearch_free_space / GB
    data_nodes = max(
        2,
        math.ceil(storage_gb / a.opensearch_storage_per_node_gb),
        math.ceil(r["posts"] * pf / a.opensearch_docs_per_second_per_node),
        math.ceil(r["searches"] * pf / a.opensearch_queries_per_second_per_node),
    )
    os_usd = (
        data_nodes * prices.unit_price("opensearch.r6g.2xlarge.search") * HOURS_PER_MONTH
        + 3 * prices.unit_price("opensearch.m6g.large.search") * HOURS_PER_MONTH
        + storage_gb * prices.unit_price("opensearch.gp3")
    )
    add(
        "OpenSearch",
        f"{data_nodes:,} × r6g.2xlarge.search + 3 masters, {storage_gb / 1000:,.0f} TB gp3",
        r["posts"],
        "docs/s",
        os_usd,
    )

    # --- Media: S3 and CloudFront
    media_gb_month = load.posts_per_day * load.media_post_share * load.media_stored_bytes * 30 / GB
    s3 = prices.cost("s3.standard", media_gb_month * load.stored_days / 30 / 2)  # the average stored over the period
    views = r["reads"] * load.page_size * load.media_post_share * load.media_view_share
    cf_gb = views * load.media_view_bytes * SECONDS_PER_MONTH / GB
    cf = prices.cost("cloudfront.transfer_out", cf_gb) + views * SECONDS_PER_MONTH / 1e4 * prices.unit_price(
        "cloudfront.https_request"
    )
    add("S3", "media originals + previews", media_gb_month / 1000, "TB added/month", s3, peak=media_gb_month / 1000)
    add("CloudFront", "media previews", views, "views/s", cf)

    # --- Analytics lake (Firehose from the activity stream, S3)
    firehose_gb = activity_rate * max(m.activity_event_bytes, a.firehose_record_increment) * SECONDS_PER_MONTH / GB
    lake_gb = activity_rate * m.activity_event_bytes * a.lake_compression * SECONDS_PER_MONTH / GB
    add("Firehose + lake", "activity events to S3", activity_rate, "events/s",
        firehose_gb * prices.unit_price("firehose.ingest") + prices.cost("s3.standard", lake_gb * 6))  # fmt: skip

    # --- Cognito, logs, NAT
    add("Cognito", "user pool MAU (Lite)", load.mau, "MAU", prices.cost("cognito.mau", load.mau), peak=load.mau)
    log_gb = (
        (api_per_second * a.log_bytes_per_api_request + inv_total / SECONDS_PER_MONTH * a.log_bytes_per_invocation)
        * SECONDS_PER_MONTH
        / GB
    )
    add(
        "CloudWatch Logs",
        "access logs + function logs",
        log_gb / 1000,
        "TB/month",
        log_gb * prices.unit_price("cloudwatch.logs_ingest"),
        peak=log_gb / 1000,
    )
    nat_gb = r["pushes"] * m.push_message_bytes * SECONDS_PER_MONTH / GB
    nat = a.nat_azs * HOURS_PER_MONTH * prices.unit_price("nat.hour") + nat_gb * prices.unit_price("nat.gb")
    add("NAT gateway", f"{a.nat_azs} AZs, WebSocket pushes", nat_gb / 1000, "TB/month", nat, peak=nat_gb / 1000)

    return Plan(load, lines, alternatives, r, concurrency)


def sweep(load: Load, measured: Measured, prices: Prices, daus: list[float]) -> list[tuple[float, Plan]]:
    return [(dau, plan(load.scaled(dau), measured, prices)) for dau in daus]
