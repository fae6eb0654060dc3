"""The capacity model's arithmetic (bench.capacity), on hand-computed inputs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.capacity.model import DAY, SECONDS_PER_MONTH, Assumptions, FunctionCost, Load, Measured, plan, rates
from bench.capacity.prices import Prices
from bench.capacity.probe import attribute_bytes, item_bytes


def measured(**overrides) -> Measured:
    base = dict(
        functions={
            "timelines": FunctionCost(unit="read", cpu_ms=1.0, memory_mb=1769, redis_round_trips=2),
            "tweets": FunctionCost(unit="post", cpu_ms=10.0, memory_mb=512, dynamodb_calls=2),
        },
        redis_cpu_per_read=100e-6,
        redis_cpu_per_delivery=5e-6,
        redis_cpu_per_post=200e-6,
        redis_cpu_per_like=50e-6,
        timeline_800_bytes=96_000,
        user_timeline_bytes=2_000,
        tweet_record_bytes=600,
        card_bytes=170,
        live_entry_bytes=150,
        wru_per_post=7,
        rru_per_post=3,
        wru_per_like=8,
        rru_per_like=2,
        wru_per_follow=9,
        rru_per_read=0.05,
        wru_per_seen=1,
        rru_per_fanout_follower=0.01,
        tweet_item_bytes=600,
        user_item_bytes=200,
        follow_item_bytes=190,
        engagement_item_bytes=350,
        activity_event_bytes=340,
        fanout_bytes_per_follower=22,
        search_doc_bytes=460,
        push_message_bytes=510,
        home_response_bytes=4_000,
        home_response_gzip_ratio=0.2,
    )
    base.update(overrides)
    return Measured(**base)


def write_prices(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text("# test\nkey,usd,unit,upto,read_on,source,note\n" + body)
    return path


def test_tiered_price_charges_each_slice_at_its_own_rate(tmp_path):
    prices = Prices.load(
        write_prices(tmp_path, "x,3.0,M,10,2026-12-01,s,\nx,2.0,M,30,2026-12-01,s,\nx,1.0,M,,2026-12-01,s,\n")
    )
    assert prices.cost("x", 5) == pytest.approx(15.0)
    assert prices.cost("x", 25) == pytest.approx(10 * 3.0 + 15 * 2.0)
    assert prices.cost("x", 100) == pytest.approx(10 * 3.0 + 20 * 2.0 + 70 * 1.0)


def test_price_file_rejects_tiers_that_do_not_end_unbounded(tmp_path):
    with pytest.raises(ValueError, match="tiers of x"):
        Prices.load(write_prices(tmp_path, "x,3.0,M,10,2026-12-01,s,\n"))


def test_committed_price_file_loads_with_a_date_and_a_source_per_line():
    prices = Prices.load()
    assert prices.read_on() >= "2026-01-01"
    assert all(t.source.startswith("https://") for rows in prices.tiers.values() for t in rows)


def test_default_load_is_the_designs():
    load = Load()
    r = rates(load)
    assert r["posts"] == pytest.approx(500e6 / DAY)  # 5,787/s
    assert r["reads"] == pytest.approx(100 * 500e6 / DAY)
    assert load.peak_factor == pytest.approx(15_000 / (500e6 / DAY))


def test_deliveries_skip_famous_edges_and_passive_followers():
    load = Load(mean_followers=100, famous_edge_share=0.25, timeline_holders_share=0.5)
    r = rates(load)
    assert r["deliveries"] / r["posts"] == pytest.approx(100 * 0.75 * 0.5)
    assert r["fanout_followers"] / r["posts"] == pytest.approx(75)


def test_billed_ms_scales_cpu_below_a_full_vcpu_and_adds_network_waits():
    a = Assumptions(full_vcpu_mb=1769, redis_rtt_ms=0.5, dynamodb_call_ms=4)
    small = FunctionCost(unit="x", cpu_ms=2.0, memory_mb=512, redis_round_trips=2, dynamodb_calls=1)
    assert small.billed_ms(a) == pytest.approx(2.0 * 1769 / 512 + 2 * 0.5 + 4)
    big = FunctionCost(unit="x", cpu_ms=2.0, memory_mb=3538)
    assert big.billed_ms(a) == pytest.approx(2.0)


def test_lambda_concurrency_is_rate_times_duration():
    load = Load()
    result = plan(load, measured(), Prices.load())
    reads_per_second = rates(load)["reads"]
    billed = measured().functions["timelines"].billed_ms(Assumptions()) / 1000
    average, peak = result.concurrency["timelines"]
    assert average == pytest.approx(reads_per_second * billed)
    assert peak == pytest.approx(average * load.peak_factor)


def test_kinesis_shards_cover_the_peak_record_rate():
    load = Load()
    result = plan(load, measured(), Prices.load())
    line = next(x for x in result.lines if x.item.startswith("activity stream"))
    r = rates(load)
    activity_peak = (r["posts"] + r["likes"] + r["follows"] + r["seen"]) * load.peak_factor
    shards = int(line.item.split("(")[1].split(" ")[0].replace(",", ""))
    assert shards >= math.ceil(activity_peak / 1000)


def test_redis_fleet_holds_every_active_timeline():
    load = Load()
    m = measured()
    result = plan(load, m, Prices.load())
    line = next(x for x in result.lines if x.service == "ElastiCache")
    shards = int(line.item.split(" ")[0].replace(",", ""))
    node = line.item.split(" of ")[1].split(" ")[0]
    gib = {"cache.r6g.large": 13.07, "cache.r6g.xlarge": 26.32, "cache.r6g.2xlarge": 52.82, "cache.r6g.4xlarge": 105.81,
           "cache.r6g.8xlarge": 209.55, "cache.r6g.12xlarge": 317.77, "cache.r6g.16xlarge": 419.09}[node]  # fmt: skip
    timelines = load.mau * load.timeline_holders_share * m.timeline_800_bytes
    assert shards * gib * 2**30 * Assumptions().redis_usable_memory >= timelines


def test_cost_grows_with_dau_and_every_service_is_priced():
    prices = Prices.load()
    small = plan(Load().scaled(1e6), measured(), prices)
    large = plan(Load(), measured(), prices)
    assert 0 < small.total < large.total
    assert all(line.usd >= 0 for line in large.lines)
    assert {"Lambda", "API Gateway", "DynamoDB", "ElastiCache", "Kinesis", "OpenSearch", "CloudFront"} <= set(
        large.by_service()
    )


def test_http_api_alternative_is_cheaper_than_rest():
    result = plan(Load(), measured(), Prices.load())
    rest = result.by_service()["API Gateway"]
    http = next(x.usd for x in result.alternatives if x.service == "API Gateway")
    assert http < rest


def test_monthly_requests_use_the_month_length():
    load = Load(posts_per_day=DAY, reads_per_post=0, likes_per_post=0, searches_per_dau=0, follows_per_dau=0,
                other_requests_per_read=0)  # fmt: skip
    prices = Prices.load()
    result = plan(load, measured(), prices)
    rest = next(x for x in result.lines if x.item == "REST requests")
    assert rest.usd == pytest.approx(prices.cost("apigw.rest.request", SECONDS_PER_MONTH / 1e6))


def test_dynamodb_item_size_follows_the_documented_rules():
    assert attribute_bytes({"S": "héllo"}) == 6
    assert attribute_bytes({"N": "12345"}) == 4  # ceil(5 digits / 2) + 1
    assert attribute_bytes({"BOOL": True}) == 1
    assert attribute_bytes({"SS": ["ab", "c"]}) == 3
    assert item_bytes({"id": {"S": "abc"}, "n": {"N": "7"}}) == (2 + 3) + (1 + 2)
