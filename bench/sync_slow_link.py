"""Benchmark 6: a day of work syncing over a slow link, in the real officer app.

The PWA runs in Debian's headless Chromium against gunicorn on loopback, with Chrome's
network emulation (DevTools protocol) set to a 3G link: 750 kbit/s up, 1.5 Mbit/s down,
150 ms latency. An officer's day — inspections citing photos — is put in the app's
outbox (IndexedDB, the exact rows the app writes) in one transaction; then the app is
told the network is back and its outbox drains as in the field: records in batches,
photos in resumable 256 KB chunks, the reference-data refresh alongside.

Figure: wall time until the outbox is empty and every photo verified, against the
physical transfer time of the same bytes at that bandwidth (every request's and
response's headers and body as Chromium counts them, up and down). Goal ≤ 1.1×.

    python -m bench.sync_slow_link [--records 50] [--photos 30]
"""
from __future__ import annotations

import argparse
import base64
import random
import time
import uuid
from datetime import datetime, timezone

from bench.common import engine_name, make_app, write_result

CHROMIUM = "/usr/bin/chromium"
UP_BPS = 750_000 / 8      # bytes per second
DOWN_BPS = 1_500_000 / 8
LATENCY_MS = 150
GOAL_RATIO = 1.1

INSERT = """async ([records, blobs]) => {
    const open = await new Promise((res, rej) => { const r = indexedDB.open('zhangshang'); r.onsuccess = () => res(r.result); r.onerror = rej })
    const tx = open.transaction(['outbox', 'blobs'], 'readwrite')
    for (const b of blobs) {
        const bytes = Uint8Array.from(atob(b.data), (c) => c.charCodeAt(0))
        tx.objectStore('blobs').put({ sha256: b.sha256, blob: new Blob([bytes], { type: 'image/jpeg' }), type: 'image/jpeg',
                                      size: bytes.length, officer: b.officer, verified: 0, createdAt: Date.now() })
    }
    for (const r of records) tx.objectStore('outbox').add(r)
    await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = rej })
    open.close()
}"""


