"""Warbler views -> Mastodon entities: the one place each mapping lives
(https://docs.joinmastodon.org/entities/). Every documented key is present (null, false or []
where Warbler has nothing), ids are strings, times are ISO 8601 with milliseconds.

Inputs are the native views (``users.user_view``, ``tweets.hydrate``, ``notifications`` views),
so the edge never reads a table itself. Text becomes safe HTML here: escaped, with hashtags,
mentions and URLs linked the way Mastodon links them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from warbler import text as text_rules
from warbler.media.geometry import preview_size
from warbler.settings import get_settings

AVATAR_MISSING = "/avatars/original/missing.png"  # Mastodon's own path for "no avatar"
HEADER_MISSING = "/headers/original/missing.png"
VISIBILITY = "public"  # every Warbler post is public

# Warbler notification type -> Mastodon's. A reply is Mastodon's "mention" (it has no "reply").
NOTIFICATION_TYPES = {
    "like": "favourite",
    "retweet": "reblog",
    "follow": "follow",
    "reply": "mention",
    "mention": "mention",
    "quote": "quote",
}


def warbler_notification_types(mastodon_types: list[str]) -> set[str]:
    """The Warbler kinds behind Mastodon notification types (``mention`` is a reply or a mention)."""
    wanted = set(mastodon_types)
    return {kind for kind, mastodon_type in NOTIFICATION_TYPES.items() if mastodon_type in wanted}


def _day(iso: str | None) -> str | None:
    return iso[:10] if iso else None


def _midnight(iso: str) -> str:
    """Mastodon rounds an account's created_at down to the day."""
    return f"{iso[:10]}T00:00:00.000Z"


def _ms(iso: str) -> str:
    """ISO 8601 with milliseconds and Z, whatever precision the stored value has."""
    if len(iso) >= 23 and iso[19] == "." and iso.endswith("Z"):
        return iso[:23] + "Z"
    head = iso[:19]
    return f"{head}.000Z"


def profile_url(base: str, handle: str) -> str:
    return f"{base}/@{handle}"


def tag_url(base: str, name: str) -> str:
    return f"{base}/tags/{name}"


def note_html(bio: str) -> str:
    return f"<p>{html.escape(bio)}</p>" if bio else ""


def content_html(raw: str, base: str, mention_handles: Mapping[str, str] | None = None) -> str:
    """Escaped text in paragraphs, line breaks as ``<br />``, links as Mastodon writes them.
    ``mention_handles`` (lower-cased handle -> handle) limits links to accounts that exist."""
    known = mention_handles
    paragraphs = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        parts = []
        for kind, value in text_rules.segments(block):
            if kind == "url":
                shown = html.escape(value)
                parts.append(f'<a href="{shown}" rel="nofollow noopener noreferrer" target="_blank">{shown}</a>')
            elif kind == "hashtag":
                href = html.escape(tag_url(base, value.lower()))
                parts.append(
                    f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{html.escape(value)}</span></a>'
                )
            elif kind == "mention" and (known is None or value.lower() in known):
                handle = known[value.lower()] if known else value
                href = html.escape(profile_url(base, handle))
                parts.append(
                    f'<span class="h-card"><a href="{href}" class="u-url mention">@<span>{html.escape(value)}</span></a></span>'
                )
            else:
                parts.append(html.escape(value if kind == "text" else "@" + value))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


def account(user: Mapping[str, Any], base: str) -> dict:
    """Account from ``users.user_view`` (id, handle, display_name, bio, created_at, counts)."""
    handle = user["handle"]
    url = profile_url(base, handle)
    return {
        "id": str(user["id"]),
        "username": handle,
        "acct": handle,  # a local account's acct is its username
        "display_name": user.get("display_name") or handle,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": _midnight(user["created_at"]),
        "note": note_html(user.get("bio") or ""),
        "url": url,
        "uri": f"{base}/users/{handle}",
        "avatar": base + AVATAR_MISSING,
        "avatar_static": base + AVATAR_MISSING,
        "header": base + HEADER_MISSING,
        "header_static": base + HEADER_MISSING,
        "followers_count": int(user.get("followers_count") or 0),
        "following_count": int(user.get("following_count") or 0),
        "statuses_count": int(user.get("tweets_count") or 0),
        "last_status_at": _day(user.get("last_status_at")),
        "hide_collections": False,
        "noindex": False,
        "memorial": False,
        "emojis": [],
        "roles": [],
        "fields": [],
    }


