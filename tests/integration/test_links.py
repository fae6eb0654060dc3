"""The key generation service against DynamoDB (moto), and the redirect through the gateway."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from tests.support import wait_until


@pytest.fixture
def instances(local_stack):
    """Two function instances' shorteners: each its own pool, reserving small blocks so the
    test crosses block boundaries mid-request."""
    from warbler.links.kgs import KeyPool
    from warbler.links.service import Shortener
    from warbler.links.store import LinkStore

    store = LinkStore()
    return [Shortener(store, KeyPool(store, block_size=3)) for _ in range(2)]


def test_concurrent_posts_of_distinct_urls_on_two_instances_never_share_a_key(instances):
    urls = [f"https://example.com/{uuid.uuid4().hex}" for _ in range(20)]

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda i: instances[i % 2].keys_for([urls[i]], None)[urls[i]], range(20)))

    assert len(set(results)) == 20
    assert sum(s.pool.reservations for s in instances) >= 7  # blocks of 3 ran out mid-request
    from warbler.links.store import LinkStore

    assert [LinkStore().resolve(k).url for k in results] == urls


def test_the_same_url_gets_the_same_key_on_every_instance_and_every_retry(instances):
    url = f"https://example.com/same/{uuid.uuid4().hex}"

    with ThreadPoolExecutor(8) as pool:
        results = set(pool.map(lambda i: instances[i % 2].keys_for([url], None)[url], range(8)))
    again = instances[0].keys_for([url], None)[url]

    assert len(results) == 1 and again in results


def _click_events(local_stack) -> list[dict]:
    kinesis = boto3.client("kinesis", endpoint_url=local_stack.aws_endpoint, region_name="us-east-1")
    name = local_stack.resources.stream_names["activity"]
    events = []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            events += [json.loads(r["Data"]) for r in page["Records"]]
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return [e for e in events if e.get("type") == "click"]


def test_a_short_link_redirects_with_301_and_its_click_reaches_the_activity_stream(instances, local_stack):
    url = f"https://example.com/read/{uuid.uuid4().hex}?utm=1"
    key = instances[0].keys_for([url], "2124487665738072064")[url]

    response = requests.get(f"{local_stack.rest_url}/s/{key}", allow_redirects=False, timeout=5)

    assert response.status_code == 301
    assert response.headers["Location"] == url
    assert "public" in response.headers["Cache-Control"] and "max-age=" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    clicks = wait_until(lambda: [e for e in _click_events(local_stack) if e["key"] == key], timeout=10)
    (click,) = clicks
    assert click["tweet_id"] == "2124487665738072064" and click["actor_id"] is None
    assert click["event_id"] and click["at"]


def test_unknown_and_malformed_keys_are_404_json(local_stack):
    for key in ("zzzzzzz", "short", "not-a-key!"):
        response = requests.get(f"{local_stack.rest_url}/s/{key}", allow_redirects=False, timeout=5)
        assert response.status_code == 404, key
        assert response.json()["error"]["code"] == "not_found"


def test_a_stored_link_to_another_scheme_is_never_followed(local_stack):
    from warbler.links.store import LinkModel, key_id

    LinkModel(key_id("jsLink0"), url="javascript:alert(document.cookie)", created_at="2026-12-01T00:00:00Z").save()

    response = requests.get(f"{local_stack.rest_url}/s/jsLink0", allow_redirects=False, timeout=5)

    assert response.status_code == 404 and "Location" not in response.headers
