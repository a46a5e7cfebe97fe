"""Patrol services (巡查): start, fixes, end, summaries, the patrol list; inspections are in
inspections.py (named here too, for the views and the record kinds).

Writes are idempotent on the id the phone made: the same id with the same content
returns the stored record (`created=False`); the same id with other content is a
conflict and changes nothing.
"""
from __future__ import annotations

import json
from bisect import bisect_left
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from flask import current_app
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload

from geo import Fix, clean_track, simplify_fixes, summarize_track
from geo.export import split_at_gaps, to_geojson

from ..auth.access import Actor, Identity, other_jurisdiction
from ..auth.models import Officer, Role
from ..errors import ApiError, Conflict, Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..models_base import LOCAL_TZ, utcnow
from . import packing, partitions
from .models import (
    Patrol,
    PatrolFixBatch,
    PatrolGrid,
    patrol_officers,
)

from .checks import MAX_CLOCK_AHEAD, _digest, _not_future, _require_jurisdiction  # noqa: F401
from .inspections import (inspection_exists, inspection_row, inspection_to_dict, inspections_page,  # noqa: F401
                          record_inspection, record_inspections, reinspections_due, correction_notice)


# --- patrols ------------------------------------------------------------------


def start_patrol(
    *,
    patrol_id: str,
    officer: Officer,
    device_id: str,
    started_at: datetime,
    captured_at: datetime,
    officer_ids: Iterable[int] = (),
    note: str = "",
) -> tuple[Patrol, bool]:
    """Open a patrol for `officer` and any co-officers (same jurisdiction)."""
    jurisdiction_id = _require_jurisdiction(officer)
    _not_future(started_at, "started_at")
    ids = sorted(set(officer_ids) | {officer.id})
    digest = _digest({"started_by": officer.id, "officers": ids, "started_at": started_at.isoformat(),
                      "device_id": device_id, "note": note})
    existing = db.session.get(Patrol, patrol_id)
    if existing is not None:
        if existing.payload_digest != digest:
            raise Conflict("patrol.conflict", "同一巡查编号已有不同内容", "A patrol with this id exists with other content")
        return existing, False
    officers = list(db.session.scalars(select(Officer).where(Officer.id.in_(ids))))
    if len(officers) != len(ids) or any(o.jurisdiction_id != jurisdiction_id or not o.active for o in officers):
        raise _invalid("patrol.bad_officers", "同行人员须为本乡镇（街道）在岗人员", "Co-officers must be active members of this jurisdiction")
    patrol = Patrol(
        id=patrol_id, jurisdiction_id=jurisdiction_id, device_id=device_id, started_by_id=officer.id,
        started_at=started_at, captured_at=captured_at, note=note, payload_digest=digest,
    )
    patrol.officers = officers
    db.session.add(patrol)
    db.session.flush()
    from ..audit import service as audit

    audit.record("patrol.started", "patrol", patrol_id, jurisdiction_id=jurisdiction_id, actor_id=officer.id,
                 device_id=device_id, details={"officers": ids, "started_at": started_at})
    commit()
    return patrol, True


def get_patrol(patrol_id: str) -> Patrol:
    patrol = db.session.get(Patrol, patrol_id)
    if patrol is None:
        raise NotFound("patrol.not_found", "巡查记录不存在", "Patrol not found")
    return patrol


def _officer_ids(patrol: Patrol) -> set[int]:
    return set(db.session.scalars(select(patrol_officers.c.officer_id).where(patrol_officers.c.patrol_id == patrol.id)))


def check_can_write(patrol: Patrol, officer: Officer) -> None:
    if patrol.jurisdiction_id != officer.jurisdiction_id:
        raise other_jurisdiction()
    if officer.id not in _officer_ids(patrol):
        raise Forbidden("patrol.not_participant", "您不是该巡查的参与人员", "You are not on this patrol")


def fixes_outside(t_ms: Any, started_at: datetime, ended_at: datetime | None, allowance_s: float) -> int:
    """How many fix times (Unix ms) lie outside [start − allowance, end + allowance]; a
    patrol not yet ended is open to the future (the receive-time check bounds that)."""
    lo = (started_at.timestamp() - allowance_s) * 1000
    hi = (ended_at.timestamp() + allowance_s) * 1000 if ended_at else float("inf")
    return int(((t_ms < lo) | (t_ms > hi)).sum())


