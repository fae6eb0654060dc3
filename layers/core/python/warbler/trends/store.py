"""Redis storage for trends: per-bucket term counters, the active index, rankings (key formats:
``TrendKeys`` in ``warbler.adapters.keys``).

A term's keys carry its key bucket's hash tag (``{tr17}``, shared by many terms), and within a tag
and a time bucket its terms share their keys: one counts hash, one seen-set, one active index.
Counting a batch is therefore one atomic script per tag — one slot, one shard — whose Redis
commands are per tag and bucket, not per term: the few terms with many accounts add a PFADD each.
Counting is exactly-once: the script adds each event id to the tag's per-bucket *seen* set and
counts only when the id is new, so redelivered batches (Kinesis retries from the failed record on)
change nothing twice, on a cluster too. What trends is decided in ``warbler.trends``; this module
only stores and fetches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from warbler.adapters.keys import TrendKeys
from warbler.adapters.redis_client import Redis, client, script, script_pipelines

# A term's distinct accounts in a bucket are kept exactly, listed in its counter, up to this many;
# past it they move to a HyperLogLog. Most (term, bucket) groups are long-tail topic phrases of one
# or two accounts: a list costs them no key, no expiry and no PFADD.
LISTED_ACCOUNTS = 8

# A term's counter in its bucket is one field of the bucket's counts hash (field ``<k>:<t>``):
# "<uses> <distinct accounts>", followed by " <account> ..." while the accounts are listed. One
# field, so counting reads and writes one value per term and the readers parse it (``_counter``).
#
# One call counts every (term, bucket) group of a batch under one hash tag.
# KEYS: per bucket of the call, its counts hash, seen-set and active index (a term's HyperLogLog
# is named from the counts hash, as ``TrendKeys.accounts`` names it: same slot).
# ARGV: counts ttl, bucket ttl, the listed-accounts limit, the accounts from which a term is
# indexed active, then per bucket (in KEYS order) its group count and per group the term's field
# and its events as one string of space-separated "event-id account-id" pairs (one argument per
# group keeps the client's encoding cost per group, not per use). Returns the groups that counted
# something new.
#
# Per bucket the commands are: SMISMEMBER and SADD of the call's event ids (exactly-once is per
# tag and bucket: a term has one tag, so an event counts once per term, and the call is atomic, so
# counts and seen ids land together); one HMGET of the changed terms' counters and one HSET of
# their new values; one ZADD GT of the terms whose accounts grew, from the indexing threshold on;
# and an EXPIRE NX per key, which starts each key's life with its first write. A term past the
# list limit adds its PFADD (and, when its estimate may have grown, a PFCOUNT).
_COUNT = """
local counts_ttl, bucket_ttl, listed, indexed = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local a, changed = 5, 0
local function each_chunk(list, step, fn)
  for from = 1, #list, step do fn(unpack(list, from, math.min(from + step - 1, #list))) end