def _photo(i: int, rng: random.Random) -> bytes:
    """A phone-like photo: 1280 × 960 with texture, ~150–250 KB, EXIF with time and place."""
    from PIL import Image, ImageFilter

    from tests.images import jpeg

    noise = Image.effect_noise((1280, 960), 40).filter(ImageFilter.GaussianBlur(1.2))
    tint = Image.new("RGB", (1280, 960), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    im = Image.blend(Image.merge("RGB", (noise, noise, noise)), tint, 0.5)
    return jpeg(image=im, lat=29.97, lon=121.62, taken=datetime.now().strftime("%Y:%m:%d %H:%M:%S"), offset="+08:00", quality=80)


def run(records: int, photos: int) -> dict:
    import hashlib

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import NINGBO, login, outbox_state
    from tests.conftest import ROOT
    from tests.server import Server

    app = make_app(None)
    engine = engine_name(app)
    server = Server(app.config["SQLALCHEMY_DATABASE_URI"], "/tmp/zs-bench-slow-media", app.config["SECRET_KEY"], threads=4,
                    PWA_DIST=str(ROOT / "pwa" / "dist"))
    server.start()
    rng = random.Random(3)
    blobs, shas = [], []
    for i in range(photos):
        data = _photo(i, rng)
        sha = hashlib.sha256(data).hexdigest()
        shas.append(sha)
        blobs.append({"sha256": sha, "data": base64.b64encode(data).decode(), "officer": "zf001"})
    now = datetime.now(timezone.utc).isoformat()
    rows = []
    for i in range(records):
        cited = shas[i::records] if i < photos else []  # the photos spread over the records
        payload = {"lat": 29.9700 + i * 1e-5, "lon": 121.6150 + i * 1e-5, "accuracy": 6, "subject": {"name": f"商户{i}", "address": f"某路 {i} 号"},
                   "matter_code": "SR-001", "result": "compliant", "notes": "现场检查未发现问题", "photos": cited, "inspected_at": now}
        rows.append({"id": str(uuid.uuid4()), "kind": "inspection", "officer": "zf001", "payload": payload, "photos": cited,
                     "captured_at": now, "status": "pending", "attempts": 0, "message": None, "createdAt": int(time.time() * 1000)})
    sizes = {"up": 0, "down": 0, "requests": 0}

    def count(req) -> None:
        try:
            s = req.sizes()
        except Exception:  # noqa: BLE001 - a request the page abandoned
            return
        body = s["requestBodySize"]
        if not body:  # a Blob body (the photo chunks) is not counted there: its Content-Length is exact
            body = int(req.all_headers().get("content-length") or 0)
        sizes["up"] += s["requestHeadersSize"] + body
        sizes["down"] += s["responseHeadersSize"] + s["responseBodySize"]
        sizes["requests"] += 1

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu",
                                        "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"])
            ctx = browser.new_context(base_url=f"http://127.0.0.1:{server.port}", viewport={"width": 360, "height": 640},
                                      geolocation=NINGBO, permissions=["geolocation"], locale="zh-CN", service_workers="allow")
            ctx.set_default_timeout(30000)
            page = ctx.new_page()
            login(page)
            page.wait_for_timeout(1500)  # the first refresh after login settles
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS,
                                                          "downloadThroughput": DOWN_BPS, "uploadThroughput": UP_BPS})
            page.evaluate(INSERT, [rows, blobs])
            page.on("requestfinished", count)
            t0 = time.perf_counter()
            page.evaluate("window.dispatchEvent(new Event('online'))")  # the network is back
            deadline = t0 + 60 + 4 * (photos * 300_000 / UP_BPS)
            while True:
                st = outbox_state(page)
                if not st["outbox"] and not [b for b in st["blobs"] if b["verified"] == 0]:
                    break
                if time.perf_counter() > deadline:
                    raise AssertionError(f"outbox not drained: {len(st['outbox'])} records, "
                                         f"{len([b for b in st['blobs'] if b['verified'] == 0])} photos left")
                page.wait_for_timeout(200)
            wall = time.perf_counter() - t0
            page.wait_for_timeout(300)  # the last requestfinished events
            browser.close()
    finally:
        server.stop()
    physical = sizes["up"] / UP_BPS + sizes["down"] / DOWN_BPS
    photo_bytes = sum(len(base64.b64decode(b["data"])) for b in blobs)
    return {"engine": engine, "records": records, "photos": photos, "photo_bytes": photo_bytes,
            "link": {"up_kbit_s": UP_BPS * 8 / 1000, "down_kbit_s": DOWN_BPS * 8 / 1000, "latency_ms": LATENCY_MS},
            "requests": sizes["requests"], "bytes_up": sizes["up"], "bytes_down": sizes["down"],
            "wall_s": round(wall, 2), "physical_s": round(physical, 2), "ratio": round(wall / physical, 3),
            "goal_ratio": GOAL_RATIO, "met": wall / physical <= GOAL_RATIO}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=50)
    ap.add_argument("--photos", type=int, default=30)
    args = ap.parse_args()
    r = run(args.records, args.photos)
    path = write_result("sync_slow_link", r)
    print(f"\nsync over 3G (750 kbit/s up, 1.5 Mbit/s down, 150 ms): {r['records']} records, {r['photos']} photos "
          f"({r['photo_bytes'] / 1e6:.1f} MB) in {r['requests']} requests")
    print(f"  bytes up {r['bytes_up']:,}, down {r['bytes_down']:,}: physical transfer time {r['physical_s']} s (baseline)")
    print(f"  the app's sync, wall time: {r['wall_s']} s — ratio {r['ratio']} ({'met' if r['met'] else 'NOT met'}, goal ≤ {GOAL_RATIO})")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
