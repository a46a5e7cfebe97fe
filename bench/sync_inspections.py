"""Benchmark: inspections through `POST /api/v1/sync` vs a bare bulk insert, same run.

Product: `POST /api/v1/sync` through the Flask app in-process with an officer's token
(authentication, the batch and payload schemas, the ledger, the inspection service with
its checks, grid, register subject and audit entry; one transaction per request).
Baseline: `json.loads` of the same request bodies + DB-API `executemany` of one row per
inspection into a plain table, one commit per body.

Both sides first take a warm-up round of other records, as many as are timed, untimed:
what a process pays once (imports on first use such as pypinyin's dictionaries, the cached
grid index, the first compilation of each statement) is not throughput. On PostgreSQL the
product's tables are then ANALYZEd, as autovacuum keeps a running server's: the plans a
connection caches for its prepared statements and foreign-key checks while a table is
nearly empty are sequential scans, and before this the figure depended on whether
autovacuum's once-a-minute ANALYZE happened to fall inside the run (0.5 ms a body for the
ledger's lookup of 50 ids with statistics, 20 ms at 10,000 rows without). Every timed body
is new records.

    python -m bench.sync_inspections [--records 2000] [--batch 50] [--database-url URL]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import event

from bench.common import Timer, bare_bulk_insert, engine_name, make_app, write_result

GOAL_RATIO = 0.10


def run(n: int, batch: int, database_url: str | None) -> dict:
    app = make_app(database_url)
    engine = engine_name(app)
    client = app.test_client()
    device = "dev-bench-sync"
    token = client.post("/api/v1/auth/login", json={"username": "zf001", "password": "demo1234", "device_id": device}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    now = datetime.now(timezone.utc).isoformat()

    def make_body(first: int, last: int) -> str:
        records = [{"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": now,
                    "payload": {"lat": 29.955 + (i % 70) * 0.0005, "lon": 121.60 + (i % 90) * 0.0006, "accuracy": 6,
                                "subject": {"name": f"商户{i}", "address": f"某路 {i} 号"}, "matter_code": "SR-001",
                                "result": "compliant", "notes": "现场检查未发现问题", "photos": []}}
                   for i in range(first, last)]
        return json.dumps({"device_id": device, "records": records}, ensure_ascii=False)

    bodies = [make_body(start, min(n, start + batch)) for start in range(0, n, batch)]
    # other shops: every timed record still names a new one
    warm_up = [make_body(start, min(2 * n, start + batch)) for start in range(n, 2 * n, batch)]
    print(f"[{engine}] {n} inspections in {len(bodies)} bodies", file=sys.stderr)

    def bare(these: list[str]) -> float:
        return bare_bulk_insert(
            app, engine,
            "CREATE TABLE IF NOT EXISTS bench_inspections (id VARCHAR(36), lat DOUBLE PRECISION, lon DOUBLE PRECISION, "
            "subject VARCHAR(128), address VARCHAR(255), matter VARCHAR(32), result VARCHAR(16), notes TEXT)",
            "bench_inspections", these,
            lambda d: [(r["id"], r["payload"]["lat"], r["payload"]["lon"], r["payload"]["subject"]["name"],
                        r["payload"]["subject"]["address"], r["payload"]["matter_code"], r["payload"]["result"], r["payload"]["notes"])
                       for r in d["records"]])

    bare(warm_up)
    base_s = bare(bodies)

    for body in warm_up:
        resp = client.post("/api/v1/sync", data=body, headers=headers)
        assert resp.status_code == 200 and all(r["status"] == "created" for r in resp.get_json()["results"]), resp.get_json()
    if engine == "postgis":
        analyze(app)
    with DriverClock(app) as driver, Timer() as prod:
        answers = [client.post("/api/v1/sync", data=body, headers=headers) for body in bodies]
    for resp in answers:  # checked outside the timed loop: reading the answers is the client's work
        assert resp.status_code == 200 and all(r["status"] == "created" for r in resp.get_json()["results"]), resp.get_json()
    p_rate, b_rate = n / prod.seconds, n / base_s
    return {"engine": engine, "records": n, "batch": batch, "product_s": round(prod.seconds, 2), "baseline_s": round(base_s, 3),
            "product_records_per_s": round(p_rate), "baseline_records_per_s": round(b_rate),
            "ratio": round(p_rate / b_rate, 4), "goal_ratio": GOAL_RATIO,
            # the product's statements alone (inside the driver: the server's work and the wire,
            # no Python of ours): the ratio could be no better than this at this storage
            "driver_s": round(driver.seconds, 3), "driver_ms_per_body": round(driver.seconds * 1000 / len(bodies), 2),
            "ratio_if_only_the_driver_took_time": round(base_s / driver.seconds, 4)}


class DriverClock:
    """Seconds spent inside the database driver's execute calls while it is open (SQLAlchemy's
    cursor events: the statement's round trip and the server's work; commits not counted, so
    an underestimate). Two callbacks a statement: well under 1 % of the product's time."""

    def __init__(self, app) -> None:
        from backend.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.seconds = 0.0
        self._started: dict[int, float] = {}

    def _before(self, conn, cursor, statement, params, context, many) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, many) -> None:
        self.seconds += time.perf_counter() - self._started.pop(id(cursor))

    def __enter__(self) -> "DriverClock":
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def analyze(app) -> None:
    """ANALYZE, and a fresh connection pool: what the pooled connections prepared and cached
    before the statistics existed is not what a running server's connections hold."""
    from sqlalchemy import text

    from backend.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        db.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    r = run(args.records, args.batch, args.database_url)
    path = write_result("sync_inspections", r)
    print(f"\nsync of inspections on {r['engine']}: {r['records']} records in batches of {r['batch']}")
    print(f"  product (POST /api/v1/sync):  {r['product_records_per_s']:>8,} records/s  ({r['product_s']} s)")
    print(f"  baseline (loads+bulk insert): {r['baseline_records_per_s']:>8,} records/s  ({r['baseline_s']} s)")
    print(f"  ratio product/baseline: {r['ratio']:.3f} (goal ≥ {GOAL_RATIO})")
    print(f"  of which in the database driver: {r['driver_ms_per_body']} ms a body; the ratio if nothing else took time: "
          f"{r['ratio_if_only_the_driver_took_time']:.3f}")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
