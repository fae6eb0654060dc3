"""Keeping the search index in step: which documents an event changes, and what they hold.

Indexing is state-based: an activity event only says *which* tweet changed; the indexer reads
that tweet's current record and indexes it whole (or deletes it if it is gone), so redelivery
and reordering converge on the same document. A users-table stream record carries the user's
new image, indexed when a searchable field changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from warbler import users
from warbler.observability import logger
from warbler.search.store import TWEETS, USERS, BulkItem, SearchStore
from warbler.tweets.store import TweetStore

# Indexing

_TWEET_EVENTS = {"post", "reply", "quote", "delete", "like", "unlike", "retweet", "unretweet"}
_USER_FIELDS = ("handle", "display_name", "followers_count", "created_at", "deactivated_at")


def tweets_touched(event: dict) -> list[str]:
    """The tweets whose document an activity event may change (itself, and the parent whose
    reply/quote count moved)."""
    if event.get("type") not in _TWEET_EVENTS or not event.get("tweet_id"):
        return []
    touched = [str(event["tweet_id"])]
    if event["type"] in ("reply", "quote") and event.get("parent_id"):
        touched.append(str(event["parent_id"]))
    return touched


def tweet_document(rec: dict, handle: str) -> dict[str, Any]:
    kind = "reply" if rec.get("reply_to_id") else "quote" if rec.get("quote_of_id") else "post"
    return {
        "tid": rec["id"],
        "author_id": rec["author_id"],
        "author_handle": handle.lower(),
        "text": rec["text"],
        "hashtags": [h.lower() for h in rec.get("hashtags") or []],
        "kind": kind,
        "created_at": rec["created_at"],
        **{name: int(rec.get(name) or 0) for name in ("like_count", "retweet_count", "reply_count", "quote_count")},
    }


def tweet_actions(tweet_ids: Iterable[str]) -> list[BulkItem]:
    """Index each tweet as it is now in DynamoDB, or delete it if it is gone. Retweets (which are
    tweets of their own) are not searchable content and are never indexed."""
    wanted = list(dict.fromkeys(tweet_ids))
    if not wanted:
        return []
    current = TweetStore().current_records(wanted)
    live = {tid: rec for tid, rec in current.items() if not rec.get("retweet_of_id")}
    cards = users.cards({rec["author_id"] for rec in live.values()})
    items = []
    for tid in wanted:
        rec = live.get(tid)
        author = cards.get(rec["author_id"]) if rec else None
        if rec is None or author is None:
            items.append(BulkItem(TWEETS, tid, None))
        else:
            items.append(BulkItem(TWEETS, tid, tweet_document(rec, author["handle"])))
    return items


def user_document(image: dict) -> dict[str, Any]:
    return {
        "uid": image["user_id"],
        "handle": image["handle"],
        "display_name": image.get("display_name") or image["handle"],
        "followers_count": int(image.get("followers_count") or 0),
        "created_at": image["created_at"],
    }


def user_action(change: str, old: dict | None, new: dict | None) -> BulkItem | None:
    """The action for one users-table stream record; None when no searchable field changed
    (``last_seen_at`` and friends move on every read)."""
    if change == "REMOVE" or not new or new.get("deactivated_at"):  # gone, or soft-deleted
        user_id = (new or old or {}).get("user_id")
        return BulkItem(USERS, user_id, None) if user_id else None
    if change == "MODIFY" and old and all(old.get(f) == new.get(f) for f in _USER_FIELDS):
        return None
    return BulkItem(USERS, new["user_id"], user_document(new))


def index(touched: list[tuple[str, str | BulkItem]]) -> tuple[int, list[str]]:
    """Apply one stream batch to the index in one bulk request. ``touched`` pairs each record's
    sequence with what it touched: a tweet id (from an activity event) or a user's action (from
    the users table). Each tweet is indexed once, as it is now; a user's latest change in the
    batch wins. Returns the documents indexed and the sequences of every record that touched a
    document whose bulk item failed."""
    tweet_ids: dict[str, list[str]] = defaultdict(list)
    user_items: dict[str, BulkItem] = {}
    sources: dict[str, list[str]] = defaultdict(list)
    for seq, what in touched:
        if isinstance(what, BulkItem):
            user_items[what.doc_id] = what
            sources[what.key].append(seq)
        else:
            tweet_ids[what].append(seq)
    items = tweet_actions(tweet_ids) + list(user_items.values())
    for tid, seqs in tweet_ids.items():
        sources[f"{TWEETS.name}/{tid}"].extend(seqs)
    errors = SearchStore().bulk(items)
    failed: list[str] = []
    for item in items:
        error = errors.get(item.key)
        if error is not None:
            logger.error("bulk item failed", extra={"index": item.spec.name, "id": item.doc_id, "error": error})
            failed.extend(sources[item.key])
    return len(items) - len(errors), failed
