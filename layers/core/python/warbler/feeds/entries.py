"""What a timeline holds, and the parameters of every feed rule.

An *entry* is a tweet id, or ``"<retweet id>:<original id>"`` for a retweet, so that fan-out
can skip a retweet whose original is already near the top of a timeline. Fan-out adds or
removes entries: ``Op``.
"""

from __future__ import annotations

import enum
import re

from warbler import ids
from warbler.settings import get_settings


class Op(enum.StrEnum):
    """A fan-out operation on timeline entries (its value is what the fan-out stream carries)."""

    ADD = "add"
    REMOVE = "rem"


def entry(tweet_id: str, retweet_of_id: str | None = None) -> str:
    return f"{tweet_id}:{retweet_of_id}" if retweet_of_id else tweet_id


# ASCII digits only ("\d" also matches "²"); matched whole, never with "$".
_ENTRY_RE = re.compile(r"[0-9]{19}(:[0-9]{19})?")


def is_entry(value: object) -> bool:
    """Whether ``value`` is a timeline entry: what fan-out may write and a cursor may name."""
    return isinstance(value, str) and _ENTRY_RE.fullmatch(value) is not None


def entry_tweet_id(timeline_entry: str) -> str:
    return timeline_entry[: ids.ID_WIDTH]


class FeedRules:
    """The parameters of the feed rules, by the name of the rule (values from settings, read
    on each use so a test may change them). Rules are applied in ``warbler.feeds.manager`` and
    ``warbler.feeds.reads``; the Lua in ``warbler.feeds.store`` executes the ones that must run
    atomically per timeline, with these parameters passed in."""

    @property
    def cap(self) -> int:
        """A timeline keeps its newest ``cap`` entries (Mastodon's MAX_ITEMS, 800)."""
        return get_settings().timeline_cap

    @property
    def retweet_dedupe_window(self) -> int:
        """A retweet is not delivered when its original (or another retweet of it) is among
        the newest ``retweet_dedupe_window`` entries of that timeline."""
        return get_settings().retweet_dedupe_window

    @property
    def famous_threshold(self) -> int:
        """Authors with at least this many followers are not fanned out: merged at read."""
        return get_settings().famous_threshold

    @property
    def famous_merge_limit(self) -> int:
        """A home read merges at most this many famous followees' timelines."""
        return get_settings().famous_merge_limit

    @property
    def famous_copy_cap(self) -> int:
        """Each home bucket keeps a copy of a famous followee's newest ``famous_copy_cap``
        entries (where a reader of the bucket follows them), so the merge reads the reader's own
        slot; a page older than the copy reads the author's timeline."""
        return get_settings().famous_copy_cap

    @property
    def passive_after_seconds(self) -> int:
        """A home timeline unread this long expires: its reader is passive, fan-out skips them,
        and their next read rebuilds it."""
        return get_settings().passive_after_seconds

    @property
    def follow_merge_limit(self) -> int:
        """A follow merges the followee's newest ``follow_merge_limit`` entries in."""
        return get_settings().follow_merge_limit

    @property
    def rebuild_per_followee(self) -> int:
        """A rebuild takes each followee's newest ``rebuild_per_followee`` entries."""
        return get_settings().rebuild_per_followee

    @property
    def fanout_chunk_size(self) -> int:
        """Followers per fan-out stream record."""
        return get_settings().fanout_chunk_size

    def is_famous(self, followers_count: int | None) -> bool:
        return int(followers_count or 0) >= self.famous_threshold


RULES = FeedRules()
