"""What an uploaded file really is, and its clean copy: pure functions of bytes (Pillow).

``sniff`` reads the type from the file's own signature, never from what the client declared.
``clean_image`` decodes the image, applies and drops the EXIF orientation, and re-encodes it
with no EXIF (so no GPS), no XMP, no comments and no PNG text chunks - only the ICC colour profile
survives, because dropping it would change the colours - and renders a WebP preview that fits
``preview_px`` on its longer side. Animated GIF and WebP keep their frames, durations and loop.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

JPEG, PNG, GIF, WEBP, MP4 = "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"
IMAGE_TYPES = (JPEG, PNG, GIF, WEBP)
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
EXTENSIONS = {JPEG: "jpg", PNG: "png", GIF: "gif", WEBP: "webp", MP4: "mp4"}
PREVIEW_TYPE = WEBP
SNIFF_BYTES = 16
_ORIENTATION = 0x0112


class Rejected(Exception):
    """The file is not what it may be; ``reason`` is shown to its owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanImage:
    content_type: str
    width: int
    height: int
    data: bytes
    preview: bytes
    frames: int


def sniff(head: bytes) -> str | None:
    """The media type a file's first bytes announce, if it is one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return MP4
    return None


# -- MP4: the ISO base media file format's boxes, read only as far as the video's dimensions ----

BOX_HEADER = 16  # size (4) + type (4) + the 64-bit size that follows a size of 1 (8)
MAX_MOOV_BYTES = 16 * 1024 * 1024


def box_header(head: bytes) -> tuple[int, bytes, int]:
    """(box size, type, header length) from the first bytes of a box; size 0 means "to the end"."""
    if len(head) < 8:
        raise Rejected("the video ends inside a box header")
    size, kind = struct.unpack(">I4s", head[:8])
    if size == 1:
        if len(head) < 16:
            raise Rejected("the video ends inside a box header")
        return struct.unpack(">Q", head[8:16])[0], kind, 16
    if 0 < size < 8:
        raise Rejected("the video has a malformed box")
    return size, kind, 8


def _children(payload: bytes) -> list[tuple[bytes, bytes]]:
    out, at = [], 0
    while at + 8 <= len(payload):
        size, kind, header = box_header(payload[at : at + 16])
        end = len(payload) if size == 0 else at + size
        out.append((kind, payload[at + header : end]))
        at = end
    return out


def video_dimensions(moov: bytes) -> tuple[int, int] | None:
    """Width and height of the first track with a picture, from the ``moov`` payload's ``tkhd``."""
    for kind, trak in _children(moov):
        if kind != b"trak":
            continue
        for child, tkhd in _children(trak):
            if child != b"tkhd" or not tkhd:
                continue
            at = 84 if tkhd[0] == 1 else 76  # version 1 has 64-bit times
            if len(tkhd) >= at + 8:
                width, height = struct.unpack(">II", tkhd[at : at + 8])
                if width >> 16 and height >> 16:  # 16.16 fixed point
                    return width >> 16, height >> 16
    return None


def _open(data: bytes, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise Rejected(f"the image is {width}x{height}; at most {max_pixels:,} pixels are accepted")
            image.load()
        except Rejected:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise Rejected("the file is not a readable image") from exc
        except Image.DecompressionBombWarning as exc:
            raise Rejected("the image has too many pixels") from exc
    return image


def _strip_info(image: Image.Image) -> None:
    for field in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "adobe", "adobe_transform"):
        image.info.pop(field, None)
    for text_chunk in [k for k, v in image.info.items() if isinstance(v, str) and k != "icc_profile"]:
        image.info.pop(text_chunk, None)  # PNG tEXt/iTXt chunks land here as strings


def _preview(image: Image.Image, preview_px: int) -> bytes:
    first = image.copy()
    first = first.convert("RGBA" if first.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    first.thumbnail((preview_px, preview_px))  # the size warbler.media.geometry.preview_size names
    out = io.BytesIO()
    first.save(out, format="WEBP", quality=80, method=4)
    return out.getvalue()


def clean_image(data: bytes, declared: str, *, max_pixels: int, preview_px: int) -> CleanImage:
    real = sniff(data[:SNIFF_BYTES])
    if real != declared:
        raise Rejected(f"declared {declared}, but the content is {real or 'not an accepted media type'}")
    image = _open(data, max_pixels)
    if image.format != _PIL_FORMATS[declared]:
        raise Rejected(f"declared {declared}, but the content is {image.format or 'unknown'}")
    icc = image.info.get("icc_profile")
    frames = getattr(image, "n_frames", 1)
    out = io.BytesIO()
    if declared == JPEG:
        orientation = image.getexif().get(_ORIENTATION, 1)
        _strip_info(image)
        if orientation != 1:
            upright = ImageOps.exif_transpose(image)
            upright.info.pop("exif", None)
            upright.save(out, format="JPEG", quality=90, icc_profile=icc)
            image = upright
        else:
            # "keep" re-uses the file's own quantisation tables: no visible loss from re-encoding.
            image.save(out, format="JPEG", quality="keep", icc_profile=icc)
    elif declared == PNG:
        _strip_info(image)
        image.save(out, format="PNG", icc_profile=icc)
    elif declared == GIF:
        _strip_info(image)
        if frames > 1:
            durations = []
            for frame in ImageSequence.Iterator(image):
                durations.append(frame.info.get("duration", 100))
            image.seek(0)
            image.save(out, format="GIF", save_all=True, duration=durations, loop=image.info.get("loop", 0))
        else:
            image.save(out, format="GIF")
    else:  # WEBP
        _strip_info(image)
        if frames > 1:
            image.save(out, format="WEBP", save_all=True, quality=90, icc_profile=icc or "")
        else:
            image.save(out, format="WEBP", quality=90, icc_profile=icc or "")
    image.seek(0) if frames > 1 else None
    width, height = image.size
    return CleanImage(declared, width, height, out.getvalue(), _preview(image, preview_px), frames)
