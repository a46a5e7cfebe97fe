"""The patrol log: tracks, inspections and tickets of a period, simplified for the zoom."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, cast, func, literal, null, select, union_all

from ..auth.models import Officer
from ..catalog.models import Grid
from ..extensions import db
from ..patrols.models import Inspection, Patrol, PatrolGrid, patrol_officers
from ..tickets.models import Ticket

from .common import _scoped, period_bounds
from .coverage import _UTC, _refresh_summaries


# --- patrol log ---------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _patrol_log_statements(scoped: bool, by_officer: bool, by_grid: bool) -> tuple[Any, Any, Any, Any]:
    """The patrol log's four statements, built once per kind of filter (binds :j, :lo,
    :hi, :officers, :grid_codes): the period's patrols with their stored display track,
    their crews and grids crossed, the inspections and the tickets."""
    j = bindparam("j", type_=Integer()) if scoped else None
    lo, hi = bindparam("lo", type_=_UTC), bindparam("hi", type_=_UTC)

    # Columns, not entities: the answer is read straight from rows (the ORM's per-object
    # cost was most of this request at district scale; bench/supervision_queries.py).
    P = Patrol.__table__.c
    chosen = select(Officer.id).where(Officer.username.in_(bindparam("officers", expanding=True)))
    wanted = [P.started_at < hi, func.coalesce(P.last_fix_at, P.ended_at, P.started_at) >= lo]
    if by_officer:
        wanted.append(P.id.in_(select(patrol_officers.c.patrol_id).where(patrol_officers.c.officer_id.in_(chosen))))
    if by_grid:
        wanted.append(P.id.in_(select(PatrolGrid.patrol_id).join(Grid, Grid.id == PatrolGrid.grid_id)
                               .where(Grid.code.in_(bindparam("grid_codes", expanding=True)))))
    patrols = _scoped(select(P.id, P.started_at, P.ended_at, P.status, P.distance_m, P.duration_s, P.moving_s, P.gaps, P.stops,
                             P.summary_stale, P.display_tolerance_m, P.display_coordinates, P.display_times).where(*wanted),
                      P.jurisdiction_id, j).order_by(P.started_at)
    shown = bindparam("pids", expanding=True)  # the patrols the first statement found (a few ids: faster than its filter again)
    # crews and grids crossed in one round trip: (patrol, 'o', username, officer id, -)
    # and (patrol, 'g', grid code, -, first entered); each sorted by the caller
    crew = (select(patrol_officers.c.patrol_id.label("pid"), literal("o").label("kind"), Officer.username.label("label"),
                   Officer.id.label("n"), cast(null(), PatrolGrid.first_at.type).label("at"))
            .join(Officer, Officer.id == patrol_officers.c.officer_id).where(patrol_officers.c.patrol_id.in_(shown)))
    crossed = (select(PatrolGrid.patrol_id, literal("g"), Grid.code, cast(null(), Integer), PatrolGrid.first_at)
               .join(Grid, Grid.id == PatrolGrid.grid_id).where(PatrolGrid.patrol_id.in_(shown)))
    inspections = _scoped(select(Inspection.id, func.ST_Y(Inspection.location).label("lat"), func.ST_X(Inspection.location).label("lon"),
                                 Inspection.inspected_at, Inspection.result, Inspection.subject_name, Inspection.photos, Inspection.patrol_id)
                          .where(Inspection.inspected_at >= lo, Inspection.inspected_at < hi), Inspection.jurisdiction_id, j)
    if by_officer:
        inspections = inspections.where(Inspection.officer_id.in_(chosen))
    T = Ticket.__table__.c
    tickets = _scoped(select(T.id, T.number, T.lat, T.lon, T.issued_at, T.status, T.amount_fen, T.photos, T.officers)
                      .where(T.issued_at >= lo, T.issued_at < hi), T.jurisdiction_id, j)
    return patrols, union_all(crew, crossed), inspections.order_by(Inspection.inspected_at), tickets.order_by(T.issued_at)


def patrol_log(jurisdiction_id: int | None, start: date, end: date, *, officer_usernames: list[str] | None = None,
               grid_codes: list[str] | None = None, simplify_m: float = 5.0) -> dict[str, Any]:
    """Patrols of the period as map layers: each patrol's cleaned, simplified track with its
    summary, stops and gaps, and the inspections and tickets of the period as markers."""
    lo, hi = period_bounds(start, end)
    params: dict[str, Any] = {"lo": lo, "hi": hi, "j": jurisdiction_id, "officers": officer_usernames or [], "grid_codes": grid_codes or []}
    patrols_q, parts_q, inspections_q, tickets_q = _patrol_log_statements(
        jurisdiction_id is not None, bool(officer_usernames), bool(grid_codes))
    def run(statement: Any) -> Any:  # Core: rows only, no ORM loading
        return db.session.connection().execute(statement, params)

    rows = run(patrols_q).all()
    stale = [r.id for r in rows if r.summary_stale]
    if stale:  # only the patrols shown: summaries are derived lazily
        _refresh_summaries(stale)
        rows = run(patrols_q).all()
    crews: dict[str, list[str]] = defaultdict(list)
    grids: dict[str, list[str]] = defaultdict(list)
    if rows:
        params["pids"] = [r.id for r in rows]
        parts: list[Any] = sorted(run(parts_q).all(),
                                  key=lambda r: (r.n or 0, r.at.timestamp() if r.at else 0))
        for r in parts:
            (crews if r.kind == "o" else grids)[r.pid].append(r.label)
    features = []
    for r in rows:
        feature = display_feature(r, simplify_m)
        feature["properties"].update({
            "officers": crews[r.id], "started_at": r.started_at, "ended_at": r.ended_at, "distance_m": r.distance_m,
            "duration_s": r.duration_s, "moving_s": r.moving_s, "grids": grids[r.id], "stops": r.stops or [],
            "gaps": r.gaps or [], "status": r.status,
        })
        features.append(feature)
    inspections = [{"kind": "inspection", "id": i.id, "lat": round(i.lat, 7), "lon": round(i.lon, 7), "at": i.inspected_at,
                    "result": i.result, "name": i.subject_name, "photos": i.photos or [], "patrol_id": i.patrol_id}
                   for i in run(inspections_q)]
    tickets = [{"kind": "ticket", "id": t.id, "number": t.number, "lat": t.lat, "lon": t.lon, "at": t.issued_at, "status": t.status,
                "amount_fen": t.amount_fen, "photos": t.photos or [],
                "officers": [o.get("id") for o in t.officers or []]} for t in run(tickets_q)]
    if officer_usernames and tickets:  # a ticket names its officers in JSON: matched here, on every engine alike
        officer_ids = set(db.session.scalars(select(Officer.id).where(Officer.username.in_(officer_usernames))))
        tickets = [t for t in tickets if set(t["officers"]) & officer_ids]
    return {"tracks": {"type": "FeatureCollection", "features": features}, "inspections": inspections, "tickets": tickets}


def display_feature(patrol: Any, simplify_m: float) -> dict[str, Any]:
    """The patrol's track as a GeoJSON Feature for the map at `simplify_m`.

    At the stored tolerance it is the stored display track, spliced in as text; coarser
    zooms simplify that (a few hundred vertices) further; only finer detail than stored
    goes back to the raw fixes."""
    from geo.export import to_geojson

    from ..patrols.service import track_segments
    from ..rawjson import RawJSON

    tolerance = patrol.display_tolerance_m  # a Patrol or a row with its id and display_* columns
    if tolerance is None or patrol.display_coordinates is None or simplify_m < tolerance:
        return to_geojson(track_segments(db.session.get(Patrol, patrol.id), simplify_m), {"patrol_id": patrol.id})
    if simplify_m > tolerance:
        from geo import Fix, simplify_fixes

        lines, times = json.loads(patrol.display_coordinates), json.loads(patrol.display_times or "[]")
        segments = [simplify_fixes([Fix(datetime.fromisoformat(t).timestamp(), c[0], c[1], 0.0) for c, t in zip(line, ts)],
                                   simplify_m) for line, ts in zip(lines, times)]
        return to_geojson(segments, {"patrol_id": patrol.id})
    return {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": RawJSON(patrol.display_coordinates)},
            "properties": {"patrol_id": patrol.id, "times": RawJSON(patrol.display_times or "[]")}}
