"""What supervisors (中队长, 指挥室) look at: the team's figures (统计), grid coverage, patrol
logs, device health. Plain functions over the database; each figure has a drill-down that
lists the records it counts, so a number on a report can always be traced.

Definitions (docs/supervision.md):
* periods are local calendar days [from 00:00, to+1 00:00) in Asia/Shanghai;
* `general_cases` / `simple_cases`: cases opened in the period, by procedure, not voided;
* `fines_total_fen`: fines decided in those cases; `fines_collected_fen`: payments
  (without the §72 surcharge) received in the period;
* `on_time_closure_rate` (按期结案率): of the cases closed in the period (not voided), the share
  closed by their legal deadline — the decision deadline (§60, 90 days after 立案, pauses
  included) for general cases, the filing deadline (备案) for simple ones;
* `matter_coverage_rate`: empowered matters with at least one case ÷ empowered matters;
* `officer_participation_rate`: certified officers with at least one case (as a deciding
  officer of a ticket or the opener of a general case) ÷ certified officers.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, bindparam, case, cast, func, literal, null, select, true, union_all

from ..auth.models import Certificate, Officer
from ..catalog.models import EmpoweredMatter, Grid, Matter, grid_officers
from ..cases.models import Case, Payment
from ..extensions import db
from ..clock import local_today
from ..models_base import LOCAL_TZ, UTCDateTime
from ..patrols.models import Inspection, Patrol, PatrolGrid, patrol_officers
from ..sync.models import SyncRecord
from ..tasks.models import Task
from ..tickets.models import Ticket

LAST_PATROLLED_LOOKBACK_DAYS = 90  # coverage's "last patrolled": how far back it looks
LATE_SYNC_S = 24 * 3600  # a record reaching the server more than a day after capture is "late"


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `start` and of the midnight after `end`."""
    from ..patrols.service import local_day_bounds

    return local_day_bounds(start)[0], local_day_bounds(end)[1]


def _scoped(query, column, jurisdiction: Any):
    """`query` limited to one jurisdiction (an id, or a bind parameter in a statement built
    once); None: all of them."""
    return query if jurisdiction is None else query.where(column == jurisdiction)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# --- the figures ---------------------------------------------------------------------

