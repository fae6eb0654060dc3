"""Media uploads: ask for a presigned S3 POST, read the item, change its alt text.

The bytes never pass through here: the client POSTs them straight to S3 with the returned form,
and ``media_processor`` picks them up from the bucket's ``ObjectCreated`` event."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from warbler import api, errors
from warbler.ids import normalize_id
from warbler.media import service

app = api.make_app()


class NewMedia(BaseModel):
    content_type: Annotated[
        str, Field(description="image/jpeg, image/png, image/gif, image/webp or video/mp4", max_length=100)
    ]
    size_bytes: Annotated[int, Field(gt=0, description="the exact size of the file to upload")]
    alt_text: Annotated[str | None, Field(max_length=service.MAX_ALT_TEXT)] = None


class MediaChange(BaseModel):
    alt_text: Annotated[str | None, Field(max_length=service.MAX_ALT_TEXT)] = None


def _media_id(raw: str) -> str:
    value = normalize_id(raw)
    if value is None:
        raise errors.NotFound("no such media")
    return value


@app.post("/media", summary="Start an upload: a pending media item and the presigned S3 POST for its bytes")
def create(body: NewMedia):
    upload = service.request_upload(api.caller_id(app), body.content_type, body.size_bytes, body.alt_text)
    return api.json_response(upload, 201)


@app.get("/media/<media_id>", summary="A media item and its processing state (owner only until posted)")
def read(media_id: str):
    return api.json_response(service.get_media(api.caller_id(app), _media_id(media_id)))


@app.patch("/media/<media_id>", summary="Change the alt text of media not yet posted")
def change(media_id: str, body: MediaChange):
    return api.json_response(service.update_alt_text(api.caller_id(app), _media_id(media_id), body.alt_text))


lambda_handler = api.rest_handler(app)
