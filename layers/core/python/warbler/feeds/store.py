"""Every Redis and DynamoDB command of the feeds, and the fan-out Lua.

``TimelineStore`` writes and reads home and user timelines (sorted sets, see
``warbler.adapters.keys``) and the famous-followee sets; ``AuthoredEntries`` reads an author's
entries from the tweets table (the source of truth a lost or expired timeline is rebuilt from).
The rules themselves — who gets an entry, the cap, the retweet dedupe window, when a timeline
is passive — are decided in ``warbler.feeds``; their parameters are passed in here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from warbler.adapters import kinesis
from warbler.adapters.dynamo import TweetModel
from warbler.adapters.keys import Keys, hash_tag
from warbler.adapters.redis_client import Redis, client, script, script_pipelines
from warbler.clock import now_iso
from warbler.feeds.entries import RULES, Op, entry, entry_tweet_id
from warbler.ids import FLOOR_ID
from warbler.settings import get_settings

# Inserts members into timelines only where the timeline is cached (it exists: it always holds
# the floor member). ARGV after (op, cap, window) is a list
# of (member, count) pairs: the first ``count`` KEYS get the first member, and so on, so a member
# shared by a thousand followers crosses the wire once. A member "<id>:<original>" is a retweet:
# it is skipped when the original, or another retweet of it, is already among the newest
# ``window`` entries. Removal is unconditional.
# KEYS[1] is the slot's live index (``Keys.live``): the script also answers, for each follower it
# touched, their open WebSocket connections (one HMGET per thousand followers, each asked once),
# so pushing needs no second pass over the followers. A timeline named several times in one call
# (a follower of several of the batch's authors) is tested for existence, and its user queued
# for the connection lookup, once: the first time the call names it (in the bench's packed
# batches a key comes ~9 times a call, and moving the user-id match there made the worker ~10 %
# faster, six alternating runs of each script on the same batches).
# It returns {applied, key index, connection ids, key index, connection ids, ...}.
# Trimming to the cap costs a ZCARD per insert, a third of the script's work, so inserts only
# check when the entry's last two digits are 00-06 (about 1 in 14, spread evenly by the
# snowflake's sequence bits); reads trim exactly before they page (``_READ_HOME``), so no read
# ever sees more than ``cap`` entries and an unread timeline overshoots by a few at most.
_APPLY = """
local op = ARGV[1]
local cap = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local adding = op == 'add'
local n = 0
local present = {}
local users, indexes, asked = {}, {}, {}
local k = 2
for g = 4, #ARGV, 2 do
  local member = ARGV[g]
  local last = k + tonumber(ARGV[g + 1]) - 1
  local original = string.match(member, ':(%d+)$')
  local check_size = (tonumber(string.sub(member, 18, 19)) or 0) < 7
  for i = k, last do
    local key = KEYS[i]
    local exists = present[key]
    if exists == nil then
      exists = (not adding) or redis.call('EXISTS', key) == 1
      present[key] = exists
      local user = string.match(key, ':([^:]+)$')
      if not asked[user] then
        asked[user] = true
        users[#users + 1] = user
        indexes[#indexes + 1] = i - 1
      end
    end
    if not adding then
      n = n + redis.call('ZREM', key, member)
    elseif exists then
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
  end
  k = last + 1
end
local live = {n}
for from = 1, #users, 1000 do
  local upto = math.min(from + 999, #users)
  local connections = redis.call('HMGET', KEYS[1], unpack(users, from, upto))
  for j = 1, upto - from + 1 do
    if connections[j] then
      live[#live + 1] = indexes[from + j - 1]
      live[#live + 1] = connections[j]
    end
  end
end
return live
"""

# A warm home read, in the reader's bucket slot: KEYS are the home timeline, the famous-followee
# set and the seen marker. Trims and pages the timeline and renews its life, picks famous
# followees, tests the hourly seen marker, and pages the bucket's copy of each famous followee's
# timeline (``ARGV[9]`` .. author: keys of the same slot, named by the set's members). A copy is
# *filled* when it holds the floor member; one that is missing is claimed (created holding only
# ``PENDING``, for ``claim_seconds``) so fan-out writes land in it from now on, and the caller
# fills it from the author's timeline. Per famous followee it answers the page, or false when
# the copy is not filled or cannot answer this window (it holds only the newest ``copy_cap``).
_READ_HOME = """
local home, cap, high, low, limit = KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local keep_for, copy_cap, after = tonumber(ARGV[8]), tonumber(ARGV[10]), ARGV[11]
local floor, pending, claim_seconds = ARGV[12], ARGV[13], tonumber(ARGV[14])
local present = redis.call('EXISTS', home)
local page = {}
if present == 1 then
  redis.call('ZREMRANGEBYRANK', home, 1, -(cap + 1))
  page = redis.call('ZREVRANGEBYLEX', home, high, low, 'LIMIT', 0, limit)
  redis.call('EXPIRE', home, keep_for)
end
local famous = redis.call('SRANDMEMBER', KEYS[2], tonumber(ARGV[5]))
local first = redis.call('SET', KEYS[3], ARGV[6], 'NX', 'EX', tonumber(ARGV[7])) and 1 or 0
local copies = {}
for i, author in ipairs(famous) do
  local key = ARGV[9] .. author
  local answer = false
  if redis.call('ZSCORE', key, floor) then
    local p = redis.call('ZREVRANGEBYLEX', key, high, low, 'LIMIT', 0, limit)
    local complete = #p == limit or redis.call('ZCARD', key) - 1 < copy_cap
    if not complete and after ~= '' then
      local oldest = redis.call('ZRANGE', key, 1, 1)[1]
      complete = oldest ~= nil and oldest <= after
    end
    if complete then answer = p end
    redis.call('EXPIRE', key, keep_for)
  elseif redis.call('EXISTS', key) == 0 then
    redis.call('ZADD', key, 0, pending)
    redis.call('EXPIRE', key, claim_seconds)
  end
  copies[i] = answer
end
return {present, page, famous, first, copies}
"""

# Fills claimed famous copies (KEYS, one slot) from the authors' timelines: ARGV is (floor,
# pending, cap, ttl, count, members..., count, members...), a count and members per key. A copy
# whose claim lapsed is left alone (the next read claims it again): only a claimed copy has seen
# every fan-out write since its members were read.
_FILL_COPIES = """
local floor, pending, cap, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local a = 5
for _, key in ipairs(KEYS) do
  local count = tonumber(ARGV[a])
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, 0, floor)
    for i = a + 1, a + count do redis.call('ZADD', key, 0, ARGV[i]) end
    redis.call('ZREM', key, pending)
    local size = redis.call('ZCARD', key)
    if size > cap + 1 then redis.call('ZREMRANGEBYRANK', key, 1, size - cap - 1) end
    redis.call('EXPIRE', key, ttl)
  end
  a = a + count + 1
end
return 0
"""
# Below the floor, so never in a page (pages start above the floor): marks a claimed copy.
PENDING = "0"
CLAIM_SECONDS = 60


class SlotWork:
    """One hash slot's share of a batch, already in the apply script's layout: the timeline keys,
    and per entry the entry and how many of those keys (the next ones) receive it.

    Built up one (entry, key) at a time by ``_slot_work``, entry after entry, so each entry is
    one run and sent once per slot. Two lists per slot instead of a list per (slot, entry): a
    batch of ~90K deliveries to ~17-follower chunks is ~85K (slot, entry) pairs, and that many
    small lists cost more in allocation and garbage-collector passes than the grouping itself
    (measured in a process holding only the worker's modules: 94-190 ms a batch that way, ~50 ms
    this way, which disabling the collector no longer changes)."""

    __slots__ = ("keys", "runs", "_entry")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.runs: list[str | int] = []  # entry, key count, entry, key count, ...
        self._entry: str | None = None

    def add(self, timeline_entry: str, key: str) -> None:
        if timeline_entry != self._entry:
            self._entry = timeline_entry
            self.runs += (timeline_entry, 0)
        self.keys.append(key)
        self.runs[-1] += 1  # type: ignore[operator]


# slot tag -> that slot's share of the batch
Groups = dict[str, SlotWork]


@dataclass
class Applied:
    applied: int = 0
    live: dict[str, list[str]] = field(default_factory=dict)  # user id -> open connection ids


@dataclass(frozen=True)
class HomeRead:
    """One round trip of a home read: whether the timeline is cached, its page, the famous
    followees to merge with the page of each one's copy in the reader's bucket (None where the
    copy cannot answer: ``unfilled`` names those that are not filled yet), and whether this is
    the reader's first read this hour."""

    present: bool
    page: list[str]
    famous: list[str]
    famous_pages: list[list[str] | None]
    first_read_this_hour: bool


def home_groups(deliveries: Iterable[tuple[str, Sequence[str]]]) -> Groups:
    """(entry, user ids) deliveries grouped by the hash slot of each home timeline (each user's
    key computed once: a batch names a follower of several of its authors several times)."""
    by_entry: dict[str, list[Sequence[str]]] = {}
    for timeline_entry, user_ids in deliveries:  # one tweet's audience comes in several chunks
        by_entry.setdefault(timeline_entry, []).append(user_ids)
    users = list(dict.fromkeys(u for parts in by_entry.values() for user_ids in parts for u in user_ids))
    keyed = dict(zip(users, Keys.homes_by_tag(users), strict=True))
    return _slot_work(
        (timeline_entry, (keyed[u] for user_ids in parts for u in user_ids))
        for timeline_entry, parts in by_entry.items()
    )


def _slot_work(entries: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> Groups:
    """Each entry's (slot tag, timeline key)s into its slots' shares; each entry comes once."""
    groups: Groups = {}
    for timeline_entry, tagged_keys in entries:
        for tag, key in tagged_keys:
            work = groups.get(tag)
            if work is None:
                work = groups[tag] = SlotWork()
            work.add(timeline_entry, key)
    return groups


def window(entries: Iterable[str], before: str | None, after: str | None) -> list[str]:
    return [t for t in entries if (before is None or t < before) and (after is None or t > after)]


class TimelineStore:
    """Sorted-set timelines of entries, newest first, and the famous-followee sets."""

    def __init__(self, r: Redis | None = None, *, cap: int | None = None, dedupe_window: int | None = None) -> None:
        self._r = r or client()
        self._apply = script(self._r, _APPLY)
        self._read_home = script(self._r, _READ_HOME)
        self._fill_copies = script(self._r, _FILL_COPIES)
        self._cap = RULES.cap if cap is None else cap
        self._window = RULES.retweet_dedupe_window if dedupe_window is None else dedupe_window

    def apply(self, op: Op, entries: Iterable[tuple[str, str]]) -> int:
        """Add or remove (timeline key, entry) pairs in one round trip."""
        by_member: dict[str, list[str]] = {}
        for key, member in entries:
            by_member.setdefault(member, []).append(key)
        groups = _slot_work((member, ((hash_tag(k), k) for k in keys)) for member, keys in by_member.items())
        return self.apply_groups(op, groups).applied

    def apply_groups(self, op: Op, groups: Groups) -> Applied:
        """One round trip, one script call per hash slot, each entry sent once per slot; also
        returns the open connections of the users whose timelines it touched."""
        result = Applied()
        for pipe, slots in script_pipelines(self._r, list(groups)):
            slot_keys = []
            for tag in slots:
                work = groups[tag]
                keys = [Keys.live_of_tag(tag), *work.keys]
                self._apply(keys=keys, args=[op.value, self._cap, self._window, *work.runs], client=pipe)
                slot_keys.append(keys)
            for keys, reply in zip(slot_keys, pipe.execute(), strict=True):
                result.applied += int(reply[0])
                for i in range(1, len(reply), 2):
                    user_id = keys[int(reply[i])].rsplit(":", 1)[1]
                    result.live[user_id] = str(reply[i + 1]).split()
        return result

    @staticmethod
    def _lex_range(before: str | None, after: str | None) -> tuple[str, str]:
        high = f"({before}" if before else "+"
        low = f"({after}" if after and after > FLOOR_ID else f"({FLOOR_ID}"
        return high, low

    def page_commands(self, pipe, key: str, limit: int, before: str | None, after: str | None) -> None:
        high, low = self._lex_range(before, after)
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

    def replace_user_timeline(self, author_id: str, entries: Sequence[str], ttl_seconds: int) -> None:
        self.replace(Keys.user_timeline(author_id), entries, ttl_seconds)

    def apply_own(self, op: Op, author_id: str, timeline_entry: str) -> int:
        """An author's entry in (or out of) their own home and user timelines."""
        return self.apply(op, [(Keys.home(author_id), timeline_entry), (Keys.user_timeline(author_id), timeline_entry)])

    def apply_user_timeline(self, op: Op, author_id: str, timeline_entry: str) -> int:
        """An author's entry in (or out of) their user timeline, if it is cached."""
        return self.apply(op, [(Keys.user_timeline(author_id), timeline_entry)])

    def apply_home(self, op: Op, user_id: str, entries: Iterable[str]) -> int:
        """Entries into (or out of) one user's home timeline, if it is cached."""
        key = Keys.home(user_id)
        return self.apply(op, [(key, e) for e in entries])

    def apply_to_homes(self, op: Op, deliveries: Iterable[tuple[str, Sequence[str]]]) -> Applied:
        """(entry, user ids) deliveries into home timelines: the fan-out worker's whole batch."""
        return self.apply_groups(op, home_groups(deliveries))

    # ------------------------------------------------------------------------- reads

    def cached_user_timeline(self, author_id: str, limit: int) -> list[str] | None:
        """The newest ``limit`` entries of an author's cached timeline; None when it is not cached."""
        key = Keys.user_timeline(author_id)
        pipe = self._r.pipeline(transaction=False)
        pipe.exists(key)
        self.page_commands(pipe, key, limit, None, None)
        present, page = pipe.execute()
        return page if present else None

    def read_home(
        self,
        user_id: str,
        limit: int,
        before: str | None,
        after: str | None,
        *,
        famous_limit: int,
        copy_cap: int,
        keep_for_seconds: int,
        seen_throttle_seconds: int,
    ) -> HomeRead:
        """Trim, page, pick famous followees and page their copies in the reader's bucket, renew
        the timeline's life and test the hourly "seen" marker: one script, one round trip."""
        high, low = self._lex_range(before, after)
        keys = [Keys.home(user_id), Keys.famous_followees(user_id), Keys.seen(user_id)]
        args: list[str | int] = [
            self._cap, high, low, limit, famous_limit, now_iso(), seen_throttle_seconds, keep_for_seconds,
            Keys.famous_copy_prefix(user_id), copy_cap, after or "", FLOOR_ID, PENDING, CLAIM_SECONDS,
        ]  # fmt: skip
        present, page, famous, first, pages = self._read_home(keys=keys, args=args)
        return HomeRead(bool(present), page, famous, list(pages), bool(first))

    def fill_famous_copies(self, user_id: str, newest: dict[str, list[str]], copy_cap: int, ttl_seconds: int) -> None:
        """Fill the copies a read claimed in ``user_id``'s bucket with each author's newest entries."""
        prefix = Keys.famous_copy_prefix(user_id)
        keys: list[str] = []
        args: list[str | int] = [FLOOR_ID, PENDING, copy_cap, ttl_seconds]
        for author_id, entries in newest.items():
            keys.append(prefix + author_id)
            args += [len(entries), *entries]
        if keys:
            self._fill_copies(keys=keys, args=args)

    def apply_famous_copies(self, op: Op, author_id: str, timeline_entry: str, copy_cap: int) -> int:
        """A famous author's entry into (or out of) every bucket's copy that exists (filled or
        claimed), with the user timeline's rules (retweet dedupe, the copy's cap)."""
        copies = TimelineStore(self._r, cap=copy_cap, dedupe_window=self._window)
        return copies.apply(op, [(key, timeline_entry) for key in Keys.famous_copies(author_id)])

    def user_timeline_pages(
        self, author_ids: Sequence[str], limit: int, before: str | None, after: str | None
    ) -> list[list[str] | None]:
        """A page of each author's cached user timeline (None where it is not cached): one round trip."""
        pipe = self._r.pipeline(transaction=False)
        for author_id in author_ids:
            key = Keys.user_timeline(author_id)
            pipe.exists(key)
            self.page_commands(pipe, key, limit, before, after)
        replies = pipe.execute()
        return [replies[2 * i + 1] if replies[2 * i] else None for i in range(len(author_ids))]

    def user_timeline_page(
        self, author_id: str, limit: int, before: str | None, after: str | None
    ) -> tuple[bool, list[str], int]:
        """(cached?, the page, the timeline's size with its floor): one round trip."""
        key = Keys.user_timeline(author_id)
        pipe = self._r.pipeline(transaction=False)
        pipe.exists(key)
        self.page_commands(pipe, key, limit, before, after)
        pipe.zcard(key)
        present, page, size = pipe.execute()
        return bool(present), page, int(size)

    # ------------------------------------------------------------------------- famous followees

    def replace_home(self, user_id: str, entries: Sequence[str], famous: Sequence[str], ttl_seconds: int) -> None:
        """A rebuilt home timeline and the famous followees merged into it at read."""
        self.replace(Keys.home(user_id), entries, ttl_seconds)
        pipe = self._r.pipeline(transaction=True)
        fam_key = Keys.famous_followees(user_id)
        pipe.delete(fam_key)
        if famous:
            pipe.sadd(fam_key, *famous)
        pipe.execute()

    def add_famous_followee(self, follower_id: str, famous_id: str) -> None:
        self._r.sadd(Keys.famous_followees(follower_id), famous_id)

    def remove_famous_followee(self, follower_id: str, famous_id: str) -> None:
        self._r.srem(Keys.famous_followees(follower_id), famous_id)

    def famous_followees(self, user_id: str) -> list[str]:
        return sorted(str(m) for m in self._r.smembers(Keys.famous_followees(user_id)))

    def add_famous_to_followers(self, famous_id: str, followers: Sequence[str]) -> None:
        pipe = self._r.pipeline(transaction=False)
        for follower in followers:
            pipe.sadd(Keys.famous_followees(follower), famous_id)
        pipe.execute()

    def promoted(self, user_id: str) -> bool:
        return bool(self._r.exists(Keys.famous_marker(user_id)))

    def mark_promoted(self, user_id: str) -> None:
        self._r.set(Keys.famous_marker(user_id), "1")


class AuthoredEntries:
    """An author's entries from the tweets table (its ``by_author`` index), newest first."""

    def newest(self, author_id: str, limit: int, before: str | None = None, after: str | None = None) -> list[str]:
        # Entries bound the window; the range key is the bare tweet id, so bound it by those.
        low, high = (entry_tweet_id(after) if after else None), (entry_tweet_id(before) if before else None)
        condition: Any = None
        if low is not None and high is not None:
            condition = TweetModel.tweet_id.between(low, high)
        elif high is not None:
            condition = TweetModel.tweet_id <= high
        elif low is not None:
            condition = TweetModel.tweet_id >= low
        found = TweetModel.by_author.query(
            author_id,
            range_key_condition=condition,
            scan_index_forward=False,
            limit=limit + 2,
            attributes_to_get=["tweet_id", "retweet_of_id"],
        )
        return window((entry(t.tweet_id, t.retweet_of_id) for t in found), before, after)[:limit]


class FanoutStream:
    """The Kinesis fan-out stream: (partition key, chunk document) records."""

    MAX_RECORDS_PER_CALL = kinesis.MAX_RECORDS_PER_CALL

    def put(self, records: Sequence[tuple[str, dict]]) -> None:
        kinesis.put_json(get_settings().fanout_stream, records)
