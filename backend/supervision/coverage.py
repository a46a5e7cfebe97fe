"""Grid coverage: each grid's last patrol, time and inspections in a period, and 分包."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, bindparam, case, cast, func, select, true

from ..auth.models import Officer
from ..catalog.models import Grid, grid_officers
from ..extensions import db
from ..models_base import UTCDateTime
from ..patrols.models import Inspection, Patrol, PatrolGrid, patrol_officers

from . import complaint_figures
from .common import LAST_PATROLLED_LOOKBACK_DAYS, _rate, _scoped, period_bounds


# --- coverage -----------------------------------------------------------------------------

def _stale_patrols(jurisdiction: Any, since: Any, hi: Any):
    """Patrols of [since, hi) whose summary is due to be rebuilt (values or bind parameters)."""
    q = select(Patrol.id).where(Patrol.summary_stale.is_(True), Patrol.started_at < hi,
                                func.coalesce(Patrol.ended_at, Patrol.started_at) >= since)
    return _scoped(q, Patrol.jurisdiction_id, jurisdiction)


def refresh_stale_patrols(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> int:
    """Summaries are derived lazily; coverage needs them current for the period (and the
    day before: a patrol begun then may reach into it)."""
    ids = list(db.session.scalars(_stale_patrols(jurisdiction_id, lo - timedelta(days=1), hi)))  # usually none: ids only
    _refresh_summaries(ids)
    return len(ids)


def _refresh_summaries(ids: list[str]) -> None:
    from ..patrols.service import refresh_summary

    if ids:
        for patrol in db.session.scalars(select(Patrol).where(Patrol.id.in_(ids))):
            refresh_summary(patrol)
        db.session.commit()


class GridCoverage(NamedTuple):
    """One grid's coverage figures for a period."""

    grid_id: int
    last_patrolled_at: datetime | None  # latest visit up to the end of the period, within the lookback
    patrol_minutes: float  # time spent in the grid during the period
    inspections: int  # inspections in the grid during the period
    uncovered: bool  # nobody patrolled it within `uncovered_after_days` before the end


_COVERAGE_GRIDS: dict[Any, tuple[Any, Any]] = {}
_UTC = UTCDateTime()


@lru_cache(maxsize=2)
def _coverage_statement(scoped: bool) -> Any:
    """The one statement of a coverage request, built once (binds :j, :lo, :hi, :since,
    :stale_lo): per grid of the street its latest visit, time in the period and
    inspections, and on every row what the per-process outline cache is keyed on — the
    grids' count, newest change and ids; their assignments (分包) and those officers'
    newest change — and whether a summary of the period is stale."""
    from ..catalog.service import grids_version

    j = bindparam("j", type_=Integer()) if scoped else None
    lo, hi = bindparam("lo", type_=_UTC), bindparam("hi", type_=_UTC)
    since, stale_lo = bindparam("since", type_=_UTC), bindparam("stale_lo", type_=_UTC)
    grids_of = _scoped(select(Grid.id), Grid.jurisdiction_id, j).scalar_subquery()
    shape = grids_version(j)
    links = (select(func.count().label("n_links"),
                    func.coalesce(func.sum(grid_officers.c.grid_id * grid_officers.c.officer_id), 0).label("pairs"),
                    func.coalesce(func.sum(grid_officers.c.officer_id), 0).label("link_ids"),
                    cast(func.max(Officer.updated_at), String).label("officers_at"))
             .select_from(grid_officers.join(Officer, Officer.id == grid_officers.c.officer_id))
             .where(grid_officers.c.grid_id.in_(grids_of)))
    stale = _stale_patrols(j, stale_lo, hi)
    shape, links = shape.subquery(), links.subquery()
    version = select(shape, links, stale.exists().label("stale")).select_from(shape.join(links, true())).subquery("version")
    # read from ix_patrol_grids_grid_visits alone; "last patrolled" looks back a bounded time
    in_period = (PatrolGrid.first_at < hi) & (PatrolGrid.last_at >= lo)
    visits = _scoped(select(PatrolGrid.grid_id, func.max(case((PatrolGrid.first_at < hi, PatrolGrid.last_at))).label("last_at"),
                            func.sum(case((in_period, PatrolGrid.seconds), else_=0.0)).label("seconds"))
                     .join(Grid, Grid.id == PatrolGrid.grid_id).where(PatrolGrid.last_at >= since), Grid.jurisdiction_id, j
                     ).group_by(PatrolGrid.grid_id).subquery("visits")
    inspected = _scoped(select(Inspection.grid_id, func.count().label("n"))
                        .where(Inspection.grid_id.is_not(None), Inspection.inspected_at >= lo, Inspection.inspected_at < hi),
                        Inspection.jurisdiction_id, j).group_by(Inspection.grid_id).subquery("inspected")
    return _scoped(select(Grid.id, visits.c.last_at, visits.c.seconds, inspected.c.n, *version.c)
                   .select_from(Grid).join(version, true())
                   .outerjoin(visits, visits.c.grid_id == Grid.id).outerjoin(inspected, inspected.c.grid_id == Grid.id),
                   Grid.jurisdiction_id, j)


