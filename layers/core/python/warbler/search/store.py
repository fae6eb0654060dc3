"""Every OpenSearch and Redis command of search: queries and bulk writes against the index
aliases (``warbler.adapters.opensearch`` holds the client and the index definitions), and the
result cache (ids, never views, for ``search_cache_seconds``; empty results are not kept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warbler.adapters import opensearch
from warbler.adapters.cache import ReadThrough
from warbler.adapters.dynamo import TweetModel, UserModel
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


class TableScan:
    """The backfill's reads: the tweets and users tables whole, a page at a time. The only Scan in
    Warbler (no request path may read a whole table); ``segment``/``segments`` split the work."""

    @staticmethod
    def _split(segment: int, segments: int) -> tuple[int | None, int | None]:
        return (segment, segments) if segments > 1 else (None, None)

    def tweet_ids(
        self, cursor: dict | None, limit: int, segment: int = 0, segments: int = 1
    ) -> tuple[list[str], dict | None]:
        """One page of tweet ids and the cursor after it (None: the table is done)."""
        part, parts = self._split(segment, segments)
        page = TweetModel.scan(
            limit=limit, last_evaluated_key=cursor, attributes_to_get=["tweet_id"], segment=part, total_segments=parts
        )
        ids = [t.tweet_id for t in page]
        return ids, page.last_evaluated_key

    def user_images(
        self, cursor: dict | None, limit: int, segment: int = 0, segments: int = 1
    ) -> tuple[list[dict[str, Any]], dict | None]:
        """One page of user records (as a users-stream image would carry them) and the cursor."""
        part, parts = self._split(segment, segments)
        page = UserModel.scan(limit=limit, last_evaluated_key=cursor, segment=part, total_segments=parts)
        images = [dict(u.attribute_values) for u in page]
        return images, page.last_evaluated_key
