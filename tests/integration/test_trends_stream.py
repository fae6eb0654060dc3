"""Trends through the real path: activity events put on the Kinesis activity stream (moto), the
local event source mapping runs ``trends_aggregator``, and ``trends_ranker`` is invoked with the
scheduled event EventBridge would send at a chosen time. Hours pass by moving ``at`` and the
scheduled ``time``, never by sleeping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from infra.local.traffic import activity, kinesis_event, scheduled_event, spread

# Near the real clock, so the mapping's max record age never discards a record.
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def clean_trends(local_stack, redis_server):
    import redis

    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    for pattern in ("tr:*", "trends:*"):
        keys = list(r.scan_iter(match=pattern, count=1000))
        if keys:
            r.delete(*keys)
    yield r
    r.close()


def put_on_activity_stream(events: list[dict]) -> None:
    from warbler.settings import get_settings

    kinesis = boto3.client("kinesis")
    for i in range(0, len(events), 500):
        chunk = events[i : i + 500]
        result = kinesis.put_records(
            StreamName=get_settings().activity_stream,
            Records=[{"Data": json.dumps(e).encode(), "PartitionKey": e["actor_id"]} for e in chunk],
        )
        assert result["FailedRecordCount"] == 0


def ranked(local_stack, at: datetime, kind: str = "hashtags") -> list[dict]:
    local_stack.invoke("trends_ranker", scheduled_event(at))
    response = local_stack.invoke(
        "trends",
        {
            "resource": "/trends",
            "path": "/trends",
            "httpMethod": "GET",
            "headers": {},
            "queryStringParameters": {"type": kind, "limit": "50"},
            "multiValueQueryStringParameters": {"type": [kind], "limit": ["50"]},
            "requestContext": {
                "resourcePath": "/trends",
                "httpMethod": "GET",
                "authorizer": {"claims": {"cognito:username": "2124487604910149632"}},
            },
            "body": None,
        },
    )
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])["items"]


def test_a_burst_beats_steady_volume_and_spam_does_not_trend(local_stack, clean_trends):
    # 24 h of a steady tag (25 accounts every 5 minutes), replayed straight into the handler.
    history = [
        activity(f"regular{(b + i) % 60}", NOW - timedelta(minutes=5 * b, seconds=i + 1), ["news"])
        for b in range(1, 289)
        for i in range(25)
    ]
    for i in range(0, len(history), 500):
        assert local_stack.invoke("trends_aggregator", kinesis_event(history[i : i + 500])) == {"batchItemFailures": []}
    # The last 10 minutes, through the stream: the steady tag as usual, a burst, and spam.
    live = [activity(f"regular{i % 60}", NOW - timedelta(seconds=i * 8), ["news"]) for i in range(75)]
    live += [activity(f"witness{i}", at, ["quake"]) for i, at in enumerate(spread(NOW - timedelta(minutes=9), 9, 40))]
    live += [activity("spammer", at, ["freecoins"]) for at in spread(NOW - timedelta(minutes=9), 9, 300)]
    live += [
        activity(f"ring{i % 4}", at, ["ourring"]) for i, at in enumerate(spread(NOW - timedelta(minutes=9), 9, 80))
    ]
    put_on_activity_stream(live)
    local_stack.wait_idle(30)

    items = ranked(local_stack, NOW)

    assert items[0]["name"] == "quake"
    assert items[0]["accounts"] == 40 and len(items[0]["history"]) == 288
    names = [i["name"] for i in items]
    assert "freecoins" not in names and "ourring" not in names
    news = next((i for i in items if i["name"] == "news"), None)
    assert news is None or news["score"] < items[0]["score"] / 100


def test_a_finished_burst_decays_out_of_the_ranking(local_stack, clean_trends):
    put_on_activity_stream([activity(f"fan{i}", NOW - timedelta(seconds=i), ["finale"]) for i in range(30)])
    local_stack.wait_idle(30)

    at_peak = ranked(local_stack, NOW)
    two_hours_on = ranked(local_stack, NOW + timedelta(hours=2))
    next_day = ranked(local_stack, NOW + timedelta(hours=24))

    assert [i["name"] for i in at_peak] == ["finale"]
    assert two_hours_on[0]["score"] == pytest.approx(at_peak[0]["score"] / 4, rel=1e-3)
    assert next_day == []


def test_a_redelivered_batch_does_not_double_count(local_stack, clean_trends):
    batch = kinesis_event([activity(f"voter{i}", NOW, ["election"], text="#election polls open") for i in range(12)])

    first = local_stack.invoke("trends_aggregator", batch)
    again = local_stack.invoke("trends_aggregator", batch)
    hashtags, topics = ranked(local_stack, NOW), ranked(local_stack, NOW, "topics")

    assert first == again == {"batchItemFailures": []}
    assert [(i["name"], i["uses"], i["accounts"]) for i in hashtags] == [("election", 12, 12)]
    assert ("polls open", 12, 12) in [(i["name"], i["uses"], i["accounts"]) for i in topics]


def test_an_unreadable_record_is_reported_alone(local_stack, clean_trends):
    batch = kinesis_event([activity("a", NOW, ["ok"]), {"not": "an activity event"}])

    result = local_stack.invoke("trends_aggregator", batch)

    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["kinesis"]["sequenceNumber"]}]}


def test_a_counted_event_whose_actor_is_not_one_token_is_reported_alone(local_stack, clean_trends):
    bad = {**activity("a", NOW, ["spaced"]), "actor_id": "two words"}
    batch = kinesis_event([activity("b", NOW, ["spaced"]), bad])

    result = local_stack.invoke("trends_aggregator", batch)

    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["kinesis"]["sequenceNumber"]}]}
    from warbler import trends
    from warbler.trends.store import TrendStore

    bucket = trends.bucket_of(NOW)
    assert TrendStore(clean_trends).uses("hashtags", ["spaced"], [bucket]) == {"spaced": [1]}


def test_counting_keys_all_expire_and_a_buckets_accounts_stay_distinct(local_stack, clean_trends):
    from warbler import trends
    from warbler.adapters.keys import TrendKeys
    from warbler.trends.store import TrendStore

    # First batch: three uses by two accounts; the second adds one new account and repeats one
    # (few accounts: the bucket lists them, so the count is exact).
    first = [activity(who, NOW, ["rally"]) for who in ("ann", "bo", "ann")]  # one bucket: NOW's
    second = [activity(who, NOW, ["rally"]) for who in ("cy", "bo")]
    assert local_stack.invoke("trends_aggregator", kinesis_event(first)) == {"batchItemFailures": []}
    bucket = trends.bucket_of(NOW)
    tag = TrendKeys.tag("hashtags", "rally")
    store = TrendStore(clean_trends)
    after_first = store.observe("hashtags", ["rally"], [bucket], [bucket])["rally"]
    assert local_stack.invoke("trends_aggregator", kinesis_event(second)) == {"batchItemFailures": []}

    assert after_first == (2, [2])
    assert store.uses("hashtags", ["rally"], [bucket]) == {"rally": [5]}
    assert store.observe("hashtags", ["rally"], [bucket], [bucket]) == {"rally": (3, [3])}
    assert clean_trends.scard(TrendKeys.seen(tag, bucket)) >= 5
    lifetimes = {key: clean_trends.ttl(key) for key in clean_trends.scan_iter(match="tr:*")}
    assert lifetimes and all(ttl > 0 for ttl in lifetimes.values()), lifetimes
