"""Where a browser posts media on AWS: the presigned form names the bucket's regional domain in
every region (us-east-1 included, not the legacy global s3.amazonaws.com), which is exactly the
origin the web client's CSP admits in connect-src (infra/cdk/web.py, tests/infra/test_web_stack.py)."""

from __future__ import annotations

import pytest

from warbler.media import store
from warbler.settings import Settings


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_on_aws_the_presigned_form_posts_to_the_buckets_regional_domain(monkeypatch, region: str) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    settings = Settings.from_env(
        {"WARBLER_STAGE": "local", "AWS_REGION": region, "WARBLER_MEDIA_S3_ADDRESSING_STYLE": "virtual"}
    )
    assert settings.aws_region == region
    monkeypatch.setattr(store, "get_settings", lambda: settings)
    monkeypatch.setattr(store, "_local", type(store._local)())  # a fresh client for these settings

    form = store.MediaBucket("warbler-prod-media").presigned_post("uploads/1", "image/png", 10, 60)

    assert form["url"] == f"https://warbler-prod-media.s3.{region}.amazonaws.com/"
