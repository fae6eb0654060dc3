"""Accounts and profiles: sign-up, login, the User view and the cached author card."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from warbler import clock, ids
from warbler.adapters import identity
from warbler.adapters.dynamo import FollowModel, HandleModel, UserModel
from warbler.adapters.redis_store import Keys, RedisErrors, cached_json_many, client
from warbler.errors import Conflict, InvalidInput, NotFound, Unauthorized
from warbler.text import HANDLE_RE, handle_key, validate_handle

MIN_PASSWORD = 8
MAX_DISPLAY_NAME = 50
MAX_BIO = 160
CARD_TTL_SECONDS = 24 * 3600


def _validate_display_name(name: str) -> str:
    name = name.strip()
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"display_name is limited to {MAX_DISPLAY_NAME} characters")
    return name


def user_view(user: UserModel, following: bool | None = None) -> dict:
    return {
        "id": user.user_id,
        "handle": user.handle,
        "display_name": user.display_name or user.handle,
        "bio": user.bio or "",
        "created_at": user.created_at,
        "followers_count": int(user.followers_count or 0),
        "following_count": int(user.following_count or 0),
        "tweets_count": int(user.tweets_count or 0),
        "following": bool(following),
    }


def card(user: UserModel) -> dict:
    """The small author summary embedded in every tweet."""
    return {"id": user.user_id, "handle": user.handle, "display_name": user.display_name or user.handle}


def sign_up(handle: str, password: str, display_name: str | None) -> tuple[dict, str]:
    validate_handle(handle)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters")
    name = _validate_display_name(display_name or handle) or handle
    user = UserModel(user_id=ids.new_id(), handle=handle, display_name=name, created_at=clock.now_iso())
    claim = HandleModel(handle_key=handle_key(handle), user_id=user.user_id)
    try:
        with TransactWrite(connection=UserModel._get_connection().connection) as tx:
            tx.save(claim, condition=HandleModel.handle_key.does_not_exist())
            tx.save(user, condition=UserModel.user_id.does_not_exist())
    except TransactWriteError as error:
        if _condition_failed(error):
            raise Conflict(f"handle @{handle} is taken") from error
        raise
    try:
        identity.create_login(user.user_id, handle, password)
        token = identity.authenticate(user.user_id, password)
    except Exception:
        # Undo the claim so a failed sign-up leaves nothing behind and the handle stays free.
        identity.delete_login(user.user_id)
        with TransactWrite(connection=UserModel._get_connection().connection) as tx:
            tx.delete(claim)
            tx.delete(user)
        raise
    return user_view(user), token


def log_in(handle: str, password: str) -> tuple[dict, str]:
    try:
        user_id = HandleModel.get(handle_key(handle)).user_id
    except DoesNotExist:
        raise Unauthorized("invalid handle or password") from None
    token = identity.authenticate(user_id, password)
    return user_view(get_user(user_id)), token


def _condition_failed(error: TransactWriteError) -> bool:
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)


def get_user(user_id: str) -> UserModel:
    try:
        return UserModel.get(user_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such user") from None


def user_id_for_handle(handle: str) -> str:
    if not HANDLE_RE.match(handle):
        raise NotFound(f"no user @{handle}")
    try:
        return HandleModel.get(handle_key(handle)).user_id
    except DoesNotExist:
        raise NotFound(f"no user @{handle}") from None


def profile(caller_id: str, handle: str) -> dict:
    user = get_user(user_id_for_handle(handle))
    following = None
    if caller_id != user.user_id:
        following = FollowModel.count(caller_id, FollowModel.followee_id == user.user_id) > 0
    return user_view(user, following)


def update_profile(user_id: str, display_name: str | None, bio: str | None) -> dict:
    user = get_user(user_id)
    actions: list[Any] = []
    if display_name is not None:
        actions.append(UserModel.display_name.set(_validate_display_name(display_name) or user.handle))
    if bio is not None:
        if len(bio) > MAX_BIO:
            raise InvalidInput(f"bio is limited to {MAX_BIO} characters")
        actions.append(UserModel.bio.set(bio))
    if actions:
        user.update(actions=actions)
        forget_cards([user_id])
    return user_view(user)


def users_by_id(user_ids: Iterable[str]) -> dict[str, UserModel]:
    wanted = list(dict.fromkeys(user_ids))
    return {u.user_id: u for u in UserModel.batch_get(wanted)} if wanted else {}


# Cards are read on every timeline page and change rarely, so each process keeps them briefly:
# a renamed author shows the new name within CARD_MEMO_SECONDS, and most reads skip a round trip.
CARD_MEMO_SECONDS = 30.0
CARD_MEMO_MAX = 20_000
_card_memo: dict[str, tuple[float, dict]] = {}


def cards(user_ids: Iterable[str]) -> dict[str, dict]:
    """Author cards: process memo, then Redis (one round trip), then one DynamoDB batch."""
    now = time.monotonic()
    found: dict[str, dict] = {}
    wanted = []
    for user_id in dict.fromkeys(user_ids):
        memo = _card_memo.get(user_id)
        if memo is not None and memo[0] > now:
            found[user_id] = memo[1]
        else:
            wanted.append(user_id)
    if wanted:
        fetched = _fetch_cards(wanted)
        if len(_card_memo) > CARD_MEMO_MAX:
            _card_memo.clear()
        for user_id, c in fetched.items():
            _card_memo[user_id] = (now + CARD_MEMO_SECONDS, c)
        found.update(fetched)
    return found


def _fetch_cards(wanted: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    r = None
    try:
        r = client()
        for user_id, raw in zip(wanted, cached_json_many(r, [Keys.user_card(u) for u in wanted]), strict=False):
            if raw:
                found[user_id] = json.loads(raw)
    except RedisErrors:
        r = None
    missing = [u for u in wanted if u not in found]
    if missing:
        loaded = {uid: card(user) for uid, user in users_by_id(missing).items()}
        found.update(loaded)
        if r is not None and loaded:
            try:
                pipe = r.pipeline(transaction=False)
                for uid, c in loaded.items():
                    pipe.set(Keys.user_card(uid), json.dumps(c), ex=CARD_TTL_SECONDS)
                pipe.execute()
            except RedisErrors:
                pass
    return found


def forget_cards(user_ids: Iterable[str]) -> None:
    user_ids = list(user_ids)
    for user_id in user_ids:
        _card_memo.pop(user_id, None)
    try:
        client().delete(*[Keys.user_card(u) for u in user_ids])
    except RedisErrors:
        # A stale card lives at most CARD_TTL_SECONDS; the profile itself is correct.
        pass
