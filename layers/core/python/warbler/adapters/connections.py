"""Open WebSocket connections: a durable DynamoDB row each, and a Redis live index.

Redis keys (cluster-safe, each tagged by the id it belongs to):

- ``live:{<user id>}`` — the user's open connection ids. A fan-out chunk reads its followers'
  sets with one pipeline: one round trip (per node, on a cluster) whatever the chunk size.
- ``liveaud:{<famous id>}`` — the live audience of a famous account, members
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

import redis
from pynamodb.exceptions import DoesNotExist
from redis.cluster import RedisCluster

from warbler import clock
from warbler.adapters.dynamo import ConnectionModel
from warbler.adapters.redis_store import Keys, client
from warbler.settings import get_settings


def live_key(user_id: str) -> str:
    return f"live:{{{user_id}}}"


def audience_key(famous_id: str) -> str:
    return f"liveaud:{{{famous_id}}}"


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str


class ConnectionStore:
    def __init__(self, r: redis.Redis | RedisCluster | None = None) -> None:
        self._r = r or client()
        self._ttl = get_settings().connection_ttl_seconds

    def famous_followees(self, user_id: str) -> list[str]:
        return sorted(str(m) for m in self._r.smembers(Keys.famous_followees(user_id)))

    def add(self, connection_id: str, user_id: str, audiences: Sequence[str]) -> None:
        """Record the connection durably, then index it: the row first, so a ``$disconnect`` that
        races the connect always finds what to remove."""
        now = clock.now()
        ConnectionModel(
            connection_id=connection_id,
            user_id=user_id,
            connected_at=clock.iso(now),
            audiences=set(audiences) or None,
            expires_at=now + timedelta(seconds=self._ttl),
        ).save()
        pipe = self._r.pipeline(transaction=False)
        pipe.sadd(live_key(user_id), connection_id)
        pipe.expire(live_key(user_id), self._ttl)
        for famous_id in audiences:
            pipe.sadd(audience_key(famous_id), f"{user_id} {connection_id}")
            pipe.expire(audience_key(famous_id), self._ttl)
        pipe.execute()

    def remove(self, connection_id: str, user_id: str | None = None) -> None:
        """Forget a connection everywhere; idempotent. ``user_id`` covers a row already gone."""
        try:
            row: ConnectionModel | None = ConnectionModel.get(connection_id)
        except DoesNotExist:
            row = None
        user_id = row.user_id if row is not None else user_id
        if user_id is None:
            return
        pipe = self._r.pipeline(transaction=False)
        pipe.srem(live_key(user_id), connection_id)
        for famous_id in (row.audiences if row is not None else None) or ():
            pipe.srem(audience_key(famous_id), f"{user_id} {connection_id}")
        pipe.execute()
        if row is not None:
            row.delete()

    def of_users(self, user_ids: Iterable[str]) -> list[Connection]:
        """The open connections of many users: one pipelined round trip."""
        users = list(dict.fromkeys(user_ids))
        if not users:
            return []
        pipe = self._r.pipeline(transaction=False)
        for user_id in users:
            pipe.smembers(live_key(user_id))
        return [Connection(c, u) for u, conns in zip(users, pipe.execute(), strict=True) for c in sorted(conns)]

    def audience(self, famous_id: str) -> list[Connection]:
        out = []
        for member in sorted(self._r.smembers(audience_key(famous_id))):
            user_id, connection_id = str(member).split(" ", 1)
            out.append(Connection(connection_id, user_id))
        return out
