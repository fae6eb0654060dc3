"""Redis: the client, every key Warbler uses, and the Lua that must run atomically per key.

Keys are cluster-safe. Home timelines carry a *bucket* hash tag rather than the user's own id, so
that one fan-out chunk — a set of followers in the same bucket — is one EVALSHA on one shard
instead of one command per follower; that is what lets a worker approach raw ZADD throughput.
Everything else is tagged by its own id.

Timeline members start with a 19-digit snowflake (a retweet appends ":<original id>"), all with
score 0, so Redis orders them lexicographically, which equals id order: doubles would round
64-bit ids. Each timeline holds a
floor member (``FLOOR_ID``) so that an empty but *present* timeline exists; a missing key means
"not cached" (a passive user, or a cache that was lost), never "empty".
"""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.cluster import RedisCluster

from warbler.ids import FLOOR_ID
from warbler.settings import get_settings

RedisErrors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ClusterError)

_lock = threading.Lock()
_client: redis.Redis | RedisCluster | None = None


def client() -> redis.Redis | RedisCluster:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                s = get_settings()
                opts = dict(
                    socket_timeout=s.redis_timeout_seconds,
                    socket_connect_timeout=s.redis_timeout_seconds,
                    decode_responses=True,
                    health_check_interval=30,
                )
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