def add_track_points(*, batch_id: str, patrol_id: str, points: Any, officer: Officer | Actor,
                     device_id: str) -> tuple[dict[str, Any], bool]:
    """Append one batch of raw fixes. The hot path of a reconnect storm, so it is cheap
    on purpose: bulk validation, one packed row, Core statements (no ORM objects), the
    summary only marked stale (recomputed on read or at patrol end)."""
    try:
        arr = packing.parse_points(points)
    except packing.PointsError as exc:
        raise _invalid("track.bad_points", "轨迹点数据有误", f"Invalid track points: {exc}",
                       index=exc.index, field=exc.field) from exc
    blob = packing.pack(arr)
    digest = packing.digest(blob)
    t_start = datetime.fromtimestamp(int(arr["t"][0]) / 1000, tz=timezone.utc)
    result = {"id": batch_id, "patrol_id": patrol_id, "count": len(arr)}
    # by id alone, across every month's partition on PostgreSQL: a resent batch with other
    # points may start in another month (the key there is (id, t_start))
    existing = db.session.execute(
        select(PatrolFixBatch.digest, PatrolFixBatch.patrol_id).where(PatrolFixBatch.id == batch_id)
    ).first()
    if existing is not None:
        if existing.digest != digest or existing.patrol_id != patrol_id:
            raise Conflict("track.conflict", "同一批次编号已有不同轨迹点", "A batch with this id exists with other points")
        return result, False
    on_patrol = (
        select(patrol_officers.c.officer_id)
        .where(patrol_officers.c.patrol_id == patrol_id, patrol_officers.c.officer_id == officer.id)
        .exists()
    )
    engine = db.session.get_bind()
    row = db.session.execute(select(Patrol.jurisdiction_id, on_patrol, Patrol.started_at, Patrol.ended_at,
                                    partitions.month_ready(t_start, engine.dialect.name))
                             .where(Patrol.id == patrol_id)).first()
    if row is None:
        raise NotFound("patrol.not_found", "巡查记录不存在", "Patrol not found")
    if row[0] != officer.jurisdiction_id:
        raise other_jurisdiction()
    if not row[1]:
        raise Forbidden("patrol.not_participant", "您不是该巡查的参与人员", "You are not on this patrol")
    outside = fixes_outside(arr["t"], row[2], row[3], current_app.config["TRACK_SPAN_ALLOWANCE_S"])
    if outside:
        # late garbage (fixes from another day or another patrol) never stretches a patrol
        raise _invalid("track.outside_patrol", f"{outside} 个轨迹点不在本次巡查的起止时间内",
                       f"{outside} fixes lie outside the patrol's start and end", count=outside, field="points")
    if not row[4]:
        _make_month(engine, t_start)
    db.session.execute(insert(PatrolFixBatch).values(
        id=batch_id, patrol_id=patrol_id, device_id=device_id, t_start=t_start,
        t_end=datetime.fromtimestamp(int(arr["t"][-1]) / 1000, tz=timezone.utc),
        count=len(arr), digest=digest, data=blob, received_at=utcnow(),
    ))
    db.session.execute(
        update(Patrol).where(Patrol.id == patrol_id)
        .values(summary_stale=True, fix_count=Patrol.fix_count + len(arr))
        .execution_options(synchronize_session=False)
    )
    commit()
    return result, True


def _make_month(engine: Any, t_start: datetime) -> None:
    """PostgreSQL: the batch's month has no partition yet (the daily `flask fixes ensure`
    did not run, or the phone sends an old month): make it now, in a short transaction of
    its own. If that cannot be done at once, the record is refused as retryable (503) and
    the phone keeps it: a fix is never lost and never a 500."""
    try:
        partitions.ensure_month(engine, partitions.month_of(t_start))
    except (partitions.PartitionError, DBAPIError) as exc:
        current_app.logger.warning("no partition for fixes of %s: %s", partitions.month_of(t_start), exc)
        raise ApiError("track.month_unavailable", "轨迹存储暂不可用，请稍后重试（数据未丢失）",
                       "Track storage for this month is not ready; retry shortly (nothing was lost)",
                       status=503, headers={"Retry-After": "60"}) from exc


