"""Posting (plain, reply, quote) and deleting tweets.

A tweet, its author's ``tweets_count`` and its parent's ``reply_count``/``quote_count`` change in
one transaction (``warbler.tweets.store``). The author's own timelines are updated in the
request (read-your-writes, ``warbler.feeds.manager``); everyone else's happens from the table
stream.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from warbler import clock, ids, limits, users
from warbler.engagement import toggle
from warbler.errors import Forbidden, InvalidInput
from warbler.feeds import manager as feeds
from warbler.feeds.entries import entry
from warbler.links import service as links
from warbler.media import service as media
from warbler.text import handle_key, parse_tweet_text
from warbler.tweets import views
from warbler.tweets.store import TweetStore, record

_MAX_ID_ATTEMPTS = 3


def _resolve_mentions(handles: Sequence[str]) -> list[dict]:
    if not handles:
        return []
    keys = [handle_key(h) for h in handles]
    claims = users.user_ids_for_handle_keys(keys)
    by_id = users.users_by_id(claims.values())
    return [{"id": claims[k], "handle": by_id[claims[k]].handle} for k in keys if k in claims and claims[k] in by_id]


def post_tweet(
    author_id: str,
    text: str,
    reply_to_id: str | None = None,
    quote_of_id: str | None = None,
    media_ids: Sequence[str] = (),
) -> dict:
    """A new tweet. With ``media_ids`` (the author's ready, unattached media: up to 4 images, or
    one GIF or video) the text may be empty; its URLs become short links."""
    parsed = parse_tweet_text(text, allow_empty=bool(media_ids))
    attached = media.check_attachable(author_id, media_ids)
    limits.spend(author_id, "tweet")
    mentions = _resolve_mentions(parsed.mention_handles)
    users.get_user(author_id)
    store = TweetStore()
    parent = store.get(reply_to_id) if reply_to_id else None
    quoted = store.get(quote_of_id) if quote_of_id else None
    if parent is not None and parent.retweet_of_id:
        raise InvalidInput("reply to the original tweet, not to a retweet")
    if quoted is not None and quoted.retweet_of_id:
        quoted = store.get(quoted.retweet_of_id)
    # The first id is minted before the links, so a short link names the tweet that made it.
    tweet_id = ids.new_id()
    urls = links.link_urls(parsed.text, tweet_id)
    entities: dict = {}
    if attached:
        entities["media_ids"] = [item.media_id for item in attached]
        entities["media_json"] = json.dumps([media.view(item) for item in attached])
    if urls:
        entities["urls_json"] = json.dumps(urls)
    for _ in range(_MAX_ID_ATTEMPTS):
        tweet = store.new(
            tweet_id, author_id, parsed.text, clock.now_iso(), hashtags=parsed.hashtags, mentions=mentions, **entities
        )
        if parent is not None:
            tweet.reply_to_id = parent.tweet_id
            tweet.conversation_id = parent.conversation_id or parent.tweet_id
            tweet.parent_author_id = parent.author_id
        if quoted is not None:
            tweet.quote_of_id = quoted.tweet_id
            tweet.parent_author_id = tweet.parent_author_id or quoted.author_id
        if store.create(tweet):
            break
        tweet_id = ids.new_id()
    else:
        raise RuntimeError(f"no free tweet id after {_MAX_ID_ATTEMPTS} attempts")
    store.forget([t.tweet_id for t in (parent, quoted) if t is not None])
    store.cache(record(tweet))
    feeds.add_own_tweet(author_id, entry(tweet.tweet_id))
    return views.hydrate([tweet.tweet_id], caller_id=author_id)[0]


def delete_tweet(caller_id: str, tweet_id: str) -> None:
    store = TweetStore()
    tweet = store.get(tweet_id)
    if tweet.author_id != caller_id:
        raise Forbidden("only the author can delete a tweet")
    if tweet.retweet_of_id:
        toggle.unretweet(caller_id, tweet.retweet_of_id)
        return
    parent_id = tweet.reply_to_id or tweet.quote_of_id
    store.delete(tweet)
    store.bury(tweet_id)
    store.forget([parent_id] if parent_id else [])
    feeds.remove_own_tweet(caller_id, entry(tweet_id))
    toggle.remove_all(tweet_id)
