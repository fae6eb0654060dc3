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
from typing import Any

import boto3
from botocore.config import Config
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from warbler.settings import get_settings

_settings = get_settings()
UPLOAD_PREFIX = "uploads/"
MEDIA_PREFIX = "media/"
PENDING, READY, FAILED = "pending", "ready", "failed"


class _Meta:
    region = _settings.aws_region
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


class MediaModel(Model):
    """One uploaded file. ``expires_at`` (TTL) is set until the media is attached to a tweet;
    the item's removal (TTL, or the tweet's deletion) removes its objects (``media_cleanup``)."""

    class Meta(_Meta):
        table_name = _settings.media_table

    media_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    content_type = UnicodeAttribute()
    kind = UnicodeAttribute()  # image | gif | video
    declared_size = NumberAttribute()
    size = NumberAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    alt_text = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default=PENDING)
    reason = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute()
    original_key = UnicodeAttribute(null=True)
    preview_key = UnicodeAttribute(null=True)
    tweet_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)
    processing_ms = NumberAttribute(null=True)


MODELS: tuple[type[Model], ...] = (MediaModel,)


def upload_key(media_id: str) -> str:
    return f"{UPLOAD_PREFIX}{media_id}"


def media_id_of(key: str) -> str | None:
    if not key.startswith(UPLOAD_PREFIX):
        return None
    rest = key[len(UPLOAD_PREFIX) :]
    return rest if rest.isdigit() else None


class MediaTable:
    def create(self, item: MediaModel) -> None:
        item.save(condition=MediaModel.media_id.does_not_exist())

    def get(self, media_id: str) -> MediaModel | None:
        try:
            return MediaModel.get(media_id, consistent_read=True)
        except DoesNotExist:
            return None

    def get_many(self, media_ids: Sequence[str]) -> dict[str, MediaModel]:
        if not media_ids:
            return {}
        return {m.media_id: m for m in MediaModel.batch_get(list(dict.fromkeys(media_ids)))}

    def finish(self, media_id: str, actions: list[Any]) -> bool:
        """Apply the processing outcome if the item is still pending (False if it is not: a
        redelivered event, or the item was removed meanwhile)."""
        try:
            MediaModel(media_id).update(actions=actions, condition=MediaModel.state == PENDING)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_alt_text(self, media_id: str, owner_id: str, alt_text: str | None) -> bool:
        """Change the alt text of an unattached item of ``owner_id`` (False if it is not one)."""
        action = MediaModel.alt_text.set(alt_text) if alt_text else MediaModel.alt_text.remove()
        try:
            MediaModel(media_id).update(
                actions=[action],
                condition=(MediaModel.owner_id == owner_id) & MediaModel.tweet_id.does_not_exist(),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @staticmethod
    def attach_in(tx: TransactWrite, media_id: str, owner_id: str, tweet_id: str) -> None:
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
        config = Config(signature_version="s3v4", s3={"addressing_style": s.media_s3_addressing_style})
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

    def read(self, key: str, first_bytes: int | None = None) -> bytes:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if first_bytes is not None:
            kwargs["Range"] = f"bytes=0-{first_bytes - 1}"
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
