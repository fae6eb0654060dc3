"""The OpenSearch adapter against osmem-server, and the indexer handler's batch semantics."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid

import pytest

from tests.support import wait_until


@pytest.fixture
def os_adapter(local_stack):
    from warbler.adapters import opensearch

    return opensearch


def _probe_spec(opensearch, version: int, extra: dict | None = None):
    name = f"probe{uuid.uuid4().hex[:8]}"
    props = {"tid": {"type": "keyword"}, "text": {"type": "text"}, **(extra or {})}
    return opensearch.IndexSpec(name, version, {"mappings": {"dynamic": "strict", "properties": props}})


def test_indices_live_behind_an_alias_and_a_new_version_reindexes_without_losing_documents(os_adapter):
    v1 = _probe_spec(os_adapter, 1)
    alias = os_adapter.ensure(v1)
    assert (
        os_adapter.bulk([os_adapter.BulkItem(v1, str(i), {"tid": str(i), "text": f"doc {i}"}) for i in range(5)]) == {}
    )
    assert list(os_adapter.client().indices.get_alias(name=alias)) == [f"{alias}-v1"]

    v2 = dataclasses.replace(
        v1,
        version=2,
        body={
            "mappings": {
                "dynamic": "strict",
                "properties": {**v1.body["mappings"]["properties"], "n": {"type": "integer"}},
            }
        },
    )
    os_adapter.reset_client()
    os_adapter.ensure(v2)

    assert list(os_adapter.client().indices.get_alias(name=alias)) == [f"{alias}-v2"]
    hits = os_adapter.search(v2, {"query": {"match": {"text": "doc"}}, "size": 10})
    assert sorted(h["_id"] for h in hits) == ["0", "1", "2", "3", "4"]
    assert os_adapter.bulk([os_adapter.BulkItem(v2, "9", {"tid": "9", "text": "new", "n": 1})]) == {}


def test_bulk_reports_each_failed_item_and_a_missing_delete_is_not_a_failure(os_adapter):
    spec = _probe_spec(os_adapter, 1)

    failed = os_adapter.bulk(
        [
            os_adapter.BulkItem(spec, "ok", {"tid": "ok", "text": "fine"}),
            os_adapter.BulkItem(spec, "bad", {"tid": "bad", "unknown_field": 1}),
            os_adapter.BulkItem(spec, "never-there", None),
        ]
    )

    assert list(failed) == [f"{spec.name}/bad"]
    assert "strict" in failed[f"{spec.name}/bad"]


def _kinesis(event: dict, seq: str) -> dict:
    return {
        "eventSource": "aws:kinesis",
        "kinesis": {"sequenceNumber": seq, "data": base64.b64encode(json.dumps(event).encode()).decode()},
    }


@pytest.fixture
def author(local_stack):
    from warbler.adapters.dynamo import HandleModel, UserModel

    user_id = str(10**18 + uuid.uuid4().int % 10**17)
    handle = f"ix{uuid.uuid4().hex[:8]}"
    UserModel(user_id=user_id, handle=handle, display_name=handle, created_at="2026-01-01T00:00:00.000Z").save()
    HandleModel(handle_key=handle, user_id=user_id).save()
    return user_id, handle


def _doc(os_adapter, tweet_id: str):
    from opensearchpy.exceptions import NotFoundError

    try:
        return os_adapter.client().get(index=os_adapter.alias(os_adapter.TWEETS), id=tweet_id)["_source"]
    except NotFoundError:
        return None


def test_the_indexer_indexes_current_state_so_a_replayed_post_after_a_delete_stays_deleted(
    local_stack, os_adapter, author
):
    from warbler.tweets import write as tweets

    user_id, handle = author
    kept = tweets.post_tweet(user_id, "indexer keeps #Kept")
    gone = tweets.post_tweet(user_id, "indexer drops")
    tweets.delete_tweet(user_id, gone["id"])
    batch = {
        "Records": [
            _kinesis({"type": "post", "tweet_id": kept["id"], "actor_id": user_id}, "1"),
            _kinesis({"type": "delete", "tweet_id": gone["id"], "actor_id": user_id}, "2"),
            _kinesis({"type": "post", "tweet_id": gone["id"], "actor_id": user_id}, "3"),  # redelivered
            _kinesis({"type": "follow", "actor_id": user_id, "target_user_id": "1"}, "4"),
        ]
    }

    assert local_stack.invoke("indexer", batch) == {"batchItemFailures": []}
    assert local_stack.invoke("indexer", batch) == {"batchItemFailures": []}  # and again: idempotent

    doc = _doc(os_adapter, kept["id"])
    assert doc["author_handle"] == handle and doc["hashtags"] == ["kept"] and doc["kind"] == "post"
    assert _doc(os_adapter, gone["id"]) is None


def test_a_failed_bulk_item_reports_every_record_that_touched_it_and_only_those(
    local_stack, os_adapter, author, monkeypatch
):
    from warbler.tweets import write as tweets

    user_id, _ = author
    ok = tweets.post_tweet(user_id, "fine one")
    bad = tweets.post_tweet(user_id, "unlucky one")
    real_bulk = os_adapter.bulk

    def flaky_bulk(items, refresh=False):
        errors = real_bulk([i for i in items if i.doc_id != bad["id"]], refresh)
        return {**errors, f"tweets/{bad['id']}": "429 es_rejected_execution_exception: queue full"}

    monkeypatch.setattr(os_adapter, "bulk", flaky_bulk)
    batch = {
        "Records": [
            _kinesis({"type": "post", "tweet_id": bad["id"], "actor_id": user_id}, "10"),
            _kinesis({"type": "post", "tweet_id": ok["id"], "actor_id": user_id}, "11"),
            _kinesis({"type": "like", "tweet_id": bad["id"], "actor_id": "1"}, "12"),
            {"eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": "13", "data": "bm90IGpzb24="}},
        ]
    }

    result = local_stack.invoke("indexer", batch)

    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["10", "12", "13"]
    assert _doc(os_adapter, ok["id"]) is not None


def test_a_user_change_is_indexed_only_when_a_searchable_field_moves():
    from warbler.search import index as search

    old = {"user_id": "1", "handle": "Ann", "display_name": "Ann", "followers_count": 1, "created_at": "x"}

    assert search.user_action("MODIFY", old, {**old, "last_seen_at": "now"}) is None
    assert search.user_action("MODIFY", old, {**old, "followers_count": 2}).doc["followers_count"] == 2
    assert search.user_action("REMOVE", old, None).doc is None


def test_users_reach_the_index_from_the_users_table_stream(local_stack, os_adapter, author):
    user_id, handle = author

    hits = wait_until(
        lambda: os_adapter.search(os_adapter.USERS, {"query": {"term": {"uid": user_id}}}),
        timeout=15,
        message="the users stream did not reach the index",
    )
    assert hits[0]["_source"]["handle"] == handle
