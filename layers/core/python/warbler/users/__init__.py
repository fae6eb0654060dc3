"""Accounts and profiles: sign-up, login, the User view and the cached author card.

Every table and cache command is in ``warbler.users.store``. A profile as another user sees it
(with ``following``) is a social-graph view: ``warbler.social_graph.profile``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from warbler import clock, ids, text
from warbler.adapters import identity
from warbler.errors import Conflict, InvalidInput, NotFound, Unauthorized
from warbler.segments import counters, rules
from warbler.settings import get_settings
from warbler.text import HANDLE_RE, handle_key, validate_handle
from warbler.users.store import UserStore

MAX_DISPLAY_NAME = 50
MAX_BIO = 160


def _validate_display_name(name: str) -> str:
    # No newlines, control or bidi-override characters (warbler.text: a name must read as shown).
    name = text.clean(name, newlines=False, what="display_name").strip()
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"display_name is limited to {MAX_DISPLAY_NAME} characters")
    return name


def user_view(user, following: bool | None = None) -> dict:
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


def card(user) -> dict:
    """The small author summary embedded in every tweet."""
    return {"id": user.user_id, "handle": user.handle, "display_name": user.display_name or user.handle}


def sign_up(handle: str, password: str, display_name: str | None) -> tuple[dict, str]:
    validate_handle(handle)
    if len(password) < (minimum := get_settings().password_min_length):
        raise InvalidInput(f"password must be at least {minimum} characters")
    name = _validate_display_name(display_name or handle) or handle
    store = UserStore()
    now, user_id = clock.now(), ids.new_id()
    user = store.new(user_id, handle, name, clock.iso(now), rules.seen_bucket(user_id, now.date()))
    if not store.create(user, handle_key(handle)):
        raise Conflict(f"handle @{handle} is taken")
    try:
        identity.create_login(user.user_id, handle, password)
        token = identity.authenticate(user.user_id, password)
    except Exception:
        # Undo the claim so a failed sign-up leaves nothing behind and the handle stays free.
        identity.delete_login(user.user_id)
        store.undo_create(user, handle_key(handle))
        raise
    counters.account_created()
    counters.seen(user.user_id, now)
    return user_view(user), token


def log_in(handle: str, password: str) -> tuple[dict, str]:
    user_id = UserStore().user_id_for(handle_key(handle))
    if user_id is None:
        raise Unauthorized("invalid handle or password")
    token = identity.authenticate(user_id, password)
    return user_view(get_user(user_id)), token


def get_user(user_id: str):
    """The user's record as it is now, or ``NotFound``."""
    user = UserStore().get(user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def me(user_id: str) -> dict:
    """``GET /me``: the caller's own profile."""
    return user_view(get_user(user_id))


def find_user(user_id: str):
    """The user's record (an eventually consistent read), or None."""
    return UserStore().get(user_id, consistent=False)


def user_id_for_handle(handle: str) -> str:
    if not HANDLE_RE.fullmatch(handle):
        raise NotFound(f"no user @{handle}")
    user_id = UserStore().user_id_for(handle_key(handle))
    if user_id is None:
        raise NotFound(f"no user @{handle}")
    return user_id


def user_ids_for_handle_keys(keys: list[str]) -> dict[str, str]:
    return UserStore().user_ids_for(keys)


def update_profile(user_id: str, display_name: str | None, bio: str | None) -> dict:
    user = get_user(user_id)
    name = None
    if display_name is not None:
        name = _validate_display_name(display_name) or user.handle
    if bio is not None:
        bio = text.clean(bio, newlines=True, what="bio").strip()
    if bio is not None and len(bio) > MAX_BIO:
        raise InvalidInput(f"bio is limited to {MAX_BIO} characters")
    if UserStore().update_profile(user, name, bio):
        forget_cards([user_id])
    return user_view(user)


def stamp_seen(user_id: str, at: str) -> bool:
    """Record that the user was seen (its last-seen day bucket too: ``warbler.segments.rules``);
    False when there is no such user, or it is soft-deleted (only signing in restores it)."""
    moment = clock.parse_iso(at)
    if not UserStore().stamp_seen(user_id, at, rules.seen_bucket(user_id, moment.date())):
        return False
    counters.seen(user_id, moment)
    return True


def is_visible(user) -> bool:
    """False while the account is soft-deleted (inactive, ``warbler.segments.lifecycle``)."""
    return user.deactivated_at is None


def mark_notifications_read(user, up_to_id: str) -> None:
    UserStore().set_notifications_read_to(user, up_to_id)


def users_by_id(user_ids: Iterable[str]) -> dict:
    """The accounts as others see them: soft-deleted ones are absent (from lists, search results,
    cards and so every tweet view)."""
    return {uid: u for uid, u in UserStore().many(user_ids).items() if is_visible(u)}


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
        fetched = UserStore().cards(wanted, _load_cards)
        if len(_card_memo) > CARD_MEMO_MAX:
            _card_memo.clear()
        for user_id, c in fetched.items():
            _card_memo[user_id] = (now + CARD_MEMO_SECONDS, c)
        found.update(fetched)
    return found


def _load_cards(missing: list[str]) -> dict[str, dict]:
    return {uid: card(user) for uid, user in users_by_id(missing).items()}


def forget_cards(user_ids: Iterable[str]) -> None:
    user_ids = list(user_ids)
    for user_id in user_ids:
        _card_memo.pop(user_id, None)
    UserStore().forget_cards(user_ids)