def _coverage_features(jurisdiction_id: int | None) -> list[tuple[int, str]]:
    """Each grid's unchanging part of a coverage Feature as JSON text, in code order:
    its outline (GeoJSON from the database, never parsed), code, name and assigned
    officers, up to where the period's figures follow."""
    grids_of = _scoped(select(Grid.id), Grid.jurisdiction_id, jurisdiction_id).scalar_subquery()
    assigned: dict[int, list[str]] = defaultdict(list)
    for gid, username in db.session.execute(
            select(grid_officers.c.grid_id, Officer.username).join(Officer, Officer.id == grid_officers.c.officer_id)
            .where(grid_officers.c.grid_id.in_(grids_of)).order_by(Officer.username)):
        assigned[gid].append(username)
    rows = db.session.execute(_scoped(
        select(Grid.id, Grid.code, Grid.name, Grid.jurisdiction_id, func.ST_AsGeoJSON(Grid.geom, 6).label("geojson")),
        Grid.jurisdiction_id, jurisdiction_id).order_by(Grid.code)).all()
    out = []
    for g in rows:
        props = _json({"id": g.id, "code": g.code, "name": g.name, "jurisdiction_id": g.jurisdiction_id,
                       "officers": assigned.get(g.id, [])})
        out.append((g.id, f'{{"type":"Feature","id":{_json(g.code)},"geometry":{g.geojson or "null"},"properties":{props[:-1]},'))
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _coverage(jurisdiction_id: int | None, start: date, end: date, uncovered_after_days: int
              ) -> tuple[list[tuple[int, str]], dict[int, GridCoverage], int]:
    """The cached Feature texts, each grid's figures and the lookback in days."""
    from ..catalog.service import versioned

    lo, hi = period_bounds(start, end)
    # "last patrolled" looks back a bounded time, so the query does not grow with years of
    # history; older than that reads as not patrolled
    lookback = max(LAST_PATROLLED_LOOKBACK_DAYS, uncovered_after_days)
    params = {"lo": lo, "hi": hi, "since": hi - timedelta(days=lookback), "stale_lo": lo - timedelta(days=1)}
    if jurisdiction_id is not None:
        params["j"] = jurisdiction_id
    statement = _coverage_statement(jurisdiction_id is not None)
    rows = db.session.connection().execute(statement, params).all()  # Core: rows only, no ORM loading
    if rows and rows[0].stale:  # summaries are derived lazily: bring the period's up to date first
        refresh_stale_patrols(jurisdiction_id, lo, hi)
        rows = db.session.connection().execute(statement, params).all()
    if not rows:
        return [], {}, lookback
    first = rows[0]
    version = (first.n_grids, first.grids_at, first.grid_ids, first.n_links, first.pairs, first.link_ids, first.officers_at)
    features = versioned(_COVERAGE_GRIDS, jurisdiction_id, version, lambda: _coverage_features(jurisdiction_id))
    threshold = hi - timedelta(days=uncovered_after_days)
    figures = {r.id: GridCoverage(r.id, r.last_at, round((r.seconds or 0) / 60, 1), int(r.n or 0),
                                  r.last_at is None or r.last_at < threshold) for r in rows}  # max() keeps UTCDateTime: aware
    return features, figures, lookback


