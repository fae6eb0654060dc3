"""Who follows whom. Edges and the follower/following counters change in one DynamoDB
transaction, so counts stay exact under concurrency and retries; timeline effects of a follow
(merge, unmerge) happen from the table stream, in ``warbler.timelines``."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler import clock, limits, pagination, users
from warbler.adapters.dynamo import FollowModel, UserModel
from warbler.errors import InvalidInput
from warbler.pagination import Page


def _tx() -> TransactWrite:
    return TransactWrite(connection=FollowModel._get_connection().connection)


def follow(follower_id: str, handle: str) -> dict:
    followee_id = users.user_id_for_handle(handle)
    if followee_id == follower_id:
        raise InvalidInput("you cannot follow yourself")
    limits.spend(follower_id, "follow")
    edge = FollowModel(follower_id=follower_id, followee_id=followee_id, created_at=clock.now_iso())
    try:
        with _tx() as tx:
            tx.save(edge, condition=FollowModel.follower_id.does_not_exist())
            tx.update(
                UserModel(follower_id), actions=[UserModel.following_count.add(1)], condition=UserModel.user_id.exists()
            )
            tx.update(
                UserModel(followee_id), actions=[UserModel.followers_count.add(1)], condition=UserModel.user_id.exists()
            )
    except TransactWriteError as error:
        if not _already(error):
            raise
    return {"following": True}


def unfollow(follower_id: str, handle: str) -> dict:
    followee_id = users.user_id_for_handle(handle)
    try:
        with _tx() as tx:
            tx.delete(FollowModel(follower_id, followee_id), condition=FollowModel.follower_id.exists())
            tx.update(UserModel(follower_id), actions=[UserModel.following_count.add(-1)])
            tx.update(UserModel(followee_id), actions=[UserModel.followers_count.add(-1)])
    except TransactWriteError as error:
        if not _already(error):
            raise
    return {"following": False}


def _already(error: TransactWriteError) -> bool:
    """The edge was already in the wanted state: the request is an idempotent repeat."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"


def follower_id_pages(followee_id: str, page_size: int = 1000) -> Iterator[list[str]]:
    """Followers a page at a time: fan-out never holds a large audience in memory."""
    last_key = None
    while True:
        result = FollowModel.by_followee.query(
            followee_id, limit=page_size, last_evaluated_key=last_key, page_size=page_size
        )
        page = [edge.follower_id for edge in result]
        if page:
            yield page
        last_key = result.last_evaluated_key
        if not last_key:
            return


def who_follow(user_ids: list[str], followee_id: str) -> list[str]:
    """The users among ``user_ids`` who follow ``followee_id``, in order: batched reads."""
    edges = {e.follower_id for e in FollowModel.batch_get([(u, followee_id) for u in user_ids])} if user_ids else set()
    return [u for u in user_ids if u in edges]


def _list(caller_id: str, handle: str, limit: int, cursor: str | None, followers: bool) -> Page:
    user_id = users.user_id_for_handle(handle)
    start = pagination.decode(cursor)
    if followers:
        result = FollowModel.by_followee.query(user_id, limit=limit, last_evaluated_key=start, page_size=limit)
        other_ids = [edge.follower_id for edge in result]
    else:
        result = FollowModel.query(user_id, limit=limit, last_evaluated_key=start, page_size=limit)
        other_ids = [edge.followee_id for edge in result]
    people = users.users_by_id(other_ids)
    mine = _following_among(caller_id, other_ids)
    items = [users.user_view(people[i], i in mine) for i in other_ids if i in people]
    last = result.last_evaluated_key
    return Page(items, pagination.encode(last) if last else None)


def _following_among(caller_id: str, user_ids: list[str]) -> set[str]:
    """Which of these the caller follows: one batch read, not one query per row."""
    keys = [(caller_id, u) for u in dict.fromkeys(user_ids) if u != caller_id]
    return {edge.followee_id for edge in FollowModel.batch_get(keys)} if keys else set()


def followers(caller_id: str, handle: str, limit: int, cursor: str | None) -> Page:
    return _list(caller_id, handle, limit, cursor, followers=True)


def following(caller_id: str, handle: str, limit: int, cursor: str | None) -> Page:
    return _list(caller_id, handle, limit, cursor, followers=False)
