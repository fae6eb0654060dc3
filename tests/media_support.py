"""Real image files and the upload flow, for the media tests."""

from __future__ import annotations

import io

import requests
from PIL import ExifTags, Image

from tests.support import wait_until


def gps_jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    """A real JPEG whose EXIF has a camera model and a GPS position."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "WarblerCam 3000"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 10, 255)).save(out, format="PNG")
    return out.getvalue()


def upload(account, data: bytes, content_type: str, alt_text: str | None = None) -> dict:
    """Ask for an upload and POST the bytes with the returned form; returns the 201 body."""
    body = {"content_type": content_type, "size_bytes": len(data)}
    if alt_text is not None:
        body["alt_text"] = alt_text
    created = account.call("POST", "/media", json=body)
    assert created.status_code == 201, created.text
    form = created.json()["upload"]
    sent = requests.post(form["url"], data=form["fields"], files={"file": ("upload", data, content_type)}, timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text
    return created.json()


def settled(account, media_id: str) -> dict:
    def done():
        item = account.call("GET", f"/media/{media_id}").json()
        return item if item["state"] != "pending" else None

    return wait_until(done, timeout=10, message=f"media {media_id} still pending")


def gif(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (40, 30), (60 * i, 20, 200 - 50 * i)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return out.getvalue()


def ready_media(account, data: bytes | None = None, content_type: str = "image/png") -> str:
    """The id of a ready media item of ``account``."""
    created = upload(account, data or png(), content_type)
    item = settled(account, created["id"])
    assert item["state"] == "ready", item
    return created["id"]


def _box(kind: bytes, payload: bytes) -> bytes:
    import struct

    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(width: int = 1280, height: int = 720, with_moov: bool = True) -> bytes:
    """A minimal ISO-BMFF file: ftyp, (moov/trak/tkhd with the picture size), mdat."""
    import struct

    tkhd = bytes([0, 0, 0, 3]) + bytes(72) + struct.pack(">II", width << 16, height << 16)
    moov = _box(b"moov", _box(b"mvhd", bytes(100)) + _box(b"trak", _box(b"tkhd", tkhd)))
    body = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + (moov if with_moov else b"")
    return body + _box(b"mdat", bytes(4096))
