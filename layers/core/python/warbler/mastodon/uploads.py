"""Mastodon's media uploads over Warbler's media: the file comes in the request itself.

Mastodon clients POST the file as multipart/form-data to ``/api/v2/media``; Warbler's own
clients upload straight to S3 with a presigned POST. Both end in the same pending item and the
same ``media_processor`` run (``media.service.create_from_bytes``). What differs is size: Lambda
takes at most 6 MB per invocation and API Gateway hands a binary body over base64-encoded (4/3
larger), so a file of up to ``MAX_FILE_BYTES`` fits; larger ones need the native upload.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from warbler.errors import InvalidInput, PayloadTooLarge
from warbler.media import images
from warbler.media import service as media
from warbler.media.store import FAILED, PENDING

MAX_FILE_BYTES = 4 * 1024 * 1024
# The request body of an upload: the file, its form fields and part headers. The one
# declaration of the routes that may carry more than ``Settings.max_body_bytes``.
MAX_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024
UPLOAD_ROUTES = {"POST /api/v2/media": MAX_BODY_BYTES, "POST /api/v1/media": MAX_BODY_BYTES}
# Mastodon's v1 upload answers once the file is processed: how long it waits for that.
V1_WAIT_SECONDS = 5.0


def file_limit(content_type: str) -> int:
    """The largest file of ``content_type`` the Mastodon upload takes (422 for a refused type)."""
    return min(media.max_bytes(content_type), MAX_FILE_BYTES)


def check_focus(focus: str | None) -> None:
    """Warbler keeps no focal point, so one is refused rather than dropped."""
    if focus:
        raise InvalidInput("Warbler keeps no focal point for media (focus)")


def content_type(data: bytes, declared: str) -> str:
    """The file's own signature when it is a type Warbler accepts, as Mastodon reads it (clients
    send a guess from the file name, toot none at all); else what the client declared, which
    processing then holds the content to."""
    return images.sniff(data[: images.SNIFF_BYTES]) or declared


def upload(owner_id: str, data: bytes, declared_type: str, description: str | None) -> dict:
    """A pending media item of the uploaded file (the native detail: its ``state`` says more)."""
    real_type = content_type(data, declared_type)
    limit = file_limit(real_type)
    if len(data) > limit:
        raise PayloadTooLarge(f"the file is {len(data)} bytes; {real_type} uploaded here may be at most {limit}")
    return media.create_from_bytes(owner_id, data, real_type, description)


def wait_processed(
    owner_id: str,
    item: dict,
    seconds: float = V1_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """The item once it left *pending*, or as it is after ``seconds`` (for the v1 upload)."""
    deadline = time.monotonic() + seconds
    while item["state"] == PENDING and time.monotonic() < deadline:
        sleep(0.1)
        item = media.get_media(owner_id, item["id"])
    return item


def status_code(item: dict) -> int:
    """Mastodon's answer for a media item: 206 while processing, 200 when ready; a failed one
    is a 422 carrying the reason (Mastodon.py's ``synchronous`` upload then gives up)."""
    if item["state"] == FAILED:
        raise InvalidInput(f"Error processing the uploaded media: {item.get('reason') or 'unknown'}")
    return 206 if item["state"] == PENDING else 200
