"""DynamoDB storage for short links: the key-generation counter and the key <-> URL items.

Tables (both in ``infra.catalog``):

* ``kgs`` - one item per key space (``name = "links"``): ``next_counter``, the first counter no
  instance has reserved yet, and ``secret``, the permutation key, created by the very first
  reservation and never changed (``SET secret = if_not_exists(...)`` in the same atomic update).
* ``links`` - two kinds of item, keyed by ``id``: ``k:<key>`` holds the expanded URL a key
  redirects to (and the tweet that first linked it); ``u:<sha256 of the URL>`` holds the key of a
  URL, so the same URL always gets the same key. Both are written in one transaction, each
  conditional on being new, so neither a key nor a URL can ever be claimed twice.

What a key *is* is decided in ``warbler.links.keys``; this module only stores and fetches.
"""

from __future__ import annotations

import enum
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from warbler.adapters.dynamo import KeyCounterModel, LinkModel
from warbler.adapters.transactions import failed_conditions, transaction

KEY_SPACE_NAME = "links"


@dataclass(frozen=True)
class Reservation:
    start: int  # the first counter of the block
    end: int  # one past the last
    secret: bytes


@dataclass(frozen=True)
class Link:
    key: str
    url: str
    tweet_id: str | None


class Claim(enum.Enum):
    CLAIMED = "claimed"
    URL_TAKEN = "url_taken"  # another post linked this URL first: use its key
    KEY_TAKEN = "key_taken"  # the key exists already (only if the secret ever changed): draw again


def url_id(url: str) -> str:
    return "u:" + hashlib.sha256(url.encode()).hexdigest()


def key_id(key: str) -> str:
    return "k:" + key


class LinkStore:
    def reserve(self, size: int) -> Reservation:
        """Atomically reserve the next ``size`` counters (one UpdateItem): no two callers, on any
        instance, ever get overlapping ranges, whatever block size each uses."""
        counter = KeyCounterModel(KEY_SPACE_NAME)
        counter.update(
            actions=[
                KeyCounterModel.secret.set(KeyCounterModel.secret | os.urandom(32).hex()),
                KeyCounterModel.next_counter.add(size),
            ]
        )
        end = int(counter.next_counter)
        assert counter.secret is not None
        return Reservation(start=end - size, end=end, secret=bytes.fromhex(counter.secret))

    def keys_for(self, urls: Iterable[str]) -> dict[str, str]:
        """The existing keys of ``urls`` (URL -> key); one BatchGetItem."""
        by_id = {url_id(u): u for u in urls}
        if not by_id:
            return {}
        return {by_id[item.id]: item.key for item in LinkModel.batch_get(list(by_id)) if item.key}

    def claim(self, key: str, url: str, tweet_id: str | None, at: str) -> Claim:
        """Write ``key -> url`` and ``url -> key`` together, each only if new."""
        key_item = LinkModel(key_id(key), url=url, tweet_id=tweet_id, created_at=at)
        url_item = LinkModel(url_id(url), key=key, created_at=at)
        try:
            with transaction() as tx:
                tx.save(key_item, condition=LinkModel.id.does_not_exist())
                tx.save(url_item, condition=LinkModel.id.does_not_exist())
        except TransactWriteError as error:
            failed = failed_conditions(error)
            if 1 in failed:
                return Claim.URL_TAKEN
            if 0 in failed:
                return Claim.KEY_TAKEN
            raise
        return Claim.CLAIMED

    def resolve(self, key: str) -> Link | None:
        try:
            item = LinkModel.get(key_id(key))
        except DoesNotExist:
            return None
        if not item.url:
            return None
        return Link(key=key, url=item.url, tweet_id=item.tweet_id)
