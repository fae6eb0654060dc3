"""A user's notifications: list, unread count, mark read."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from warbler import api, notifications
from warbler import api_models as m

app = api.make_app()


class MarkRead(BaseModel):
    up_to_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=notifications.MAX_ID_CHARS,
            description="the id of the newest notification read: it and every older one are read",
        ),
    ]


@app.get(
    "/notifications",
    operation_id="getNotifications",
    responses={200: m.ok(m.NotificationPage, links=m.next_page("getNotifications"))},
)
def listing(limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(notifications.page(api.caller_id(app), api.page_size(limit), cursor).as_dict())


@app.get("/notifications/unread_count", operation_id="getUnreadCount", responses={200: m.ok(m.UnreadCount)})
def unread():
    return {"unread_count": notifications.unread_count(api.caller_id(app))}


@app.post("/notifications/read", operation_id="markRead", responses={200: m.ok(m.UnreadCount)})
def mark_read(body: MarkRead):
    return notifications.mark_read(api.caller_id(app), body.up_to_id)


lambda_handler = api.rest_handler(app)
