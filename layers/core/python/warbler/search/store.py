"""Every OpenSearch and Redis command of search: queries and bulk writes against the index
aliases (``warbler.adapters.opensearch`` holds the client and the index definitions), and the
result cache (ids, never views, for ``search_cache_seconds``; empty results are not kept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warbler.adapters import opensearch
from warbler.adapters.cache import ReadThrough
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis
from warbler.settings import get_settings

BulkItem = opensearch.BulkItem
IndexSpec = opensearch.IndexSpec
TWEETS, USERS = opensearch.TWEETS, opensearch.USERS
QueryRejected = opensearch.QueryRejected  # the cluster refused a query (400)
SearchErrors = opensearch.SearchErrors  # anything went wrong talking to it


class SearchStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r

    def search(self, spec: IndexSpec, body: dict[str, Any]) -> list[dict[str, Any]]:
        return opensearch.search(spec, body)

    def bulk(self, items: list[BulkItem]) -> dict[str, str]:
        """``{item.key: error}`` for the items that failed."""
        return opensearch.bulk(items)

    def results(self, digest: str, run: Callable[[list[str]], dict[str, dict]]) -> dict:
        """The cached ``{ids, next}`` of one normalised request, else ``run`` it (and cache it
        unless it is empty)."""
        cache = ReadThrough(
            Keys.search_results,
            get_settings().search_cache_seconds,
            worth_keeping=lambda page: bool(page["ids"]),
            r=self._r,
        )
        return cache.get_many([digest], run)[0][digest]
