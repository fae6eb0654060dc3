"""Redis storage for trends: per-term bucket counters, the candidate index, rankings (key
formats: ``TrendKeys`` in ``warbler.adapters.keys``).

Every key of one term shares the term's hash tag (``{h:python}``), so counting one term's events
is one atomic script on one shard, and counting is exactly-once: the script adds each event id to
the term's per-bucket *seen* set and counts only when the id is new. Redelivered batches (Kinesis
retries from the failed record on) therefore change nothing twice, on a cluster too. What trends
is decided in ``warbler.trends``; this module only stores and fetches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from warbler.adapters.keys import TrendKeys
from warbler.adapters.redis_client import Redis, client

# KEYS: term hash, bucket HLL, bucket seen-set. ARGV: bucket, hash ttl, bucket ttl, the hash's
# field budget, the oldest bucket worth keeping, then (event id, account id) pairs.
# Returns the bucket's {uses, accounts} after the update.
_COUNT = """
local b = ARGV[1]
local uf, af = 'u' .. b, 'a' .. b
local changed = false
for i = 6, #ARGV, 2 do
  if redis.call('SADD', KEYS[3], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], uf, 1)
    if redis.call('PFADD', KEYS[2], ARGV[i + 1]) == 1 then
      changed = true
    end
  end
end
if changed then
  local n = redis.call('PFCOUNT', KEYS[2])
  if n > (tonumber(redis.call('HGET', KEYS[1], af)) or 0) then
    redis.call('HSET', KEYS[1], af, n)
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
if redis.call('HLEN', KEYS[1]) > tonumber(ARGV[4]) then
  local oldest = tonumber(ARGV[5])
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(string.sub(f, 2)) < oldest then
      redis.call('HDEL', KEYS[1], f)
    end
  end
end
return {tonumber(redis.call('HGET', KEYS[1], uf)) or 0, tonumber(redis.call('HGET', KEYS[1], af)) or 0}
"""


@dataclass(frozen=True)
class Uses:
    """Events of one term in one bucket: (event id, account id) pairs."""

    kind: str
    term: str
    bucket: int
    events: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Retention:
    """How long keys live, in seconds and buckets (derived from settings by the domain)."""

    hash_ttl: int  # the term's bucket counters: the baseline + history window
    bucket_ttl: int  # HLLs and seen-sets: the observation window + the redelivery horizon
    buckets_kept: int  # buckets of counters a term keeps


class TrendStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r or client()
        self._count = self._r.register_script(_COUNT)

    def count(self, uses: Sequence[Uses], keep: Retention) -> int:
        """Count each (term, bucket)'s events once, then index the terms as active in their
        bucket. Two round trips; safe to repeat with the same events. Returns the groups counted."""
        if not uses:
            return 0
        pipe = self._r.pipeline(transaction=False)
        for u in uses:
            args: list[str | int] = [u.bucket, keep.hash_ttl, keep.bucket_ttl, 2 * keep.buckets_kept + 4]
            args.append(u.bucket - keep.buckets_kept)
            for event_id, account_id in u.events:
                args += [event_id, account_id]
            keys = [
                TrendKeys.term(u.kind, u.term),
                TrendKeys.accounts(u.kind, u.term, u.bucket),
                TrendKeys.seen(u.kind, u.term, u.bucket),
            ]
            self._count(keys=keys, args=args, client=pipe)
        counts = pipe.execute()
        pipe = self._r.pipeline(transaction=False)
        active: dict[str, dict[str, int]] = {}
        for u, (_, accounts) in zip(uses, counts, strict=True):
            active.setdefault(TrendKeys.active(u.kind, u.bucket), {})[u.term] = int(accounts)
        for key, members in active.items():
            pipe.zadd(key, members, gt=True)
            pipe.expire(key, keep.bucket_ttl)
        pipe.execute()
        return len(uses)

    def active(self, kind: str, buckets: Iterable[int], min_accounts: int) -> dict[str, int]:
        """Terms used in ``buckets`` whose per-bucket accounts sum to at least ``min_accounts``
        (an upper bound of their distinct accounts, so no term that could trend is missed)."""
        pipe = self._r.pipeline(transaction=False)
        for b in buckets:
            pipe.zrange(TrendKeys.active(kind, b), 0, -1, withscores=True)
        totals: dict[str, int] = {}
        for members in pipe.execute():
            for term, accounts in members:
                totals[term] = totals.get(term, 0) + int(accounts)
        return {t: n for t, n in totals.items() if n >= min_accounts}

    def observe(
        self, kind: str, terms: Sequence[str], recent: Sequence[int], baseline: Sequence[int]
    ) -> dict[str, tuple[int, list[int]]]:
        """Per term: distinct accounts over the ``recent`` buckets (one HLL union, same slot) and
        the accounts of each ``baseline`` bucket. One round trip."""
        if not terms:
            return {}
        fields = [f"a{b}" for b in baseline]
        pipe = self._r.pipeline(transaction=False)
        for term in terms:
            pipe.pfcount(*[TrendKeys.accounts(kind, term, b) for b in recent])
            pipe.hmget(TrendKeys.term(kind, term), fields)
        replies = pipe.execute()
        return {term: (int(replies[2 * i]), [int(v or 0) for v in replies[2 * i + 1]]) for i, term in enumerate(terms)}

    def uses(self, kind: str, terms: Sequence[str], buckets: Sequence[int]) -> dict[str, list[int]]:
        """Uses per bucket for each term, in ``buckets`` order. One round trip."""
        if not terms:
            return {}
        fields = [f"u{b}" for b in buckets]
        pipe = self._r.pipeline(transaction=False)
        for term in terms:
            pipe.hmget(TrendKeys.term(kind, term), fields)
        return {term: [int(v or 0) for v in row] for term, row in zip(terms, pipe.execute(), strict=True)}

    def state(self, kind: str) -> dict[str, str]:
        return self._r.hgetall(TrendKeys.state(kind))  # type: ignore[return-value]

    def publish(self, kind: str, state: Mapping[str, str], ranking: str) -> None:
        """Replace the kind's score state and ranking together (one transaction, one slot)."""
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(TrendKeys.state(kind))
        if state:
            fields: dict = dict(state)
            pipe.hset(TrendKeys.state(kind), mapping=fields)
        pipe.set(TrendKeys.ranking(kind), ranking)
        pipe.execute()

    def ranking(self, kind: str) -> str | None:
        return self._r.get(TrendKeys.ranking(kind))  # type: ignore[return-value]