end
for k = 1, #KEYS, 3 do
  local counts, seen, active = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local n = tonumber(ARGV[a])
  a = a + 1
  local fields, events, accounts, ids, new = {}, {}, {}, {}, {}
  for g = 1, n do
    local e, c, m = {}, {}, 0
    for event_id, account_id in string.gmatch(ARGV[a + 1], '(%S+) (%S+)') do
      m = m + 1
      e[m], c[m] = event_id, account_id
      if new[event_id] == nil then
        new[event_id] = false
        ids[#ids + 1] = event_id
      end
    end
    fields[g], events[g], accounts[g] = ARGV[a], e, c
    a = a + 2
  end
  -- Which of the bucket's events are new; then they are seen.
  local fresh = {}
  for from = 1, #ids, 1000 do
    local flags = redis.call('SMISMEMBER', seen, unpack(ids, from, math.min(from + 999, #ids)))
    for i = 1, #flags do
      if flags[i] == 0 then
        local id = ids[from + i - 1]
        new[id] = true
        fresh[#fresh + 1] = id
      end
    end
  end
  if #fresh > 0 then
    each_chunk(fresh, 1000, function(...) redis.call('SADD', seen, ...) end)
    redis.call('EXPIRE', seen, bucket_ttl, 'NX')
    -- The groups with new events, and those events' accounts.
    local live, added = {}, {}
    for g = 1, n do
      local e, c, got = events[g], accounts[g], {}
      for i = 1, #e do
        if new[e[i]] then got[#got + 1] = c[i] end
      end
      if #got > 0 then
        live[#live + 1] = fields[g]
        added[#live] = got
      end
    end
    changed = changed + #live
    local writes, grown = {}, {}
    for from = 1, #live, 1000 do
      local last = math.min(from + 999, #live)
      local now = redis.call('HMGET', counts, unpack(live, from, last))
      for j = from, last do
        local f, got, value = live[j], added[j], now[j - from + 1]
        local uses, before, members = 0, 0, nil
        if value then
          local u, b, rest = string.match(value, '^(%d+) (%d+) ?(.*)$')
          uses, before = tonumber(u), tonumber(b)
          if rest ~= '' then members = rest end
        end
        uses = uses + #got
        local after, hll = before, counts .. ':' .. f  -- TrendKeys.accounts
        if not value or members then
          -- Few accounts so far: listed exactly, until there are more than the list holds.
          local set, list = {}, {}
          if members then
            for account in string.gmatch(members, '%S+') do
              set[account] = true
              list[#list + 1] = account
            end
          end
          for i = 1, #got do
            if not set[got[i]] then
              set[got[i]] = true
              list[#list + 1] = got[i]
            end
          end
          after = #list
          if after <= listed then
            writes[#writes + 1], writes[#writes + 2] = f, uses .. ' ' .. after .. ' ' .. table.concat(list, ' ')
          else
            each_chunk(list, 1000, function(...) redis.call('PFADD', hll, ...) end)
            redis.call('EXPIRE', hll, bucket_ttl, 'NX')
            writes[#writes + 1], writes[#writes + 2] = f, uses .. ' ' .. after
          end
        else
          local grew = false
          each_chunk(got, 1000, function(...) if redis.call('PFADD', hll, ...) == 1 then grew = true end end)
          if grew then
            -- A late event after the HLL expired makes a new one (NX gives it a life too); the
            -- stored count never shrinks.
            redis.call('EXPIRE', hll, bucket_ttl, 'NX')
            after = math.max(before, redis.call('PFCOUNT', hll))
          end
          writes[#writes + 1], writes[#writes + 2] = f, uses .. ' ' .. after
        end
        if after > before and after >= indexed then
          grown[#grown + 1], grown[#grown + 2] = after, f
        end
      end
    end
    each_chunk(writes, 1000, function(...) redis.call('HSET', counts, ...) end)
    redis.call('EXPIRE', counts, counts_ttl, 'NX')
    if #grown > 0 then
      each_chunk(grown, 1000, function(...) redis.call('ZADD', active, 'GT', ...) end)
      redis.call('EXPIRE', active, bucket_ttl, 'NX')
    end
  end
end
return changed
"""

# Per term of one tag (ARGV: their fields), its distinct accounts over the buckets whose counts
# hashes are KEYS[1..n-1]: the union of its listed accounts and its HyperLogLogs, through the
# scratch key KEYS[n] (same slot, deleted before the script returns).
_DISTINCT = """
local scratch, out = KEYS[#KEYS], {}
for i = 1, #ARGV do
  local f, set, list, hlls = ARGV[i], {}, {}, {}
  for k = 1, #KEYS - 1 do
    local value = redis.call('HGET', KEYS[k], f)
    if value then
      local members = string.match(value, '^%d+ %d+ (.+)$')
      if members then
        for account in string.gmatch(members, '%S+') do
          if not set[account] then
            set[account] = true
            list[#list + 1] = account
          end
        end
      else
        hlls[#hlls + 1] = KEYS[k] .. ':' .. f  -- TrendKeys.accounts
      end
    end
  end
  if #hlls == 0 then
    out[i] = #list
  elseif #list == 0 then
    out[i] = redis.call('PFCOUNT', unpack(hlls))
  else
    redis.call('PFMERGE', scratch, unpack(hlls))
    redis.call('PFADD', scratch, unpack(list))
    out[i] = redis.call('PFCOUNT', scratch)
    redis.call('DEL', scratch)
  end
end
return out
"""

# The same fields (ARGV) of every counts hash in KEYS (one tag's buckets): one HMGET reply per key.
_FIELDS = """
local out = {}
for k = 1, #KEYS do out[k] = redis.call('HMGET', KEYS[k], unpack(ARGV)) end
return out
"""


def _counter(value: str | None) -> tuple[int, int]:
    """(uses, distinct accounts) of a term's counter in one bucket (0, 0 when absent)."""
    if not value:
        return 0, 0
    uses, accounts = value.split(" ", 2)[:2]
    return int(uses), int(accounts)


# A batch's events per bucket, per (kind, term), each as "<event id> <account id>": the form the
# counting script reads, made once per event (a post has ~18 terms) rather than per use. Plain
# dicts: a batch has ~5K (term, bucket) groups, and an object per group cost more than grouping.
Uses = dict[int, dict[tuple[str, str], list[str]]]


@dataclass(frozen=True)
class CountRules:
    """How counting keeps and indexes (derived from settings by the domain)."""

    counts_ttl: int  # seconds a bucket's counters live: the baseline + history window
    bucket_ttl: int  # seconds HLLs, seen-sets and active indexes live: observation + redelivery
    indexed_from: int  # accounts in a bucket from which a term is indexed active: fewer in every
    # recent bucket cannot add up to the ranker's minimum


class TrendStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r or client()
        self._count = script(self._r, _COUNT)
        self._distinct = script(self._r, _DISTINCT)
        self._fields = script(self._r, _FIELDS)

    def count(self, uses: Uses, rules: CountRules) -> int:
        """Count each (term, bucket)'s events once, and index the terms whose accounts grew as
        active in their bucket (from ``rules.indexed_from`` accounts). One round trip — one
        script call per hash tag — for any batch; safe to repeat with the same events. Returns
        the groups that counted something new."""
        if not uses:
            return 0
        name = TrendKeys.counting()
        by_tag: dict[str, dict[int, list[str]]] = defaultdict(dict)
        for bucket, groups in uses.items():
            for (kind, term), events in groups.items():
                tag, field = name(kind, term)
                by_tag[tag].setdefault(bucket, []).extend((field, " ".join(events)))
        header = (rules.counts_ttl, rules.bucket_ttl, LISTED_ACCOUNTS, rules.indexed_from)
        changed = 0
        for pipe, tags in script_pipelines(self._r, list(by_tag)):
            for tag in tags:
                keys: list[str] = []
                args: list[str | int] = [*header]
                for bucket, fields_and_events in by_tag[tag].items():
                    keys += (TrendKeys.counts(tag, bucket), TrendKeys.seen(tag, bucket), TrendKeys.active(tag, bucket))
                    args.append(len(fields_and_events) // 2)
                    args += fields_and_events
                self._count(keys=keys, args=args, client=pipe)
            changed += sum(pipe.execute())
        return changed

    def active(self, kind: str, buckets: Sequence[int], min_accounts: int, indexed_from: int = 1) -> dict[str, int]:
        """Terms indexed in any of ``buckets`` whose accounts could sum to ``min_accounts`` over
        them: their indexed accounts, plus ``indexed_from - 1`` for each bucket that did not index
        them (an upper bound of their distinct accounts, so no term that could trend is missed)."""
        prefix = TrendKeys.field(kind, "")
        pipe = self._r.pipeline(transaction=False)
        for tag in TrendKeys.tags():
            for b in buckets:
                pipe.zrange(TrendKeys.active(tag, b), 0, -1, withscores=True)
        totals: dict[str, list[int]] = {}
        for members in pipe.execute():
            for field, accounts in members:
                if field.startswith(prefix):
                    total = totals.setdefault(field[len(prefix) :], [0, 0])
                    total[0] += int(accounts)
                    total[1] += 1
        unindexed = indexed_from - 1
        bound = {t: n + (len(buckets) - seen) * unindexed for t, (n, seen) in totals.items()}
        return {t: n for t, n in bound.items() if n >= min_accounts}

    def observe(
        self, kind: str, terms: Sequence[str], recent: Sequence[int], baseline: Sequence[int]
    ) -> dict[str, tuple[int, list[int]]]:
        """Per term: distinct accounts over the ``recent`` buckets (its listed accounts and HLLs,
        unioned) and its accounts in each ``baseline`` bucket. One round trip."""
        by_tag = self._by_tag(kind, terms)
        out: dict[str, tuple[int, list[int]]] = {}
        for pipe, tags in script_pipelines(self._r, list(by_tag)):
            for tag in tags:
                fields = [f for _, f in by_tag[tag]]
                keys = [TrendKeys.counts(tag, b) for b in recent] + [TrendKeys.scratch(tag)]
                self._distinct(keys=keys, args=fields, client=pipe)
                self._fields(keys=[TrendKeys.counts(tag, b) for b in baseline], args=fields, client=pipe)
            replies = iter(pipe.execute())
            for tag in tags:
                distinct, per_bucket = next(replies), next(replies)
                for i, (term, _) in enumerate(by_tag[tag]):
                    out[term] = (int(distinct[i]), [_counter(row[i])[1] for row in per_bucket])
        return out

    def uses(self, kind: str, terms: Sequence[str], buckets: Sequence[int]) -> dict[str, list[int]]:
        """Uses per bucket for each term, in ``buckets`` order. One round trip."""
        by_tag = self._by_tag(kind, terms)
        out: dict[str, list[int]] = {}
        for pipe, tags in script_pipelines(self._r, list(by_tag)):
            for tag in tags:
                keys = [TrendKeys.counts(tag, b) for b in buckets]
                self._fields(keys=keys, args=[f for _, f in by_tag[tag]], client=pipe)
            for tag, per_bucket in zip(tags, pipe.execute(), strict=True):
                for i, (term, _) in enumerate(by_tag[tag]):
                    out[term] = [_counter(row[i])[0] for row in per_bucket]
        return out

    @staticmethod
    def _by_tag(kind: str, terms: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """Terms as (term, field) under their tags: one read script call per tag."""
        by_tag: dict[str, list[tuple[str, str]]] = defaultdict(list)
        name = TrendKeys.counting()
        for term in dict.fromkeys(terms):
            tag, field = name(kind, term)
            by_tag[tag].append((term, field))
        return by_tag

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
