"""Media rules: what may be uploaded, how an upload becomes ready media, who sees it, what a
tweet may attach. The one home of these rules; S3 and DynamoDB are behind ``warbler.media.store``.

Flow: ``request_upload`` creates a *pending* item and a presigned S3 POST pinned to its key, type
and exact size; the client uploads straight to S3; S3's ``ObjectCreated`` invokes
``media_processor`` -> ``process_upload``, which sniffs, checks, cleans and previews the file and
records the item *ready* or *failed* (with a reason), deleting the upload either way; a tweet
then attaches ready media (``check_attachable`` + ``MediaTable.attach_in`` in its transaction).
Unattached items expire after ``media_unattached_seconds`` (item TTL); removing an item removes
its objects (``on_item_removed``), and deleting a tweet removes its items (``on_tweet_removed``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from warbler import clock, ids
from warbler.errors import Conflict, InvalidInput, MediaNotAttachable, MediaNotFound, NotFound
from warbler.media import images
from warbler.media.store import (
    FAILED,
    MEDIA_PREFIX,
    PENDING,
    READY,
    MediaBucket,
    MediaItem,
    MediaTable,
    Outcome,
    media_id_of,
    upload_key,
)
from warbler.observability import logger
from warbler.settings import get_settings

IMAGE, GIF, VIDEO = "image", "gif", "video"
MAX_ALT_TEXT = 1000
MAX_IMAGES = 4
KIND_OF_TYPE = {images.JPEG: IMAGE, images.PNG: IMAGE, images.WEBP: IMAGE, images.GIF: GIF, images.MP4: VIDEO}


def kind_of(content_type: str) -> str:
    kind = KIND_OF_TYPE.get(content_type)
    if kind is None:
        accepted = ", ".join(KIND_OF_TYPE)
        raise InvalidInput(f"content_type {content_type!r} is not accepted; use one of {accepted}")
    return kind


def max_bytes(content_type: str) -> int:
    s = get_settings()
    return {IMAGE: s.media_image_max_bytes, GIF: s.media_gif_max_bytes, VIDEO: s.media_video_max_bytes}[
        kind_of(content_type)
    ]


@dataclass
class Media:
    """The rules' handles on storage (injectable; the defaults are the real table and bucket)."""

    table: MediaTable
    bucket: MediaBucket

    @classmethod
    def default(cls) -> Media:
        return cls(MediaTable(), MediaBucket())


def _url(key: str | None) -> str | None:
    # The CDN's origin path is media/ (on AWS and locally): it can reach nothing else.
    if not key:
        return None
    return f"{get_settings().media_base_url.rstrip('/')}/{key.removeprefix(MEDIA_PREFIX)}"


def view(item: MediaItem) -> dict:
    """The media entity a Tweet carries: ``{id, type, url, preview_url, width, height, alt_text}``."""
    return {
        "id": item.media_id,
        "type": item.kind,
        "url": _url(item.original_key),
        "preview_url": _url(item.preview_key),
        "width": item.width,
        "height": item.height,
        "alt_text": item.alt_text,
    }


def detail(item: MediaItem) -> dict:
    """What ``GET /media/{id}`` shows: the entity plus its processing state."""
    return {
        **view(item),
        "state": item.state,
        "reason": item.reason,
        "content_type": item.content_type,
        "size_bytes": item.size if item.size is not None else item.declared_size,
        "tweet_id": item.tweet_id,
        "created_at": item.created_at,
        "expires_at": _iso(item.expires_at),
    }


def _iso(epoch: int | None) -> str | None:
    return clock.iso(datetime.fromtimestamp(epoch, UTC)) if epoch else None


def _check_alt_text(alt_text: str | None) -> str | None:
    if alt_text is not None and len(alt_text) > MAX_ALT_TEXT:
        raise InvalidInput(f"alt_text is {len(alt_text)} characters; the limit is {MAX_ALT_TEXT}")
    return alt_text or None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _new_item(owner_id: str, content_type: str, size_bytes: int, alt_text: str | None) -> MediaItem:
    kind = kind_of(content_type)
    limit = max_bytes(content_type)
    if size_bytes <= 0:
        raise InvalidInput("size_bytes must be at least 1")
    if size_bytes > limit:
        # Read by people (the web client shows it as is), exact in bytes for programs.
        raise InvalidInput(
            f"the file is too large: {content_type} may be at most {_megabytes(limit)} "
            f"({limit:,} bytes); this one is {size_bytes:,} bytes"
        )
    media_id = ids.new_id()
    return MediaItem(
        media_id=media_id,
        owner_id=owner_id,
        content_type=content_type,
        kind=kind,
        declared_size=size_bytes,
        alt_text=_check_alt_text(alt_text),
        state=PENDING,
        upload_key=upload_key(media_id),
        created_at=clock.now_iso(),
        expires_at=int(time.time()) + get_settings().media_unattached_seconds,
    )


