"""OpenSearch: the client, the index definitions, and bulk writes that report each item.

Every index is served through an alias (``warbler-<stage>-tweets``) over a versioned index
(``...-tweets-v1``). Bumping an ``IndexSpec.version`` makes ``ensure`` create the new index,
copy the old one into it, swap the alias atomically and copy again with ``op_type=create``
to catch writes that landed in the old index meanwhile: a mapping change reindexes with no
downtime. Readers and writers only ever name the alias.

``OPENSEARCH_URL`` may be osmem-server locally, any cluster, or an AWS domain; requests to an
``*.es.amazonaws.com`` / ``*.aoss.amazonaws.com`` host are SigV4-signed with the function's role.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from opensearchpy import OpenSearch, RequestsHttpConnection
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

from warbler.settings import get_settings

# What the domain may catch: the cluster refused a query (400) / anything went wrong talking to it.
QueryRejected = RequestError
SearchErrors = (TransportError,)

_LOWERCASE = {"normalizer": {"lowercase": {"type": "custom", "filter": ["lowercase"]}}}
_COUNT = {"type": "integer"}


@dataclass(frozen=True)
class IndexSpec:
    name: str
    version: int
    body: dict[str, Any]


TWEETS = IndexSpec(
    "tweets",
    1,
    {
        "settings": {"number_of_shards": 2, "number_of_replicas": 1, "analysis": _LOWERCASE},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                # The 19-digit snowflake: keyword order is time order, the exact sort for `latest`.
                "tid": {"type": "keyword"},
                "author_id": {"type": "keyword"},
                "author_handle": {"type": "keyword", "normalizer": "lowercase"},
                "text": {"type": "text", "analyzer": "standard"},
                "hashtags": {"type": "keyword", "normalizer": "lowercase"},
                "kind": {"type": "keyword"},
                "created_at": {"type": "date"},
                "like_count": _COUNT,
                "retweet_count": _COUNT,
                "reply_count": _COUNT,
                "quote_count": _COUNT,
            },
        },
    },
)

USERS = IndexSpec(
    "users",
    1,
    {
        "settings": {"number_of_shards": 1, "number_of_replicas": 1, "analysis": _LOWERCASE},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "uid": {"type": "keyword"},
                "handle": {"type": "keyword", "normalizer": "lowercase"},
                "display_name": {"type": "text", "analyzer": "standard"},
                "followers_count": _COUNT,
                "created_at": {"type": "date"},
            },
        },
    },
)

_lock = threading.Lock()
_client: OpenSearch | None = None
_ensured: set[str] = set()


def _aws_service(host: str) -> str | None:
    if host.endswith(".es.amazonaws.com"):
        return "es"
    if host.endswith(".aoss.amazonaws.com"):
        return "aoss"
    return None


def make_client(url: str, region: str, timeout: float = 5.0) -> OpenSearch:
    parsed = urlparse(url)
    host = parsed.hostname or "localhost"
    https = parsed.scheme == "https"
    port = parsed.port or (443 if https else 80)
    options: dict[str, Any] = dict(
        hosts=[{"host": host, "port": port}],
        use_ssl=https,
        verify_certs=https,
        timeout=timeout,
        max_retries=2,
        retry_on_timeout=True,
        connection_class=RequestsHttpConnection,
        pool_maxsize=16,
    )
    service = _aws_service(host)
    if service is not None:
        import boto3  # noqa: PLC0415 - only signed clients need credentials
        from opensearchpy import AWSV4SignerAuth  # noqa: PLC0415

        credentials = boto3.Session().get_credentials()
        options["http_auth"] = AWSV4SignerAuth(credentials, region, service)
    return OpenSearch(**options)


def client() -> OpenSearch:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                s = get_settings()
                _client = make_client(s.require("opensearch_url"), s.aws_region)
    return _client


def reset_client(replacement: OpenSearch | None = None) -> None:
    """Forget the client and which indices were ensured (tests point Warbler elsewhere), or
    use ``replacement`` from now on (a benchmark's client with a longer timeout)."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = replacement
        _ensured.clear()


def alias(spec: IndexSpec) -> str:
    return f"warbler-{get_settings().stage}-{spec.name}"


def concrete(spec: IndexSpec, version: int | None = None) -> str:
    return f"{alias(spec)}-v{spec.version if version is None else version}"


def _alias_targets(c: OpenSearch, name: str) -> list[str]:
    try:
        return sorted(c.indices.get_alias(name=name))
    except NotFoundError:
        return []


def ensure(spec: IndexSpec) -> str:
    """Make the alias point at the current version's index (created, and filled from the
    previous version if there is one). Idempotent and cheap after the first call per process."""
    name = alias(spec)
    if name in _ensured:
        return name
    c = client()
    target = concrete(spec)
    if not c.indices.exists(index=target):
        try:
            c.indices.create(index=target, body=spec.body)
        except RequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
    current = _alias_targets(c, name)
    if current != [target]:
        for old in current:
            _copy(c, old, target, op_type="index")
        actions: list[dict] = [{"remove": {"index": old, "alias": name}} for old in current]
        actions.append({"add": {"index": target, "alias": name, "is_write_index": True}})
        c.indices.update_aliases(body={"actions": actions})
        for old in current:
            _copy(c, old, target, op_type="create")
    _ensured.add(name)
    return name


def _copy(c: OpenSearch, source: str, dest: str, op_type: str) -> None:
    c.reindex(
        body={"conflicts": "proceed", "source": {"index": source}, "dest": {"index": dest, "op_type": op_type}},
        refresh=True,
    )


@dataclass(frozen=True)
class BulkItem:
    """One bulk action: ``doc`` to index (a full document, so a replay is a no-op) or None to delete."""

    spec: IndexSpec
    doc_id: str
    doc: dict[str, Any] | None

    @property
    def key(self) -> str:
        return f"{self.spec.name}/{self.doc_id}"


def bulk(items: list[BulkItem], refresh: bool = False) -> dict[str, str]:
    """Apply the actions in one request; return ``{item.key: error}`` for the items that failed.
    Deleting a document that is not there counts as success."""
    if not items:
        return {}
    body: list[dict[str, Any]] = []
    for item in items:
        meta = {"_index": ensure(item.spec), "_id": item.doc_id}
        if item.doc is None:
            body.append({"delete": meta})
        else:
            body.append({"index": meta})
            body.append(item.doc)
    response = client().bulk(body=body, refresh="true" if refresh else "false")
    failed: dict[str, str] = {}
    if not response.get("errors"):
        return failed
    for item, result in zip(items, response["items"], strict=True):
        (op, outcome), *_ = result.items()
        status = int(outcome.get("status", 500))
        if op == "delete" and status == 404:
            continue
        if status >= 300:
            error = outcome.get("error") or {}
            failed[item.key] = f"{status} {error.get('type', '')}: {error.get('reason', '')}"
    return failed


def search(spec: IndexSpec, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The hits of one search against the spec's alias."""
    response = client().search(index=ensure(spec), body=body)
    return list(response["hits"]["hits"])


def refresh(spec: IndexSpec) -> None:
    client().indices.refresh(index=ensure(spec))
