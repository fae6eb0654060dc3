"""Every Redis key Warbler uses: the one registry. Stores build keys here and nowhere else.

Keys are cluster-safe. Home timelines carry a *bucket* hash tag rather than the user's own id, so
that one fan-out chunk — a set of followers in the same bucket — is one EVALSHA on one shard
instead of one command per follower; that is what lets a worker approach raw ZADD throughput.
The live index shares those buckets, so the fan-out script reads it in the same slot; so do a
reader's famous followees, seen marker and the bucket's copies of famous authors' timelines, so a
warm home read is one script on one shard. Trend
keys share their term's tag (one term's counting is one script on one shard). Everything else
is tagged by its own id.

Timeline members start with a 19-digit snowflake (a retweet appends ":<original id>"), all with
score 0, so Redis orders them lexicographically, which equals id order: doubles would round
64-bit ids. Each timeline holds a floor member (``FLOOR_ID``) so that an empty but *present*
timeline exists; a missing key means "not cached" (a passive user, or a cache that was lost),
never "empty".

A new package adds its keys here (a static method each, with the value's shape in a docstring).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator

from warbler.settings import get_settings


def hash_tag(key: str) -> str:
    return key[key.index("{") : key.index("}") + 1]


class Keys:
    # ---------------------------------------------------------------- feeds (warbler.feeds.store)
    @staticmethod
    def bucket(user_id: str) -> int:
        return zlib.crc32(user_id.encode()) % get_settings().timeline_buckets

    @staticmethod
    def home(user_id: str) -> str:
        """Sorted set: a user's home timeline entries (score 0, lexicographic = id order)."""
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
    def user_timeline(user_id: str) -> str:
        """Sorted set: an author's own newest entries."""
        return f"utl:{{{user_id}}}"

    @staticmethod
    def famous_followees(user_id: str) -> str:
        """Set: the famous accounts a user follows (merged into their home timeline at read). In
        the home timeline's bucket, so one script reads both."""
        return f"fam:{{b{Keys.bucket(user_id)}}}:{user_id}"

    @staticmethod
    def famous_copy_prefix(user_id: str) -> str:
        """The famous copies in a user's home bucket are this prefix + the author id (``famous_copies``)."""
        return f"ftl:{{b{Keys.bucket(user_id)}}}:"

    @staticmethod
    def famous_copies(author_id: str) -> list[str]:
        """Sorted sets: one copy of a famous author's newest entries per home bucket, so a home
        read merges them in the reader's own slot (``ftl:{b<n>}:<author>``, present only where
        a reader of that bucket follows the author)."""
        return [f"ftl:{{b{b}}}:{author_id}" for b in range(get_settings().timeline_buckets)]

    @staticmethod
    def famous_marker(user_id: str) -> str:
        """String: present once an account's followers were all told it is famous."""
        return f"famous:{{{user_id}}}"

    @staticmethod
    def seen(user_id: str) -> str:
        """String: throttles the "seen" stamp of a reader to once an hour (in the home bucket)."""
        return f"seen:{{b{Keys.bucket(user_id)}}}:{user_id}"

    # ---------------------------------------------------------------- live (warbler.live.store)
    @staticmethod
    def live(user_id: str) -> str:
        """Hash per home-timeline bucket: user id -> their open connection ids, space-separated."""
        return Keys.live_of_tag(f"{{b{Keys.bucket(user_id)}}}")

    @staticmethod
    def live_of_tag(tag: str) -> str:
        return f"live:{tag}"

    @staticmethod
    def live_audience(famous_id: str) -> str:
        """Set: a famous account's live audience, members ``"<user id> <connection id>"``."""
        return f"liveaud:{{{famous_id}}}"

    # ---------------------------------------------------------------- segments (warbler.segments.store)
    # One hash tag, so the active count is one PFCOUNT over many hours' sketches (same slot).
    @staticmethod
    def segment_accounts() -> str:
        """Counter: accounts ever created (sign-ups)."""
        return "seg:{segments}:accounts"

    @staticmethod
    def segment_inactive() -> str:
        """Counter: accounts soft-deleted now (the segmenter adds, a return subtracts)."""
        return "seg:{segments}:inactive"

    @staticmethod
    def segment_famous() -> str:
        """Set: the famous accounts' ids (they are few)."""
        return "seg:{segments}:famous"

    @staticmethod
    def segment_seen(hour: int) -> str:
        """HyperLogLog: the accounts seen in one UTC hour (hours since the epoch)."""
        return f"seg:{{segments}}:seen:{hour}"

    # ---------------------------------------------------------------- caches
    @staticmethod
    def tweet(tweet_id: str) -> str:
        """String: a tweet record as JSON, or the tombstone (warbler.tweets.store)."""
        return f"tw:{{{tweet_id}}}"

    @staticmethod
    def user_card(user_id: str) -> str:
        """String: an author card as JSON (warbler.users.store)."""
        return f"usr:{{{user_id}}}"

    @staticmethod
    def oauth_revoked(token_hash: str) -> str:
        """A revoked Mastodon access token, kept as long as the gateway may cache its answer."""
        return f"oauth:revoked:{{{token_hash}}}"

    @staticmethod
    def engaged(user_id: str, kind: str) -> str:
        """Set: the tweet ids a user liked ("like") or retweeted ("rt"), recent ones at least."""
        return f"eng:{{{user_id}}}:{kind}"

    @staticmethod
    def engaged_since(user_id: str, kind: str) -> str:
        """Which tweets ``engaged`` answers for: all (``0``) or those newer than this id."""
        return f"eng:{{{user_id}}}:{kind}:since"

    @staticmethod
    def search_results(digest: str) -> str:
        """String: JSON ``{ids, next}`` for one normalised search request (warbler.search.store)."""
        return f"search:{{{digest}}}"

    # ---------------------------------------------------------------- limits (warbler.limits.store)
    @staticmethod
    def rate(user_id: str, action: str, window: int) -> str:
        """Counter: a user's ``action`` count in fixed window number ``window``."""
        return f"rl:{{{user_id}}}:{action}:{window}"


