"""A deterministic district for benchmarks (../shared/seeds/001: 16 streets, 2,400 grids,
~1,000 officers): street boundaries and grid polygons, officers with their grids (分包),
one patrol per officer for a day of noisy GPS walks, inspections along the walks.

Fixes go in through the product's own ingest (`patrols.service.add_track_points`) and
summaries are built by the product (`refresh_summary`), so what the query benchmarks
read is what the product would have stored. `seed` makes it repeatable.

    python -m bench.district --officers 1000 --fixes 5760   # a full district-day
"""
from __future__ import annotations

import math
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from geoalchemy2.elements import WKTElement
from sqlalchemy import insert, select

from bench.common import Timer

LOCAL = timezone(timedelta(hours=8))
ORIGIN = (121.40, 29.80)   # south-west corner of the synthetic district (Ningbo)
STREET_DEG = (0.06, 0.045)  # a street is a box of about 6 × 5 km
GRID_COLS, GRID_ROWS = 15, 10  # 150 grids per street


@dataclass
class District:
    jurisdiction_ids: list[int]
    officer_ids: list[int]
    usernames: list[str]
    patrol_ids: list[str]
    day: date
    fixes: int
    timings: dict[str, float]


def _box(lon0: float, lat0: float, w: float, h: float) -> str:
    return f"POLYGON(({lon0} {lat0}, {lon0 + w} {lat0}, {lon0 + w} {lat0 + h}, {lon0} {lat0 + h}, {lon0} {lat0}))"