def request_upload(
    owner_id: str, content_type: str, size_bytes: int, alt_text: str | None = None, media: Media | None = None
) -> dict:
    """A pending item and the presigned POST that uploads its bytes (``POST /media``)."""
    m = media or Media.default()
    item = _new_item(owner_id, content_type, size_bytes, alt_text)
    m.table.create(item)
    form = m.bucket.presigned_post(
        item.upload_key, content_type, size_bytes, get_settings().media_upload_window_seconds
    )
    return {
        "id": item.media_id,
        "state": PENDING,
        "upload": {"url": form["url"], "fields": form["fields"]},
        "expires_at": _iso(item.expires_at),
    }


def create_from_bytes(
    owner_id: str, data: bytes, content_type: str, alt_text: str | None = None, media: Media | None = None
) -> dict:
    """Media from bytes already in hand (an API that takes the file itself, like Mastodon's
    ``POST /api/v2/media``): the same pending item, the bytes put where a presigned upload would
    have put them, and the same processing. Returns the pending item's detail."""
    m = media or Media.default()
    item = _new_item(owner_id, content_type, len(data), alt_text)
    m.table.create(item)
    m.bucket.put(item.upload_key, data, content_type)
    return detail(item)


def _readable(caller_id: str, item: MediaItem | None) -> MediaItem:
    # Unattached media is its owner's alone; attached media is as public as its tweet. Anyone
    # else gets the same 404 as for an id that does not exist.
    if item is None or (item.owner_id != caller_id and item.tweet_id is None):
        raise NotFound("no such media")
    return item


def get_media(caller_id: str, media_id: str, media: Media | None = None) -> dict:
    m = media or Media.default()
    return detail(_readable(caller_id, m.table.get(media_id)))


def update_alt_text(caller_id: str, media_id: str, alt_text: str | None, media: Media | None = None) -> dict:
    m = media or Media.default()
    alt = _check_alt_text(alt_text)
    item = m.table.get(media_id)
    if item is None or item.owner_id != caller_id:
        raise NotFound("no such media")
    if item.tweet_id is not None or not m.table.set_alt_text(media_id, caller_id, alt):
        raise Conflict("alt text cannot change once the media is posted")
    item.alt_text = alt
    return detail(item)


# -- processing ------------------------------------------------------------------------------


def process_upload(key: str, media: Media | None = None) -> str:
    """Turn the object S3 reported at ``key`` into ready (or failed) media; returns the outcome.

    Safe to repeat: S3 delivers events at least once, and an item only leaves *pending* once.
    The upload itself is deleted in every outcome, so what the client sent is never served."""
    m = media or Media.default()
    media_id = media_id_of(key)
    item = m.table.get(media_id) if media_id else None
    if item is None or item.state != PENDING or item.upload_key != key:
        m.bucket.delete([key])  # stray, replaced after processing, or a redelivered event
        return "ignored"
    started = time.perf_counter()
    size = m.bucket.size(key)
    if size is None:
        return "gone"  # a redelivered event after a completed run deleted it
    try:
        found = _process(m, item, size)
    except images.Rejected as rejected:
        logger.info("media rejected", extra={"media_id": item.media_id, "reason": rejected.reason})
        found = {"state": FAILED, "size": size, "reason": rejected.reason}
    outcome = Outcome(processing_ms=int((time.perf_counter() - started) * 1000), **found)
    m.table.finish(item.media_id, outcome)
    m.bucket.delete([key])
    return outcome.state


