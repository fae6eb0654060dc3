"""Redis storage for trends: per-term bucket counters, the candidate index, rankings (key
formats: ``TrendKeys`` in ``warbler.adapters.keys``).

Every key of one term shares a hash tag (``{tr17}``: a key bucket many terms share, see
``TrendKeys``), so counting a batch is one atomic script per tag — one slot, one shard — for all
the terms under it, and counting is exactly-once: the script adds each event id to the term's
per-bucket *seen* set and counts only when the id is new. Redelivered batches (Kinesis retries
from the failed record on) therefore change nothing twice, on a cluster too. What trends is
decided in ``warbler.trends``; this module only stores and fetches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from warbler.adapters.keys import TrendKeys
from warbler.adapters.redis_client import Redis, client, script, script_pipelines

# One call counts every (term, bucket) group of a batch under one hash tag. KEYS: per group, its
# term hash (the bucket's HLL and seen-set are named from it, as ``TrendKeys`` names them: keys
# of the same slot, so one key per group crosses the wire). ARGV: hash ttl, bucket ttl, the hash's field budget,
# then per group: bucket, the oldest bucket worth keeping, and its events as one string of
# space-separated "event-id account-id" pairs (one argument per group keeps the client's encoding
# cost per group, not per use). Returns each group's distinct accounts in its bucket, or -1 when
# they did not change (nothing new counted, or no new account): its active index entry stands.
_COUNT = """
local hash_ttl, bucket_ttl, budget = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local a = 4
for g = 1, #KEYS do
  local term, b, oldest = KEYS[g], ARGV[a], tonumber(ARGV[a + 1])
  local hll, seen = term .. ':acc:' .. b, term .. ':ev:' .. b  -- TrendKeys.accounts, .seen
  local uf, af = 'u' .. b, 'a' .. b
  local events, accounts_of, n = {}, {}, 0
  for event_id, account_id in string.gmatch(ARGV[a + 2], '(%S+) (%S+)') do
    n = n + 1
    events[n], accounts_of[n] = event_id, account_id
  end
  a = a + 3
  -- Only the uses need the seen-set: an event seen before had its account added to the HLL by
  -- the same call that saw it, and adding an account to an HLL twice changes nothing.
  local added = 0
  for from = 1, n, 1000 do
    added = added + redis.call('SADD', seen, unpack(events, from, math.min(from + 999, n)))
  end
  local accounts = -1
  if added > 0 then
    -- The group's new events in one increment and one PFADD.
    local new_field = redis.call('HINCRBY', term, uf, added) == added
    local changed = false
    for from = 1, n, 1000 do
      if redis.call('PFADD', hll, unpack(accounts_of, from, math.min(from + 999, n))) == 1 then
        changed = true
      end
    end
    -- A bucket's seen-set and HLL are made together, here: give them their life when they are
    -- (the seen-set has none only when this call made it).
    if redis.call('EXPIRE', seen, bucket_ttl, 'NX') == 1 then
      redis.call('EXPIRE', hll, bucket_ttl, 'NX')
    end
    if changed then
      -- A bucket's accounts field is written only beside its uses field, and both go together
      -- (HDEL below, the hash's expiry): a new uses field has no accounts field to read.
      accounts = 0
      if not new_field then
        accounts = tonumber(redis.call('HGET', term, af)) or 0
      end
      local estimate = redis.call('PFCOUNT', hll)
      if estimate > accounts then
        accounts = estimate
        redis.call('HSET', term, af, accounts)
      end
    end
    -- The hash only grows by a new bucket field (or is created so): only then renew its life
    -- (hash_ttl outlasts the 24 h baseline by more than a bucket) and drop fields past the budget.
    if new_field then
      redis.call('EXPIRE', term, hash_ttl)
      if redis.call('HLEN', term) > budget then
        for _, f in ipairs(redis.call('HKEYS', term)) do
          if tonumber(string.sub(f, 2)) < oldest then
            redis.call('HDEL', term, f)
          end
        end
      end
    end
  end
  table.insert(out, accounts)
end
return out
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
        self._count = script(self._r, _COUNT)

    def count(self, uses: Sequence[Uses], keep: Retention) -> int:
        """Count each (term, bucket)'s events once, then index the terms as active in their
        bucket. Two round trips — one script call per hash tag, then the active indexes — for
        any batch; safe to repeat with the same events. Returns the groups counted."""
        if not uses:
            return 0
        by_tag: dict[str, list[tuple[Uses, str]]] = defaultdict(list)
        for u in uses:
            tag, key = TrendKeys.counting(u.kind, u.term)
            by_tag[tag].append((u, key))
        header: list[str | int] = [keep.hash_ttl, keep.bucket_ttl, 2 * keep.buckets_kept + 4]
        ordered: list[Uses] = []
        accounts: list[int] = []
        for pipe, tags in script_pipelines(self._r, list(by_tag)):
            for tag in tags:
                call_keys: list[str] = []
                args = list(header)
                for u, key in by_tag[tag]:
                    call_keys.append(key)
                    pairs = " ".join(f"{event_id} {account_id}" for event_id, account_id in u.events)
                    args += (u.bucket, u.bucket - keep.buckets_kept, pairs)
                    ordered.append(u)
                self._count(keys=call_keys, args=args, client=pipe)
            accounts += [n for reply in pipe.execute() for n in reply]
        active: dict[str, dict[str, int]] = {}
        for u, n in zip(ordered, accounts, strict=True):
            if int(n) >= 0:
                active.setdefault(TrendKeys.active(u.kind, u.bucket), {})[u.term] = int(n)
        if active:
            pipe = self._r.pipeline(transaction=False)
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
