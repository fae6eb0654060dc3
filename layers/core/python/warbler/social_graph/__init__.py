"""Who follows whom. Edges and the follower/following counters change in one DynamoDB
transaction (``warbler.social_graph.store``), so counts stay exact under concurrency and retries;
timeline effects of a follow (merge, unmerge, promotion) happen from the table stream, in
``warbler.feeds.manager``. "Does the caller follow X" has one answer here: ``followed_among``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from warbler import clock, limits, pagination, users
from warbler.errors import Forbidden, NotFound
from warbler.pagination import Page
from warbler.social_graph.store import FollowStore


def follow(follower_id: str, handle: str) -> dict:
    followee_id = users.user_id_for_handle(handle)
    if followee_id == follower_id:
        raise Forbidden("you cannot follow yourself")  # as Mastodon (403), not a malformed request
    if not users.cards([followee_id]):  # soft-deleted (warbler.segments): as if there were no such user
        raise NotFound(f"no user @{handle}")
    limits.spend(follower_id, "follow")
    FollowStore().follow(follower_id, followee_id, clock.now_iso())  # False: an idempotent repeat
    return {"following": True}


def unfollow(follower_id: str, handle: str) -> dict:
    followee_id = users.user_id_for_handle(handle)
    if followee_id == follower_id:  # no such edge; and one transaction cannot update a row twice
        return {"following": False}
    FollowStore().unfollow(follower_id, followee_id)  # False: an idempotent repeat
    return {"following": False}


def follower_id_pages(followee_id: str, page_size: int = 1000) -> Iterator[list[str]]:
    """Followers a page at a time: fan-out never holds a large audience in memory."""
    return FollowStore().follower_id_pages(followee_id, page_size)


def followee_ids(user_id: str) -> list[str]:
    return FollowStore().followee_ids(user_id)


def who_follow(user_ids: list[str], followee_id: str) -> list[str]:
    """The users among ``user_ids`` who follow ``followee_id``, in order: batched reads."""
    edges = FollowStore().edges([(u, followee_id) for u in user_ids])
    return [u for u in user_ids if (u, followee_id) in edges]


def followed_among(caller_id: str, user_ids: Sequence[str]) -> set[str]:
    """Which of these the caller follows (never themselves): one batch read."""
    wanted = [u for u in dict.fromkeys(user_ids) if u != caller_id]
    return {followee for _, followee in FollowStore().edges([(caller_id, u) for u in wanted])}


def user_views(caller_id: str, user_ids: Sequence[str]) -> list[dict]:
    """User views in ``user_ids`` order, each with whether the caller follows them."""
    people = users.users_by_id(user_ids)
    mine = followed_among(caller_id, [u for u in user_ids if u in people])
    return [users.user_view(people[u], u in mine) for u in user_ids if u in people]


def profile(caller_id: str, handle: str) -> dict:
    user = users.get_user(users.user_id_for_handle(handle))
    if not users.is_visible(user):  # soft-deleted: as if there were no such user (warbler.segments)
        raise NotFound(f"no user @{handle}")
    return users.user_view(user, user.user_id in followed_among(caller_id, [user.user_id]))


def _list(caller_id: str, handle: str, limit: int, cursor: str | None, followers: bool) -> Page:
    user_id = users.user_id_for_handle(handle)
    scope = f"{'followers' if followers else 'following'}:{user_id}:{caller_id}"  # this list, this caller
    start = pagination.decode(cursor, scope)
    store = FollowStore()
    page = store.followers_page if followers else store.following_page
    other_ids, last = page(user_id, limit, start)
    return Page(user_views(caller_id, other_ids), pagination.encode(last, scope) if last else None)


def followers(caller_id: str, handle: str, limit: int, cursor: str | None) -> Page:
    return _list(caller_id, handle, limit, cursor, followers=True)


def following(caller_id: str, handle: str, limit: int, cursor: str | None) -> Page:
    return _list(caller_id, handle, limit, cursor, followers=False)