def credential_account(user: Mapping[str, Any], base: str) -> dict:
    """The caller's own Account: with ``source`` (what the edit form starts from) and ``role``."""
    out = account(user, base)
    out["source"] = {
        "privacy": VISIBILITY,
        "sensitive": False,
        "language": None,
        "note": user.get("bio") or "",
        "fields": [],
        "follow_requests_count": 0,
        "hide_collections": False,
        "discoverable": True,
        "indexable": True,
    }
    out["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}
    return out


def mention(user: Mapping[str, Any], base: str) -> dict:
    return {
        "id": str(user["id"]),
        "username": user["handle"],
        "acct": user["handle"],
        "url": profile_url(base, user["handle"]),
    }


def tag(
    name: str, base: str, history: Sequence[Mapping[str, Any]] | None = None, following: bool | None = None
) -> dict:
    """Tag; ``history`` is per day, newest first, with counts as strings (Mastodon's shape)."""
    out: dict[str, Any] = {
        "name": name,
        "url": tag_url(base, name),
        "history": [
            {"day": str(int(h["day"])), "uses": str(int(h["uses"])), "accounts": str(int(h["accounts"]))}
            for h in (history or [])
        ],
    }
    if following is not None:
        out["following"] = following
    return out


def trending_tag(trend: Mapping[str, Any], base: str, day_start: int) -> dict:
    """A trending hashtag (``trends.top`` item) as a Tag. Warbler keeps 24 hours of 5-minute
    buckets, not Mastodon's 7 days, so ``history`` has one entry: the current UTC day
    (``day_start``, a Unix time) with the last 24 hours' uses and the distinct accounts of the
    trend's observation window."""
    uses = sum(int(u) for u in trend.get("history") or [])
    return tag(trend["name"], base, [{"day": day_start, "uses": uses, "accounts": int(trend.get("accounts") or 0)}])


# Warbler media kind -> Mastodon's attachment type. A GIF stays a GIF file (Mastodon converts
# them to MP4 and calls that "gifv", which clients play in a <video>): here it is an "image".
MEDIA_TYPES = {"image": "image", "gif": "image", "video": "video"}


def _dimensions(width: int, height: int) -> dict:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def media_attachment(media: Mapping[str, Any], preview_px: int | None = None) -> dict:
    """MediaAttachment from a native media view (``media.service.view`` or ``detail``). ``url`` is
    null until processing made the file (as Mastodon's v2 upload answers); ``meta.small`` is the
    preview's size (it fits a ``preview_px`` square: ``Settings.media_preview_px``)."""
    preview_px = preview_px or get_settings().media_preview_px
    width, height = media.get("width"), media.get("height")
    meta: dict[str, Any] = {}
    if width and height:
        meta["original"] = _dimensions(int(width), int(height))
        if media.get("preview_url"):
            meta["small"] = _dimensions(*preview_size(int(width), int(height), preview_px))
    return {
        "id": str(media["id"]),
        "type": MEDIA_TYPES.get(media.get("type") or "", "unknown"),
        "url": media.get("url"),
        "preview_url": media.get("preview_url"),
        "remote_url": None,
        "preview_remote_url": None,
        "meta": meta,
        "description": media.get("alt_text"),
        "blurhash": None,
    }


def status(
    view: Mapping[str, Any],
    accounts: Mapping[str, Mapping[str, Any]],
    base: str,
    parent_authors: Mapping[str, str] | None = None,
) -> dict | None:
    """Status from a ``tweets.hydrate`` view. ``accounts`` maps user id -> ``users.user_view``
    (every author, retweeter and mentioned user of the page); ``parent_authors`` maps a reply's
    parent id -> its author id. A retweet is Mastodon's reblog: a wrapper around the original.
    None when an author is unknown (deleted meanwhile)."""
    if view.get("retweet_of") is not None:
        original = status(view["retweet_of"], accounts, base, parent_authors)
        booster = accounts.get(view["author"]["id"])
        if original is None or booster is None:
            return None
        wrapper = _status_shell(view["id"], view["created_at"], booster, base)
        wrapper.update(
            reblog=original,
            favourited=original["favourited"],
            reblogged=original["reblogged"],
        )
        return wrapper
    author = accounts.get(view["author"]["id"])
    if author is None:
        return None
    mentioned = [accounts[m["id"]] for m in view.get("mentions") or [] if m["id"] in accounts]
    out = _status_shell(view["id"], view["created_at"], author, base)
    reply_to = view.get("reply_to_id")
    out.update(
        in_reply_to_id=reply_to,
        in_reply_to_account_id=(parent_authors or {}).get(reply_to) if reply_to else None,
        content=content_html(view["text"], base, {m["handle"].lower(): m["handle"] for m in mentioned}),
        text=view["text"],
        reblogs_count=int(view.get("retweet_count") or 0),
        favourites_count=int(view.get("like_count") or 0),
        replies_count=int(view.get("reply_count") or 0),
        quotes_count=int(view.get("quote_count") or 0),
        favourited=bool(view.get("liked")) if "liked" in view else None,
        reblogged=bool(view.get("retweeted")) if "retweeted" in view else None,
        mentions=[mention(m, base) for m in mentioned],
        tags=[tag(t, base) for t in view.get("hashtags") or []],
        media_attachments=[media_attachment(m) for m in view.get("media") or []],
    )
    return out


def _status_shell(status_id: str, created_at: str, author: Mapping[str, Any], base: str) -> dict:
    url = f"{profile_url(base, author['handle'])}/{status_id}"
    personal = {"favourited": False, "reblogged": False, "muted": False, "bookmarked": False, "pinned": False}
    return {
        "id": str(status_id),
        "uri": f"{base}/users/{author['handle']}/statuses/{status_id}",
        "url": url,
        "created_at": _ms(created_at),
        "edited_at": None,
        "account": account(author, base),
        "content": "",
        "text": None,
        "visibility": VISIBILITY,
        "sensitive": False,
        "spoiler_text": "",
        "language": None,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "application": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "quotes_count": 0,
        "card": None,
        "poll": None,
        "quote": None,
        "filtered": [],
        **personal,
    }


def relationship(user_id: str, following: bool, followed_by: bool) -> dict:
    return {
        "id": str(user_id),
        "following": following,
        "showing_reblogs": following,
        "notifying": False,
        "languages": None,
        "followed_by": followed_by,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": False,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def context(ancestors: Sequence[dict], descendants: Sequence[dict]) -> dict:
    return {"ancestors": list(ancestors), "descendants": list(descendants)}


def notification_id(group_id: str, actor_id: str) -> str:
    """A Warbler notification is a group (one row per recipient, kind, tweet and time window,
    its actors a set); Mastodon's are one per actor. The Mastodon id names both, path-safe:
    ``<window>.<kind>.<tweet or ->.<actor>``."""
    return f"{group_id.replace('#', '.')}.{actor_id}"


def parse_notification_id(raw: str) -> tuple[str, str] | None:
    """(group id, actor id) of a Mastodon notification id, None if it cannot be one."""
    parts = raw.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[3].isdigit():
        return None
    return "#".join(parts[:3]), parts[3]


def notifications_of_group(
    group: Mapping[str, Any], actors: Mapping[str, Mapping[str, Any]], status_entity: dict | None, base: str
) -> list[dict]:
    """A native notification view (``notifications.page`` item) as Mastodon notifications, one
    per actor it shows, newest group first as the view orders them. ``actors`` maps user id ->
    ``users.user_view``."""
    out = []
    for card in group.get("actors") or []:
        actor = actors.get(card["id"])
        if actor is not None:
            out.append(
                notification(
                    notification_id(group["id"], card["id"]),
                    group["type"],
                    group["created_at"],
                    actor,
                    status_entity,
                    base,
                )
            )
    return out


def notification(
    notification_id: str, kind: str, created_at: str, actor: Mapping[str, Any], status_entity: dict | None, base: str
) -> dict:
    """One Mastodon notification: one actor of a Warbler notification group (see ``notifications``
    in the edge for how groups are split)."""
    return {
        "id": notification_id,
        "type": NOTIFICATION_TYPES.get(kind, kind),
        "created_at": _ms(created_at),
        "group_key": f"ungrouped-{notification_id}",
        "account": account(actor, base),
        "status": status_entity,
        "report": None,
        "event": None,
        "moderation_warning": None,
    }


def application(name: str, website: str | None, scopes: Sequence[str], redirect_uris: Sequence[str]) -> dict:
    return {
        "id": None,
        "name": name,
        "website": website,
        "scopes": list(scopes),
        "redirect_uri": "\n".join(redirect_uris),
        "redirect_uris": list(redirect_uris),
        "vapid_key": "",
    }
