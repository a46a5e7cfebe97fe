"""Benchmark: the evidence photo pipeline vs Pillow's bare full decode, same files, same run.

Product: `PUT /api/v1/media/<sha256>` through the Flask app (authenticated, in-process
WSGI: no socket), i.e. streaming to disk with SHA-256, Pillow inspection and EXIF,
one reduced-scale decode (JPEG draft mode), orientation, watermark, thumb + display
JPEGs, fsync + rename of the original, database rows and audit entries.
Baseline: `Image.open(...).load()` — a full decode of the same bytes, nothing else.

    python -m bench.photo_pipeline [--photos 20] [--database-url URL]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import time

from PIL import Image

from bench.common import engine_name, make_app, write_result

GOAL_RATIO = 1.2


def make_photos(n: int, width: int = 4000, height: int = 3000) -> list[bytes]:
    """12-megapixel JPEGs with camera EXIF and GPS, each different."""
    sys.path.insert(0, ".")
    from tests import images

    photos = []
    for i in range(n):
        base = images.picture(width, height, color=(120 + i * 5 % 100, 140, 160))
        photos.append(images.jpeg(image=base, lat=29.96 + i * 0.0005, lon=121.61 + i * 0.0005,
                                  taken=f"2026:11:20 10:{i % 60:02d}:00", orientation=1 if i % 3 else 6, quality=90))
    return photos


def run(n: int, database_url: str | None) -> dict:
    photos = make_photos(n)
    mean_mb = statistics.mean(len(p) for p in photos) / 1e6
    print(f"{n} photos of 12 MP, {mean_mb:.1f} MB each on average", file=sys.stderr)
    app = make_app(database_url)
    app.config["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="zs-bench-media-")
    engine = engine_name(app)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "zf001", "password": "demo1234", "device_id": "dev-bench-photo"})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}

    # warm both paths once (imports, font loading) on a photo not measured
    warm = make_photos(1)[0]
    Image.open(io.BytesIO(warm)).load()
    client.put(f"/api/v1/media/{hashlib.sha256(warm).hexdigest()}", data=warm, headers=headers, content_type="image/jpeg")

    # interleave product and baseline per photo so machine noise hits both alike
    product, baseline = [], []
    for data in photos:
        t = time.perf_counter()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
        baseline.append(time.perf_counter() - t)
        digest = hashlib.sha256(data).hexdigest()
        t = time.perf_counter()
        resp = client.put(f"/api/v1/media/{digest}", data=data, headers=headers, content_type="image/jpeg")
        product.append(time.perf_counter() - t)
        assert resp.status_code == 201, resp.get_json()
    p_ms, b_ms = statistics.median(product) * 1000, statistics.median(baseline) * 1000
    return {"engine": engine, "photos": n, "mean_mb": round(mean_mb, 2), "pixels": 12_000_000,
            "product_ms_per_photo": round(p_ms, 1), "baseline_decode_ms": round(b_ms, 1),
            "product_mean_ms": round(statistics.mean(product) * 1000, 1), "baseline_mean_ms": round(statistics.mean(baseline) * 1000, 1),
            "ratio": round(p_ms / b_ms, 3), "goal_ratio": GOAL_RATIO}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=20)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    r = run(args.photos, args.database_url)
    path = write_result("photo_pipeline", r)
    print(f"\nphoto pipeline on {r['engine']}: {r['photos']} × 12 MP JPEG ({r['mean_mb']} MB)")
    print(f"  {'':34}{'median ms':>10}{'mean ms':>10}")
    print(f"  {'product (PUT: verify+EXIF+derive)':34}{r['product_ms_per_photo']:>10}{r['product_mean_ms']:>10}")
    print(f"  {'baseline (Pillow full decode)':34}{r['baseline_decode_ms']:>10}{r['baseline_mean_ms']:>10}")
    print(f"  ratio product/baseline: {r['ratio']:.2f} (goal ≤ {GOAL_RATIO})")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
