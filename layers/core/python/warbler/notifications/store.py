"""Every DynamoDB command of notifications: one row per group, actors as a string set (an ADD
or DELETE of one actor is idempotent), expiring after ``notification_ttl_days``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError, UpdateError

from warbler.adapters.dynamo import NotificationModel
from warbler.adapters.transactions import failed_conditions


class NotificationStore:
    def add_actor(
        self,
        recipient: str,
        notification_id: str,
        kind: str,
        tweet_id: str | None,
        actor_id: str,
        at: str,
        expires: datetime,
    ) -> None:
        """Create the group or add the actor to it (``created_at`` keeps the first)."""
        NotificationModel(recipient, notification_id).update(
            actions=[
                NotificationModel.actor_ids.add({actor_id}),
                NotificationModel.type.set(kind),
                NotificationModel.created_at.set(NotificationModel.created_at | at),
                NotificationModel.updated_at.set(at),
                NotificationModel.expires_at.set(expires),
                *([NotificationModel.tweet_id.set(tweet_id)] if tweet_id else []),
            ]
        )

    def remove_actor(self, recipient: str, notification_id: str, actor_id: str) -> bool:
        """Take an actor back; the group goes when it was the last. False: no such group."""
        item = NotificationModel(recipient, notification_id)
        try:
            item.update(
                actions=[NotificationModel.actor_ids.delete({actor_id})],
                condition=NotificationModel.user_id.exists(),
            )
        except UpdateError as error:
            if failed_conditions(error):
                return False
            raise
        try:
            item.delete(condition=NotificationModel.actor_ids.does_not_exist())
        except DeleteError as error:
            if not failed_conditions(error):
                raise
        return True

    def one(self, user_id: str, notification_id: str) -> list[NotificationModel]:
        return list(NotificationModel.query(user_id, NotificationModel.notification_id == notification_id))

    def page(self, user_id: str, limit: int, start: Any) -> tuple[list[NotificationModel], Any]:
        """Newest first; rows with no actors left are skipped."""
        result = NotificationModel.query(
            user_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        rows = [row for row in result if row.actor_ids]
        return rows, result.last_evaluated_key

    def clear(self, user_id: str) -> int:
        """Delete every group of a user; returns how many there were."""
        keys = [row.notification_id for row in NotificationModel.query(user_id, attributes_to_get=["notification_id"])]
        with NotificationModel.batch_write() as batch:
            for notification_id in keys:
                batch.delete(NotificationModel(user_id, notification_id))
        return len(keys)

    def count_after(self, user_id: str, read_to: str | None) -> int:
        condition = NotificationModel.notification_id > read_to if read_to else None
        return NotificationModel.count(user_id, condition)