# Trends (warbler.trends.store). A term ``<t>`` of a kind ``<k>`` (``h`` hashtags, ``t`` topics) is
# the field suffix ``<k>:<t>`` under its key bucket ``<n>`` (crc32 of ``<k>:<t>`` modulo
# ``trends_key_buckets``): many terms share a tag, so one batch counts in one script call per tag,
# and per time bucket ``<b>`` a tag's terms share their keys:
#
# * ``tr:{tr<n>}:c:<b>``          hash, per term: ``u<k>:<t>`` uses, ``a<k>:<t>`` distinct accounts,
#                                 ``m<k>:<t>`` the accounts themselves while they are few (kept for
#                                 the 24 h baseline)
# * ``tr:{tr<n>}:c:<b>:<k>:<t>``  HyperLogLog of a term's accounts once they are more than a few
#                                 (kept for the observation window)
# * ``tr:{tr<n>}:ev:<b>``         set of the bucket's counted event ids, for every term under the
#                                 tag (kept for the redelivery horizon)
# * ``tr:{tr<n>}:act:<b>``        sorted set: the tag's terms (``<k>:<t>``) used in the bucket, scored
#                                 by their distinct accounts (kept for the observation window)
#
# Per kind (tag ``{trends:<kind>}``): ``state`` (hash: term -> peak score and its time) and
# ``ranking`` (the precomputed JSON the API serves with one GET).
TREND_KIND_TAGS = {"hashtags": "h", "topics": "t"}


class TrendKeys:
    @staticmethod
    def tag(kind: str, term: str) -> str:
        """The hash tag every key of one term carries (shared with other terms)."""
        return TrendKeys.counting()(kind, term)[0]

    @staticmethod
    def tags() -> list[str]:
        """Every key bucket's tag: where a kind's active terms are looked for."""
        return [f"{{tr{n}}}" for n in range(get_settings().trends_key_buckets)]

    @staticmethod
    def field(kind: str, term: str) -> str:
        """A term's name inside its tag's keys: ``<k>:<t>``."""
        return f"{TREND_KIND_TAGS[kind]}:{term}"

    @staticmethod
    def counts(tag: str, bucket: int) -> str:
        return f"tr:{tag}:c:{bucket}"

    @staticmethod
    def accounts(tag: str, bucket: int, field: str) -> str:
        """A term's HyperLogLog in a bucket (the counting script names it the same way)."""
        return f"tr:{tag}:c:{bucket}:{field}"

    @staticmethod
    def seen(tag: str, bucket: int) -> str:
        """The seen-set that counts a term's events once: its tag's, shared by the tag's terms."""
        return f"tr:{tag}:ev:{bucket}"

    @staticmethod
    def active(tag: str, bucket: int) -> str:
        return f"tr:{tag}:act:{bucket}"

    @staticmethod
    def scratch(tag: str) -> str:
        """Where a read script unions a term's HyperLogLogs with its listed accounts (deleted)."""
        return f"tr:{tag}:union"

    @staticmethod
    def counting() -> Callable[[str, str], tuple[str, str]]:
        """(kind, term) -> (hash tag, field): what counting a term names, with the settings read
        once (the trend counter names a batch's ~5K terms with it)."""
        tags, kinds = TrendKeys.tags(), TREND_KIND_TAGS
        n = len(tags)

        def name(kind: str, term: str) -> tuple[str, str]:
            field = f"{kinds[kind]}:{term}"
            return tags[zlib.crc32(field.encode()) % n], field

        return name

    @staticmethod
    def state(kind: str) -> str:
        return f"trends:{{{kind}}}:state"

    @staticmethod
    def ranking(kind: str) -> str:
        return f"trends:{{{kind}}}:ranking"
