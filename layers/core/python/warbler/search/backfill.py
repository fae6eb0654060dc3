"""Rebuilding the search index from DynamoDB, the source of truth.

A recreated (or emptied) domain gets its documents back by replaying the tables, not the
streams: every tweet is indexed as it is now (``index.tweet_actions``: retweets and deleted
tweets become deletes) and every user as its record stands. The tables are read a page at a
time; when the invocation's time runs short the run stops between pages and returns a cursor,
and invoking again with that result continues. Indexing is state-based, so a page read twice
(a retry, or writes racing the rebuild) converges on the same documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warbler.search import index
from warbler.search.store import BulkItem, SearchStore, TableScan

PAGE_SIZE = 200
# Stop starting pages when less than this is left: one page of reads and a bulk request.
MARGIN_MS = 60_000


def run(
    event: dict[str, Any],
    time_left_ms: Callable[[], int],
    scan: TableScan | None = None,
    search: SearchStore | None = None,
    page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """One invocation's worth of rebuild. ``event`` is ``{}`` to start (or ``{"segment": i,
    "segments": n}`` for one of n parallel runs), else the previous invocation's result."""
    scan = scan or TableScan()
    search = search or SearchStore()
    segment, segments = int(event.get("segment", 0)), int(event.get("segments", 1))
    state: dict[str, Any] = {
        "segment": segment,
        "segments": segments,
        "phase": event.get("phase", "tweets"),
        "cursor": event.get("cursor"),
        "indexed": int(event.get("indexed", 0)),
        "failed": list(event.get("failed", [])),
        "done": False,
    }
    while state["phase"] != "done" and time_left_ms() > MARGIN_MS:
        items: list[BulkItem]
        if state["phase"] == "tweets":
            ids, cursor = scan.tweet_ids(state["cursor"], page_size, segment, segments)
            items = index.tweet_actions(ids)
        else:
            images, cursor = scan.user_images(state["cursor"], page_size, segment, segments)
            items = [item for image in images if (item := index.user_action("INSERT", None, image)) is not None]
        errors = search.bulk(items)
        state["indexed"] += sum(1 for item in items if item.doc is not None and item.key not in errors)
        state["failed"] += sorted(errors)
        state["cursor"] = cursor
        if cursor is None:
            state["phase"] = "users" if state["phase"] == "tweets" else "done"
    state["done"] = state["phase"] == "done"
    return state
