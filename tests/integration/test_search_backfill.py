"""The backfill rebuilds an emptied search index from DynamoDB, resuming from its own cursor."""

from __future__ import annotations

import uuid

from tests.support import wait_until


def _found(account, q: str, kind: str = "tweets") -> set[str]:
    r = account.call("GET", "/search", params={"q": q, "type": kind, "sort": "latest", "limit": 100})
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()["items"]}


def _indexed(spec, field: str, value: str) -> set[str]:
    """Straight from the index (the API caches results for seconds)."""
    from warbler.adapters import opensearch

    opensearch.refresh(spec)
    return {hit["_id"] for hit in opensearch.search(spec, {"query": {"match": {field: value}}, "size": 100})}


def test_backfill_refills_an_emptied_index_from_dynamodb_resuming_from_its_cursor(api, local_stack) -> None:
    from warbler.adapters import opensearch
    from warbler.search import backfill

    author = api.signup()
    word = "bf" + uuid.uuid4().hex[:12]
    posted = {author.post(f"rebuilt {word} number {i}")["id"] for i in range(5)}
    local_stack.wait_idle(15)
    wait_until(lambda: _found(author, word) == posted, timeout=15, message="the indexer never indexed the posts")

    # The domain is recreated: its indices are gone.
    client = opensearch.client()
    for spec in (opensearch.TWEETS, opensearch.USERS):
        client.indices.delete(index=opensearch.concrete(spec))
    opensearch.reset_client()
    assert _indexed(opensearch.TWEETS, "text", word) == set()
    assert author.id not in _indexed(opensearch.USERS, "handle", author.handle)

    # A time budget for one page per invocation: each run stops after a page and hands back a cursor.
    checks = iter(range(10**6))

    def one_page_left() -> int:
        return backfill.MARGIN_MS + 1 if next(checks) % 2 == 0 else 0

    state: dict = {}
    runs = 0
    while not state.get("done"):
        state = backfill.run(state, time_left_ms=one_page_left, page_size=2)
        runs += 1
        assert runs < 5000, state
    assert runs >= 4 and state["failed"] == [] and state["indexed"] >= len(posted) + 1

    assert _indexed(opensearch.TWEETS, "text", word) == posted
    assert author.id in _indexed(opensearch.USERS, "handle", author.handle)


def test_the_backfill_handler_runs_from_an_empty_event(local_stack) -> None:
    result = local_stack.invoke("search_backfill", {})
    assert result["done"] is True and result["failed"] == []