class Keys:
    @staticmethod
    def bucket(user_id: str) -> int:
        return zlib.crc32(user_id.encode()) % get_settings().timeline_buckets

    @staticmethod
    def home(user_id: str) -> str:
        return f"tl:{{b{Keys.bucket(user_id)}}}:{user_id}"

    @staticmethod
    def homes_by_tag(user_ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(hash tag, home key) for many users: the fan-out hot loop, so no per-key lookups."""
        buckets = get_settings().timeline_buckets
        crc32 = zlib.crc32
        for user_id in user_ids:
            tag = f"{{b{crc32(user_id.encode()) % buckets}}}"
            yield tag, f"tl:{tag}:{user_id}"

    @staticmethod
    def live(user_id: str) -> str:
        """Open WebSocket connections of the users of a home-timeline bucket (a hash), so the
        fan-out script reads them in the same slot as the timelines it writes."""
        return Keys.live_of_tag(f"{{b{Keys.bucket(user_id)}}}")

    @staticmethod
    def live_of_tag(tag: str) -> str:
        return f"live:{tag}"

    @staticmethod
    def user_timeline(user_id: str) -> str:
        return f"utl:{{{user_id}}}"

    @staticmethod
    def famous_followees(user_id: str) -> str:
        return f"fam:{{{user_id}}}"

    @staticmethod
    def tweet(tweet_id: str) -> str:
        return f"tw:{{{tweet_id}}}"

    @staticmethod
    def user_card(user_id: str) -> str:
        return f"usr:{{{user_id}}}"

    @staticmethod
    def oauth_revoked(token_hash: str) -> str:
        """A revoked Mastodon access token, kept as long as the gateway may cache its answer."""
        return f"oauth:revoked:{{{token_hash}}}"

    @staticmethod
    def engaged(user_id: str, kind: str) -> str:
        """The tweet ids a user liked ("like") or retweeted ("rt"), recent ones at least."""
        return f"eng:{{{user_id}}}:{kind}"

    @staticmethod
    def engaged_since(user_id: str, kind: str) -> str:
        """Which tweets ``engaged`` answers for: all (``0``) or those newer than this id."""
        return f"eng:{{{user_id}}}:{kind}:since"

    @staticmethod
    def famous_marker(user_id: str) -> str:
        return f"famous:{{{user_id}}}"


# Inserts members into timelines only where the timeline is cached (it exists: it always holds
# the floor member). ARGV after (op, cap, window) is a list
# of (member, count) pairs: the first ``count`` KEYS get the first member, and so on, so a member
# shared by a thousand followers crosses the wire once. A member "<id>:<original>" is a retweet:
# it is skipped when the original, or another retweet of it, is already among the newest
# ``window`` entries. Removal is unconditional.
# KEYS[1] is the slot's live index (``Keys.live``): the script also answers, for each follower it
# touched, their open WebSocket connections, so pushing needs no second pass over the followers.
# It returns {applied, key index, connection ids, key index, connection ids, ...}.
# Trimming to the cap costs a ZCARD per insert, a third of the script's work, so inserts only
# check when the entry's last two digits are 00-06 (about 1 in 14, spread evenly by the
# snowflake's sequence bits); reads trim exactly before they page (``trim_command``), so no read
# ever sees more than ``cap`` entries and an unread timeline overshoots by a few at most.
_APPLY = """
local op = ARGV[1]
local cap = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local n = 0
local live = {}
local k = 2
for g = 4, #ARGV, 2 do
  local member = ARGV[g]
  local last = k + tonumber(ARGV[g + 1]) - 1
  local original = string.match(member, ':(%d+)$')
  local check_size = (tonumber(string.sub(member, 18, 19)) or 0) < 7
  for i = k, last do
    local key = KEYS[i]
    if op == 'add' then
      if redis.call('EXISTS', key) == 1 then
        local seen = false
        if original then
          for _, m in ipairs(redis.call('ZREVRANGE', key, 0, window - 1)) do
            if m == original or string.match(m, ':(%d+)$') == original then
              seen = true
              break
            end
          end
        end
        if not seen then
          n = n + redis.call('ZADD', key, 0, member)
          if check_size then
            local size = redis.call('ZCARD', key)
            if size > cap + 1 then
              redis.call('ZREMRANGEBYRANK', key, 1, size - cap - 1)
            end
          end
        end
      end
    else
      n = n + redis.call('ZREM', key, member)
    end
    local connections = redis.call('HGET', KEYS[1], string.match(key, ':([^:]+)$'))
    if connections then
      table.insert(live, i - 1)
      table.insert(live, connections)
    end
  end
  k = last + 1
end
table.insert(live, 1, n)
return live
"""

# slot tag -> timeline entry -> timeline keys
Groups = dict[str, dict[str, list[str]]]


@dataclass
class Applied:
    applied: int = 0
    live: dict[str, list[str]] = field(default_factory=dict)  # user id -> open connection ids


def hash_tag(key: str) -> str:
    return key[key.index("{") : key.index("}") + 1]


class TimelineStore:
    """Sorted-set timelines of entries (tweet ids), newest first."""

    def __init__(self, r: redis.Redis | RedisCluster | None = None) -> None:
        self._r = r or client()
        self._apply = self._r.register_script(_APPLY)
        self._cap = get_settings().timeline_cap
        self._window = get_settings().retweet_dedupe_window

    def apply(self, op: str, entries: Iterable[tuple[str, str]]) -> int:
        """Add ('add') or remove ('rem') (timeline key, entry) pairs in one round trip."""
        groups: Groups = defaultdict(lambda: defaultdict(list))
        for key, member in entries:
            groups[hash_tag(key)][member].append(key)
        return self.apply_groups(op, groups).applied

    def apply_groups(self, op: str, groups: Groups) -> Applied:
        """One round trip, one script call per hash slot, each entry sent once per slot; also
        returns the open connections of the users whose timelines it touched."""
        result = Applied()
        for pipe, slots in self._pipelines(groups):
            slot_keys = []
            for tag in slots:
                keys: list[str] = [Keys.live_of_tag(tag)]
                args: list[str | int] = [op, self._cap, self._window]
                for member, member_keys in groups[tag].items():
                    keys += member_keys
                    args += (member, len(member_keys))
                self._apply(keys=keys, args=args, client=pipe)
                slot_keys.append(keys)
            for keys, reply in zip(slot_keys, pipe.execute(), strict=True):
                result.applied += int(reply[0])
                for i in range(1, len(reply), 2):
                    user_id = keys[int(reply[i])].rsplit(":", 1)[1]
                    result.live[user_id] = str(reply[i + 1]).split()
        return result

    def _pipelines(self, groups: Groups) -> list[tuple[Any, list[str]]]:
        """One pipeline for a single Redis; one per node for a cluster, whose client-side
        pipelines refuse scripts (each node's own pipeline takes them: its slots are local)."""
        if not isinstance(self._r, RedisCluster):
            return [(self._r.pipeline(transaction=False), list(groups))]
        by_node: dict[str, list[str]] = defaultdict(list)
        nodes = {}
        for tag in groups:
            node = self._r.get_node_from_key(tag)
            by_node[node.name].append(tag)
            nodes[node.name] = node
        return [
            (self._r.get_redis_connection(nodes[name]).pipeline(transaction=False), tags)
            for name, tags in by_node.items()
        ]

    def trim_command(self, pipe, key: str) -> None:
        """Keep the floor (rank 0) and the newest ``cap`` entries."""
        pipe.zremrangebyrank(key, 1, -(self._cap + 1))

    def page_commands(self, pipe, key: str, limit: int, before: str | None, after: str | None) -> None:
        high = f"({before}" if before else "+"
        low = f"({after}" if after and after > FLOOR_ID else f"({FLOOR_ID}"
        pipe.zrevrangebylex(key, high, low, start=0, num=limit)

    def replace(self, key: str, members: Sequence[str], ttl_seconds: int | None) -> None:
        """Write a whole timeline at once (rebuild on return, or on a lost cache)."""
        newest = sorted(set(members), reverse=True)[: self._cap]
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(key)
        pipe.zadd(key, {FLOOR_ID: 0, **{tid: 0 for tid in newest}})
        if ttl_seconds:
            pipe.expire(key, ttl_seconds)
        pipe.execute()


def cached_json_many(r, keys: Sequence[str]) -> list[str | None]:
    """GET many keys in one round trip, cluster-safe (a pipeline, not a cross-slot MGET)."""
    if not keys:
        return []
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.get(key)
    return pipe.execute()