def end_patrol(*, patrol_id: str, officer: Officer, ended_at: datetime) -> tuple[Patrol, bool]:
    patrol = get_patrol(patrol_id)
    check_can_write(patrol, officer)
    _not_future(ended_at, "ended_at")
    if patrol.status == "ended":
        if patrol.ended_at != ended_at:
            raise Conflict("patrol.already_ended", "巡查已以不同时间结束", "Patrol already ended at another time")
        return patrol, False
    if ended_at < patrol.started_at:
        raise _invalid("patrol.ends_before_start", "结束时间早于开始时间", "Patrol ends before it starts")
    patrol.status = "ended"
    patrol.ended_at = ended_at
    refresh_summary(patrol)
    from ..audit import service as audit

    audit.record("patrol.ended", "patrol", patrol_id, jurisdiction_id=patrol.jurisdiction_id, actor_id=officer.id,
                 details={"ended_at": ended_at, "distance_m": patrol.distance_m, "fix_count": patrol.fix_count})
    commit()
    return patrol, True


# How far outside [started_at, last write] a batch can start (see `batches_of`), beyond
# the ingest rules themselves: a margin for a patrol object loaded a little earlier in the
# same session, and for a TRACK_SPAN_ALLOWANCE_S that was larger when a batch came in.
FIX_WINDOW_MARGIN = timedelta(days=1)


def batches_of(patrol: Patrol) -> list[Any]:
    """The WHERE clause for a patrol's fix batches, bounded in time so that PostgreSQL reads
    only the months' partitions the patrol can have fixes in. Both bounds follow from what
    ingest accepts: no fix before started_at − TRACK_SPAN_ALLOWANCE_S (started_at never
    changes), none after its receive time + packing.FUTURE_SLACK_MS, and every batch bumps
    the patrol's updated_at in its own transaction."""
    allowance = timedelta(seconds=current_app.config["TRACK_SPAN_ALLOWANCE_S"])
    lo = patrol.started_at - allowance - FIX_WINDOW_MARGIN
    hi = (patrol.updated_at or utcnow()) + timedelta(milliseconds=packing.FUTURE_SLACK_MS) + FIX_WINDOW_MARGIN
    return [PatrolFixBatch.patrol_id == patrol.id, PatrolFixBatch.t_start >= lo, PatrolFixBatch.t_start <= hi]


def patrol_fixes(patrol: Patrol) -> list[Fix]:
    fixes: list[Fix] = []
    for blob in db.session.scalars(select(PatrolFixBatch.data).where(*batches_of(patrol)).order_by(PatrolFixBatch.t_start)):
        fixes.extend(packing.to_fixes(packing.unpack(blob)))
    return fixes


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=timezone.utc).isoformat()


