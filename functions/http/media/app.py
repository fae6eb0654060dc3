"""Media uploads: ask for a presigned S3 POST, read the item, change its alt text.

The bytes never pass through here: the client POSTs them straight to S3 with the returned form,
and ``media_processor`` picks them up from the bucket's ``ObjectCreated`` event."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from warbler import api, errors
from warbler import api_models as m
from warbler.ids import normalize_id
from warbler.media import service
from warbler.settings import Settings

app = api.make_app()


# The size limit depends on the kind (warbler.media.service.max_bytes): the schema says so with
# one if/then per kind, and the service refuses the same sizes (422) for the configured limits.
_KIND_LIMITS = {
    service.IMAGE: Settings.media_image_max_bytes,
    service.GIF: Settings.media_gif_max_bytes,
    service.VIDEO: Settings.media_video_max_bytes,
}
_LIMITS = {media_type: _KIND_LIMITS[kind] for media_type, kind in service.KIND_OF_TYPE.items()}
MediaType = Literal[tuple(service.KIND_OF_TYPE)]  # type: ignore[valid-type]


class NewMedia(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"content_type": {"const": media_type}}},
                    "then": {"properties": {"size_bytes": {"maximum": limit}}},
                }
                for media_type, limit in _LIMITS.items()
            ]
        }
    )

    content_type: Annotated[
        MediaType,
        Field(description="images up to 5 MB, a GIF up to 15 MB, a video up to 512 MB"),
    ]
    size_bytes: Annotated[
        int, Field(gt=0, le=max(_LIMITS.values()), description="the exact size of the file to upload")
    ]
    alt_text: Annotated[str | None, Field(max_length=service.MAX_ALT_TEXT)] = None


class MediaChange(BaseModel):
    alt_text: Annotated[str | None, Field(max_length=service.MAX_ALT_TEXT)] = None


def _media_id(raw: str) -> str:
    value = normalize_id(raw)
    if value is None:
        raise errors.NotFound("no such media")
    return value


_MEDIA_LINKS = {
    "Media": {"operationId": "getMedia", "parameters": {"media_id": "$response.body#/id"}},
    "ChangeMedia": {"operationId": "changeMedia", "parameters": {"media_id": "$response.body#/id"}},
}


@app.post(
    "/media",
    summary="Start an upload: a pending media item and the presigned S3 POST for its bytes",
    operation_id="newMedia",
    status_code=201,
    responses={201: m.ok(m.Upload, "A pending item and its upload form", _MEDIA_LINKS)},
)
def create(body: NewMedia):
    upload = service.request_upload(api.caller_id(app), body.content_type, body.size_bytes, body.alt_text)
    return api.json_response(upload, 201)


@app.get(
    "/media/<media_id>",
    summary="A media item and its processing state (owner only until posted)",
    operation_id="getMedia",
    responses={200: m.ok(m.MediaDetail)},
)
def read(media_id: api.MediaIdPath):
    return api.json_response(service.get_media(api.caller_id(app), _media_id(media_id)))


@app.patch(
    "/media/<media_id>",
    summary="Change the alt text of media not yet posted",
    operation_id="changeMedia",
    responses={200: m.ok(m.MediaDetail)},
)
def change(media_id: api.MediaIdPath, body: MediaChange):
    return api.json_response(service.update_alt_text(api.caller_id(app), _media_id(media_id), body.alt_text))


lambda_handler = api.rest_handler(app)
