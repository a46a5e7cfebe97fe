"""Benchmark: the register searched offline on the phone (pwa/src/lib/register.js).

A street's register of 5,000 generated subjects (names of shops with their pinyin initials
from pypinyin, as the server makes them; addresses; a credit code for a third of them;
places within about 3 km) is put into a page in Debian's headless Chromium — the same
Playwright set-up as the browser tests — and searched with the real module, imported from
`pwa/src/lib` (the bundle carries the same code, minified):

- `prepare` once per load (lowercase fields, the name order), after reading the register from
  IndexedDB as the app keeps it (`ref` row, one structured value);
- then the searches an officer types: a name fragment, pinyin initials, a credit-code prefix,
  nothing typed with a position (what is around here, nearest first), and the worst case, a
  text every subject's address holds (5,000 hits ranked).

Each sample is the mean of a batch of searches (the page's clock is coarsened to 0.1 ms);
median and p95 over the samples, unthrottled and with the CPU throttled 4× (DevTools'
"mid-tier phone"). Baseline, measured in the same page and run: a plain
`names.filter((n) => n.includes(q))` over the 5,000 names. Target: < 100 ms a search.

    python -m bench.register_search_browser [--subjects 5000] [--samples 60] [--batch 10]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics

from bench.common import write_result

CHROMIUM = "/usr/bin/chromium"
ORIGIN = "http://bench.local"
TARGET_MS = 100
HERE = {"lat": 29.9700, "lon": 121.6200}

PREFIXES = ["老王", "小李", "俞范", "蛟川", "明州", "金川", "骆驼", "宏远", "湾塘", "迎周", "兴庄", "庄市", "汇源", "万华", "鼓楼",
            "威远", "东门", "西门", "红联", "新城", "勤勇", "白龙", "清水", "临江", "张记", "陈家", "阿强", "好又多", "百姓", "鑫鑫"]
KINDS = ["水果店", "烧烤店", "便利店", "五金店", "餐饮有限公司", "理发店", "超市", "小吃店", "药房", "汽车修理厂", "面馆", "茶叶店",
         "服装店", "建材商行", "快递驿站", "洗车店", "早餐店", "烟酒店", "花店", "干洗店"]
ROADS = ["俞范东路", "明州路", "骆驼桥路", "中官西路", "金川路", "临江路", "宏远路", "清水浦路", "胜利路", "后大街"]

PAGE = """async ({ register, here, queries, samples, batch }) => {
    const lib = await import('/lib/register.js')
    // the register as the app keeps it: one value of the `ref` store, read back once per load
    const open = await new Promise((res, rej) => { const r = indexedDB.open('bench', 1); r.onupgradeneeded = () => r.result.createObjectStore('ref', { keyPath: 'key' }); r.onsuccess = () => res(r.result); r.onerror = rej })
    await new Promise((res, rej) => { const tx = open.transaction('ref', 'readwrite'); tx.objectStore('ref').put({ key: 'register:zf001', value: register, at: Date.now() }); tx.oncomplete = res; tx.onerror = rej })
    let t = performance.now()
    const kept = await new Promise((res) => { const q = open.transaction('ref').objectStore('ref').get('register:zf001'); q.onsuccess = () => res(q.result.value) })
    const readMs = performance.now() - t
    open.close()
    t = performance.now()
    const index = lib.prepare(kept)
    const prepareMs = performance.now() - t
    const names = kept.rows.map((r) => r[1])
    const time = (fn) => {
        const out = []
        for (let s = 0; s < samples; s++) {
            const t0 = performance.now()
            for (let b = 0; b < batch; b++) fn()
            out.push((performance.now() - t0) / batch)
        }
        return out
    }
    const result = { readMs, prepareMs, searches: {}, hits: {} }
    for (const [kind, q, where] of queries) {
        for (let w = 0; w < 5; w++) lib.search(index, q, where)  // warm
        result.searches[kind] = time(() => lib.search(index, q, where))
        result.hits[kind] = lib.search(index, q, where, { limit: 1e9 }).length
    }
    const q = queries[0][1]
    for (let w = 0; w < 5; w++) names.filter((n) => n.includes(q))
    result.baseline = time(() => names.filter((n) => n.includes(q)))
    return result
}"""


def make_register(n: int, seed: int = 2026) -> dict:
    """n subjects of a street as GET /api/v1/subjects/register sends them."""
    from pypinyin import Style, lazy_pinyin

    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        name = f"{rng.choice(PREFIXES)}{rng.choice(KINDS)}" + (f"（{rng.choice(ROADS)[:2]}店）" if rng.random() < 0.3 else "")
        initials = "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[:64]
        code = f"91330211MA2{rng.randrange(36 ** 6):06X}{rng.randrange(10)}"[:18] if i % 3 == 0 else ""
        lat = HERE["lat"] + rng.uniform(-0.015, 0.015)
        lon = HERE["lon"] + rng.uniform(-0.015, 0.015)
        rows.append([i, name, initials, f"蛟川街道{rng.choice(ROADS)}{rng.randrange(1, 400)}号", code, round(lat, 6), round(lon, 6),
                     "shop", "medium"])
    return {"columns": ["id", "name", "initials", "address", "credit_code", "lat", "lon", "kind", "risk_class"], "rows": rows,
            "version": "bench"}


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered), 3), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3)}


def run(subjects: int, samples: int, batch: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.conftest import ROOT

    lib = ROOT / "pwa" / "src" / "lib"
    register = make_register(subjects)
    code = next(r[4] for r in register["rows"] if r[4])
    queries = [("name_fragment", "水果", None), ("pinyin_initials", "lw", None), ("credit_code_prefix", code[:12], None),
               ("nearest_nothing_typed", "", HERE), ("name_fragment_near_here", "水果", HERE), ("every_address", "街道", HERE)]

    def serve(route):
        path = route.request.url[len(ORIGIN):].split("?")[0]
        if path.startswith("/lib/") and (lib / path[5:]).is_file():
            route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=(lib / path[5:]).read_text(encoding="utf-8"))
        elif path == "/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<!doctype html><meta charset=utf-8><title>register</title>")
        else:
            route.fulfill(status=404, body="")

    out: dict = {"engine": "chromium", "subjects": subjects, "samples": samples, "batch": batch, "target_ms": TARGET_MS}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            for throttle in (1, 4):
                ctx = browser.new_context(viewport={"width": 360, "height": 640})
                ctx.route(f"{ORIGIN}/**", serve)
                page = ctx.new_page()
                page.goto(f"{ORIGIN}/")
                cdp = ctx.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                r = page.evaluate(PAGE, {"register": register, "here": HERE, "queries": [list(q) for q in queries],
                                         "samples": samples, "batch": batch})
                cdp.detach()
                ctx.close()
                base = _stats(r["baseline"])
                per = {}
                for kind, _, _ in queries:
                    s = _stats(r["searches"][kind])
                    s["hits"] = r["hits"][kind]
                    s["ratio_to_filter"] = round(s["median_ms"] / base["median_ms"], 1) if base["median_ms"] else None
                    per[kind] = s
                worst = max(s["p95_ms"] for s in per.values())
                out[f"cpu{throttle}x"] = {"idb_read_ms": round(r["readMs"], 1), "prepare_ms": round(r["prepareMs"], 1),
                                          "baseline_filter": base, "queries": per, "worst_p95_ms": worst,
                                          "target_met": worst < TARGET_MS}
        finally:
            browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subjects", type=int, default=5000)
    ap.add_argument("--samples", type=int, default=60)
    ap.add_argument("--batch", type=int, default=10)
    args = ap.parse_args()
    r = run(args.subjects, args.samples, args.batch)
    path = write_result("register_search_browser", r)
    print(f"\nRegister search on the phone: {r['subjects']} subjects, {r['samples']} samples × {r['batch']} searches, target < {TARGET_MS} ms")
    for cpu in ("cpu1x", "cpu4x"):
        c = r[cpu]
        b = c["baseline_filter"]
        print(f"  CPU {cpu[3:]}: IndexedDB read {c['idb_read_ms']} ms, prepare {c['prepare_ms']} ms (once per load); "
              f"baseline names.filter {b['median_ms']} ms median")
        for kind, s in c["queries"].items():
            print(f"    {kind:24s} median {s['median_ms']:7.3f} ms  p95 {s['p95_ms']:7.3f} ms  ×{s['ratio_to_filter']} of the filter  ({s['hits']} hits)")
        print(f"    worst p95 {c['worst_p95_ms']} ms: target {'met' if c['target_met'] else 'NOT met'}")
    print(f"  written to {path}")
    print(json.dumps({cpu: {k: v['median_ms'] for k, v in r[cpu]['queries'].items()} for cpu in ('cpu1x', 'cpu4x')}, ensure_ascii=False))


if __name__ == "__main__":
    main()
