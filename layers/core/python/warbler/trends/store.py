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
from typing import NamedTuple

from warbler.adapters.keys import TrendKeys
from warbler.adapters.redis_client import Redis, client, script, script_pipelines

# One call counts every (term, bucket) group of a batch under one hash tag. KEYS: per group, its
# term hash (the bucket's HLL is named from it, as ``TrendKeys`` names it: keys of the same slot,
# so one key per group crosses the wire). ARGV: hash ttl, bucket ttl, the hash's field budget, the
# tag's seen-set prefix (``TrendKeys.seen`` without the bucket), then per group: bucket, the oldest
# bucket worth keeping, and its events as one string of space-separated "event-id account-id"
# pairs (one argument per group keeps the client's encoding cost per group, not per use). Returns
# each group's distinct accounts in its bucket, or -1 when they did not change (nothing new
# counted, or no new account): its active index entry stands.
#
# Exactly-once is per (tag, bucket): one seen-set of event ids for all the terms under the tag,
# asked once (SMISMEMBER) and written once (SADD) per bucket of the call. A term has one tag, so
# an event counts once per term; the call is atomic, so its counts and its seen ids land together.
# (A seen-set per term and bucket cost a key, a SADD and an EXPIRE per group, most of which hold
# one or two uses: long-tail topic phrases.)
_COUNT = """
local hash_ttl, bucket_ttl, budget, seen_prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local groups, buckets = {}, {}
local a = 5
for g = 1, #KEYS do
  local b = ARGV[a]
  local events, accounts_of, n = {}, {}, 0
  for event_id, account_id in string.gmatch(ARGV[a + 2], '(%S+) (%S+)') do
    n = n + 1
    events[n], accounts_of[n] = event_id, account_id
  end
  groups[g] = {b, tonumber(ARGV[a + 1]), events, accounts_of, n}
  local bucket = buckets[b]
  if bucket == nil then
    bucket = {ids = {}, new = {}}
    buckets[b] = bucket
  end
  for i = 1, n do
    if bucket.new[events[i]] == nil then
      bucket.new[events[i]] = false
      table.insert(bucket.ids, events[i])
    end
  end
  a = a + 3
end
-- Which of the call's events are new, per bucket; then they are seen.
for b, bucket in pairs(buckets) do
  local seen, ids, fresh = seen_prefix .. b, bucket.ids, {}
  for from = 1, #ids, 1000 do
    local flags = redis.call('SMISMEMBER', seen, unpack(ids, from, math.min(from + 999, #ids)))
    for i = 1, #flags do
      if flags[i] == 0 then
        local id = ids[from + i - 1]
        bucket.new[id] = true
        table.insert(fresh, id)
      end
    end
  end
  if #fresh > 0 then
    for from = 1, #fresh, 1000 do
      redis.call('SADD', seen, unpack(fresh, from, math.min(from + 999, #fresh)))
    end
    redis.call('EXPIRE', seen, bucket_ttl, 'NX')  -- its life starts with its first ids
  end
end
local out = {}
for g = 1, #KEYS do
  local term = KEYS[g]
  local b, oldest, events, accounts_of, n = unpack(groups[g])
  local new, fresh, added = buckets[b].new, {}, 0
  for i = 1, n do
    if new[events[i]] then
      added = added + 1
      fresh[added] = accounts_of[i]
    end
  end
  local accounts = -1
  if added > 0 then
    local hll = term .. ':acc:' .. b  -- TrendKeys.accounts
    -- The group's new events in one increment and one PFADD.
    local new_field = redis.call('HINCRBY', term, 'u' .. b, added) == added
    local changed = false
    for from = 1, added, 1000 do
      if redis.call('PFADD', hll, unpack(fresh, from, math.min(from + 999, added))) == 1 then
        changed = true
      end
    end
    if changed then
      -- Its life starts with its first account (NX: a late event after it expired makes a new
      -- one, which gets a life too).
      redis.call('EXPIRE', hll, bucket_ttl, 'NX')
      if new_field then
        -- The term's first events in this bucket, so its HLL is new too (it lives shorter than
        -- the field): its accounts are these, counted exactly here without a HGET and a PFCOUNT,
        -- and most groups are a term's first in its bucket.
        local distinct = {}
        accounts = 0
        for i = 1, added do
          if not distinct[fresh[i]] then
            distinct[fresh[i]] = true
            accounts = accounts + 1
          end
        end
        redis.call('HSET', term, 'a' .. b, accounts)
      else
        -- A bucket's accounts field is written only beside its uses field, and both go
        -- together (HDEL below, the hash's expiry).
        accounts = tonumber(redis.call('HGET', term, 'a' .. b)) or 0
        local estimate = redis.call('PFCOUNT', hll)
        if estimate > accounts then
          accounts = estimate
          redis.call('HSET', term, 'a' .. b, accounts)
        end
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


class Uses(NamedTuple):
    """Events of one term in one bucket, each as ``"<event id> <account id>"``: the form the
    counting script reads, made once per event (a post has ~18 terms) rather than per use. A
    tuple: a batch makes one per (term, bucket), ~5K, and a frozen dataclass costs several times
    a tuple to build."""

    kind: str
    term: str
    bucket: int
    events: Sequence[str]


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
                args = [*header, TrendKeys.seen_prefix(tag)]
                for u, key in by_tag[tag]:
                    call_keys.append(key)
                    args += (u.bucket, u.bucket - keep.buckets_kept, " ".join(u.events))
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
