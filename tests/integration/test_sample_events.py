"""Every function, invoked with its sample event from events/, against the local services."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from infra import catalog

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_TWEET = "2124487665738072064"
SAMPLE_USERS = {"2124487603970625536": "sample_author", "2124487604910149632": "sample_reader"}
SAMPLE_LINK = ("aZ3k9Qx", "https://example.com/warblers")


@pytest.fixture(scope="module")
def sample_users(local_stack):
    """The users and the tweet the sample events name (their ids are fixed in the JSON)."""
    from warbler.adapters.dynamo import HandleModel, TweetModel, UserModel

    for user_id, handle in SAMPLE_USERS.items():
        UserModel(user_id=user_id, handle=handle, display_name=handle, created_at="2026-11-22T12:00:00.000Z").save()
        HandleModel(handle_key=handle, user_id=user_id).save()
    author = next(iter(SAMPLE_USERS))
    TweetModel(
        tweet_id=SAMPLE_TWEET, author_id=author, text="hello #warbler", created_at="2026-11-22T12:58:25.241Z"
    ).save()
    from warbler.mastodon.store import Grant, OAuthStore

    # The Mastodon authorizer's sample token (events/authorizers/mastodon_authorizer.json).
    OAuthStore().put_token("sample-mastodon-token", Grant("sample-client", list(SAMPLE_USERS)[1], ("read",), ""))
    from warbler.links.store import LinkModel, key_id

    LinkModel(
        key_id(SAMPLE_LINK[0]), url=SAMPLE_LINK[1], tweet_id=SAMPLE_TWEET, created_at="2026-11-22T12:58:25Z"
    ).save()
    from warbler.analytics import report
    from warbler.analytics.store import LakeStore

    # The stored report the admin sample reads (the analytics_report sample writes another day's).
    LakeStore().put(
        report.key(report.daily(date(2026, 11, 21)), ".json"), b'{"period": "2026-11-21"}', "application/json"
    )


def sample_event(function: catalog.Function) -> dict:
    return json.loads((EVENTS / function.kind / f"{function.name}.json").read_text())


def test_every_function_has_a_sample_event_under_its_kind():
    on_disk = sorted(str(p.relative_to(EVENTS).with_suffix("")) for p in EVENTS.rglob("*.json"))
    assert on_disk == sorted(f"{f.kind}/{f.name}" for f in catalog.FUNCTIONS)


# -- scheduled jobs: activity before the sample event's time, and what the run must make of it --

SAMPLE_TAG = "samplerun"  # trends by design: 12 accounts in the minutes before the run


def _trending_activity(local_stack, event: dict) -> None:
    from infra.local.traffic import activity, kinesis_event
    from warbler import clock

    at = clock.parse_iso(event["time"])
    posts = [activity(f"sampler{i}", at - timedelta(seconds=20 * i + 5), [SAMPLE_TAG]) for i in range(12)]
    assert local_stack.invoke("trends_aggregator", kinesis_event(posts)) == {"batchItemFailures": []}


def _ranked_the_activity(local_stack, event: dict, result: dict) -> None:
    assert set(result) == {"hashtags", "topics"} and result["hashtags"] >= 1, result
    response = local_stack.invoke("trends", sample_event(catalog.function("trends")))
    hashtags = [item["name"] for item in json.loads(response["body"])["items"]]
    assert SAMPLE_TAG in hashtags, hashtags
    assert len(hashtags) <= result["hashtags"]


def _parked_fanout_record(local_stack, event: dict) -> None:
    """A fan-out record on the stream and the on-failure record a mapping would park for it."""
    import boto3  # noqa: PLC0415

    kinesis = boto3.client("kinesis", endpoint_url=local_stack.aws_endpoint, region_name="us-east-1")
    name = local_stack.env["WARBLER_FANOUT_STREAM"]
    chunk = {"op": "add", "entry": "1" * 19, "author_id": "1001", "followers": ["1002"]}
    put = kinesis.put_record(StreamName=name, PartitionKey="sample-reader", Data=json.dumps(chunk))
    arn = local_stack.resources.kinesis_arns["fanout"]
    info = {"shardId": put["ShardId"], "startSequenceNumber": put["SequenceNumber"]}
    info |= {"endSequenceNumber": put["SequenceNumber"], "batchSize": 1, "streamArn": arn}
    body = {"requestContext": {"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:fanout_worker"}}
    body["KinesisBatchInfo"] = info
    sqs = boto3.client("sqs", endpoint_url=local_stack.aws_endpoint, region_name="us-east-1")
    sqs.send_message(QueueUrl=local_stack.resources.dlq_url, MessageBody=json.dumps(body))


def _redrove_the_record(local_stack, event: dict, result: dict) -> None:
    assert result["functions"].get("fanout_worker", 0) >= 1, result
    assert result["still_failing"] == result["lost"] == result["unreadable"] == 0, result


def _activity_in_the_lake(local_stack, event: dict) -> None:
    """Two accounts active on the day before the sample run, in the lake through Firehose."""
    from warbler.adapters import kinesis

    day = (date.fromisoformat(event["time"][:10]) - timedelta(days=1)).isoformat()
    seen = [
        {"event_id": f"sample-seen-{i}", "type": "seen", "actor_id": f"sampler{i}", "at": f"{day}T12:00:00.000Z"}
        for i in range(2)
    ]
    kinesis.put_json(local_stack.env["WARBLER_ACTIVITY_STREAM"], [(e["actor_id"], e) for e in seen])
    local_stack.wait_idle(20)


def _reported_the_day(local_stack, event: dict, result: dict) -> None:
    from warbler.analytics.store import LakeStore

    (written,) = result.values()  # the sample run is a Tuesday: the daily report only
    report = json.loads(LakeStore().get(written["json"]) or b"{}")
    assert report["figures"]["active_users"]["dau"] >= 2 and written["mail"], result


QUIET_USER = "2124487603970629999"


def _a_year_quiet_account(local_stack, event: dict) -> None:
    """An account last seen the day before the sample run's cut-off (a year and a day before)."""
    from warbler.adapters.dynamo import UserModel
    from warbler.segments import rules

    day = date.fromisoformat(event["time"][:10]) - timedelta(days=366)
    UserModel(
        user_id=QUIET_USER,
        handle="quietsample",
        created_at=f"{day}T09:00:00.000Z",
        last_seen_at=f"{day}T09:00:00.000Z",
        seen_day=rules.seen_bucket(QUIET_USER, day),
    ).save()


