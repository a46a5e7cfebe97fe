"""Benchmark: supervisor queries at district scale, against the bare SQL they reduce to and
against an authenticated no-op request, in the same run.

Data: `bench.district` (16 streets × 150 grids, N officers, one day of fixes each, built
through the product's own ingest and summaries). Measured over HTTP through the Flask test
client with a supervisor's token (so auth, validation and serialisation count):

1. grid coverage of one street for the day   vs  one GROUP BY over patrol_grids + the grids' GeoJSON
2. one officer-day's patrol log               vs  the stored line of that officer's patrols as GeoJSON
3. inspections in a bounding box              vs  the spatial-index lookup of the same rows
and each vs `GET /api/v1/me`. Medians of repeated runs; the ratios are the tracked figures.

    python -m bench.supervision_queries [--officers 1000] [--fixes 5760] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from sqlalchemy import text

from bench import district
from bench.common import engine_name, make_app, write_result

GOAL_RATIO = 2.0
REPEAT = 15


def _median_ms(fn, repeat: int = REPEAT) -> float:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(samples), 2)


def run(officers: int, fixes: int, database_url: str | None) -> dict:
    from backend.auth import service as auth
    from backend.extensions import db

    app = make_app(database_url)
    engine = engine_name(app)
    print(f"[{engine}] generating a district: 16 streets, 2,400 grids, {officers} officers × {fixes} fixes", file=sys.stderr)
    d = district.generate(app, officers=officers, fixes_per_officer=fixes)
    print(f"[{engine}] generated in {sum(d.timings.values()):.0f} s: {d.timings}", file=sys.stderr)
    jid = d.jurisdiction_ids[0]
    officer_name = d.usernames[0]
    officer_id = d.officer_ids[0]
    with app.app_context():
        auth.create_officer(username="bench-boss", name="中队长", role="supervisor", password="bench-pass-1", jurisdiction_id=jid,
                            check_strength=False)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "bench-boss", "password": "bench-pass-1", "device_id": "dev-bench-boss"})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    day = d.day.isoformat()
    lo = datetime.combine(d.day, datetime.min.time(), tzinfo=district.LOCAL).astimezone(timezone.utc)
    hi = lo + timedelta(days=1)
    lon0, lat0 = district.ORIGIN
    bbox = (lon0, lat0, lon0 + 0.03, lat0 + 0.02)
    geojson = "AsGeoJSON" if engine == "spatialite" else "ST_AsGeoJSON"

    def get(path: str):
        def call():
            resp = client.get(path, headers=headers)
            assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:200])
            resp.get_data()
        return call

    def sql(statement: str, **params):
        def call():
            with app.app_context():
                with db.engine.connect() as conn:
                    conn.execute(text(statement), params).fetchall()
        return call

    if engine == "spatialite":
        bbox_sql = ("SELECT id, AsText(location) FROM inspections WHERE jurisdiction_id = :j AND inspected_at >= :lo AND inspected_at < :hi "
                    "AND ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'inspections' AND f_geometry_column = 'location' "
                    "AND search_frame = BuildMbr(:x1, :y1, :x2, :y2, 4326))")
    else:
        bbox_sql = ("SELECT id, ST_AsText(location) FROM inspections WHERE jurisdiction_id = :j AND inspected_at >= :lo AND inspected_at < :hi "
                    "AND location && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)")
    iso_lo, iso_hi = (lo.isoformat(), hi.isoformat()) if engine == "spatialite" else (lo, hi)
    cases = {
        "coverage_street_day": (
            get(f"/api/v1/supervision/coverage?from={day}&to={day}"),
            sql(f"SELECT g.id, {geojson}(g.geom), max(pg.last_at), sum(pg.seconds) FROM grids g LEFT JOIN patrol_grids pg "
                "ON pg.grid_id = g.id AND pg.first_at < :hi AND pg.last_at >= :lo WHERE g.jurisdiction_id = :j GROUP BY g.id",
                j=jid, lo=iso_lo, hi=iso_hi)),
        "patrol_log_officer_day": (
            get(f"/api/v1/supervision/patrols?from={day}&to={day}&officer={officer_name}&simplify=5"),
            sql(f"SELECT p.id, {geojson}(p.geom) FROM patrols p JOIN patrol_officers po ON po.patrol_id = p.id "
                "WHERE po.officer_id = :o AND p.started_at >= :lo AND p.started_at < :hi", o=officer_id, lo=iso_lo, hi=iso_hi)),
        "inspections_bbox": (
            get(f"/api/v1/inspections?bbox={','.join(map(str, bbox))}&from={quote(lo.isoformat())}&to={quote(hi.isoformat())}&limit=200"),
            sql(bbox_sql, j=jid, lo=iso_lo, hi=iso_hi, x1=bbox[0], y1=bbox[1], x2=bbox[2], y2=bbox[3])),
    }
    noop_ms = _median_ms(get("/api/v1/me"))
    out = {"engine": engine, "officers": officers, "fixes_per_officer": fixes, "grids": 2400, "generate_timings_s": d.timings,
           "noop_me_ms": noop_ms, "goal_ratio_vs_bare": GOAL_RATIO, "queries": {}}
    for name, (product, bare) in cases.items():
        p_ms, b_ms = _median_ms(product), _median_ms(bare)
        out["queries"][name] = {"product_ms": p_ms, "bare_sql_ms": b_ms, "ratio_vs_bare": round(p_ms / b_ms, 2),
                                "ratio_vs_noop": round(p_ms / noop_ms, 2), "met": p_ms / b_ms <= GOAL_RATIO}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--officers", type=int, default=1000)
    ap.add_argument("--fixes", type=int, default=5760)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    r = run(args.officers, args.fixes, args.database_url)
    path = write_result("supervision_queries", r)
    print(f"\nsupervisor queries on {r['engine']}: 2,400 grids, {r['officers']} officers × {r['fixes_per_officer']} fixes")
    print(f"  authenticated no-op GET /me: {r['noop_me_ms']} ms")
    print(f"  {'query':26}{'product ms':>12}{'bare SQL ms':>13}{'÷ bare':>9}{'÷ no-op':>9}")
    for name, q in r["queries"].items():
        print(f"  {name:26}{q['product_ms']:>12}{q['bare_sql_ms']:>13}{q['ratio_vs_bare']:>9}{q['ratio_vs_noop']:>9}"
              f"  {'met' if q['met'] else 'NOT met'} (goal ≤ {GOAL_RATIO}× bare)")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
