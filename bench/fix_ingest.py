"""Benchmark: track-fix ingest vs a bare baseline, in the same run.

Product path, per request body (one `track_points` record as the phone sends it):
    json.loads → TrackPointsSchema → patrols.service.add_track_points
    (bulk validation, packing, one row per batch, commit)
Baseline, on the same bodies and the same database:
    json.loads → executemany INSERT of one row per fix into a plain table, commit

Until the sync endpoint exists (separate issue) the product path is called at the
service layer, which is what the endpoint will route to; HTTP overhead is measured by
the load benchmark later. Prints fixes/s for both and their ratio (the tracked figure).

    python -m bench.fix_ingest [--devices 100] [--fixes 5760] [--batch 500] [--database-url URL]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from bench.common import Timer, bare_bulk_insert, engine_name, make_app, write_result

TARGET_RATE = 19_200  # fixes/s: 1,000 devices × 5,760 fixes within 5 minutes
GOAL_RATIO = 0.25


def make_bodies(devices: int, fixes: int, batch: int, patrol_ids: list[str], seed: int = 1) -> list[str]:
    """Request bodies of a morning reconnect storm: each device's backlog in batches."""
    rng = random.Random(seed)
    t0 = int(datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc).timestamp() * 1000)
    bodies = []
    for d in range(devices):
        lon, lat = 121.60 + rng.random() * 0.05, 29.955 + rng.random() * 0.035
        points = []
        for i in range(fixes):
            lon += rng.gauss(0, 0.00004)
            lat += rng.gauss(0, 0.00004)
            points.append({"t": t0 + i * 5000, "lat": round(lat, 7), "lon": round(lon, 7),
                           "accuracy": round(rng.uniform(3, 20), 1), "speed": round(rng.uniform(0, 2), 2),
                           "heading": round(rng.uniform(0, 359), 1)})
        for i in range(0, fixes, batch):
            bodies.append(json.dumps({"patrol_id": patrol_ids[d], "points": points[i:i + batch]}))
    return bodies


def run(devices: int, fixes: int, batch: int, database_url: str | None) -> dict:
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service
    from backend.records import kinds

    app = make_app(database_url)
    engine = engine_name(app)
    with app.app_context():
        officers = db.session.query(Officer).filter(Officer.jurisdiction_id == 1, Officer.role != "supervisor").all()
        patrol_ids = []
        t = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
        for d in range(devices):
            pid = str(uuid.uuid4())
            service.start_patrol(patrol_id=pid, officer=officers[d % len(officers)], device_id=f"dev-bench-{d:04d}",
                                 started_at=t, captured_at=t)
            patrol_ids.append(pid)
        lead = {pid: officers[d % len(officers)] for d, pid in enumerate(patrol_ids)}
        bodies = make_bodies(devices, fixes, batch, patrol_ids)
        total = devices * fixes
        print(f"[{engine}] {len(bodies)} bodies, {total:,} fixes, {sum(map(len, bodies)) / 1e6:.1f} MB of JSON", file=sys.stderr)

        # baseline: json.loads + bulk insert of the same rows, one commit per body
        base_s = bare_bulk_insert(
            app, engine,
            "CREATE TABLE IF NOT EXISTS bench_fixes (patrol_id VARCHAR(36), t BIGINT, lat DOUBLE PRECISION, "
            "lon DOUBLE PRECISION, accuracy DOUBLE PRECISION, speed DOUBLE PRECISION, heading DOUBLE PRECISION)",
            "bench_fixes", bodies,
            lambda d: [(d["patrol_id"], p["t"], p["lat"], p["lon"], p["accuracy"], p.get("speed"), p.get("heading"))
                       for p in d["points"]])

        # product path
        schema = kinds()["track_points"].schema  # the record kind's own payload schema
        with Timer() as prod:
            for body in bodies:
                data = schema.load(json.loads(body))
                service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=data["patrol_id"], points=data["points"],
                                         officer=lead[data["patrol_id"]], device_id="dev-bench")
        stored = db.session.execute(text("SELECT sum(count) FROM patrol_fix_batches")).scalar()
        base_rows = db.session.execute(text("SELECT count(*) FROM bench_fixes")).scalar()
    assert stored == total and base_rows == total, (stored, base_rows, total)

    product_rate, baseline_rate = total / prod.seconds, total / base_s
    return {
        "engine": engine, "devices": devices, "fixes_per_device": fixes, "batch": batch, "fixes": total,
        "product_s": round(prod.seconds, 2), "baseline_s": round(base_s, 2),
        "product_fixes_per_s": round(product_rate), "baseline_fixes_per_s": round(baseline_rate),
        "ratio": round(product_rate / baseline_rate, 3), "goal_ratio": GOAL_RATIO,
        "target_fixes_per_s": TARGET_RATE, "storm_minutes_at_product_rate": round(1000 * 5760 / product_rate / 60, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--fixes", type=int, default=5760)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--database-url", default=None, help="PostGIS URL; default a temporary SpatiaLite file")
    args = ap.parse_args()
    r = run(args.devices, args.fixes, args.batch, args.database_url)
    path = write_result("fix_ingest", r)
    print(f"\nfix ingest on {r['engine']}: {r['fixes']:,} fixes in batches of {r['batch']}")
    print(f"  {'':28}{'fixes/s':>12}{'seconds':>10}")
    print(f"  {'product (validate+pack+store)':28}{r['product_fixes_per_s']:>12,}{r['product_s']:>10}")
    print(f"  {'baseline (loads+bulk insert)':28}{r['baseline_fixes_per_s']:>12,}{r['baseline_s']:>10}")
    print(f"  ratio product/baseline: {r['ratio']:.3f} (goal ≥ {GOAL_RATIO});"
          f" absolute target {TARGET_RATE:,}/s → storm of 5.76 M fixes in {r['storm_minutes_at_product_rate']} min (goal ≤ 5)")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
