"""Redis: the one client of the process, and the errors that mean "Redis is unavailable".

Key formats are not here: every key Warbler uses is in ``warbler.adapters.keys``. Commands are
not here either: each package's ``store.py`` holds the ones it sends.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import redis
from redis.cluster import RedisCluster

from warbler.adapters import secrets
from warbler.settings import get_settings

RedisErrors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ClusterError)
Redis = redis.Redis | RedisCluster

_lock = threading.Lock()
_client: Redis | None = None


def client() -> Redis:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                s = get_settings()
                opts: dict[str, Any] = dict(
                    socket_timeout=s.redis_timeout_seconds,
                    socket_connect_timeout=s.redis_timeout_seconds,
                    decode_responses=True,
                    health_check_interval=30,
                )
                if s.redis_auth_secret_arn:  # ElastiCache AUTH: the token lives in Secrets Manager
                    opts["password"] = secrets.read(s.redis_auth_secret_arn)
                if s.redis_cluster:
                    _client = RedisCluster.from_url(s.require("redis_url"), **opts)
                else:
                    _client = redis.Redis.from_url(s.require("redis_url"), **opts)
    return _client


def reset_client() -> None:
    """Drop the cached client (tests point Warbler at a fresh server)."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None


_scripts: dict[tuple[int, str], Any] = {}


def script(r: Any, source: str) -> Any:
    """A Lua script registered once per client: ``register_script`` hashes the source each
    time, and stores are made per request."""
    found = _scripts.get((id(r), source))
    if found is None or found.registered_client is not r:
        found = _scripts[(id(r), source)] = r.register_script(source)
    return found


def is_cluster(r: Any) -> bool:
    return isinstance(r, RedisCluster)


def script_pipelines(r: Any, tags: Sequence[str]) -> list[tuple[Any, list[str]]]:
    """Pipelines that can carry script calls, with the hash tags each one serves: one pipeline
    for a single Redis; one per node for a cluster, whose client-side pipelines refuse scripts
    (each node's own connection pipeline takes them: its slots are local)."""
    if not is_cluster(r):
        return [(r.pipeline(transaction=False), list(tags))]
    by_node: dict[str, list[str]] = {}
    nodes = {}
    for tag in tags:
        node = r.get_node_from_key(tag)
        by_node.setdefault(node.name, []).append(tag)
        nodes[node.name] = node
    return [(r.get_redis_connection(nodes[name]).pipeline(transaction=False), ts) for name, ts in by_node.items()]


def get_many(r: Any, keys: Sequence[str]) -> list[str | None]:
    """GET many keys in one round trip, cluster-safe (a pipeline, not a cross-slot MGET)."""
    if not keys:
        return []
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.get(key)
    return pipe.execute()