def generate(app, *, streets: int = 16, officers: int = 1000, fixes_per_officer: int = 5760, inspections_per_officer: int = 3,
             day: date = date(2026, 11, 20), seed: int = 1, batch: int = 500, log=print) -> District:
    from backend.auth.models import Officer
    from backend.auth.passwords import hash_password
    from backend.catalog.models import Grid, Jurisdiction, grid_officers
    from backend.extensions import db
    from backend.patrols import service
    from backend.patrols.models import Patrol

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    with app.app_context(), Timer() as t_geo:
        jids, street_boxes = [], []
        for s in range(streets):
            lon0 = ORIGIN[0] + (s % 4) * STREET_DEG[0]
            lat0 = ORIGIN[1] + (s // 4) * STREET_DEG[1]
            j = Jurisdiction(code=f"BENCH{s:03d}", name=f"基准街道{s + 1}", agency_name=f"基准街道{s + 1}综合行政执法队",
                             ticket_prefix=f"基准{s + 1}",
                             boundary=WKTElement("MULTI" + _box(lon0, lat0, *STREET_DEG).replace("POLYGON((", "POLYGON(((") + ")", srid=4326))
            db.session.add(j)
            db.session.flush()
            jids.append(j.id)
            street_boxes.append((lon0, lat0))
            w, h = STREET_DEG[0] / GRID_COLS, STREET_DEG[1] / GRID_ROWS
            rows = [{"jurisdiction_id": j.id, "code": f"B{s:02d}-{r:02d}{c:02d}", "name": f"街道{s + 1}网格{r * GRID_COLS + c + 1}",
                     "area_m2": 133_000, "geom": WKTElement(_box(lon0 + c * w, lat0 + r * h, w, h), srid=4326)}
                    for r in range(GRID_ROWS) for c in range(GRID_COLS)]
            db.session.execute(insert(Grid), rows)
        db.session.commit()
    timings["grids_s"] = t_geo.seconds

    with app.app_context(), Timer() as t_people:
        pw = hash_password("bench-pass-1")
        rows = [{"username": f"bz{i:04d}", "name": f"队员{i:04d}", "role": "officer", "jurisdiction_id": jids[i % streets],
                 "password_hash": pw, "active": True} for i in range(officers)]
        db.session.execute(insert(Officer), rows)
        db.session.commit()
        people = db.session.execute(select(Officer.id, Officer.username, Officer.jurisdiction_id)
                                    .where(Officer.username.like("bz%")).order_by(Officer.username)).all()
        grids_by_street = {jid: [g for (g,) in db.session.execute(select(Grid.id).where(Grid.jurisdiction_id == jid).order_by(Grid.code))]
                           for jid in jids}
        links = []
        for oid, _, jid in people:
            for gid in rng.sample(grids_by_street[jid], 2):
                links.append({"grid_id": gid, "officer_id": oid})
        db.session.execute(insert(grid_officers), links)
        db.session.commit()
    timings["officers_s"] = t_people.seconds

    start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL) + timedelta(hours=8)
    patrol_ids: list[str] = []
    with app.app_context(), Timer() as t_fix:
        officers_by_id = {o.id: o for o in db.session.scalars(select(Officer).where(Officer.username.like("bz%")))}
        for n, (oid, username, jid) in enumerate(people):
            officer = officers_by_id[oid]
            pid = str(uuid.UUID(int=rng.getrandbits(128)))
            service.start_patrol(patrol_id=pid, officer=officer, device_id=f"dev-{username}", started_at=start, captured_at=start)
            lon0, lat0 = street_boxes[jids.index(jid)]
            lon = lon0 + rng.uniform(0.1, 0.9) * STREET_DEG[0]
            lat = lat0 + rng.uniform(0.1, 0.9) * STREET_DEG[1]
            heading = rng.uniform(0, 6.283)
            t_ms = int(start.timestamp() * 1000)
            points = []
            for i in range(fixes_per_officer):
                heading += rng.gauss(0, 0.25)
                step = rng.uniform(0.0, 7.0)  # metres per 5 s: walking, stopping
                lon = min(max(lon + step * math.cos(heading) / 96_000, lon0), lon0 + STREET_DEG[0])
                lat = min(max(lat + step * math.sin(heading) / 111_000, lat0), lat0 + STREET_DEG[1])
                points.append({"t": t_ms + 5000 * i, "lat": round(lat + rng.gauss(0, 0.00003), 7),
                               "lon": round(lon + rng.gauss(0, 0.00003), 7), "accuracy": round(rng.uniform(3, 25), 1)})
            for i in range(0, len(points), batch):
                service.add_track_points(batch_id=str(uuid.UUID(int=rng.getrandbits(128))), patrol_id=pid, points=points[i:i + batch],
                                         officer=officer, device_id=f"dev-{username}")
            end = start + timedelta(seconds=5 * fixes_per_officer)
            service.end_patrol(patrol_id=pid, ended_at=end, officer=officer)
            for k in range(inspections_per_officer):
                p = points[(k + 1) * len(points) // (inspections_per_officer + 1)]
                at = datetime.fromtimestamp(p["t"] / 1000, tz=timezone.utc)
                result = rng.choice(["compliant", "compliant", "rectify", "violation"])
                service.record_inspection(inspection_id=str(uuid.UUID(int=rng.getrandbits(128))), officer=officer, device_id=f"dev-{username}",
                                          captured_at=at, inspected_at=at, lat=p["lat"], lon=p["lon"], accuracy_m=p["accuracy"],
                                          subject_name=f"商户{n}-{k}", result=result,
                                          rectify_deadline=day + timedelta(days=7) if result == "rectify" else None,
                                          follow_up="case" if result == "violation" else None, photos=[], patrol_id=pid)
            db.session.commit()
            patrol_ids.append(pid)
            if (n + 1) % 100 == 0:
                log(f"  {n + 1}/{len(people)} officers walked", file=sys.stderr)
    timings["fixes_s"] = t_fix.seconds

    with app.app_context(), Timer() as t_sum:
        for n, pid in enumerate(patrol_ids):
            service.refresh_summary(db.session.get(Patrol, pid))
            if n % 50 == 49:
                db.session.commit()
        db.session.commit()
    timings["summaries_s"] = t_sum.seconds
    with app.app_context(), Timer() as t_vac:
        # what autovacuum does to a live database after a day's inserts (statistics, and the
        # visibility map that index-only scans rely on), done now so that every measured
        # run, product and bare SQL alike, sees the same settled tables
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE)")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    timings["vacuum_s"] = t_vac.seconds
    return District(jids, [p[0] for p in people], [p[1] for p in people], patrol_ids, day, officers * fixes_per_officer, timings)


def existing(app, *, officers: int, fixes_per_officer: int, day: date = date(2026, 11, 20)) -> District | None:
    """The district `generate` left in this database, if it has these dimensions."""
    from sqlalchemy import func

    from backend.auth.models import Officer
    from backend.catalog.models import Jurisdiction
    from backend.extensions import db
    from backend.patrols.models import Patrol, patrol_officers

    with app.app_context():
        people = db.session.execute(select(Officer.id, Officer.username).where(Officer.username.like("bz%"))
                                    .order_by(Officer.username)).all()
        if len(people) != officers:
            return None
        fixes = db.session.scalar(select(func.sum(Patrol.fix_count)).join(patrol_officers, patrol_officers.c.patrol_id == Patrol.id)
                                  .join(Officer, Officer.id == patrol_officers.c.officer_id).where(Officer.username.like("bz%")))
        if fixes != officers * fixes_per_officer:
            return None
        jids = list(db.session.scalars(select(Jurisdiction.id).where(Jurisdiction.code.like("BENCH%")).order_by(Jurisdiction.code)))
        pids = list(db.session.scalars(select(patrol_officers.c.patrol_id).join(Officer, Officer.id == patrol_officers.c.officer_id)
                                       .where(Officer.username.like("bz%")).order_by(Officer.username)))
    return District(jids, [p[0] for p in people], [p[1] for p in people], pids, day, fixes, {"reused": 0.0})
