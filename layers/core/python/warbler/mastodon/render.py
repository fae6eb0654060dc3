"""Native views in, Mastodon entities out, with the few extra reads an entity needs: full
accounts (Mastodon embeds counts where Warbler embeds a small card) and the authors of the
tweets a page replies to. Each is one batch for the whole page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from warbler import users
from warbler.mastodon import entities
from warbler.tweets import views as tweet_views


def accounts(user_ids: Iterable[str]) -> dict[str, dict]:
    """user id -> ``users.user_view`` for every id that still exists: one DynamoDB batch."""
    return {uid: users.user_view(model) for uid, model in users.users_by_id(user_ids).items()}


def _people(views: Sequence[dict]) -> set[str]:
    wanted: set[str] = set()
    for view in views:
        for v in (view, view.get("retweet_of")):
            if v:
                wanted.add(v["author"]["id"])
                wanted.update(m["id"] for m in v.get("mentions") or [])
    return wanted


def statuses(views: Sequence[dict], base: str) -> list[dict]:
    """Statuses for ``tweets.hydrate`` views, in order; views whose author is gone drop out."""
    people = accounts(_people(views))
    parents = [v.get("reply_to_id") for view in views for v in (view, view.get("retweet_of")) if v]
    wanted = sorted({p for p in parents if p})
    parent_authors = {tid: rec["author_id"] for tid, rec in tweet_views.records(wanted).items()} if wanted else {}
    out = []
    for view in views:
        entity = entities.status(view, people, base, parent_authors)
        if entity is not None:
            out.append(entity)
    return out


def status(view: dict, base: str) -> dict:
    return statuses([view], base)[0]
