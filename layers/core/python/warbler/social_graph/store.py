"""Every DynamoDB command of the social graph: the follows table (edges, and its ``by_followee``
index) with the users' follower/following counters, changed in one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError

from warbler.adapters.dynamo import FollowModel, UserModel
from warbler.adapters.transactions import failed_conditions, retry_conflicts, transaction


class FollowStore:
    @retry_conflicts
    def follow(self, follower_id: str, followee_id: str, created_at: str) -> bool:
        """The edge and both counters; False when the edge was already there."""
        edge = FollowModel(follower_id=follower_id, followee_id=followee_id, created_at=created_at)
        try:
            with transaction() as tx:
                tx.save(edge, condition=FollowModel.follower_id.does_not_exist())
                tx.update(
                    UserModel(follower_id),
                    actions=[UserModel.following_count.add(1)],
                    condition=UserModel.user_id.exists(),
                )
                tx.update(
                    UserModel(followee_id),
                    actions=[UserModel.followers_count.add(1)],
                    condition=UserModel.user_id.exists(),
                )
        except TransactWriteError as error:
            if 0 not in failed_conditions(error):
                raise
            return False
        return True

    @retry_conflicts
    def unfollow(self, follower_id: str, followee_id: str) -> bool:
        """Remove the edge and correct both counters; False when there was no edge."""
        try:
            with transaction() as tx:
                tx.delete(FollowModel(follower_id, followee_id), condition=FollowModel.follower_id.exists())
                tx.update(UserModel(follower_id), actions=[UserModel.following_count.add(-1)])
                tx.update(UserModel(followee_id), actions=[UserModel.followers_count.add(-1)])
        except TransactWriteError as error:
            if 0 not in failed_conditions(error):
                raise
            return False
        return True

    def follower_id_pages(self, followee_id: str, page_size: int) -> Iterator[list[str]]:
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

    def followers_page(self, user_id: str, limit: int, start: Any) -> tuple[list[str], Any]:
        result = FollowModel.by_followee.query(user_id, limit=limit, last_evaluated_key=start, page_size=limit)
        return [edge.follower_id for edge in result], result.last_evaluated_key

    def following_page(self, user_id: str, limit: int, start: Any) -> tuple[list[str], Any]:
        result = FollowModel.query(user_id, limit=limit, last_evaluated_key=start, page_size=limit)
        return [edge.followee_id for edge in result], result.last_evaluated_key

    def followee_ids(self, user_id: str) -> list[str]:
        """Everyone the user follows (a rebuild's sources)."""
        return [e.followee_id for e in FollowModel.query(user_id, attributes_to_get=["followee_id"])]

    def edges(self, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (follower, followee) edges exist: one batch read."""
        if not pairs:
            return set()
        return {(e.follower_id, e.followee_id) for e in FollowModel.batch_get(list(pairs))}
