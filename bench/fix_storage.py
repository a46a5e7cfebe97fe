"""Benchmark: bytes per stored fix on PostGIS, in the monthly partitions (issue #21).

The phone queues a `track_points` record every 20 fixes or every minute
(pwa/src/lib/patrol.js): batches of 12 fixes at one fix every 5 s, of 20 when fixes come
faster. For each batch size, a fresh `patrol_fix_batches` is filled through the product
path (the record kind's schema → patrols.service.add_track_points) and measured after
VACUUM ANALYZE: heap, TOAST and indexes of every partition (`partitions.list_partitions`),
divided by the fixes stored. Larger batches are shown for comparison (a phone that was
offline still sends its backlog in the batches it queued).

What the fixes look like decides how well a batch compresses, so two profiles:
- `walk` (the figure to quote): an officer on foot as the browser reports it — full
  float precision, a timestamp a few ms off the 5 s beat, GPS noise of a few metres on a
  path that turns now and then, an accuracy that drifts, speed around 1.2 m/s, a heading
  that follows the path (none while standing);
- `noise`: bench/fix_ingest.py's bodies, where accuracy, speed and heading are drawn
  afresh for every fix — the worst case for compression.
(bench/locustfile.py's fixes — a straight line, accuracy 8, no speed or heading — are the
best case, which is where the older 14.8 bytes per fix came from.)

    python -m bench.fix_storage --database-url postgresql+psycopg://… [--devices 100] [--fixes 5760]
                                [--batches 12,20,60,500] [--profiles walk,noise]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from bench.common import Timer, engine_name, make_app, write_result
from bench.fix_ingest import make_bodies as noise_bodies


def walk_bodies(devices: int, fixes: int, batch: int, patrol_ids: list[str], seed: int = 1) -> list[str]:
    """Request bodies of officers on foot (the `walk` profile above)."""
    rng = random.Random(seed)
    t0 = int(datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc).timestamp() * 1000)
    m_lat, m_lon = 1 / 111_320, 1 / (111_320 * math.cos(math.radians(29.97)))  # degrees per metre
    bodies = []
    for d in range(devices):
        lon, lat = 121.60 + rng.random() * 0.05, 29.955 + rng.random() * 0.035
        heading, accuracy, points = rng.uniform(0, 360), rng.uniform(4, 12), []
        standing = 0
        for i in range(fixes):
            if standing:
                standing -= 1
                speed = abs(rng.gauss(0, 0.1))
            else:
                if rng.random() < 0.01:
                    standing = rng.randint(6, 60)  # a shop, a crossing: half a minute to five
                if rng.random() < 0.05:
                    heading = (heading + rng.choice((-90, 90)) + rng.gauss(0, 10)) % 360  # a corner
                speed = max(0.0, rng.gauss(1.2, 0.25))
                lon += speed * 5 * math.sin(math.radians(heading)) * m_lon
                lat += speed * 5 * math.cos(math.radians(heading)) * m_lat
            accuracy = min(60.0, max(3.0, accuracy + rng.gauss(0, 0.8)))
            points.append({"t": t0 + i * 5000 + rng.randint(-40, 40),
                           "lat": lat + rng.gauss(0, 3) * m_lat, "lon": lon + rng.gauss(0, 3) * m_lon,
                           "accuracy": accuracy, "speed": speed,
                           "heading": None if speed < 0.3 else (heading + rng.gauss(0, 8)) % 360})
        for i in range(0, fixes, batch):
            bodies.append(json.dumps({"patrol_id": patrol_ids[d], "points": points[i:i + batch]}))
    return bodies


PROFILES = {"walk": walk_bodies, "noise": noise_bodies}


def measure(app, devices: int, fixes: int, batch: int, profile: str) -> dict:
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import partitions, service
    from backend.records import kinds

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE patrol_fix_batches"))  # new, empty files for every partition
        officers = db.session.query(Officer).filter(Officer.jurisdiction_id == 1, Officer.role != "supervisor").all()
        t = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
        patrol_ids = []
        for d in range(devices):
            pid = str(uuid.uuid4())
            service.start_patrol(patrol_id=pid, officer=officers[d % len(officers)], device_id=f"dev-bench-{d:04d}",
                                 started_at=t, captured_at=t)
            patrol_ids.append(pid)
        lead = {pid: officers[d % len(officers)] for d, pid in enumerate(patrol_ids)}
        bodies = PROFILES[profile](devices, fixes, batch, patrol_ids)
        schema = kinds()["track_points"].schema
        with Timer() as ingest:
            for body in bodies:
                data = schema.load(json.loads(body))
                service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=data["patrol_id"], points=data["points"],
                                         officer=lead[data["patrol_id"]], device_id=f"dev-bench-{batch}")
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE patrol_fix_batches"))
        parts = [p for p in partitions.list_partitions(db.engine, exact=True) if p.rows]
    stored = sum(p.fixes or 0 for p in parts)
    assert stored == devices * fixes, (stored, devices * fixes)
    heap, toast, index = (sum(getattr(p, k) for p in parts) for k in ("table_bytes", "toast_bytes", "index_bytes"))
    return {
        "profile": profile, "batch": batch, "rows": sum(p.rows for p in parts), "fixes": stored, "partitions": [p.name for p in parts],
        "heap_bytes": heap, "toast_bytes": toast, "index_bytes": index, "total_bytes": heap + toast + index,
        "bytes_per_fix": round((heap + toast + index) / stored, 2),
        "heap_per_fix": round(heap / stored, 2), "toast_per_fix": round(toast / stored, 2), "index_per_fix": round(index / stored, 2),
        "bytes_per_row": round((heap + toast + index) / sum(p.rows for p in parts)),
        "ingest_fixes_per_s": round(stored / ingest.seconds),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", type=int, default=100)
    ap.add_argument("--fixes", type=int, default=5760, help="fixes per device (5,760 = 8 hours at one every 5 s)")
    ap.add_argument("--batches", default="12,20,60,500", help="batch sizes, comma-separated")
    ap.add_argument("--profiles", default="walk,noise", help="fix profiles, comma-separated: walk, noise")
    ap.add_argument("--database-url", required=True, help="PostGIS URL (its product tables are dropped and re-created)")
    args = ap.parse_args()
    app = make_app(args.database_url)
    if engine_name(app) != "postgis":
        sys.exit("bytes per fix is measured on PostGIS (SQLite keeps one table in one file)")
    runs = [measure(app, args.devices, args.fixes, int(b), profile)
            for profile in args.profiles.split(",") for b in args.batches.split(",")]
    path = write_result("fix_storage", {"engine": "postgis", "devices": args.devices, "fixes_per_device": args.fixes,
                                        "runs": runs})
    print(f"\nfix storage on PostGIS, monthly partitions: {args.devices} devices × {args.fixes:,} fixes")
    print(f"  {'profile':>8}{'batch':>6}{'rows':>9}{'heap':>10}{'toast':>10}{'indexes':>10}{'bytes/fix':>11}{'bytes/row':>11}")
    for r in runs:
        print(f"  {r['profile']:>8}{r['batch']:>6}{r['rows']:>9,}{r['heap_per_fix']:>10}{r['toast_per_fix']:>10}"
              f"{r['index_per_fix']:>10}{r['bytes_per_fix']:>11}{r['bytes_per_row']:>11}")
    print("  (heap, toast and indexes in bytes per fix)")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
