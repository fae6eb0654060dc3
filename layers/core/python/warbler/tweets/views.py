"""Tweet views: hydration of timeline entries (and of any list of tweet ids), one tweet, its
replies, its conversation, a user's likes.

Hydration reads in a constant number of round trips for any page size; deleted tweets (and
retweets of them) drop out, so a timeline that still holds a deleted entry never shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from warbler import pagination, users
from warbler.engagement import flags as engagement_flags
from warbler.engagement.flags import Flags
from warbler.engagement.store import LIKE, EngagementStore
from warbler.errors import NotFound
from warbler.feeds.entries import entry_tweet_id
from warbler.pagination import Page
from warbler.tweets.store import COUNTS, TweetStore

MAX_ANCESTORS = 30


def records(tweet_ids: Sequence[str]) -> dict[str, dict]:
    """Tweet records by id, cache-aside. Deleted and unknown ids are absent from the result."""
    return TweetStore().records_and(tweet_ids, None)[0]


def summary(rec: dict) -> dict:
    """The short form of a tweet other views embed (a notification's tweet): its text and
    entities, without counts or author."""
    return {"id": rec["id"], "text": rec["text"], "media": rec.get("media") or [], "urls": rec.get("urls") or []}


def _view(rec: dict, authors: dict[str, dict], recs: dict[str, dict], flags: Flags | None, embed: bool) -> dict | None:
    author = authors.get(rec["author_id"])
    if author is None:
        return None
    out: dict = {
        "id": rec["id"],
        "text": rec["text"],
        "created_at": rec["created_at"],
        "author": author,
        "hashtags": rec["hashtags"],
        "mentions": rec["mentions"],
        **{name: rec[name] for name in COUNTS},
        "reply_to_id": rec.get("reply_to_id"),
        "conversation_id": rec.get("conversation_id") or rec["id"],
        "quote_of_id": rec.get("quote_of_id"),
        "media": rec.get("media") or [],
        "urls": rec.get("urls") or [],
    }
    if flags is not None:
        out["liked"] = rec["id"] in flags.liked
        out["retweeted"] = rec["id"] in flags.retweeted
    if embed and rec.get("quote_of_id"):
        quoted = recs.get(rec["quote_of_id"])
        out["quote_of"] = _view(quoted, authors, recs, flags, embed=False) if quoted else None
    return out


def hydrate(entries: Sequence[str], caller_id: str | None = None) -> list[dict]:
    """Tweet views for timeline entries, in order, in a constant number of round trips for any
    page size: the entries' records with the caller's likes and retweets, then the tweets they
    quote (if any), then the author cards (mostly memoised). Deleted tweets (and retweets of
    them) drop out."""
    base = [entry_tweet_id(e) for e in entries]
    # A retweet entry names its original, so the records of both, and the caller's likes and
    # retweets of all of them, are read in one round trip.
    originals = [e[len(b) + 1 :] for e, b in zip(entries, base, strict=True) if len(e) > len(b)]
    named = list(dict.fromkeys(base + originals))
    store = TweetStore()
    also = (lambda pipe: EngagementStore.flag_commands(pipe, caller_id, named)) if caller_id and named else None
    recs, flag_replies = store.records_and(named, also)
    referenced = {r[k] for r in recs.values() for k in ("retweet_of_id", "quote_of_id") if r.get(k)} - set(recs)
    if referenced:
        recs.update(store.records_and(sorted(referenced), None)[0])
    authors = users.cards(r["author_id"] for r in recs.values())
    flags = None
    if caller_id:
        flags = engagement_flags.flags_from(caller_id, named, flag_replies)
        if referenced:  # quoted tweets: rare, one more read
            more = engagement_flags.flags(caller_id, sorted(referenced))
            flags = Flags(flags.liked | more.liked, flags.retweeted | more.retweeted)
    out = []
    for tid in base:
        rec = recs.get(tid)
        if rec is None:
            continue
        if rec.get("retweet_of_id"):
            original = recs.get(rec["retweet_of_id"])
            retweeter = authors.get(rec["author_id"])
            embedded = _view(original, authors, recs, flags, embed=True) if original else None
            if embedded is None or retweeter is None:
                continue
            out.append(
                {
                    "id": rec["id"],
                    "created_at": rec["created_at"],
                    "author": retweeter,
                    "retweeted_by": retweeter,
                    "retweet_of": embedded,
                }
            )
        else:
            view = _view(rec, authors, recs, flags, embed=True)
            if view is not None:
                out.append(view)
    return out


def get_tweet(tweet_id: str, caller_id: str | None = None) -> dict:
    hydrated = hydrate([tweet_id], caller_id)
    if not hydrated:
        raise NotFound("no such tweet")
    return hydrated[0]


def replies(tweet_id: str, limit: int, cursor: str | None, caller_id: str | None) -> Page:
    """Direct replies, oldest first."""
    scope = f"replies:{tweet_id}:{caller_id or ''}"
    reply_ids, last = TweetStore().reply_ids(tweet_id, limit, pagination.decode(cursor, scope))
    return Page(hydrate(reply_ids, caller_id), pagination.encode(last, scope) if last else None)


def context(tweet_id: str, caller_id: str, limit: int) -> dict:
    """A conversation around one tweet: its ancestors (root first), itself, its first replies.
    A deleted ancestor ends the chain: the reply keeps ``reply_to_id``, the parent is absent."""
    tweet = get_tweet(tweet_id, caller_id)
    chain: list[str] = []
    parent_id = tweet.get("reply_to_id")
    while parent_id and len(chain) < MAX_ANCESTORS:
        parent = records([parent_id]).get(parent_id)
        if parent is None:
            break
        chain.append(parent_id)
        parent_id = parent.get("reply_to_id")
    return {
        "ancestors": hydrate(list(reversed(chain)), caller_id),
        "tweet": tweet,
        "replies": replies(tweet_id, limit, None, caller_id).as_dict(),
    }


def liked_by(caller_id: str, handle: str, limit: int, cursor: str | None) -> Page:
    user_id = users.user_id_for_handle(handle)
    scope = f"likes:{user_id}:{caller_id}"
    liked_ids, last = EngagementStore().engaged_page(user_id, LIKE, limit, pagination.decode(cursor, scope))
    return Page(hydrate(liked_ids, caller_id), pagination.encode(last, scope) if last else None)


def engaged_by(tweet_id: str, kind: str, limit: int, cursor: str | None) -> Page:
    """The users who liked (``LIKE``) or retweeted (``RETWEET``) a tweet, as user views; a
    retweet's engagements are its original's."""
    rec = records([tweet_id]).get(tweet_id)
    if rec is None:
        raise NotFound("no such tweet")
    original = rec.get("retweet_of_id") or tweet_id
    scope = f"engaged:{original}:{kind}"
    user_ids, last = EngagementStore().engagers_page(original, kind, limit, pagination.decode(cursor, scope))
    people = users.users_by_id(user_ids)
    items = [users.user_view(people[u]) for u in user_ids if u in people]
    return Page(items, pagination.encode(last, scope) if last else None)
