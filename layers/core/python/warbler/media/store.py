"""Storage for media: the item in DynamoDB (``MediaTable``) and the bytes in S3 (``MediaBucket``).

Bucket layout (one bucket, ``infra.catalog.BUCKETS``):

* ``uploads/<media id>``            what the client POSTed; only ``media_processor`` reads it,
                                    and deletes it once processed (a lifecycle rule removes any
                                    left after a day)
* ``media/<media id>/original.<ext>`` the cleaned copy (no EXIF, GPS, XMP, comments)
* ``media/<media id>/preview.webp``   the resized preview

The rules (who may read, attach or change what) live in ``warbler.media.service``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist, PynamoDBException, UpdateError
from pynamodb.expressions.update import Action

from warbler.adapters.dynamo import MediaModel
from warbler.adapters.transactions import failed_conditions
from warbler.settings import get_settings

UPLOAD_PREFIX = "uploads/"
MEDIA_PREFIX = "media/"
PENDING, READY, FAILED = "pending", "ready", "failed"
# What a call to DynamoDB or S3 raises when the service, not the input, failed: worth a retry.
STORAGE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError, PynamoDBException, RuntimeError)


@dataclass
class MediaItem:
    """A media item as the rules see it (the store maps it to and from ``MediaModel``)."""

    media_id: str
    owner_id: str
    content_type: str
    kind: str
    declared_size: int
    upload_key: str
    created_at: str
    state: str = PENDING
    alt_text: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    reason: str | None = None
    original_key: str | None = None
    preview_key: str | None = None
    tweet_id: str | None = None
    expires_at: int | None = None  # epoch seconds while unattached
    processing_ms: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What processing found: ready with its objects, or failed with a reason."""

    state: str
    size: int
    processing_ms: int
    reason: str | None = None
    width: int | None = None
    height: int | None = None
    original_key: str | None = None
    preview_key: str | None = None


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _item(model: MediaModel) -> MediaItem:
    return MediaItem(
        media_id=model.media_id,
        owner_id=model.owner_id,
        content_type=model.content_type,
        kind=model.kind,
        declared_size=int(model.declared_size),
        upload_key=model.upload_key,
        created_at=model.created_at,
        state=model.state,
        alt_text=model.alt_text,
        size=_int(model.size),
        width=_int(model.width),
        height=_int(model.height),
        reason=model.reason,
        original_key=model.original_key,
        preview_key=model.preview_key,
        tweet_id=model.tweet_id,
        expires_at=int(model.expires_at.timestamp()) if model.expires_at else None,
        processing_ms=_int(model.processing_ms),
    )


def upload_key(media_id: str) -> str:
    return f"{UPLOAD_PREFIX}{media_id}"


def media_id_of(key: str) -> str | None:
    if not key.startswith(UPLOAD_PREFIX):
        return None
    rest = key[len(UPLOAD_PREFIX) :]
    return rest if rest.isdigit() else None