def grid_coverage(jurisdiction_id: int | None, start: date, end: date, *, uncovered_after_days: int) -> list[GridCoverage]:
    """Per grid, in code order: last patrolled (up to the end of the period), patrol
    minutes and inspections in the period, and whether it counts as uncovered (not
    patrolled within `uncovered_after_days` before the end of the period)."""
    features, figures, _ = _coverage(jurisdiction_id, start, end, uncovered_after_days)
    return [figures[gid] for gid, _ in features]


def coverage_geojson(jurisdiction_id: int | None, start: date, end: date, *, uncovered_after_days: int) -> str:
    """Coverage as a GeoJSON FeatureCollection text: each grid's outline, code, name and
    assigned officers (cached per process as text) followed by its figures."""
    features, figures, lookback = _coverage(jurisdiction_id, start, end, uncovered_after_days)
    parts = []
    for gid, head in features:
        f = figures[gid]
        last = f'"{f.last_patrolled_at.isoformat()}"' if f.last_patrolled_at else "null"
        parts.append(f'{head}"last_patrolled_at":{last},"patrol_minutes":{f.patrol_minutes!r},'
                     f'"inspections":{f.inspections},"uncovered":{"true" if f.uncovered else "false"}}}}}')
    meta = _json({"from": start.isoformat(), "to": end.isoformat(), "uncovered_after_days": uncovered_after_days,
                  "last_patrolled_lookback_days": lookback, "uncovered": sum(1 for f in figures.values() if f.uncovered)})
    return f'{{"type":"FeatureCollection","features":[{",".join(parts)}],"properties":{meta}}}'


def officer_coverage(jurisdiction_id: int | None, start: date, end: date) -> list[dict[str, Any]]:
    """Per officer: the grids assigned to them (分包) and which of those they patrolled; the
    residents' reports handed to them as tasks in the period, and how many they finished."""
    lo, hi = period_bounds(start, end)
    refresh_stale_patrols(jurisdiction_id, lo, hi)
    officers = list(db.session.scalars(_scoped(select(Officer).where(Officer.role.in_(("officer", "auxiliary")), Officer.active.is_(True)),
                                               Officer.jurisdiction_id, jurisdiction_id).order_by(Officer.username)))
    assigned: dict[int, set[int]] = defaultdict(set)
    for gid, oid in db.session.execute(select(grid_officers.c.grid_id, grid_officers.c.officer_id)):
        assigned[oid].add(gid)
    covered: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(patrol_officers.c.officer_id, PatrolGrid.grid_id)
        .join(PatrolGrid, PatrolGrid.patrol_id == patrol_officers.c.patrol_id)
        .where(PatrolGrid.first_at < hi, PatrolGrid.last_at >= lo))
    for oid, gid in rows:
        covered[oid].add(gid)
    codes = dict(db.session.execute(select(Grid.id, Grid.code)).all())
    handed = complaint_figures.per_officer(jurisdiction_id, lo, hi)  # residents' reports 交办 to each officer
    out = []
    for o in officers:
        mine = assigned.get(o.id, set())
        done = mine & covered.get(o.id, set())
        tasks, finished = handed.get(o.id, (0, 0))
        out.append({"id": o.id, "username": o.username, "name": o.name, "assigned": sorted(codes[g] for g in mine),
                    "covered": sorted(codes[g] for g in done), "missed": sorted(codes[g] for g in mine - done),
                    "coverage_rate": _rate(len(done), len(mine)), "complaint_tasks": tasks, "complaint_tasks_finished": finished,
                    "complaint_finish_rate": _rate(finished, tasks)})
    return out
