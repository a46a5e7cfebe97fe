"""Benchmark: the officer app's first load and its start from the service-worker cache.

1. Bytes: what the server actually sends for the JS and CSS of a first visit to the login
   page (the browser's Resource Timing `encodedBodySize`: the compressed bytes on the
   wire), next to their decoded size. Goal ≤ 300 KB. Then what the service worker
   fetches in the background to work offline (every precached file, through the same
   server with the browser's Accept-Encoding).
2. Time to interactive from the service-worker cache with the CPU throttled 4× (Chrome
   DevTools' "mid-tier phone"): navigation start until the login button can be pressed.
   It is printed next to the same start unthrottled, measured in the same run.

Real headless Chromium (Debian's), the real app served by gunicorn, no network beyond
loopback.

    python -m bench.pwa_first_load [--runs 5]
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
import urllib.request

from bench.common import engine_name, make_app, write_result

BUDGET_KB = 300
CHROMIUM = "/usr/bin/chromium"


def precache_bytes(base: str) -> tuple[int, int, int]:
    """Every file the service worker precaches, fetched as a browser does (br, gzip): the
    number of files, the bytes sent and the bytes they decode to."""
    sw = urllib.request.urlopen(f"{base}/sw.js").read().decode()
    urls = re.findall(r'url:"([^"]+)"', sw)
    sent = raw = 0
    for url in urls:
        req = urllib.request.Request(f"{base}/{url.lstrip('/')}", headers={"Accept-Encoding": "br, gzip"})
        with urllib.request.urlopen(req) as resp:
            body = resp.read()
            sent += len(body)
            raw += len(body) if not resp.headers.get("Content-Encoding") else _decoded_len(body, resp.headers["Content-Encoding"])
    return len(urls), sent, raw


def _decoded_len(body: bytes, encoding: str) -> int:
    import gzip

    import brotli

    return len(brotli.decompress(body) if encoding == "br" else gzip.decompress(body))


def run(runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.conftest import ROOT
    from tests.server import Server

    app = make_app(None)
    engine = engine_name(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    server = Server(url, "/tmp/zs-bench-media", app.config["SECRET_KEY"], threads=4, PWA_DIST=str(ROOT / "pwa" / "dist"))
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu",
                                        "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run"])
            ctx = browser.new_context(base_url=base, viewport={"width": 360, "height": 640}, service_workers="allow")
            page = ctx.new_page()
            page.goto("/login")
            page.locator("[data-test=login]").wait_for()
            sent = page.evaluate("""() => performance.getEntriesByType('resource')
                .filter((e) => /\\.(js|css)(\\?|$)/.test(new URL(e.name).pathname))
                .map((e) => ({ url: e.name, wire: e.encodedBodySize, decoded: e.decodedBodySize }))""")
            wire = sum(e["wire"] for e in sent)
            raw = sum(e["decoded"] for e in sent)
            precache = precache_bytes(base)
            # wait until the service worker controls the page and has its precache
            for _ in range(200):
                if page.evaluate("!!(navigator.serviceWorker && navigator.serviceWorker.controller)"):
                    break
                page.reload()
                time.sleep(0.1)

            def start_once(throttle: float) -> float:
                tab = ctx.new_page()
                cdp = ctx.new_cdp_session(tab)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                t = time.perf_counter()
                tab.goto("/login")
                tab.locator("[data-test=login]").wait_for(state="visible")
                tab.locator("[data-test=username] input").click()  # it answers: interactive
                ms = (time.perf_counter() - t) * 1000
                served_by_sw = tab.evaluate("performance.getEntriesByType('navigation')[0].workerStart > 0")
                cdp.detach()
                tab.close()
                assert served_by_sw, "the start was not served by the service worker"
                return ms

            throttled = [start_once(4) for _ in range(runs)]
            plain = [start_once(1) for _ in range(runs)]
            browser.close()
    finally:
        server.stop()
    t4, t1 = statistics.median(throttled), statistics.median(plain)
    return {"engine": engine, "assets": len(sent), "js_css_bytes": raw, "js_css_sent_bytes": wire, "budget_kb": BUDGET_KB,
            "budget_met": wire <= BUDGET_KB * 1024, "precache_files": precache[0], "precache_sent_bytes": precache[1],
            "precache_raw_bytes": precache[2], "tti_sw_cache_cpu4x_ms": round(t4), "tti_sw_cache_cpu1x_ms": round(t1),
            "ratio_4x_vs_1x": round(t4 / t1, 2), "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    r = run(args.runs)
    path = write_result("pwa_first_load", r)
    print(f"\nPWA first load (login page): {r['assets']} JS/CSS files, {r['js_css_sent_bytes'] / 1024:.0f} KB sent "
          f"({r['js_css_bytes'] / 1024:.0f} KB decoded; budget {BUDGET_KB} KB sent: {'met' if r['budget_met'] else 'NOT met'})")
    print(f"  then the service worker's precache for offline use: {r['precache_files']} files, "
          f"{r['precache_sent_bytes'] / 1024:.0f} KB sent ({r['precache_raw_bytes'] / 1024:.0f} KB decoded)")
    print(f"  start from the service-worker cache to interactive: {r['tti_sw_cache_cpu4x_ms']} ms at 4× CPU throttling, "
          f"{r['tti_sw_cache_cpu1x_ms']} ms unthrottled (×{r['ratio_4x_vs_1x']})")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
