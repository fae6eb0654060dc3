"""Every DynamoDB and Redis command of accounts: the users and handles tables (a handle is claimed
in the same transaction that creates its user) and the author-card cache."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError

from warbler.adapters.cache import ReadThrough
from warbler.adapters.dynamo import HandleModel, UserModel
from warbler.adapters.keys import Keys
from warbler.adapters.redis_client import Redis
from warbler.adapters.transactions import failed_conditions, transaction

CARD_TTL_SECONDS = 24 * 3600


class UserStore:
    def __init__(self, r: Redis | None = None) -> None:
        self._r = r

    def new(self, user_id: str, handle: str, display_name: str, created_at: str, seen_day: str) -> UserModel:
        return UserModel(
            user_id=user_id,
            handle=handle,
            display_name=display_name,
            created_at=created_at,
            last_seen_at=created_at,
            seen_day=seen_day,
        )

    def create(self, user: UserModel, handle_key: str) -> bool:
        """Claim the handle and create the user together; False when the handle is taken."""
        claim = HandleModel(handle_key=handle_key, user_id=user.user_id)
        try:
            with transaction() as tx:
                tx.save(claim, condition=HandleModel.handle_key.does_not_exist())
                tx.save(user, condition=UserModel.user_id.does_not_exist())
        except TransactWriteError as error:
            if failed_conditions(error):
                return False
            raise
        return True

    def undo_create(self, user: UserModel, handle_key: str) -> None:
        with transaction() as tx:
            tx.delete(HandleModel(handle_key))
            tx.delete(user)

    def get(self, user_id: str, consistent: bool = True) -> UserModel | None:
        try:
            return UserModel.get(user_id, consistent_read=consistent)
        except DoesNotExist:
            return None

    def many(self, user_ids: Iterable[str]) -> dict[str, UserModel]:
        wanted = list(dict.fromkeys(user_ids))
        return {u.user_id: u for u in UserModel.batch_get(wanted)} if wanted else {}

    def user_id_for(self, handle_key: str) -> str | None:
        try:
            return HandleModel.get(handle_key).user_id
        except DoesNotExist:
            return None

    def user_ids_for(self, handle_keys: Sequence[str]) -> dict[str, str]:
        """Handle key -> user id, for the handles that are claimed."""
        return {c.handle_key: c.user_id for c in HandleModel.batch_get(list(handle_keys))} if handle_keys else {}

    def update_profile(self, user: UserModel, display_name: str | None, bio: str | None) -> bool:
        actions: list[Any] = []
        if display_name is not None:
            actions.append(UserModel.display_name.set(display_name))
        if bio is not None:
            actions.append(UserModel.bio.set(bio))
        if actions:
            user.update(actions=actions)
        return bool(actions)

    def stamp_seen(self, user_id: str, at: str, seen_day: str) -> bool:
        """Set ``last_seen_at`` and ``seen_day`` (the index is written only when the day changes);
        False when there is no such user or it is soft-deleted."""
        try:
            UserModel(user_id).update(
                actions=[UserModel.last_seen_at.set(at), UserModel.seen_day.set(seen_day)],
                condition=UserModel.user_id.exists() & UserModel.deactivated_at.does_not_exist(),
            )
        except PynamoDBException as error:
            if failed_conditions(error):
                return False
            raise
        return True

    def set_notifications_read_to(self, user: UserModel, up_to_id: str) -> None:
        user.update(actions=[UserModel.notifications_read_to.set(up_to_id)])

    # ------------------------------------------------------------------------- author cards

    def cards(self, user_ids: Sequence[str], load) -> dict[str, dict]:
        """Cached author cards, ``load``-ing (and caching) the missing ones."""
        return self._cards().get_many(user_ids, load)[0]

    def forget_cards(self, user_ids: Sequence[str]) -> None:
        # A stale card lives at most CARD_TTL_SECONDS; the profile itself is correct.
        self._cards().forget(user_ids)

    def _cards(self) -> ReadThrough:
        return ReadThrough(Keys.user_card, CARD_TTL_SECONDS, r=self._r)
