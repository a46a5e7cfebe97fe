"""Benchmark 5: load — gunicorn with the production settings (gunicorn.conf.py), N
simulated officers (Locust, bench/locustfile.py) doing the field mix for a bounded time
on loopback: throughput, p50/p95/p99 per request kind, errors. Baseline from the same run:
the idle p50 of an authenticated `GET /api/v1/me` against the same server before the
load. Goal (issue 9): zero errors and p99 ≤ 10× that idle p50.

    python -m bench.load [--users 200] [--seconds 60] [--database-url URL]

The load generator runs on the same machine as the server (2 cores here): its own CPU
is part of what the server competes with, so the figures are a floor, not a ceiling.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import engine_name, make_app, write_result
from tests.server import free_port

ROOT = Path(__file__).resolve().parent.parent
GOAL_P99_OVER_IDLE_P50 = 10.0


def _photos(n: int, folder: Path) -> list[str]:
    """Distinct 1600 × 1200 JPEGs with EXIF and GPS (each upload is a new photo, not a dedupe)."""
    from PIL import ImageDraw

    from tests.images import jpeg, picture

    paths = []
    rng = random.Random(5)
    for i in range(n):
        im = picture(1600, 1200, color=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        ImageDraw.Draw(im).text((20 + i % 700, 20 + i % 500), f"{i}", fill=(0, 0, 0))
        p = folder / f"p{i:04d}.jpg"
        p.write_bytes(jpeg(image=im, lat=29.97, lon=121.62, taken=time.strftime("%Y:%m:%d %H:%M:%S"), offset="+08:00", quality=90))
        paths.append(str(p))
    return paths


def _prepare(app, users: int) -> list[dict]:
    """`users` officers in the demo street (one shared, pre-hashed password) and a logged-in phone each."""
    from backend.extensions import limiter

    from bench.common import add_officers

    add_officers(app, [f"ld{i:04d}" for i in range(users)], [f"压测{i:04d}" for i in range(users)], "load-pass-1")

    limiter.enabled = False  # these logins set the stage; the login limit is not under test
    client = app.test_client()
    phones = []
    for i in range(users):
        device = f"dev-load-{i:04d}"
        resp = client.post("/api/v1/auth/login", json={"username": f"ld{i:04d}", "password": "load-pass-1", "device_id": device})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        phones.append({"device_id": device, "token": resp.get_json()["access_token"]})
    limiter.enabled = True
    return phones


def _request(port: int, path: str, token: str) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, (time.perf_counter() - t) * 1000


def run(users: int, seconds: int, database_url: str | None, spawn_rate: float) -> dict:
    app = make_app(database_url)
    engine = engine_name(app)
    tmp = Path(tempfile.mkdtemp(prefix="zs-load-"))
    print(f"[{engine}] preparing {users} officers and photos", file=sys.stderr)
    phones = _prepare(app, users)
    photos = _photos(max(20, users * seconds // 60), tmp)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    secret = app.config["SECRET_KEY"]
    plan = {"phones": phones, "photos": photos, "origin": [121.615, 29.970], "matter_code": "SR-001",
            "wait_min_s": 1.0, "wait_max_s": 3.0}
    (tmp / "plan.json").write_text(json.dumps(plan))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "APP_ENV": "production", "MEDIA_ROOT": str(tmp / "media"),
           "BIND": f"127.0.0.1:{port}", "SPATIALITE_LIBRARY_PATH": os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        deadline = time.time() + 60
        while True:
            try:
                if _request(port, "/api/v1/health", "")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        # warm every worker (imports, SpatiaLite, the grid index) before anything is measured
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: _request(port, "/api/v1/me", phones[i % len(phones)]["token"]), range(200)))
            list(pool.map(lambda i: _request(port, "/api/v1/sync/changes", phones[i % len(phones)]["token"]), range(100)))
        # baseline: the idle server, one authenticated no-op at a time
        for _ in range(20):
            _request(port, "/api/v1/me", phones[0]["token"])
        idle = [_request(port, "/api/v1/me", phones[0]["token"])[1] for _ in range(200)]
        idle_p50 = statistics.median(idle)
        print(f"[{engine}] idle GET /me p50 {idle_p50:.1f} ms; {users} officers for {seconds} s", file=sys.stderr)
        stats_prefix = tmp / "locust"
        subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
                        "--host", f"http://127.0.0.1:{port}", "--csv", str(stats_prefix), "--only-summary", "--loglevel", "WARNING",
                        "--stop-timeout", "10"],
                       cwd=ROOT, env={**env, "LOAD_PLAN": str(tmp / "plan.json")}, check=False, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        rows = list(csv.DictReader(open(f"{stats_prefix}_stats.csv", encoding="utf-8")))
        failures = list(csv.DictReader(open(f"{stats_prefix}_failures.csv", encoding="utf-8")))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    kinds = {}
    for r in rows:
        kinds[r["Name"]] = {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                            "rps": round(float(r["Requests/s"]), 1), "p50_ms": float(r["50%"] or 0), "p95_ms": float(r["95%"] or 0),
                            "p99_ms": float(r["99%"] or 0), "max_ms": round(float(r["Max Response Time"] or 0))}
    total = kinds.pop("Aggregated")
    shutil.rmtree(tmp, ignore_errors=True)
    ratio = total["p99_ms"] / idle_p50
    return {"engine": engine, "users": users, "seconds": seconds, "workers": "gunicorn.conf.py (gthread, 2×CPU+1 workers × 4 threads)",
            "idle_me_p50_ms": round(idle_p50, 2), "total": total, "kinds": kinds,
            "failures": [{"name": f["Name"], "error": f["Error"][:300], "occurrences": int(f["Occurrences"])} for f in failures],
            "p99_over_idle_p50": round(ratio, 1), "goal": f"zero errors, p99 ≤ {GOAL_P99_OVER_IDLE_P50}× idle p50",
            "met": total["failures"] == 0 and ratio <= GOAL_P99_OVER_IDLE_P50}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--spawn-rate", type=float, default=50)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    r = run(args.users, args.seconds, args.database_url, args.spawn_rate)
    path = write_result("load", r)
    print(f"\nload on {r['engine']}: {r['users']} officers × {r['seconds']} s, gunicorn with gunicorn.conf.py")
    print(f"  idle GET /me p50: {r['idle_me_p50_ms']} ms (baseline)")
    print(f"  {'request':26}{'count':>8}{'fail':>6}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}")
    for name, k in list(r["kinds"].items()) + [("ALL", r["total"])]:
        print(f"  {name:26}{k['requests']:>8}{k['failures']:>6}{k['rps']:>8}{k['p50_ms']:>8.0f}{k['p95_ms']:>8.0f}{k['p99_ms']:>8.0f}")
    for f in r["failures"][:5]:
        print(f"  failure ×{f['occurrences']} {f['name']}: {f['error'][:160]}")
    print(f"  p99 ÷ idle p50 = {r['p99_over_idle_p50']}: {'met' if r['met'] else 'NOT met'} ({r['goal']})")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
