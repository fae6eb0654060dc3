"""Feed writes that survive a Redis outage or a hostile record (issue 15 §4): the planner writes
the author's user timeline too, and the fan-out worker applies only well-formed entries."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

from warbler.feeds.entries import Op
from warbler.feeds.store import TimelineStore

EVENTS = Path(__file__).resolve().parents[2] / "events" / "streams"


def planner_event(tweet_id: str, author_id: str) -> dict:
    event = json.loads((EVENTS / "fanout_planner.json").read_text())
    record = copy.deepcopy(event["Records"][0])
    record["dynamodb"]["NewImage"]["tweet_id"] = {"S": tweet_id}
    record["dynamodb"]["NewImage"]["author_id"] = {"S": author_id}
    record["dynamodb"]["Keys"] = {"tweet_id": {"S": tweet_id}}
    return {"Records": [record]}


def kinesis_event(docs: list[dict]) -> dict:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "p",
                    "sequenceNumber": str(1000 + i),
                    "data": base64.b64encode(json.dumps(doc).encode()).decode(),
                    "approximateArrivalTimestamp": 1.0,
                },
                "eventSource": "aws:kinesis",
                "eventID": f"shardId-000000000000:{1000 + i}",
            }
            for i, doc in enumerate(docs)
        ]
    }


def test_the_planner_repairs_a_cached_user_timeline_the_request_could_not_write(local_stack, api):
    author = api.signup()
    tweet = author.post("the request wrote this one")
    local_stack.wait_idle(30)
    assert [t["id"] for t in author.call("GET", f"/users/{author.handle}/tweets").json()["items"]] == [tweet["id"]]
    TimelineStore().apply_user_timeline(Op.REMOVE, author.id, tweet["id"])  # as if Redis had been down
    assert author.call("GET", f"/users/{author.handle}/tweets").json()["items"] == []  # cached, so never rebuilt

    assert local_stack.invoke("fanout_planner", planner_event(tweet["id"], author.id)) == {"batchItemFailures": []}

    assert [t["id"] for t in author.call("GET", f"/users/{author.handle}/tweets").json()["items"]] == [tweet["id"]]


def test_the_fanout_worker_refuses_a_malformed_entry_and_applies_the_rest(local_stack, api):
    author, reader = api.signup(), api.signup()
    reader.follow(author)
    local_stack.wait_idle(30)
    good = author.post("a real tweet")
    local_stack.wait_idle(30)
    assert reader.home_ids() == [good["id"]]
    poison = {"op": "add", "entry": "x" * 19 + ":" + "1" * 19, "author_id": author.id, "followers": [reader.id]}
    unicode_digits = {"op": "add", "entry": "²" * 19, "author_id": author.id, "followers": [reader.id]}
    fine = {"op": "add", "entry": good["id"], "author_id": author.id, "followers": [reader.id]}

    response = local_stack.invoke("fanout_worker", kinesis_event([poison, fine, unicode_digits]))

    assert response == {"batchItemFailures": [{"itemIdentifier": "1000"}, {"itemIdentifier": "1002"}]}
    assert reader.home_ids(limit=100) == [good["id"]]  # and its paging still works