def cases_opened(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> list[Case]:
    q = select(Case).where(Case.opened_at >= lo, Case.opened_at < hi, func.coalesce(Case.close_reason, "") != "voided")
    return list(db.session.scalars(_scoped(q, Case.jurisdiction_id, jurisdiction_id).order_by(Case.id)))


def cases_closed(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> list[Case]:
    q = select(Case).where(Case.closed_at >= lo, Case.closed_at < hi, func.coalesce(Case.close_reason, "") != "voided")
    return list(db.session.scalars(_scoped(q, Case.jurisdiction_id, jurisdiction_id).order_by(Case.id)))


def closed_on_time(case: Case) -> bool:
    """Closed by the deadline the law sets for its procedure (see the module docstring)."""
    closed = case.closed_at.astimezone(LOCAL_TZ).date() if case.closed_at else None
    if closed is None:
        return False
    if case.procedure == "general":
        return case.decision_due is None or (case.decided_on or closed) <= case.decision_due
    filed = case.filed_at.astimezone(LOCAL_TZ).date() if case.filed_at else None
    return case.filing_due is None or (filed is not None and filed <= case.filing_due)


def payments_in(jurisdiction_id: int | None, start: date, end: date) -> list[Payment]:
    q = select(Payment).join(Case, Case.id == Payment.case_id).where(Payment.paid_on >= start, Payment.paid_on <= end)
    return list(db.session.scalars(_scoped(q, Case.jurisdiction_id, jurisdiction_id).order_by(Payment.id)))


def empowered_matters(jurisdiction_id: int | None) -> list[Matter]:
    q = select(Matter).join(EmpoweredMatter, EmpoweredMatter.matter_id == Matter.id)
    if jurisdiction_id is not None:
        q = q.where(EmpoweredMatter.jurisdiction_id == jurisdiction_id)
    return list(db.session.scalars(q.distinct().order_by(Matter.code)))


def certified_officers(jurisdiction_id: int | None, day: date) -> list[Officer]:
    q = (select(Officer).join(Certificate, Certificate.officer_id == Officer.id)
         .where(Officer.role == "officer", Officer.active.is_(True), Certificate.revoked.is_(False),
                Certificate.valid_from <= day, Certificate.valid_until >= day))
    return list(db.session.scalars(_scoped(q, Officer.jurisdiction_id, jurisdiction_id).distinct().order_by(Officer.username)))


def officers_with_cases(cases: list[Case]) -> set[int]:
    ids: set[int] = set()
    ticket_ids = [c.ticket_id for c in cases if c.ticket_id]
    if ticket_ids:
        for officers in db.session.scalars(select(Ticket.officers).where(Ticket.id.in_(ticket_ids))):
            ids.update(o["id"] for o in officers or [] if o.get("id") is not None)
    ids.update(c.opened_by_id for c in cases if c.procedure == "general" and c.opened_by_id)
    return ids


def inspections_in(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> list[Inspection]:
    q = select(Inspection).where(Inspection.inspected_at >= lo, Inspection.inspected_at < hi)
    return list(db.session.scalars(_scoped(q, Inspection.jurisdiction_id, jurisdiction_id).order_by(Inspection.inspected_at)))


def tasks_dispatched(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> list[Task]:
    q = select(Task).where(Task.dispatched_at >= lo, Task.dispatched_at < hi)
    return list(db.session.scalars(_scoped(q, Task.jurisdiction_id, jurisdiction_id).order_by(Task.id)))


def sync_problems(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> tuple[list[SyncRecord], list[SyncRecord]]:
    """(records still waiting for photos, records received in the period more than a day after capture)."""
    from ..sync import service as sync

    sync.refresh_incomplete(jurisdiction_id)
    incomplete = list(db.session.scalars(_scoped(select(SyncRecord).where(SyncRecord.status == "incomplete"),
                                                 SyncRecord.jurisdiction_id, jurisdiction_id).order_by(SyncRecord.received_at)))
    received = db.session.scalars(_scoped(
        select(SyncRecord).where(SyncRecord.received_at >= lo, SyncRecord.received_at < hi, SyncRecord.captured_at.is_not(None)),
        SyncRecord.jurisdiction_id, jurisdiction_id))
    late = [r for r in received if (r.received_at - r.captured_at).total_seconds() > LATE_SYNC_S]
    return incomplete, late


def stats(jurisdiction_id: int | None, start: date, end: date, *, stale_after_s: int, queue_alarm: int) -> dict[str, Any]:
    from ..sync import service as sync

    lo, hi = period_bounds(start, end)
    opened = cases_opened(jurisdiction_id, lo, hi)
    closed = cases_closed(jurisdiction_id, lo, hi)
    payments = payments_in(jurisdiction_id, start, end)
    empowered = empowered_matters(jurisdiction_id)
    with_case = {c.matter_code for c in opened}
    zero = [m for m in empowered if m.code not in with_case]
    certified = certified_officers(jurisdiction_id, end)
    active_ids = officers_with_cases(opened)
    participating = [o for o in certified if o.id in active_ids]
    inspections = inspections_in(jurisdiction_id, lo, hi)
    tasks = tasks_dispatched(jurisdiction_id, lo, hi)
    loops = [(t.feedback_at - t.dispatched_at).total_seconds() for t in tasks if t.feedback_at]
    incomplete, late = sync_problems(jurisdiction_id, lo, hi)
    devices = sync.devices_health(jurisdiction_id, stale_after_s, queue_alarm)
    return {
        "from": start, "to": end, "jurisdiction_id": jurisdiction_id,
        "general_cases": sum(1 for c in opened if c.procedure == "general"),
        "simple_cases": sum(1 for c in opened if c.procedure == "simple"),
        "fines_total_fen": sum(c.amount_fen or 0 for c in opened),
        "fines_collected_fen": sum(p.amount_fen for p in payments),
        "cases_closed": len(closed),
        "cases_closed_on_time": sum(1 for c in closed if closed_on_time(c)),
        "on_time_closure_rate": _rate(sum(1 for c in closed if closed_on_time(c)), len(closed)),
        "empowered_matters": len(empowered),
        "matter_coverage_rate": _rate(len(empowered) - len(zero), len(empowered)),
        "zero_case_matters": [{"code": m.code, "name": m.name} for m in zero],
        "certified_officers": len(certified),
        "officer_participation_rate": _rate(len(participating), len(certified)),
        "inspections": len(inspections),
        "inspections_by_result": dict(Counter(i.result for i in inspections)),
        "tasks_dispatched": len(tasks),
        "tasks_with_feedback": len(loops),
        "median_dispatch_to_feedback_s": statistics.median(loops) if loops else None,
        "records_incomplete": len(incomplete),
        "records_late": len(late),
        "devices_unhealthy": sum(1 for d in devices if d["alarms"]),
    }


# --- drill-downs: the records behind each figure -----------------------------------------

def _case_row(c: Case) -> dict[str, Any]:
    return {"id": c.id, "procedure": c.procedure, "stage": c.stage, "matter_code": c.matter_code, "party_name": c.party_name,
            "amount_fen": c.amount_fen, "paid_fen": c.paid_fen, "opened_at": c.opened_at, "closed_at": c.closed_at,
            "on_time": closed_on_time(c) if c.closed_at else None, "ticket_id": c.ticket_id}


FIGURES = ("general_cases", "simple_cases", "fines_total_fen", "fines_collected_fen", "on_time_closure_rate",
           "matter_coverage_rate", "zero_case_matters", "officer_participation_rate", "inspections",
           "tasks_dispatched", "records_incomplete", "records_late", "devices_unhealthy")


def drill_down(figure: str, jurisdiction_id: int | None, start: date, end: date, *, stale_after_s: int,
               queue_alarm: int) -> list[dict[str, Any]]:
    from ..sync import service as sync

    lo, hi = period_bounds(start, end)
    if figure in ("general_cases", "simple_cases", "fines_total_fen"):
        rows = cases_opened(jurisdiction_id, lo, hi)
        if figure != "fines_total_fen":
            rows = [c for c in rows if c.procedure == figure.split("_")[0]]
        return [_case_row(c) for c in rows]
    if figure == "fines_collected_fen":
        return [{"id": p.id, "case_id": p.case_id, "amount_fen": p.amount_fen, "surcharge_fen": p.surcharge_fen,
                 "channel": p.channel, "paid_on": p.paid_on, "receipt": p.receipt} for p in payments_in(jurisdiction_id, start, end)]
    if figure == "on_time_closure_rate":
        return [_case_row(c) for c in cases_closed(jurisdiction_id, lo, hi)]
    if figure in ("matter_coverage_rate", "zero_case_matters"):
        counts = Counter(c.matter_code for c in cases_opened(jurisdiction_id, lo, hi))
        rows = [{"code": m.code, "name": m.name, "domain": m.domain, "cases": counts.get(m.code, 0)}
                for m in empowered_matters(jurisdiction_id)]
        return [r for r in rows if r["cases"] == 0] if figure == "zero_case_matters" else rows
    if figure == "officer_participation_rate":
        opened = cases_opened(jurisdiction_id, lo, hi)
        per: Counter[int] = Counter()
        for c in opened:
            per.update(officers_with_cases([c]))
        return [{"id": o.id, "username": o.username, "name": o.name, "cases": per.get(o.id, 0)}
                for o in certified_officers(jurisdiction_id, end)]
    if figure == "inspections":
        return [{"id": i.id, "inspected_at": i.inspected_at, "officer_id": i.officer_id, "subject_name": i.subject_name,
                 "result": i.result, "grid_id": i.grid_id, "lat": _lat(i), "lon": _lon(i), "photos": len(i.photos or [])}
                for i in inspections_in(jurisdiction_id, lo, hi)]
    if figure == "tasks_dispatched":
        return [{"id": t.id, "title": t.title, "status": t.status, "assignee_id": t.assignee_id, "dispatched_at": t.dispatched_at,
                 "feedback_at": t.feedback_at,
                 "dispatch_to_feedback_s": (t.feedback_at - t.dispatched_at).total_seconds() if t.feedback_at else None}
                for t in tasks_dispatched(jurisdiction_id, lo, hi)]
    if figure in ("records_incomplete", "records_late"):
        incomplete, late = sync_problems(jurisdiction_id, lo, hi)
        return [{"id": r.id, "kind": r.kind, "officer_id": r.officer_id, "device_id": r.device_id, "captured_at": r.captured_at,
                 "received_at": r.received_at, "missing_photos": len(r.missing_photos or [])}
                for r in (incomplete if figure == "records_incomplete" else late)]
    if figure == "devices_unhealthy":
        return [{"device_id": d["device_id"], "alarms": ",".join(d["alarms"]), "last_sync_at": d.get("last_sync_at"),
                 "queue_depth": d.get("queue_depth")} for d in sync.devices_health(jurisdiction_id, stale_after_s, queue_alarm)
                if d["alarms"]]
    raise KeyError(figure)


def _lat(i: Inspection) -> float:
    from geoalchemy2.shape import to_shape

    return round(to_shape(i.location).y, 7)


def _lon(i: Inspection) -> float:
    from geoalchemy2.shape import to_shape

    return round(to_shape(i.location).x, 7)


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
    """Per officer: the grids assigned to them (分包) and which of those they patrolled."""
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
    out = []
    for o in officers:
        mine = assigned.get(o.id, set())
        done = mine & covered.get(o.id, set())
        out.append({"id": o.id, "username": o.username, "name": o.name, "assigned": sorted(codes[g] for g in mine),
                    "covered": sorted(codes[g] for g in done), "missed": sorted(codes[g] for g in mine - done),
                    "coverage_rate": _rate(len(done), len(mine))})
    return out


def now_local_date() -> date:
    return local_today()


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