def _process(m: Media, item: MediaItem, size: int) -> dict:
    declared = item.content_type
    if size != int(item.declared_size):
        raise images.Rejected(f"the upload is {size} bytes, not the declared {int(item.declared_size)}")
    if size > max_bytes(declared):
        raise images.Rejected(f"the upload is {size} bytes; {declared} may be at most {max_bytes(declared)}")
    ext = images.EXTENSIONS[declared]
    original_key = f"{MEDIA_PREFIX}{item.media_id}/original.{ext}"
    s = get_settings()
    if item.kind == VIDEO:
        real = images.sniff(m.bucket.read(item.upload_key, images.SNIFF_BYTES))
        if real != declared:
            raise images.Rejected(f"declared {declared}, but the content is {real or 'not an accepted media type'}")
        dimensions = _video_dimensions(m, item.upload_key, size)
        m.bucket.copy(item.upload_key, original_key, declared)
        found: dict = {"state": READY, "size": size, "original_key": original_key}
        if dimensions is not None:
            found["width"], found["height"] = dimensions
        return found
    clean = images.clean_image(
        m.bucket.read(item.upload_key), declared, max_pixels=s.media_max_pixels, preview_px=s.media_preview_px
    )
    preview_key = f"{MEDIA_PREFIX}{item.media_id}/preview.webp"
    m.bucket.put(original_key, clean.data, declared)
    m.bucket.put(preview_key, clean.preview, images.PREVIEW_TYPE)
    return {
        "state": READY,
        "size": len(clean.data),
        "width": clean.width,
        "height": clean.height,
        "original_key": original_key,
        "preview_key": preview_key,
    }


def _video_dimensions(m: Media, key: str, size: int) -> tuple[int, int] | None:
    """Walk the MP4's top-level boxes with ranged reads (a few small GETs, never the whole
    video) to its ``moov`` box; a file without one is no playable MP4."""
    at = 0
    while at < size:
        kind_size, kind, header = images.box_header(m.bucket.read(key, images.BOX_HEADER, offset=at))
        end = size if kind_size == 0 else at + kind_size
        if kind == b"moov":
            if end - at > images.MAX_MOOV_BYTES:
                raise images.Rejected("the video's index (moov box) is too large")
            return images.video_dimensions(m.bucket.read(key, end - at - header, offset=at + header))
        if end <= at or end > size:
            raise images.Rejected("the video has a box that runs past its end")
        at = end
    raise images.Rejected("the file is not a playable MP4 (it has no moov box)")


# -- attaching to tweets -------------------------------------------------------------------


def check_attachable(owner_id: str, media_ids: Sequence[str], media: Media | None = None) -> list[MediaItem]:
    """The items a new tweet of ``owner_id`` may attach, in order, or an error naming the first id
    that may not be and why: 404 for none of yours, 409 for one whose state forbids it (attached,
    processing, failed), 422 for a mix the rules refuse. Up to 4 images, or 1 GIF, or 1 video."""
    if not media_ids:
        return []
    if len(set(media_ids)) != len(media_ids):
        raise InvalidInput("media_ids names the same media twice")
    if len(media_ids) > MAX_IMAGES:
        raise InvalidInput(f"a tweet carries at most {MAX_IMAGES} images (got {len(media_ids)} media)")
    m = media or Media.default()
    found = m.table.get_many(media_ids)
    items = []
    for media_id in media_ids:
        item = found.get(media_id)
        if item is None or item.owner_id != owner_id:
            raise MediaNotFound(f"media {media_id}: no such media of yours")
        if item.tweet_id is not None:
            raise MediaNotAttachable(f"media {media_id}: already attached to a tweet")
        if item.state == PENDING:
            raise MediaNotAttachable(f"media {media_id}: still processing")
        if item.state != READY:
            raise MediaNotAttachable(f"media {media_id}: processing failed ({item.reason})")
        items.append(item)
    kinds = [i.kind for i in items]
    if len(items) > 1 and any(k != IMAGE for k in kinds):
        other = next(i for i in items if i.kind != IMAGE)
        raise InvalidInput(f"media {other.media_id}: a {other.kind} must be the only media of a tweet")
    return items


# -- cleanup (media_cleanup) -------------------------------------------------------------


def on_tweet_removed(media_ids: Sequence[str], media: Media | None = None) -> int:
    """A deleted tweet takes its media with it (their objects follow via ``on_item_removed``)."""
    if media_ids:
        (media or Media.default()).table.delete_many(media_ids)
    return len(media_ids)


def on_item_removed(old_image: dict, media: Media | None = None) -> int:
    """A media item is gone (TTL, or its tweet's deletion): delete its objects."""
    keys = [old_image.get(k) for k in ("upload_key", "original_key", "preview_key")]
    wanted = [k for k in keys if k]
    if wanted:
        (media or Media.default()).bucket.delete(wanted)
    return len(wanted)