class MediaTable:
    def create(self, item: MediaItem) -> None:
        model = MediaModel(
            item.media_id,
            owner_id=item.owner_id,
            content_type=item.content_type,
            kind=item.kind,
            declared_size=item.declared_size,
            upload_key=item.upload_key,
            created_at=item.created_at,
            state=item.state,
            alt_text=item.alt_text,
        )
        if item.expires_at is not None:
            model.expires_at = datetime.fromtimestamp(item.expires_at, UTC)
        model.save(condition=MediaModel.media_id.does_not_exist())

    def get(self, media_id: str) -> MediaItem | None:
        try:
            return _item(MediaModel.get(media_id, consistent_read=True))
        except DoesNotExist:
            return None

    def get_many(self, media_ids: Sequence[str]) -> dict[str, MediaItem]:
        if not media_ids:
            return {}
        return {m.media_id: _item(m) for m in MediaModel.batch_get(list(dict.fromkeys(media_ids)))}

    def finish(self, media_id: str, outcome: Outcome) -> bool:
        """Record the processing outcome if the item is still pending (False if it is not: a
        redelivered event, or the item was removed meanwhile)."""
        actions: list[Action] = [
            MediaModel.state.set(outcome.state),
            MediaModel.size.set(outcome.size),
            MediaModel.processing_ms.set(outcome.processing_ms),
        ]
        for name in ("reason", "width", "height", "original_key", "preview_key"):
            value = getattr(outcome, name)
            if value is not None:
                actions.append(getattr(MediaModel, name).set(value))
        try:
            MediaModel(media_id).update(actions=actions, condition=MediaModel.state == PENDING)
        except UpdateError as error:
            if failed_conditions(error):
                return False
            raise
        return True

    def set_alt_text(self, media_id: str, owner_id: str, alt_text: str | None) -> bool:
        """Change the alt text of an unattached item of ``owner_id`` (False if it is not one)."""
        action: Action = MediaModel.alt_text.set(alt_text) if alt_text else MediaModel.alt_text.remove()
        try:
            MediaModel(media_id).update(
                actions=[action],
                condition=(MediaModel.owner_id == owner_id) & MediaModel.tweet_id.does_not_exist(),
            )
        except UpdateError as error:
            if failed_conditions(error):
                return False
            raise
        return True

    @staticmethod
    def attach_in(tx: Any, media_id: str, owner_id: str, tweet_id: str) -> None:
        """Inside the tweet's own transaction: the owner's ready, unattached item now belongs to
        ``tweet_id`` and no longer expires. Fails the transaction if anyone attached it first."""
        tx.update(
            MediaModel(media_id),
            actions=[MediaModel.tweet_id.set(tweet_id), MediaModel.expires_at.remove()],
            condition=(MediaModel.owner_id == owner_id)
            & (MediaModel.state == READY)
            & MediaModel.tweet_id.does_not_exist(),
        )

    def delete_many(self, media_ids: Iterable[str]) -> None:
        with MediaModel.batch_write() as batch:  # PynamoDB retries unprocessed items
            for media_id in dict.fromkeys(media_ids):
                batch.delete(MediaModel(media_id))


_local = threading.local()


def _s3():
    if getattr(_local, "s3", None) is None:
        s = get_settings()
        # Path-style addressing: presigned forms then point at an endpoint a browser here can
        # reach (moto), and on AWS virtual-hosted style is chosen by the SDK anyway for https.
        # The regional endpoint even in us-east-1 (not s3.amazonaws.com): the web client's CSP
        # admits exactly the bucket's regional domain (infra/cdk/web.py).
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": s.media_s3_addressing_style, "us_east_1_regional_endpoint": "regional"},
        )
        _local.s3 = boto3.client("s3", region_name=s.aws_region, config=config)
    return _local.s3


class MediaBucket:
    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or get_settings().media_bucket

    def presigned_post(self, key: str, content_type: str, size: int, expires_in: int) -> dict:
        """A browser form that may upload exactly ``size`` bytes of ``content_type`` to ``key``."""
        return _s3().generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"key": key},
                {"Content-Type": content_type},
                ["content-length-range", size, size],
            ],
            ExpiresIn=expires_in,
        )

    def size(self, key: str) -> int | None:
        try:
            return int(_s3().head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except _s3().exceptions.ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def read(self, key: str, first_bytes: int | None = None, offset: int = 0) -> bytes:
        """The object, or ``first_bytes`` of it from ``offset`` (a ranged GET)."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if first_bytes is not None:
            kwargs["Range"] = f"bytes={offset}-{offset + first_bytes - 1}"
        return _s3().get_object(**kwargs)["Body"].read()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        _s3().put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    def copy(self, source: str, key: str, content_type: str) -> None:
        """A server-side copy (a video never passes through the function)."""
        _s3().copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": source},
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
            MetadataDirective="REPLACE",
        )

    def delete(self, keys: Iterable[str]) -> None:
        wanted = [{"Key": k} for k in dict.fromkeys(keys) if k]
        for start in range(0, len(wanted), 1000):
            result = _s3().delete_objects(
                Bucket=self.bucket, Delete={"Objects": wanted[start : start + 1000], "Quiet": True}
            )
            if result.get("Errors"):
                raise RuntimeError(f"S3 kept {len(result['Errors'])} objects: {result['Errors'][:3]}")
