"""Mastodon notifications over Warbler's grouped ones (``warbler.notifications``).

A Warbler notification is a group: one per recipient, kind, tweet and time window, with a set
of actors. Mastodon's v1 notifications are one per actor, so each group becomes one Mastodon
notification per actor it shows (up to ``notifications.MAX_ACTORS_SHOWN``), with an id naming the
group and the actor (``entities.notification_id``). Dismissing one takes that actor out of the
group (the native view changes too); clearing deletes every group. Pages are groups, newest
first, continued by the native cursor carried as an opaque ``max_id`` in the Link header;
``since_id``/``min_id`` keep the groups newer than the named one.
"""

from __future__ import annotations

from typing import Any

from warbler import clock, errors, notifications
from warbler.mastodon import edge, entities, paging, render
from warbler.tweets import views as tweet_views

app = edge.make_app()


def _wanted(query: dict[str, Any]) -> set[str] | None:
    """Warbler types the request keeps (``types[]`` minus ``exclude_types[]``); None = all."""

    def listed(name: str) -> list[str]:
        value = query.get(name) or []
        return value if isinstance(value, list) else [value]

    keep: set[str] | None = None
    if listed("types"):
        keep = entities.warbler_notification_types(listed("types"))
    excluded = entities.warbler_notification_types(listed("exclude_types"))
    if excluded:
        keep = (set(entities.NOTIFICATION_TYPES) if keep is None else keep) - excluded
    return keep


def _render(user_id: str, groups: list[dict]) -> list[dict]:
    base = edge.base_url(app)
    people = render.accounts({a["id"] for g in groups for a in g["actors"]})
    tweet_ids = [g["tweet"]["id"] for g in groups if g.get("tweet")]
    statuses = {s["id"]: s for s in render.statuses(tweet_views.hydrate(tweet_ids, user_id), base)} if tweet_ids else {}
    out: list[dict] = []
    for group in groups:
        status = statuses.get(group["tweet"]["id"]) if group.get("tweet") else None
        out += entities.notifications_of_group(group, people, status, base)
    return out


def _group_of(raw_id: str) -> tuple[str, str]:
    parsed = entities.parse_notification_id(raw_id)
    if parsed is None:
        raise errors.NotFound("Record not found")
    return parsed


def _bound(query: dict[str, Any]) -> str | None:
    raw = query.get("since_id") or query.get("min_id")
    return _group_of(str(raw))[0] if raw else None


@app.get("/api/v1/notifications")
def listing():
    caller = edge.user_id(app, "read:notifications")
    query = edge.params(app)
    wanted, newer_than = _wanted(query), _bound(query)
    page = notifications.page(caller, paging.limit(query), None if newer_than else query.get("max_id") or None)
    groups = [g for g in page.items if (wanted is None or g["type"] in wanted)]
    if newer_than is not None:
        groups = [g for g in groups if g["id"] > newer_than]
    body = _render(caller, groups)
    prev = body[0]["id"] if body else None
    return edge.json_response(
        body, headers=edge.link_header(app, query, None if newer_than else page.next_cursor, prev)
    )


@app.get("/api/v1/notifications/<notification_id>")
def one(notification_id: str):
    caller = edge.user_id(app, "read:notifications")
    group_id, actor_id = _group_of(notification_id)
    group = notifications.view(caller, group_id)
    found = [n for n in _render(caller, [group] if group else []) if n["id"] == notification_id]
    if not found:
        raise errors.NotFound("Record not found")
    return edge.json_response(found[0])


@app.post("/api/v1/notifications/clear")
def clear():
    notifications.clear(edge.user_id(app, "write:notifications"))
    return edge.json_response({})


@app.post("/api/v1/notifications/<notification_id>/dismiss")
def dismiss(notification_id: str):
    caller = edge.user_id(app, "write:notifications")
    group_id, actor_id = _group_of(notification_id)
    group = notifications.view(caller, group_id)
    if group is not None:
        tweet_id = group["tweet"]["id"] if group.get("tweet") else None
        change = notifications.Change(caller, group_id, group["type"], tweet_id, actor_id, clock.now_iso(), add=False)
        notifications.apply(change)
    return edge.json_response({})


lambda_handler = edge.rest_handler(app)
