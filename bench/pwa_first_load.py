"""Benchmark: the officer app's first load and its start from the service-worker cache.

1. Bytes: the JS and CSS a first visit loads, gzipped as a reverse proxy would send
   them. Goal ≤ 300 KB.
2. Time to interactive from the service-worker cache with the CPU throttled 4× (Chrome
   DevTools' "mid-tier phone"): navigation start until the login button can be pressed.
   It is printed next to the same start unthrottled, measured in the same run.

Real headless Chromium (Debian's), the real app served by gunicorn, no network beyond
loopback.

    python -m bench.pwa_first_load [--runs 5]
"""
from __future__ import annotations

import argparse
import gzip
import statistics
import time

from bench.common import engine_name, make_app, write_result

BUDGET_KB = 300
CHROMIUM = "/usr/bin/chromium"


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
            assets: dict[str, bytes] = {}

            def keep(resp):
                if resp.request.resource_type in ("script", "stylesheet") and resp.ok:
                    try:
                        assets[resp.url] = resp.body()
                    except Exception:  # noqa: BLE001 - a body the browser dropped
                        pass

            page.on("response", keep)
            page.goto("/login")
            page.locator("[data-test=login]").wait_for()
            raw = sum(len(b) for b in assets.values())
            gz = sum(len(gzip.compress(b, 6)) for b in assets.values())
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
    return {"engine": engine, "assets": len(assets), "js_css_bytes": raw, "js_css_gzip_bytes": gz, "budget_kb": BUDGET_KB,
            "budget_met": gz <= BUDGET_KB * 1024, "tti_sw_cache_cpu4x_ms": round(t4), "tti_sw_cache_cpu1x_ms": round(t1),
            "ratio_4x_vs_1x": round(t4 / t1, 2), "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    r = run(args.runs)
    path = write_result("pwa_first_load", r)
    print(f"\nPWA first load: {r['assets']} JS/CSS files, {r['js_css_bytes'] / 1024:.0f} KB raw, "
          f"{r['js_css_gzip_bytes'] / 1024:.0f} KB gzipped (budget {BUDGET_KB} KB: {'met' if r['budget_met'] else 'NOT met'})")
    print(f"  start from the service-worker cache to interactive: {r['tti_sw_cache_cpu4x_ms']} ms at 4× CPU throttling, "
          f"{r['tti_sw_cache_cpu1x_ms']} ms unthrottled (×{r['ratio_4x_vs_1x']})")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
