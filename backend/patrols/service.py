"""Patrol and inspection services: plain functions the sync endpoint will route to.

Writes are idempotent on the id the phone made: the same id with the same content
returns the stored record (`created=False`); the same id with other content is a
conflict and changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Iterable

from flask import current_app
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, Point
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import selectinload

from geo import Fix, clean_track, simplify_fixes, summarize_track
from geo.export import split_at_gaps, to_geojson

from ..auth.access import Identity, other_jurisdiction
from ..auth.models import Officer, Role
from ..errors import ApiError, Conflict, Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..identity_numbers import valid_uscc
from ..models_base import LOCAL_TZ, utcnow
from . import packing
from .models import (
    INSPECTION_RESULTS,
    Inspection,
    Patrol,
    PatrolFixBatch,
    PatrolGrid,
    patrol_officers,
)

MAX_CLOCK_AHEAD = timedelta(days=1)
MAX_RECTIFY_DAYS = 180
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_PHOTOS = 30


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _require_jurisdiction(officer: Officer) -> int:
    if officer.jurisdiction_id is None:
        raise _invalid("patrol.no_jurisdiction", "未归属乡镇（街道）的账号不能记录巡查", "Only officers of a jurisdiction record patrols")
    return officer.jurisdiction_id


def _not_future(value: datetime, field: str) -> None:
    if value > utcnow() + MAX_CLOCK_AHEAD:
        raise _invalid("time.in_future", "时间晚于当前时间，请检查手机时钟", "Time is in the future: check the phone clock", field=field)


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


def add_track_points(*, batch_id: str, patrol_id: str, points: Any, officer: Officer, device_id: str) -> tuple[dict[str, Any], bool]:
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
    result = {"id": batch_id, "patrol_id": patrol_id, "count": len(arr)}
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
    row = db.session.execute(select(Patrol.jurisdiction_id, on_patrol, Patrol.started_at, Patrol.ended_at)
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
    db.session.execute(insert(PatrolFixBatch).values(
        id=batch_id, patrol_id=patrol_id, device_id=device_id,
        t_start=datetime.fromtimestamp(int(arr["t"][0]) / 1000, tz=timezone.utc),
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


def patrol_fixes(patrol: Patrol) -> list[Fix]:
    fixes: list[Fix] = []
    for blob in db.session.scalars(
        select(PatrolFixBatch.data).where(PatrolFixBatch.patrol_id == patrol.id).order_by(PatrolFixBatch.t_start)
    ):
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
    if identity.role in (Role.officer.value, Role.auxiliary.value) and identity.officer.id not in _officer_ids(patrol):
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
        officer_id_filter = identity.officer.id
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


# --- inspections -------------------------------------------------------------------


def record_inspection(
    *,
    inspection_id: str,
    officer: Officer,
    device_id: str,
    captured_at: datetime,
    inspected_at: datetime,
    lat: float,
    lon: float,
    accuracy_m: float | None,
    subject_name: str,
    subject_address: str = "",
    subject_uscc: str | None = None,
    matter_code: str | None = None,
    result: str,
    rectify_deadline: date | None = None,
    follow_up: str | None = None,
    notes: str = "",
    photos: Iterable[str] = (),
    patrol_id: str | None = None,
) -> tuple[Inspection, bool]:
    """Record a geotagged inspection; the grid comes from the location, and a 责令整改
    sets the re-inspection due date (the day after the rectification deadline)."""
    from ..catalog import service as catalog

    args = {k: v for k, v in locals().items() if k != "catalog"}
    jurisdiction_id = _require_jurisdiction(officer)
    digest = _inspection_digest(args, jurisdiction_id)
    existing = db.session.get(Inspection, inspection_id)
    if existing is not None:
        if existing.payload_digest != digest:
            raise Conflict("inspection.conflict", "同一检查编号已有不同内容", "An inspection with this id exists with other content")
        return existing, False
    values = _inspection_values(args, jurisdiction_id, digest, catalog.matter_by_code,
                                lambda pid: db.session.get(Patrol, pid))
    grid = catalog.grid_at(lon, lat, jurisdiction_id)
    inspection = Inspection(**values, grid_id=grid.id if grid else None)
    db.session.add(inspection)
    db.session.flush()
    _cite_and_audit([(values, grid.name if grid else "")], officer, device_id)
    commit()
    return inspection, True


def inspection_exists(inspection_id: str, jurisdiction_id: int | None) -> bool:
    """Whether an inspection of this street exists (another feature citing it asks here)."""
    return db.session.scalar(select(Inspection.id).where(Inspection.id == inspection_id,
                                                         Inspection.jurisdiction_id == jurisdiction_id)) is not None


def record_inspections(officer: Officer, device_id: str, batch: list[dict[str, Any]]) -> list[ApiError | None]:
    """The batch form of `record_inspection` for the sync endpoint: the same checks per
    item, but matters, patrols and grids are looked up once for the whole batch (grids in
    memory with `catalog.grid_index`), the rows go in with one flush and the audit
    entries with one append. Every id must be new (the caller sends the others through
    `record_inspection`, which knows duplicates and conflicts). Returns, per item, None
    when stored or the ApiError that refused it."""
    from ..catalog import service as catalog
    from ..catalog.models import Grid, Matter

    jurisdiction_id = _require_jurisdiction(officer)
    codes = {a["matter_code"] for a in batch if a.get("matter_code")}
    matters = {m.code: m for m in db.session.scalars(select(Matter).where(Matter.code.in_(codes)))} if codes else {}
    pids = {a["patrol_id"] for a in batch if a.get("patrol_id")}
    patrols = {p.id: p for p in db.session.scalars(select(Patrol).where(Patrol.id.in_(pids)))} if pids else {}
    index = catalog.grid_index(jurisdiction_id)
    names: dict[int, str] = {}
    outcomes: list[ApiError | None] = []
    stored: list[dict[str, Any]] = []
    now = utcnow()
    for item in batch:
        args = {**item, "officer": officer, "device_id": device_id}
        try:
            values = _inspection_values(args, jurisdiction_id, _inspection_digest(args, jurisdiction_id), matters.get, patrols.get)
        except ApiError as exc:
            outcomes.append(exc)
            continue
        stored.append({**values, "grid_id": index.locate(args["lon"], args["lat"]), "received_at": now, "created_at": now,
                       "updated_at": now})
        outcomes.append(None)
    if stored:
        db.session.execute(insert(Inspection), stored)  # one executemany, no ORM objects
        ids = {v["grid_id"] for v in stored if v["grid_id"] is not None}
        names = dict(db.session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(ids))).all()) if ids else {}
        _cite_and_audit([(v, names.get(v["grid_id"], "")) for v in stored], officer, device_id)
    return outcomes


_INSPECTION_ARGS = ("inspection_id", "device_id", "captured_at", "inspected_at", "lat", "lon", "accuracy_m", "subject_name",
                    "subject_address", "subject_uscc", "matter_code", "result", "rectify_deadline", "follow_up", "notes",
                    "photos", "patrol_id")
_INSPECTION_DEFAULTS = {"subject_address": "", "subject_uscc": None, "matter_code": None, "rectify_deadline": None,
                        "follow_up": None, "notes": "", "photos": (), "patrol_id": None}


def _inspection_digest(args: dict[str, Any], jurisdiction_id: int) -> str:
    """What makes two sends of one inspection id "the same content"."""
    payload = {k: args.get(k, _INSPECTION_DEFAULTS.get(k)) for k in _INSPECTION_ARGS}
    payload["photos"] = list(payload["photos"])
    payload["jurisdiction_id"] = jurisdiction_id
    payload["officer"] = args["officer"].id
    return _digest(payload)


def _inspection_values(args: dict[str, Any], jurisdiction_id: int, digest: str, matter_of, patrol_of) -> dict[str, Any]:
    """The legal and format checks of one inspection, and its row (without the grid)."""
    a = {**_INSPECTION_DEFAULTS, **args}
    inspected_at, result, photos = a["inspected_at"], a["result"], list(a["photos"])
    rectify_deadline, follow_up, subject_uscc, patrol_id = a["rectify_deadline"], a["follow_up"], a["subject_uscc"], a["patrol_id"]
    _not_future(inspected_at, "inspected_at")
    if result not in INSPECTION_RESULTS:
        raise _invalid("inspection.bad_result", "检查结果无效", f"result must be one of {INSPECTION_RESULTS}", field="result")
    if subject_uscc is not None and not valid_uscc(subject_uscc):
        raise _invalid("inspection.bad_uscc", "统一社会信用代码校验不通过，请核对", "The unified social credit code fails its check", field="subject_uscc")
    matter = None
    if a["matter_code"] is not None:
        matter = matter_of(a["matter_code"])
        if matter is None:
            raise _invalid("inspection.unknown_matter", "执法事项不存在", "Unknown matter", field="matter_code")
    local_day = inspected_at.astimezone(LOCAL_TZ).date()
    reinspect_due = None
    if result == "rectify":
        if rectify_deadline is None:
            raise _invalid("inspection.deadline_required", "责令整改须写明整改期限", "A rectification deadline is required", field="rectify_deadline")
        if not local_day <= rectify_deadline <= local_day + timedelta(days=MAX_RECTIFY_DAYS):
            raise _invalid("inspection.bad_deadline", f"整改期限须在检查当日起 {MAX_RECTIFY_DAYS} 日内",
                           f"The deadline must fall within {MAX_RECTIFY_DAYS} days of the inspection", field="rectify_deadline")
        reinspect_due = rectify_deadline + timedelta(days=1)
    elif rectify_deadline is not None:
        raise _invalid("inspection.unexpected_deadline", "仅责令整改需要整改期限", "Only a rectification order has a deadline", field="rectify_deadline")
    if result == "violation":
        # None = not decided yet on the spot; the supervisor sees it among open violations
        if follow_up not in (None, "ticket", "case"):
            raise _invalid("inspection.bad_follow_up", "后续处理方式须为当场处罚或立案", "follow_up must be ticket or case", field="follow_up")
    elif follow_up is not None:
        raise _invalid("inspection.unexpected_follow_up", "仅发现违法需要后续处理方式", "Only a violation has a follow-up", field="follow_up")
    if len(photos) > MAX_PHOTOS or len(set(photos)) != len(photos) or not all(isinstance(p, str) and SHA256_RE.match(p) for p in photos):
        raise _invalid("inspection.bad_photos", "照片须为不重复的 SHA-256 摘要", "photos must be distinct lowercase SHA-256 digests", field="photos")
    if patrol_id is not None:
        patrol = patrol_of(patrol_id)
        if patrol is None:
            raise _invalid("inspection.unknown_patrol", "所属巡查不存在", "The patrol this inspection cites does not exist", field="patrol_id")
        if patrol.jurisdiction_id != jurisdiction_id:
            raise other_jurisdiction()
    return dict(
        id=a["inspection_id"], jurisdiction_id=jurisdiction_id, patrol_id=patrol_id, officer_id=a["officer"].id,
        device_id=a["device_id"], captured_at=a["captured_at"], inspected_at=inspected_at,
        location=from_shape(Point(a["lon"], a["lat"]), srid=4326), accuracy_m=a["accuracy_m"],
        subject_name=a["subject_name"], subject_address=a["subject_address"], subject_uscc=subject_uscc,
        matter_id=matter.id if matter else None, result=result, rectify_deadline=rectify_deadline,
        reinspect_due=reinspect_due, follow_up=follow_up, notes=a["notes"], photos=photos, payload_digest=digest,
    )


def _cite_and_audit(stored: list[tuple[dict[str, Any], str]], officer: Officer, device_id: str) -> None:
    """For inspection rows just stored (their values, their grid's name): the photos they
    cite (EXIF checked against place and time) and one audit entry each."""
    from ..audit import service as audit
    from ..evidence import service as evidence

    for v, grid_name in stored:
        if v["photos"]:
            place = " ".join(p for p in (grid_name, v["subject_address"]) if p)
            point = to_shape(v["location"])
            evidence.cite(v["photos"], record_kind="inspection", record_id=v["id"], jurisdiction_id=v["jurisdiction_id"],
                          officer_id=officer.id, device_id=device_id, claimed_at=v["inspected_at"], lat=point.y, lon=point.x,
                          label=place)
    audit.record_many([{"action": "inspection.created", "object_type": "inspection", "object_id": v["id"], "actor_id": officer.id,
                        "device_id": device_id, "details": {"result": v["result"], "subject": v["subject_name"], "photos": v["photos"]}}
                       for v, _ in stored], jurisdiction_id=stored[0][0]["jurisdiction_id"] if stored else None)


@lru_cache(maxsize=1)
def _inspection_rows() -> Any:
    """An inspection as the API shows it, as one flat row: its officer, grid and matter
    joined and its point read as numbers (no ORM objects, no geometry parsing; a page of
    200 is one statement)."""
    from ..catalog.models import Grid, Matter

    i = Inspection.__table__.c
    return (select(i.id, i.jurisdiction_id, i.patrol_id, Officer.id.label("officer_id"), Officer.username.label("officer_username"),
                   Officer.name.label("officer_name"), i.inspected_at, func.ST_Y(i.location).label("lat"),
                   func.ST_X(i.location).label("lon"), i.accuracy_m, Grid.id.label("grid_id"), Grid.code.label("grid_code"),
                   Grid.name.label("grid_name"), i.subject_name, i.subject_address, i.subject_uscc, Matter.code.label("matter_code"),
                   i.result, i.rectify_deadline, i.reinspect_due, i.follow_up, i.notes, i.photos, i.captured_at, i.received_at)
            .select_from(Inspection.__table__.join(Officer, Officer.id == i.officer_id)
                         .outerjoin(Grid, Grid.id == i.grid_id).outerjoin(Matter, Matter.id == i.matter_id)))


def list_inspections(jurisdiction_id: int | None, *, bbox: tuple[float, float, float, float] | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     grid_code: str | None = None, result: str | None = None):
    """A statement of inspection rows (see `inspection_to_dict`) with the filters applied."""
    i = Inspection.__table__.c
    query = _inspection_rows()
    if jurisdiction_id is not None:
        query = query.where(i.jurisdiction_id == jurisdiction_id)
    if bbox is not None:
        minlon, minlat, maxlon, maxlat = bbox
        if db.session.get_bind().dialect.name == "sqlite":
            # SpatiaLite reaches its R-tree only through the SpatialIndex table; for
            # points, being in the box's MBR is being in the box.
            query = query.where(text(
                "inspections.rowid IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = 'inspections' "
                "AND f_geometry_column = 'location' AND search_frame = BuildMbr(:x1, :y1, :x2, :y2, 4326))"
            ).bindparams(x1=minlon, y1=minlat, x2=maxlon, y2=maxlat))
        else:
            query = query.where(func.ST_Intersects(i.location, func.ST_MakeEnvelope(minlon, minlat, maxlon, maxlat, 4326)))
    if since is not None:
        query = query.where(i.inspected_at >= since)
    if until is not None:
        query = query.where(i.inspected_at < until)
    if result is not None:
        query = query.where(i.result == result)
    if grid_code is not None:
        from ..catalog import service as catalog

        grid = catalog.grid_by_code(grid_code)
        if grid is None:
            raise NotFound("grid.not_found", "网格不存在", "Grid not found")
        query = query.where(i.grid_id == grid.id)
    return query


def inspection_row(inspection_id: str) -> Any:
    row = db.session.execute(_inspection_rows().where(Inspection.__table__.c.id == inspection_id)).first()
    if row is None:
        raise NotFound("inspection.not_found", "检查记录不存在", "Inspection not found")
    return row


def inspection_to_dict(r: Any) -> dict[str, Any]:
    """A row of `list_inspections` / `inspection_row` as the API's Inspection."""
    return {
        "id": r.id, "jurisdiction_id": r.jurisdiction_id, "patrol_id": r.patrol_id,
        "officer": {"id": r.officer_id, "username": r.officer_username, "name": r.officer_name},
        "inspected_at": r.inspected_at, "lat": round(r.lat, 7), "lon": round(r.lon, 7), "accuracy_m": r.accuracy_m,
        "grid": {"id": r.grid_id, "code": r.grid_code, "name": r.grid_name} if r.grid_id is not None else None,
        "subject_name": r.subject_name, "subject_address": r.subject_address, "subject_uscc": r.subject_uscc,
        "matter_code": r.matter_code, "result": r.result,
        "rectify_deadline": r.rectify_deadline, "reinspect_due": r.reinspect_due, "follow_up": r.follow_up,
        "notes": r.notes, "photos": r.photos or [], "captured_at": r.captured_at, "received_at": r.received_at,
    }


def record_track_export(identity: Identity, patrol: Patrol, fmt: str) -> None:
    """Exports of where officers were are personal data leaving the system: audited."""
    from ..audit import service as audit

    audit.record("patrol.exported", "patrol", patrol.id, jurisdiction_id=patrol.jurisdiction_id, actor_id=identity.officer.id,
                 device_id=identity.device.device_id, details={"format": fmt})
    db.session.commit()