def _soft_deleted_it(local_stack, event: dict, result: dict) -> None:
    from warbler.adapters.dynamo import UserModel
    from warbler.analytics.store import LakeStore

    assert result["soft_deleted"] >= 1 and UserModel.get(QUIET_USER).deactivated_at, result
    assert json.loads(LakeStore().get(result["snapshot"]) or b"{}")["counts"] == result["segments"]


# For each scheduled function: what to put in place before its sample run, and its check.
SCHEDULED_SETUP = {
    "trends_ranker": _trending_activity,
    "redrive": _parked_fanout_record,
    "analytics_report": _activity_in_the_lake,
    "segmenter": _a_year_quiet_account,
}
SCHEDULED_RESULTS = {
    "trends_ranker": _ranked_the_activity,
    "redrive": _redrove_the_record,
    "analytics_report": _reported_the_day,
    "segmenter": _soft_deleted_it,
}


def test_every_scheduled_function_has_a_sample_run_check():
    scheduled = {f.name for f in catalog.FUNCTIONS if f.kind == "schedules"}
    assert set(SCHEDULED_SETUP) == set(SCHEDULED_RESULTS) == scheduled


@pytest.mark.parametrize("function", [f.name for f in catalog.FUNCTIONS])
def test_function_handles_its_sample_event(local_stack, sample_users, function):
    event = sample_event(catalog.function(function))
    if function in SCHEDULED_SETUP:
        SCHEDULED_SETUP[function](local_stack, event)

    result = local_stack.invoke(function, event)

    if "httpMethod" in event and result["statusCode"] == 301:  # the short link redirect
        assert result["multiValueHeaders"]["Location"] == [SAMPLE_LINK[1]], result
    elif "httpMethod" in event:
        assert 200 <= result["statusCode"] < 300, result
        json.loads(result["body"])
    elif "connectionId" in event.get("requestContext", {}):  # a WebSocket route
        assert 200 <= result["statusCode"] < 300, result
    elif event.get("type") == "TOKEN":  # a Lambda authorizer allows a live token
        assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow", result
    elif event.get("source") == "aws.events":  # a scheduled job: its own check of what it did
        SCHEDULED_RESULTS[function](local_stack, event, result)
    elif catalog.function(function).kind == "jobs":  # an operator's run: it finishes, nothing failed
        assert result["done"] is True and result["failed"] == [], result
    elif event["Records"][0].get("eventSource") == "aws:s3":  # an S3 notification: one outcome per object
        assert set(result["processed"]) == {r["s3"]["object"]["key"] for r in event["Records"]}, result
    else:
        assert result == {"batchItemFailures": []}


def test_a_redelivered_activity_batch_neither_duplicates_notifications_nor_recounts(api, local_stack):
    import base64

    author, fan = api.signup(), api.signup()
    tweet = author.post("count me once")
    local_stack.wait_idle(15)
    like_event = {
        "event_id": "redelivered-like-1",
        "type": "like",
        "actor_id": fan.id,
        "at": "2026-11-22T12:00:00.000Z",
        "tweet_id": tweet["id"],
        "target_user_id": author.id,
        "original_at": "2026-11-22T12:00:00.000Z",
    }
    record = {
        "kinesis": {
            "data": base64.b64encode(json.dumps(like_event).encode()).decode(),
            "sequenceNumber": "1",
            "partitionKey": fan.id,
        },
        "eventSource": "aws:kinesis",
    }
    batch = {"Records": [record, record]}

    assert local_stack.invoke("notifier", batch) == {"batchItemFailures": []}
    assert local_stack.invoke("notifier", batch) == {"batchItemFailures": []}

    items = author.call("GET", "/notifications").json()["items"]
    assert [(n["type"], n["count"], [a["id"] for a in n["actors"]]) for n in items] == [("like", 1, [fan.id])]
    # Counts come from the write's own transaction, never from replaying the stream.
    assert author.call("GET", f"/tweets/{tweet['id']}").json()["like_count"] == 0