def refresh_summary(patrol: Patrol) -> Patrol:
    """Recompute distance, time, gaps, stops, grids and the stored line from all fixes."""
    from ..catalog import service as catalog

    fixes = patrol_fixes(patrol)
    index = catalog.grid_index(patrol.jurisdiction_id)
    summary = summarize_track(fixes, index)
    kept = summary.clean.kept
    raw = sorted(fixes, key=lambda f: f.t)
    raw_t = [f.t for f in raw]
    patrol.kept_count = len(kept)
    patrol.dropped = summary.clean.reasons()
    patrol.distance_m = round(summary.distance_m, 1)
    patrol.gap_distance_m = round(summary.gap_distance_m, 1)
    patrol.duration_s = summary.duration_s
    patrol.moving_s = summary.moving_s
    patrol.first_fix_at = datetime.fromtimestamp(kept[0].t, tz=timezone.utc) if kept else None
    patrol.last_fix_at = datetime.fromtimestamp(kept[-1].t, tz=timezone.utc) if kept else None
    patrol.gaps = [{"start": _iso(g.start_t), "end": _iso(g.end_t), "duration_s": g.duration_s,
                    "distance_m": round(g.distance_m, 1)} for g in summary.gaps]
    patrol.stops = [{"start": _iso(s.start_t), "end": _iso(s.end_t), "duration_s": s.duration_s,
                     "lat": round(s.lat, 7), "lon": round(s.lon, 7), "fix_count": s.fix_count} for s in summary.stops]
    patrol.anomalies = [{**a, "t": _iso(a["t"])} if "t" in a else a for a in summary.anomalies]
    patrol.gaps = [{**g, "kind": gap_kind(raw[:bisect_left(raw_t, gap.end_t)])}
                   for g, gap in zip(patrol.gaps, summary.gaps)]
    patrol.display_tolerance_m = DISPLAY_SIMPLIFY_M
    coordinates, times = display_track(kept)
    patrol.display_coordinates = json.dumps(coordinates, separators=(",", ":"))
    patrol.display_times = json.dumps(times, separators=(",", ":"))
    line = summary.line
    patrol.geom = from_shape(LineString([(f.lon, f.lat) for f in line]), srid=4326) if len(line) >= 2 else None
    db.session.execute(delete(PatrolGrid).where(PatrolGrid.patrol_id == patrol.id))
    for v in summary.visits:
        db.session.add(PatrolGrid(
            patrol_id=patrol.id, grid_id=v.key, seconds=v.seconds, fix_count=v.fix_count,
            first_at=datetime.fromtimestamp(v.first_t, tz=timezone.utc),
            last_at=datetime.fromtimestamp(v.last_t, tz=timezone.utc),
        ))
    patrol.summary_stale = False
    db.session.flush()
    return patrol


DISPLAY_SIMPLIFY_M = 5.0  # the patrol log's default: street-level zoom on a phone or desktop


def display_track(kept: list[Fix], tolerance_m: float = DISPLAY_SIMPLIFY_M) -> tuple[list[Any], list[list[str]]]:
    """The cleaned track split at its gaps, each stretch simplified on its own: GeoJSON
    MultiLineString coordinates and each vertex's ISO time (what `patrol_log` serves)."""
    feature = to_geojson(display_segments(kept, tolerance_m))
    return feature["geometry"]["coordinates"], feature["properties"]["times"]


def gap_kind(raw_before_end: list[Fix]) -> str:
    """Why the track stops, where the data can tell, from the raw fixes (cleaning drops
    the poor ones) received before the gap ends: poor accuracy at the last of them means
    the phone lost the sky (`no_signal`); otherwise the phone simply stopped reporting
    (screen off or app closed — the browser does not say which)."""
    recent = raw_before_end[-3:]
    if recent and sum(f.accuracy for f in recent) / len(recent) > 50:
        return "no_signal"
    return "no_fixes"


def fresh_summary(patrol: Patrol) -> Patrol:
    if patrol.summary_stale:
        refresh_summary(patrol)
        db.session.commit()
    return patrol


def check_can_read_patrol(identity: Identity, patrol: Patrol) -> None:
    """Supervisors and admins read their street's patrols; officers and auxiliaries their own."""
    if not identity.is_global_admin and patrol.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    if identity.role in (Role.officer.value, Role.auxiliary.value) and identity.officer_id not in _officer_ids(patrol):
        raise Forbidden("patrol.not_participant", "只能查看本人参与的巡查", "You can only see patrols you took part in")


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def list_patrols(identity: Identity, jurisdiction_id: int | None, *, officer_id: int | None = None,
                 day: date | None = None, grid_code: str | None = None):
    query = select(Patrol).options(selectinload(Patrol.officers), selectinload(Patrol.grid_visits))
    if jurisdiction_id is not None:
        query = query.where(Patrol.jurisdiction_id == jurisdiction_id)
    if identity.role in (Role.officer.value, Role.auxiliary.value):
        officer_id_filter = identity.officer_id
        if officer_id is not None and officer_id != officer_id_filter:
            raise Forbidden("patrol.not_participant", "只能查看本人参与的巡查", "You can only see patrols you took part in")
        officer_id = officer_id_filter
    if officer_id is not None:
        query = query.where(Patrol.id.in_(select(patrol_officers.c.patrol_id).where(patrol_officers.c.officer_id == officer_id)))
    if day is not None:
        lo, hi = local_day_bounds(day)
        query = query.where(Patrol.started_at >= lo, Patrol.started_at < hi)
    if grid_code is not None:
        from ..catalog import service as catalog

        grid = catalog.grid_by_code(grid_code)
        if grid is None:
            raise NotFound("grid.not_found", "网格不存在", "Grid not found")
        query = query.where(Patrol.id.in_(select(PatrolGrid.patrol_id).where(PatrolGrid.grid_id == grid.id)))
    return query


