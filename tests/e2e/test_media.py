"""Media uploads end to end: POST /media, the presigned form posted to moto's S3 as a browser
would, the S3 event the emulator delivers, processing with Pillow, GET/PATCH /media/{id}."""

from __future__ import annotations

import io

import boto3
import pytest
import requests
from PIL import ExifTags, Image

from tests.media_support import gps_jpeg, png, settled, upload
from tests.support import wait_until


@pytest.fixture(scope="module")
def s3(local_stack):
    return boto3.client("s3", endpoint_url=local_stack.aws_endpoint, region_name="us-east-1")


def bucket(local_stack) -> str:
    return local_stack.resources.bucket_names["media"]


def test_a_jpeg_with_gps_exif_uploaded_through_the_presigned_form_is_stored_without_any(api, local_stack, s3):
    owner = api.signup()
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input has GPS

    created = upload(owner, original, "image/jpeg", alt_text="a blue square")
    item = settled(owner, created["id"])

    assert item["state"] == "ready", item
    assert (item["type"], item["width"], item["height"], item["alt_text"]) == ("image", 640, 480, "a blue square")
    key = "media/" + item["url"].split(f"{local_stack.media_cdn.url}/", 1)[1]
    stored = s3.get_object(Bucket=bucket(local_stack), Key=key)["Body"].read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (640, 480)
    assert not image.getexif()  # no EXIF at all: no GPS, no camera model
    assert b"Exif" not in stored and b"WarblerCam" not in stored
    # The browser-facing URLs load (moto serves the bucket on this machine), the preview too.
    assert requests.get(item["url"], timeout=5).content == stored
    preview = Image.open(io.BytesIO(requests.get(item["preview_url"], timeout=5).content))
    assert preview.format == "WEBP" and max(preview.size) <= 680
    # What the client sent is gone: only the cleaned copy is ever served.
    listed = s3.list_objects_v2(Bucket=bucket(local_stack), Prefix=f"uploads/{created['id']}")
    assert listed.get("KeyCount", 0) == 0


def test_a_declared_png_that_is_really_html_is_rejected_and_deleted(api, local_stack, s3):
    owner = api.signup()
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

    created = upload(owner, html, "image/png")
    item = settled(owner, created["id"])

    assert item["state"] == "failed"
    assert "image/png" in item["reason"] and item["url"] is None
    # The processor records the outcome, then deletes the upload (in that order, so a crash between
    # the two is repaired by the redelivered event): the object goes a moment after "failed" shows.
    wait_until(
        lambda: (
            s3.list_objects_v2(Bucket=bucket(local_stack), Prefix=f"uploads/{created['id']}").get("KeyCount", 0) == 0
        ),
        timeout=10,
        message="the rejected upload was not deleted",
    )
    assert s3.list_objects_v2(Bucket=bucket(local_stack), Prefix=f"media/{created['id']}").get("KeyCount", 0) == 0


def test_upload_request_rules(api):
    owner = api.signup()

    unsupported = owner.call("POST", "/media", json={"content_type": "image/svg+xml", "size_bytes": 100})
    too_big = owner.call("POST", "/media", json={"content_type": "image/png", "size_bytes": 5 * 1024 * 1024 + 1})
    gif_ok = owner.call("POST", "/media", json={"content_type": "image/gif", "size_bytes": 15 * 1024 * 1024})

    assert unsupported.status_code == 422 and unsupported.json()["error"]["code"] == "invalid"
    assert too_big.status_code == 422
    assert gif_ok.status_code == 201, gif_ok.text
    policy = gif_ok.json()["upload"]["fields"]
    assert policy["key"] == f"uploads/{gif_ok.json()['id']}" and policy["Content-Type"] == "image/gif"
    assert gif_ok.json()["state"] == "pending" and gif_ok.json()["expires_at"]


def test_media_is_its_owners_until_posted_and_alt_text_is_capped(api):
    owner, other = api.signup(), api.signup()
    created = upload(owner, png(), "image/png")
    settled(owner, created["id"])

    assert other.call("GET", f"/media/{created['id']}").status_code == 404
    assert other.call("PATCH", f"/media/{created['id']}", json={"alt_text": "mine"}).status_code == 404
    changed = owner.call("PATCH", f"/media/{created['id']}", json={"alt_text": "a green square"})
    assert changed.status_code == 200 and changed.json()["alt_text"] == "a green square"
    assert owner.call("PATCH", f"/media/{created['id']}", json={"alt_text": "x" * 1001}).status_code == 422
    assert owner.call("GET", "/media/not-an-id").status_code == 422  # not an id: the path pattern
    assert owner.call("GET", "/media/1").status_code == 404


def test_media_from_bytes_in_hand_goes_through_the_same_processing(api, local_stack):
    from warbler.media import service

    owner = api.signup()
    created = service.create_from_bytes(owner.id, png((30, 20)), "image/png", alt_text="tiny")

    item = settled(owner, created["id"])

    assert (item["state"], item["width"], item["height"], item["alt_text"]) == ("ready", 30, 20, "tiny")


def test_a_redelivered_s3_event_changes_nothing_and_a_short_upload_is_rejected(api, local_stack, s3):
    from infra.local.bucket_events import s3_event

    owner = api.signup()
    done = upload(owner, png(), "image/png")
    before = settled(owner, done["id"])
    key = f"uploads/{done['id']}"

    again = local_stack.invoke("media_processor", s3_event(bucket(local_stack), key, 1, "etag"))

    assert again == {"processed": {key: "ignored"}}
    assert owner.call("GET", f"/media/{done['id']}").json() == before
    data = png()
    declared = owner.call("POST", "/media", json={"content_type": "image/png", "size_bytes": len(data) + 10}).json()
    # moto does not enforce the policy's content-length-range: the processor's own check must.
    s3.put_object(Bucket=bucket(local_stack), Key=f"uploads/{declared['id']}", Body=data, ContentType="image/png")
    rejected = settled(owner, declared["id"])
    assert rejected["state"] == "failed" and "declared" in rejected["reason"]


def test_the_local_stack_watches_every_catalog_bucket_source(local_stack):
    from infra import catalog

    watched = {(w.function, w.source) for w in local_stack.bucket_events.watchers}
    assert watched == {(f.name, s) for f in catalog.FUNCTIONS for s in f.bucket_sources}


def test_a_video_is_checked_by_its_boxes_and_keeps_its_size(api, local_stack, s3):
    from tests.media_support import mp4

    owner = api.signup()
    video = settled(owner, upload(owner, mp4(1280, 720), "video/mp4")["id"])
    bogus = settled(owner, upload(owner, mp4(with_moov=False), "video/mp4")["id"])

    assert (video["state"], video["type"], video["width"], video["height"]) == ("ready", "video", 1280, 720)
    assert video["preview_url"] is None and requests.get(video["url"], timeout=5).content == mp4(1280, 720)
    assert bogus["state"] == "failed" and "moov" in bogus["reason"]
