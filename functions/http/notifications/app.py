"""A user's notifications: list, unread count, mark read."""

from __future__ import annotations

from pydantic import BaseModel

from warbler import api, notifications

app = api.make_app()


class MarkRead(BaseModel):
    up_to_id: str


@app.get("/notifications")
def listing(limit: api.PageLimit = None, cursor: api.PageCursor = None):
    return api.json_response(notifications.page(api.caller_id(app), api.page_size(limit), cursor).as_dict())


@app.get("/notifications/unread_count")
def unread():
    return {"unread_count": notifications.unread_count(api.caller_id(app))}


@app.post("/notifications/read")
def mark_read(body: MarkRead):
    return notifications.mark_read(api.caller_id(app), body.up_to_id)


lambda_handler = api.rest_handler(app)