def patrol_for(identity: Identity, patrol: Patrol) -> dict[str, Any]:
    """A patrol as this reader may see it (device ids shown whole to managers only)."""
    from ..auth.service import device_label

    out = patrol_to_dict(patrol)
    out["device_id"] = device_label(out["device_id"], identity)
    return out


def patrol_to_dict(patrol: Patrol) -> dict[str, Any]:
    grids = {v.grid_id: v.grid for v in patrol.grid_visits}  # loaded with the visits where the caller asked
    return {
        "id": patrol.id,
        "jurisdiction_id": patrol.jurisdiction_id,
        "status": patrol.status,
        "started_at": patrol.started_at,
        "ended_at": patrol.ended_at,
        "officers": [{"id": o.id, "username": o.username, "name": o.name, "role": o.role} for o in patrol.officers],
        "device_id": patrol.device_id,
        "distance_m": patrol.distance_m,
        "gap_distance_m": patrol.gap_distance_m,
        "duration_s": patrol.duration_s,
        "moving_s": patrol.moving_s,
        "fix_count": patrol.fix_count,
        "kept_count": patrol.kept_count,
        "dropped": patrol.dropped or {},
        "first_fix_at": patrol.first_fix_at,
        "last_fix_at": patrol.last_fix_at,
        "grids": [
            {"id": v.grid_id, "code": grids[v.grid_id].code, "name": grids[v.grid_id].name,
             "seconds": v.seconds, "first_at": v.first_at, "last_at": v.last_at, "fix_count": v.fix_count}
            for v in patrol.grid_visits
        ],
        "gaps": patrol.gaps or [],
        "stops": patrol.stops or [],
        "anomalies": patrol.anomalies or [],
        "note": patrol.note,
    }


def track_fixes(patrol: Patrol) -> list[Fix]:
    """The cleaned track (what supervisors see)."""
    return clean_track(patrol_fixes(patrol)).kept


def track_segments(patrol: Patrol, simplify_m: float = 0.0) -> list[list[Fix]]:
    """The cleaned track split at its gaps, each stretch simplified on its own for display
    (simplifying across a gap would drop the fixes on either side of it; and the kept
    vertices of a straight stretch may lie far apart in time, so the split must come first)."""
    return display_segments(track_fixes(patrol), simplify_m)


def display_segments(kept: list[Fix], simplify_m: float) -> list[list[Fix]]:
    """Cleaned fixes split at their gaps, each stretch simplified on its own."""
    segments = split_at_gaps(kept)
    return [simplify_fixes(seg, simplify_m) for seg in segments] if simplify_m > 0 else segments


def evidence_track(patrol_id: str, jurisdiction_id: int, simplify_m: float = 10.0) -> list[list[dict[str, float]]]:
    """A patrol's cleaned track as evidence of a case of its street (cases.general asks here,
    for the case's readers, who may not have been on the patrol): simplified for a map."""
    patrol = db.session.get(Patrol, patrol_id)
    if patrol is None or patrol.jurisdiction_id != jurisdiction_id:
        return []
    return [[{"lat": round(f.lat, 6), "lon": round(f.lon, 6), "accuracy": f.accuracy} for f in seg]
            for seg in track_segments(patrol, simplify_m)]


def record_track_export(identity: Identity, patrol: Patrol, fmt: str) -> None:
    """Exports of where officers were are personal data leaving the system: audited."""
    from ..audit import service as audit

    audit.record("patrol.exported", "patrol", patrol.id, jurisdiction_id=patrol.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={"format": fmt})
    commit()
