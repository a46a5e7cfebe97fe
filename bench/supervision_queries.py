"""Benchmark: supervisor queries at district scale, against the bare SQL they reduce to and
against an authenticated no-op request, in the same run (interleaved call by call).

Data: `bench.district` (16 streets × 150 grids, N officers, one day of fixes each, built
through the product's own ingest and summaries). Measured over HTTP through the Flask test
client with a supervisor's token (so auth, validation and serialisation count):

1. grid coverage of one street for the day
2. one officer-day's patrol log
3. inspections in a bounding box (one page of 200)
each vs the bare SQL that fetches the same rows — hand-written statements on one
connection, no ORM, no HTTP, no JSON — and vs `GET /api/v1/me`. Medians of repeated runs;
the ratios are the tracked figures.

    python -m bench.supervision_queries [--officers 1000] [--fixes 5760] [--database-url URL] [--reuse]

`--reuse` (PostGIS only) measures on the district a previous run left in the database
when it has the same dimensions, instead of spending ~25 minutes generating it again.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from sqlalchemy import select, text

from bench import district
from bench.common import engine_name, make_app, median_ms, write_result

GOAL_RATIO = 2.0
REPEAT = 25


def run(officers: int, fixes: int, database_url: str | None, reuse: bool = False) -> dict:
    from backend.auth import service as auth
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.supervision.service import refresh_stale_patrols

    app = make_app(database_url, reuse=reuse)
    engine = engine_name(app)
    d = district.existing(app, officers=officers, fixes_per_officer=fixes) if reuse and database_url else None
    if d is None:
        if reuse:
            app = make_app(database_url)
        print(f"[{engine}] generating a district: 16 streets, 2,400 grids, {officers} officers × {fixes} fixes", file=sys.stderr)
        d = district.generate(app, officers=officers, fixes_per_officer=fixes)
        print(f"[{engine}] generated in {sum(d.timings.values()):.0f} s: {d.timings}", file=sys.stderr)
    else:
        print(f"[{engine}] reusing the district in the database: {officers} officers × {fixes} fixes", file=sys.stderr)
    # the benchmarked street: officer 0's (officers are dealt to streets in turn)
    jid = d.jurisdiction_ids[0]
    officer_name = d.usernames[0]
    officer_id = d.officer_ids[0]
    with app.app_context():
        if db.session.scalar(select(Officer.id).where(Officer.username == "bench-boss")) is None:
            auth.create_officer(username="bench-boss", name="中队长", role="supervisor", password="bench-pass-1",
                                jurisdiction_id=jid, check_strength=False)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "bench-boss", "password": "bench-pass-1", "device_id": "dev-bench-boss"})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    day = d.day.isoformat()
    lo = datetime.combine(d.day, datetime.min.time(), tzinfo=district.LOCAL).astimezone(timezone.utc)
    hi = lo + timedelta(days=1)
    with app.app_context():  # summaries are derived lazily; build them outside the timed runs
        refresh_stale_patrols(jid, lo, hi)
    lon0, lat0 = district.ORIGIN
    bbox = (lon0, lat0, lon0 + 0.03, lat0 + 0.02)
    geojson = "AsGeoJSON" if engine == "spatialite" else "ST_AsGeoJSON"

    def get(path: str):
        def call():
            resp = client.get(path, headers=headers)
            assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:200])
            resp.get_data()
        return call

    def sql(*statements: str, **params):
        """The statements on one pooled connection, as a hand-written data layer would."""
        def call():
            with app.app_context():
                with db.engine.connect() as conn:
                    for statement in statements:
                        conn.execute(text(statement), params).fetchall()
        return call

    if engine == "spatialite":
        in_bbox = ("i.ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'inspections' AND f_geometry_column = 'location' "
                   "AND search_frame = BuildMbr(:x1, :y1, :x2, :y2, 4326))")
        as_text = "AsText"
    else:
        in_bbox = "i.location && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)"
        as_text = "ST_AsText"
    iso_lo, iso_hi = (lo.isoformat(), hi.isoformat()) if engine == "spatialite" else (lo, hi)
    officer_day = ("SELECT p.id FROM patrols p JOIN patrol_officers po ON po.patrol_id = p.id "
                   "WHERE po.officer_id = :o AND p.started_at < :hi AND coalesce(p.last_fix_at, p.ended_at, p.started_at) >= :lo")
    cases = {
        # the rows the answer is made of: grid outlines as GeoJSON, per-grid visit figures,
        # per-grid inspection counts, the officers assigned to each grid
        "coverage_street_day": (
            get(f"/api/v1/supervision/coverage?from={day}&to={day}"),
            sql(f"SELECT g.id, g.code, g.name, {geojson}(g.geom, 6) FROM grids g WHERE g.jurisdiction_id = :j ORDER BY g.code",
                "SELECT pg.grid_id, max(CASE WHEN pg.first_at < :hi THEN pg.last_at END), "
                "sum(CASE WHEN pg.first_at < :hi AND pg.last_at >= :lo THEN pg.seconds ELSE 0 END) "
                "FROM patrol_grids pg JOIN grids g ON g.id = pg.grid_id WHERE g.jurisdiction_id = :j GROUP BY pg.grid_id",
                "SELECT grid_id, count(*) FROM inspections WHERE jurisdiction_id = :j AND grid_id IS NOT NULL "
                "AND inspected_at >= :lo AND inspected_at < :hi GROUP BY grid_id",
                "SELECT go.grid_id, o.username FROM grid_officers go JOIN officers o ON o.id = go.officer_id "
                "JOIN grids g ON g.id = go.grid_id WHERE g.jurisdiction_id = :j ORDER BY o.username",
                j=jid, lo=iso_lo, hi=iso_hi)),
        # the officer's patrols with their stored display track and summary, their crews,
        # the grids they crossed, and the day's inspections and tickets as markers
        "patrol_log_officer_day": (
            get(f"/api/v1/supervision/patrols?from={day}&to={day}&officer={officer_name}&simplify=5"),
            sql("SELECT p.id, p.started_at, p.ended_at, p.status, p.distance_m, p.duration_s, p.moving_s, p.gaps, p.stops, "
                f"p.display_coordinates, p.display_times FROM patrols p WHERE p.id IN ({officer_day})",
                "SELECT po.patrol_id, o.id, o.username, o.name FROM patrol_officers po JOIN officers o ON o.id = po.officer_id "
                f"WHERE po.patrol_id IN ({officer_day})",
                "SELECT pg.patrol_id, g.code, g.name, pg.seconds, pg.first_at, pg.last_at FROM patrol_grids pg "
                f"JOIN grids g ON g.id = pg.grid_id WHERE pg.patrol_id IN ({officer_day})",
                f"SELECT i.id, {as_text}(i.location), i.inspected_at, i.result, i.subject_name, i.photos, i.patrol_id "
                "FROM inspections i WHERE i.jurisdiction_id = :j AND i.officer_id = :o AND i.inspected_at >= :lo AND i.inspected_at < :hi",
                "SELECT t.id, t.number, t.lat, t.lon, t.issued_at, t.status, t.amount_fen, t.photos, t.officers FROM tickets t "
                "WHERE t.jurisdiction_id = :j AND t.issued_at >= :lo AND t.issued_at < :hi",
                j=jid, o=officer_id, lo=iso_lo, hi=iso_hi)),
        # one page of rows with their officer, grid and matter, newest first
        "inspections_bbox": (
            get(f"/api/v1/inspections?bbox={','.join(map(str, bbox))}&from={quote(lo.isoformat())}&to={quote(hi.isoformat())}&limit=200"),
            sql(f"SELECT i.*, {as_text}(i.location), o.username, o.name, g.code, g.name, m.code FROM inspections i "
                "JOIN officers o ON o.id = i.officer_id LEFT JOIN grids g ON g.id = i.grid_id LEFT JOIN matters m ON m.id = i.matter_id "
                f"WHERE i.jurisdiction_id = :j AND i.inspected_at >= :lo AND i.inspected_at < :hi AND {in_bbox} "
                "ORDER BY i.inspected_at DESC, i.id DESC LIMIT 201",
                j=jid, lo=iso_lo, hi=iso_hi, x1=bbox[0], y1=bbox[1], x2=bbox[2], y2=bbox[3])),
    }
    noop = get("/api/v1/me")
    out = {"engine": engine, "officers": officers, "fixes_per_officer": fixes, "grids": 2400, "generate_timings_s": d.timings,
           "goal_ratio_vs_bare": GOAL_RATIO, "queries": {}}
    noops = []
    for name, (product, bare) in cases.items():
        p_ms, b_ms, n_ms = median_ms(product, bare, noop)
        noops.append(n_ms)
        out["queries"][name] = {"product_ms": p_ms, "bare_sql_ms": b_ms, "noop_me_ms": n_ms, "ratio_vs_bare": round(p_ms / b_ms, 2),
                                "ratio_vs_noop": round(p_ms / n_ms, 2), "met": p_ms / b_ms <= GOAL_RATIO}
    out["noop_me_ms"] = round(statistics.median(noops), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--officers", type=int, default=1000)
    ap.add_argument("--fixes", type=int, default=5760)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--reuse", action="store_true", help="measure on the district already in the PostGIS database if it matches")
    args = ap.parse_args()
    r = run(args.officers, args.fixes, args.database_url, args.reuse)
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
