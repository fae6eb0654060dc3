"""Open WebSocket connections: a durable DynamoDB row each, and a Redis live index.

Redis keys (cluster-safe, each tagged by the id it belongs to):

- ``live:{b<bucket>}`` (``Keys.live``) — a hash per home-timeline bucket (the same buckets, see
  ``Keys.bucket``): user id -> that user's open connection ids, space-separated. A fan-out batch
  asks one HMGET per bucket for all its followers there, so finding who is live costs a few
  hundred commands per batch rather than one per follower.
- ``liveaud:{<famous id>}`` (``Keys.live_audience``) — the live audience of a famous account, members
  ``"<user id> <connection id>"``, so a famous tweet finds its live followers' connections in one
  read, without the follower list.

Both expire ``connection_ttl_seconds`` after the last connect that touched them: API Gateway
closes every connection by then, so a set never outlives its members. A member whose
``$disconnect`` was lost stays until a push to it answers 410.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import DoesNotExist

from warbler import clock
from warbler.adapters.dynamo import ConnectionModel
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis, client
from warbler.settings import get_settings

live_key = Keys.live
audience_key = Keys.live_audience


# Add or remove one connection id in a user's field, atomically; an emptied field goes.
_LIVE_ADD = """
local ids = redis.call('HGET', KEYS[1], ARGV[1])
if not ids then
  ids = ARGV[2]
elseif not string.find(' ' .. ids .. ' ', ' ' .. ARGV[2] .. ' ', 1, true) then
  ids = ids .. ' ' .. ARGV[2]
end
redis.call('HSET', KEYS[1], ARGV[1], ids)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
_LIVE_REMOVE = """
local ids = redis.call('HGET', KEYS[1], ARGV[1])
if not ids then return 0 end
local kept = {}
for id in string.gmatch(ids, '%S+') do
  if id ~= ARGV[2] then table.insert(kept, id) end
end
if #kept == 0 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], table.concat(kept, ' ')) end
return 1
"""


@dataclass(frozen=True)
class Connection:
    connection_id: str  # a live-index member: the API Gateway id, with "~<tag>" when tagged
    user_id: str

    @property
    def gateway_id(self) -> str:
        return split_member(self.connection_id)[0]

    @property
    def tag(self) -> str | None:
        return split_member(self.connection_id)[1]


def member(connection_id: str, tag: str | None) -> str:
    """How a connection appears in the live index: API Gateway ids never contain "~"."""
    return f"{connection_id}~{tag}" if tag else connection_id


def split_member(value: str) -> tuple[str, str | None]:
    connection_id, _, tag = value.partition("~")
    return connection_id, tag or None


@dataclass(frozen=True)
class Session:
    """What the connection row says: whose it is, and its tag ("" = tagged but not indexed)."""

    user_id: str
    tag: str | None


class ConnectionStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r or client()
        self._ttl = get_settings().connection_ttl_seconds

    def add(self, connection_id: str, user_id: str, audiences: Sequence[str], tag: str | None = None) -> None:
        """Record the connection durably, then index it: the row first, so a ``$disconnect`` that
        races the connect always finds what to remove. ``tag`` "" records it without indexing
        (a Mastodon client that has not subscribed yet)."""
        now = clock.now()
        ConnectionModel(
            connection_id=connection_id,
            user_id=user_id,
            connected_at=clock.iso(now),
            audiences=set(audiences) or None,
            expires_at=now + timedelta(seconds=self._ttl),
            tag=tag,
        ).save()
        if tag == "":
            return
        indexed = member(connection_id, tag)
        # Scripts go outside the pipeline: a cluster client's pipelines refuse them.
        self._r.eval(_LIVE_ADD, 1, live_key(user_id), user_id, indexed, self._ttl)
        pipe = self._r.pipeline(transaction=False)
        for famous_id in audiences:
            pipe.sadd(audience_key(famous_id), f"{user_id} {indexed}")
            pipe.expire(audience_key(famous_id), self._ttl)
        pipe.execute()

    def session(self, connection_id: str) -> Session | None:
        try:
            row = ConnectionModel.get(connection_id)
        except DoesNotExist:
            return None
        return Session(row.user_id, row.tag)

    def remove(self, connection_id: str, user_id: str | None = None) -> None:
        """Forget a connection everywhere; idempotent. ``user_id`` covers a row already gone.
        ``connection_id`` may be a live-index member (as a 410 reports it)."""
        connection_id, tag = split_member(connection_id)
        try:
            row: ConnectionModel | None = ConnectionModel.get(connection_id)
        except DoesNotExist:
            row = None
        user_id = row.user_id if row is not None else user_id
        if user_id is None:
            return
        indexed = member(connection_id, row.tag if row is not None else tag)
        self._r.eval(_LIVE_REMOVE, 1, live_key(user_id), user_id, indexed)
        pipe = self._r.pipeline(transaction=False)
        for famous_id in (row.audiences if row is not None else None) or ():
            pipe.srem(audience_key(famous_id), f"{user_id} {indexed}")
        pipe.execute()
        if row is not None:
            row.delete()

    def of_users(self, user_ids: Iterable[str]) -> list[Connection]:
        """The open connections of many users: one HMGET per bucket, in one round trip."""
        by_key: dict[str, list[str]] = {}
        for user_id in dict.fromkeys(user_ids):
            by_key.setdefault(live_key(user_id), []).append(user_id)
        if not by_key:
            return []
        pipe = self._r.pipeline(transaction=False)
        for key, users in by_key.items():
            pipe.hmget(key, users)
        out: list[Connection] = []
        for users, values in zip(by_key.values(), pipe.execute(), strict=True):
            for user_id, ids in zip(users, values, strict=True):
                out.extend(Connection(c, user_id) for c in sorted((ids or "").split()))
        return out

    def audience(self, famous_id: str) -> list[Connection]:
        out = []
        for member in sorted(self._r.smembers(audience_key(famous_id))):
            user_id, connection_id = str(member).split(" ", 1)
            out.append(Connection(connection_id, user_id))
        return out
