"""Likes and retweets, and undoing them: one toggle.

An engagement lands on the original (liking a retweet likes what it retweets). A retweet is also
a tweet of its own (so it fans out and orders in timelines by its own id); undoing it deletes
that tweet, which un-fans it out. Repeating an action is a no-op; the answer is always the
tweet as it is now, with the caller's flags.
"""

from __future__ import annotations

from warbler import clock, ids, limits
from warbler.engagement.store import LIKE, RETWEET, EngagementStore
from warbler.feeds import manager as feeds
from warbler.feeds.entries import entry
from warbler.tweets import views
from warbler.tweets.store import TweetStore


def like(user_id: str, tweet_id: str) -> dict:
    return toggle(user_id, tweet_id, LIKE, engaged=True)


def unlike(user_id: str, tweet_id: str) -> dict:
    return toggle(user_id, tweet_id, LIKE, engaged=False)


def retweet(user_id: str, tweet_id: str) -> dict:
    return toggle(user_id, tweet_id, RETWEET, engaged=True)


def unretweet(user_id: str, tweet_id: str) -> dict:
    return toggle(user_id, tweet_id, RETWEET, engaged=False)


def toggle(user_id: str, tweet_id: str, kind: str, engaged: bool) -> dict:
    """Set or clear the caller's ``kind`` engagement with a tweet (its original, for a retweet)."""
    tweets = TweetStore()
    original = tweets.get(tweet_id)
    if original.retweet_of_id:
        original = tweets.get(original.retweet_of_id)
    store = EngagementStore()
    if kind == LIKE:
        if engaged:
            limits.spend(user_id, "like")
        store.toggle(original, LIKE, user_id, engaged, engaged_id=ids.new_id())
    elif engaged:
        item = tweets.new(
            ids.new_id(),
            user_id,
            "",
            clock.now_iso(),
            retweet_of_id=original.tweet_id,
            parent_author_id=original.author_id,
        )
        if store.toggle(original, RETWEET, user_id, True, engaged_id=ids.new_id(), retweet=item):
            feeds.add_own_tweet(user_id, entry(item.tweet_id, original.tweet_id))
    else:
        row = store.row(original.tweet_id, RETWEET, user_id)
        if row is not None and store.toggle(original, RETWEET, user_id, False, retweet_id=row.retweet_id):
            tweets.bury(row.retweet_id)
            feeds.remove_own_tweet(user_id, entry(row.retweet_id, original.tweet_id))
    store.remember(user_id, kind, original.tweet_id, engaged)
    tweets.forget([original.tweet_id])
    return views.get_tweet(original.tweet_id, user_id)


def retweet_entry(user_id: str, tweet_id: str) -> str | None:
    """The user's retweet of a tweet's original, as a timeline entry, or None if there is none."""
    tweets = TweetStore()
    original = tweets.get(tweet_id)
    original_id = original.retweet_of_id or original.tweet_id
    row = EngagementStore().row(original_id, RETWEET, user_id)
    return entry(row.retweet_id, original_id) if row is not None and row.retweet_id else None


def remove_all(tweet_id: str) -> None:
    """After a delete: its likes and retweets go too. Each retweet is a tweet whose removal
    fans out from the stream, which takes it out of every timeline."""
    retweet_ids = EngagementStore().remove_all(tweet_id)
    tweets = TweetStore()
    tweets.delete_retweets(retweet_ids)
    for retweet_id in retweet_ids:
        tweets.bury(retweet_id)
