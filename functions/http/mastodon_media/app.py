"""Mastodon media: upload a file (v2: answered at once, processed behind; v1: answered once
processed), read its processing state, change its description.

The file comes in the request (multipart/form-data, which API Gateway passes base64-encoded)
and becomes the same pending item a native upload makes; ``media_processor`` does the rest.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from warbler.mastodon import edge, entities, uploads
from warbler.media import service

app = edge.make_app()


class MediaFields(BaseModel):
    description: str | None = Field(default=None, max_length=service.MAX_ALT_TEXT)
    focus: str | None = None


def _media_id(raw: str) -> str:
    return edge.status_id(raw)  # any non-id names no media: 404


def _created(v1: bool):
    caller = edge.user_id(app, "write:media")
    fields = edge.parse(MediaFields, edge.params(app))
    uploads.check_focus(fields.focus)
    file = edge.uploaded_file(app, "file")
    item = uploads.upload(caller, file.data, file.content_type, fields.description)
    if v1:
        item = uploads.wait_processed(caller, item)
    status = uploads.status_code(item)
    # v2 answers 202 while processing (Mastodon: "the file will be processed asynchronously").
    return edge.json_response(entities.media_attachment(item), 202 if status == 206 and not v1 else status)


@app.post("/api/v2/media")
def upload_v2():
    return _created(v1=False)


@app.post("/api/v1/media")
def upload_v1():
    return _created(v1=True)


@app.get("/api/v1/media/<media_id>")
def read(media_id: str):
    caller = edge.user_id(app, "write:media")
    item = service.get_media(caller, _media_id(media_id))
    return edge.json_response(entities.media_attachment(item), uploads.status_code(item))


@app.put("/api/v1/media/<media_id>")
def change(media_id: str):
    caller = edge.user_id(app, "write:media")
    fields = edge.parse(MediaFields, edge.params(app))
    uploads.check_focus(fields.focus)
    item = service.update_alt_text(caller, _media_id(media_id), fields.description)
    return edge.json_response(entities.media_attachment(item), uploads.status_code(item))


lambda_handler = edge.rest_handler(app, upload_routes=uploads.UPLOAD_ROUTES)
