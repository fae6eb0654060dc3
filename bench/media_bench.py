"""``python -m bench.media_bench`` — short keys per second from one instance, and the processing
time of a 4 MB JPEG.

Against a private moto server (DynamoDB + S3), in this process:

* keys      — ``KeyPool.take()`` of one instance (blocks of ``--block`` reserved in DynamoDB with
              one atomic update each, keys from the keyed permutation), ``--keys`` keys;
  baseline  — the same number of plain base62 encodings of a counter (no permutation, no
              reservation): the floor of handing out a key at all;
  claims    — ``Shortener.keys_for`` for ``--urls`` distinct URLs (key + URL items in one
              DynamoDB transaction each): what posting a new link costs, moto-bound;
* jpeg      — ``images.clean_image`` (decode, strip EXIF/GPS, re-encode, WebP preview) of a
              ~4 MB JPEG with GPS EXIF; baseline: Pillow decoding it only;
  pipeline  — ``process_upload`` of the same file end to end (S3 read, two writes, delete,
              DynamoDB update) through moto.

Prints the environment, inputs and figures; no test asserts on timings.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
import uuid

from bench import environment
from bench.stats import ratio
from infra.local.bootstrap import aws_env, bootstrap
from infra.local.services import MotoServer
from infra.local.stack import apply_env, restore_env


def _jpeg(target_bytes: int) -> bytes:
    """A noisy photo-sized JPEG of about ``target_bytes`` with a GPS position in its EXIF."""
    from PIL import ExifTags, Image

    width, height = 2600, 1950
    noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    smooth = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "BenchCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    best = b""
    for alpha in (0.3, 0.45, 0.6, 0.75, 0.9):
        out = io.BytesIO()
        Image.blend(smooth, noise, alpha).save(out, format="JPEG", quality=92, exif=exif)
        best = out.getvalue()
        if len(best) >= target_bytes:
            break
    return best


def _median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--urls", type=int, default=300)
    parser.add_argument("--jpeg-mb", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    moto = MotoServer().start()
    previous = apply_env(aws_env(moto.url))
    try:
        res = bootstrap(moto.url, redis_url="redis://127.0.0.1:1/0", opensearch_url="http://127.0.0.1:1")
        apply_env(res.env)
        from PIL import Image

        from warbler.links import keys
        from warbler.links.kgs import KeyPool
        from warbler.links.service import Shortener
        from warbler.links.store import LinkStore
        from warbler.media import images, service
        from warbler.settings import get_settings

        print("# media and links benchmark")
        print(f"CPU: {environment.cpu_model()} ({os.cpu_count()} cores); Python {platform.python_version()}")
        print(f"Pillow {Image.__version__}; moto server on loopback; commit {environment.git_commit()}")
        print(f"inputs: keys={args.keys} block={args.block} urls={args.urls} jpeg≈{args.jpeg_mb} MB runs={args.runs}")

        store = LinkStore()
        pool = KeyPool(store, args.block)
        started = time.perf_counter()
        handed = [pool.take() for _ in range(args.keys)]
        keys_seconds = time.perf_counter() - started
        assert len(set(handed)) == len(handed)
        started = time.perf_counter()
        _ = [keys.encode(n) for n in range(args.keys)]
        floor_seconds = time.perf_counter() - started
        print(
            f"keys: {args.keys / keys_seconds:,.0f} keys/s from one instance ({pool.reservations} block reservations)"
        )
        print(f"  baseline (plain base62 of a counter): {args.keys / floor_seconds:,.0f} keys/s; "
              f"ratio {ratio(keys_seconds, floor_seconds):.1f}x the baseline time")  # fmt: skip
        shortener = Shortener(store, KeyPool(store, args.block))
        urls = [f"https://example.com/{uuid.uuid4().hex}" for _ in range(args.urls)]
        started = time.perf_counter()
        for url in urls:
            shortener.keys_for([url], None)
        claims_seconds = time.perf_counter() - started
        print(f"claims: {args.urls / claims_seconds:,.0f} new links/s (one DynamoDB transaction each, moto)")

        data = _jpeg(int(args.jpeg_mb * 1024 * 1024))
        s = get_settings()
        clean = _median_seconds(
            lambda: images.clean_image(data, images.JPEG, max_pixels=s.media_max_pixels, preview_px=s.media_preview_px),
            args.runs,
        )

        def decode() -> None:
            Image.open(io.BytesIO(data)).load()

        decode_only = _median_seconds(decode, args.runs)
        print(f"jpeg: {len(data) / 1024 / 1024:.2f} MB, 2600x1950: clean_image median {clean * 1000:.0f} ms")
        print(
            f"  baseline (Pillow decode only): {decode_only * 1000:.0f} ms; ratio {ratio(clean, decode_only):.1f}x the baseline time"
        )

        media = service.Media.default()

        def pipeline() -> None:
            item = service.create_from_bytes("1", data, images.JPEG, media=media)
            assert service.process_upload(f"uploads/{item['id']}", media=media) == "ready"

        end_to_end = _median_seconds(pipeline, args.runs)
        print(f"pipeline: put + process_upload (S3 read, 2 writes, delete; DynamoDB) median {end_to_end * 1000:.0f} ms")
    finally:
        restore_env(previous)
        moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
