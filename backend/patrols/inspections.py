"""Inspections (检查): recorded one by one (REST, sync) or a run at once (the sync batch
path), listed, read. Idempotent on the phone's id, like patrols."""
from __future__ import annotations

import hashlib

from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, Iterable

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func, or_, select, text


from ..auth.access import Actor, other_jurisdiction
from ..auth.models import Officer
from ..errors import ApiError, Conflict, NotFound
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..identity_numbers import valid_uscc
from ..models_base import LOCAL_TZ, utcnow
from .models import (
    INSPECTION_RESULTS,
    Inspection,
    Patrol,
)

from .checks import MAX_PHOTOS, MAX_RECTIFY_DAYS, SHA256_RE, _digest, _not_future, _require_jurisdiction


# --- inspections -------------------------------------------------------------------


def record_inspection(
    *,
    inspection_id: str,
    officer: Officer | Actor,  # its id and street: the calling identity's `actor` will do
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
    subject_id: int | None = None,
    follow_up_of: str | None = None,
) -> tuple[Inspection, bool]:
    """Record a geotagged inspection; the grid comes from the location, and a 责令整改
    sets the re-inspection due date (the day after the rectification deadline)."""
    from ..catalog import service as catalog
    from ..subjects import service as subjects

    args = {k: v for k, v in locals().items() if k not in ("catalog", "subjects")}
    jurisdiction_id = _require_jurisdiction(officer)
    digest = _inspection_digest(args, jurisdiction_id)
    existing = db.session.get(Inspection, inspection_id)
    if existing is not None:
        if existing.payload_digest != digest:
            raise Conflict("inspection.conflict", "同一检查编号已有不同内容", "An inspection with this id exists with other content")
        return existing, False
    values = _inspection_values(args, jurisdiction_id, digest, catalog.matter_by_code,
                                lambda pid: db.session.get(Patrol, pid), partial(subjects.resolve, jurisdiction_id))
    grid = catalog.grid_at(lon, lat, jurisdiction_id)
    inspection = Inspection(**values, location=from_shape(Point(lon, lat), srid=4326), grid_id=grid.id if grid else None)
    db.session.add(inspection)
    db.session.flush()
    _cite_and_audit([values], [(lat, lon)], [grid.name if grid else ""], officer, device_id)
    commit()
    return inspection, True


def inspection_exists(inspection_id: str, jurisdiction_id: int | None) -> bool:
    """Whether an inspection of this street exists (another feature citing it asks here)."""
    return db.session.scalar(select(Inspection.id).where(Inspection.id == inspection_id,
                                                         Inspection.jurisdiction_id == jurisdiction_id)) is not None


def correction_notice(inspection_id: str, identity: Any) -> tuple[bytes, str]:
    """责令（限期）改正通知书 of a rectification order, as PDF: numbered from the street's sequence
    the first time it is printed (the same number ever after), in the 行政主体's name."""
    from ..cases import paperwork

    i = db.session.get(Inspection, inspection_id)
    if i is None:
        raise NotFound("inspection.not_found", "检查记录不存在", "Inspection not found")
    if not identity.is_global_admin and i.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    if i.result != "rectify":
        raise _invalid("inspection.not_rectify", "只有责令整改的检查才有改正通知书", "Only a rectification order has a notice", status=409)
    day = i.inspected_at.astimezone(LOCAL_TZ).date()
    if i.notice_number is None:
        i.notice_number = paperwork.next_number(i.jurisdiction_id, "correction_order", day.year)
    patrol = db.session.get(Patrol, i.patrol_id) if i.patrol_id else None
    officers = [i.officer_id] + ([o.id for o in patrol.officers if o.id != i.officer_id] if patrol else [])
    pdf = paperwork.render_notice(i.jurisdiction_id, "correction_order", number=i.notice_number, day=day,
                                  party={"name": i.subject_name, "address": i.subject_address, "id_number": i.subject_uscc or ""},
                                  matter_code=i.matter.code if i.matter else None, officer_ids=officers[:2],
                                  step={"violation": i.notes or "存在需要改正的违法行为", "order": i.notes or "按要求改正违法行为",
                                        "deadline": i.rectify_deadline})
    from ..audit import service as audit

    audit.record("inspection.notice_printed", "inspection", i.id, jurisdiction_id=i.jurisdiction_id, actor_id=identity.officer_id,
                 details={"number": i.notice_number, "sha256": hashlib.sha256(pdf).hexdigest()})
    commit()
    return pdf, i.notice_number


def reinspections_due(identity: Any, due_before: date | None, *, only: Iterable[str] | None = None,
                      street: int | None = None) -> list[dict[str, Any]]:
    """复查到期: 责令整改 inspections due for their re-inspection on or before the day, not yet
    followed up. An officer sees the ones they ordered, those in their grids and those whose
    re-inspection task is theirs; a supervisor the street's (the console lists the overdue
    ones). Each carries `task`, the re-inspection task in hand (not closed), if any.

    `due_before` None: whatever the day; `only`: these orders alone (a task that dispatches or
    carries one asks); `street`: the street for a caller who has none (a district administrator)."""
    from ..catalog import service as catalog
    from ..clock import local_today
    from ..tasks import service as tasks

    street = identity.jurisdiction_id if identity.jurisdiction_id is not None else street
    if street is None:
        return []
    done = select(Inspection.follow_up_of).where(Inspection.follow_up_of.is_not(None))
    query = (select(Inspection).where(Inspection.jurisdiction_id == street, Inspection.result == "rectify", Inspection.id.not_in(done))
             .order_by(Inspection.reinspect_due, Inspection.inspected_at))
    if due_before is not None:
        query = query.where(Inspection.reinspect_due <= due_before)
    if only is not None:
        query = query.where(Inspection.id.in_(list(only)))
    if identity.role in ("officer", "auxiliary"):
        grids = [g.id for g in catalog.grids_of_officer(identity.officer_id)]
        query = query.where(or_(Inspection.officer_id == identity.officer_id, Inspection.grid_id.in_(grids or [-1]),
                                Inspection.id.in_(tasks.reinspections_assigned(identity.officer_id))))
    today = local_today()
    out = []
    for i in db.session.scalars(query.limit(500)):
        where = _lat_lon(i)
        out.append({"id": i.id, "subject": {"id": i.subject_id, "name": i.subject_name, "address": i.subject_address,
                                            "credit_code": i.subject_uscc},
                    "matter_code": i.matter.code if i.matter else None, "rectify_deadline": i.rectify_deadline,
                    "reinspect_due": i.reinspect_due, "overdue": i.reinspect_due < today, "officer_id": i.officer_id,
                    "lat": where["lat"], "lon": where["lon"], "notes": i.notes, "photos": list(i.photos or [])})
    held = tasks.reinspection_tasks([x["id"] for x in out])
    for x in out:
        x["task"] = held.get(x["id"])
    return out


def of_subjects(subject_ids: list[int]) -> list[dict[str, Any]]:
    """The inspections of these subjects (the register's history, subjects/ asks here), newest first."""
    rows = db.session.scalars(select(Inspection).where(Inspection.subject_id.in_(subject_ids))
                              .order_by(Inspection.inspected_at.desc()).limit(500))
    followed = {}
    ids = []
    out = []
    for i in rows:
        ids.append(i.id)
        out.append({"id": i.id, "inspected_at": i.inspected_at, "result": i.result, "officer_id": i.officer_id,
                    "matter_code": i.matter.code if i.matter else None, "rectify_deadline": i.rectify_deadline,
                    "reinspect_due": i.reinspect_due, "follow_up": i.follow_up, "follow_up_of": i.follow_up_of, "notes": i.notes,
                    "photos": list(i.photos or [])})
    if ids:
        for f in db.session.scalars(select(Inspection).where(Inspection.follow_up_of.in_(ids))):
            followed[f.follow_up_of] = {"id": f.id, "result": f.result, "inspected_at": f.inspected_at}
    for v in out:  # a rectification order's outcome: the re-inspection that followed it, if any
        v["reinspection"] = followed.get(v["id"])
    return out


def inspection_summary(inspection_id: str, jurisdiction_id: int | None) -> dict[str, Any] | None:
    """What a case opened from this inspection carries over (cases.general asks here)."""
    i = db.session.scalar(select(Inspection).where(Inspection.id == inspection_id, Inspection.jurisdiction_id == jurisdiction_id))
    if i is None:
        return None
    return {"id": i.id, "subject_name": i.subject_name, "subject_address": i.subject_address, "subject_uscc": i.subject_uscc,
            "inspected_at": i.inspected_at, "officer_id": i.officer_id, "result": i.result, "notes": i.notes,
            "photos": list(i.photos or []), "matter_code": i.matter.code if i.matter else None, "patrol_id": i.patrol_id,
            **_lat_lon(i)}


def _lat_lon(i: Inspection) -> dict[str, float | None]:
    try:
        p = to_shape(i.location)
        return {"lat": round(p.y, 7), "lon": round(p.x, 7)}
    except Exception:  # noqa: BLE001 - a row without a readable point shows no map, never a 500
        return {"lat": None, "lon": None}


def record_inspections(officer: Officer | Actor, device_id: str, batch: list[dict[str, Any]]) -> list[ApiError | None]:
    """The batch form of `record_inspection` for the sync endpoint: the same checks per
    item, in order, but everything they look up is read once for the whole batch —
    matters and patrols in one query each, grids in memory with `catalog.grid_index`, the
    register's subjects through one `subjects.Resolver` — and the rows go in with one
    executemany, the audit entries with one append. Every id must be new (the caller sends
    the others through `record_inspection`, which knows duplicates and conflicts).
    Returns, per item, None when stored or the ApiError that refused it."""
    from ..catalog import service as catalog
    from ..catalog.models import Grid
    from ..subjects import service as subjects

    jurisdiction_id = _require_jurisdiction(officer)
    # what the checks read, as rows (a matter's id, a patrol's street) by statements built once
    matters_of, patrols_of = _batch_lookups()
    connection = db.session.connection()
    codes = list({a["matter_code"] for a in batch if a.get("matter_code")})
    matters = {m.code: m for m in connection.execute(matters_of, {"codes": codes})} if codes else {}
    pids = list({a["patrol_id"] for a in batch if a.get("patrol_id")})
    patrols = {p.id: p for p in connection.execute(patrols_of, {"ids": pids})} if pids else {}
    # every point of the batch located in one query of the street's cached grid index; a subject
    # added here sits at its inspection's point
    index = catalog.grid_index(jurisdiction_id)
    lon_lats = [(a["lon"], a["lat"]) for a in batch]
    grid_at = dict(zip(lon_lats, index.locate_many(lon_lats)))

    def locate(lon: float, lat: float) -> int | None:
        return grid_at[(lon, lat)] if (lon, lat) in grid_at else index.locate(lon, lat)

    resolver = subjects.Resolver(jurisdiction_id, [(a.get("subject_id"), a["subject_name"], a.get("subject_address") or "",
                                                    a.get("subject_uscc")) for a in batch], locate=locate)
    outcomes: list[ApiError | None] = []
    stored: list[dict[str, Any]] = []
    named: list[Any] = []  # each stored row's subject (a new one has its id after the resolver's flush)
    places: list[tuple[float, float]] = []  # (lat, lon) of each stored row
    earlier: dict[str, dict[str, Any]] = {}  # this batch's accepted rows by id (a re-inspection may follow one)
    now = utcnow()
    for item in batch:
        args = {**item, "officer": officer, "device_id": device_id}
        try:
            values = _inspection_values(args, jurisdiction_id, _inspection_digest(args, jurisdiction_id), matters.get, patrols.get,
                                        resolver.resolve, earlier=earlier)
        except ApiError as exc:
            outcomes.append(exc)
            continue
        lon, lat = args["lon"], args["lat"]
        named.append(values["subject_id"])
        # EWKT: both engines parse it in the INSERT, with no WKB round trip through shapely per row
        values.update(location=f"SRID=4326;POINT({lon!r} {lat!r})", grid_id=locate(lon, lat), received_at=now, created_at=now,
                      updated_at=now)
        stored.append(values)
        places.append((lat, lon))
        earlier[values["id"]] = values
        outcomes.append(None)
    if stored:
        resolver.flush()
        for values, subject in zip(stored, named):
            values["subject_id"] = subject.id
        # one executemany of Core rows: no ORM objects, no ORM bulk-insert bookkeeping
        connection.execute(Inspection.__table__.insert(), stored)
        labelled = {v["grid_id"] for v in stored if v["photos"] and v["grid_id"] is not None}  # photos carry the grid's name
        names = dict(db.session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(labelled))).all()) if labelled else {}
        _cite_and_audit(stored, places, [names.get(v["grid_id"], "") for v in stored], officer, device_id)
    return outcomes


@lru_cache(maxsize=1)
def _batch_lookups() -> tuple[Any, Any]:
    """Matters by code and patrols by id, for `record_inspections`: built once, with bind parameters."""
    from sqlalchemy import bindparam

    from ..catalog.models import Matter

    m, p = Matter.__table__.c, Patrol.__table__.c
    return (select(m.code, m.id).where(m.code.in_(bindparam("codes", expanding=True))),
            select(p.id, p.jurisdiction_id).where(p.id.in_(bindparam("ids", expanding=True))))


_INSPECTION_ARGS = ("inspection_id", "device_id", "captured_at", "inspected_at", "lat", "lon", "accuracy_m", "subject_name",
                    "subject_address", "subject_uscc", "matter_code", "result", "rectify_deadline", "follow_up", "notes",
                    "photos", "patrol_id")
_INSPECTION_DEFAULTS = {"subject_address": "", "subject_uscc": None, "matter_code": None, "rectify_deadline": None,
                        "follow_up": None, "notes": "", "photos": (), "patrol_id": None, "subject_id": None, "follow_up_of": None}
# fields added later: in the digest only when sent, so an inspection stored before them still
# matches its own resend
_LATER_ARGS = ("subject_id", "follow_up_of")


def _inspection_digest(args: dict[str, Any], jurisdiction_id: int) -> str:
    """What makes two sends of one inspection id "the same content"."""
    payload = {k: args.get(k, _INSPECTION_DEFAULTS.get(k)) for k in _INSPECTION_ARGS}
    payload.update({k: args[k] for k in _LATER_ARGS if args.get(k) is not None})
    payload["photos"] = list(payload["photos"])
    payload["jurisdiction_id"] = jurisdiction_id
    payload["officer"] = args["officer"].id
    return _digest(payload)


def _inspection_values(args: dict[str, Any], jurisdiction_id: int, digest: str, matter_of, patrol_of, subject_of,
                       earlier: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The legal and format checks of one inspection, and its row (without the grid).

    `subject_of` is `subjects.resolve` bound to the street, or a batch's `subjects.Resolver`
    (`resolve`'s rules, in the batch's order): the row's `subject_id` is what it returns."""
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
    if a["follow_up_of"] is not None:
        # the order may be earlier in the same batch (both recorded offline): not inserted yet
        pending = (earlier or {}).get(a["follow_up_of"])
        first = db.session.get(Inspection, a["follow_up_of"]) if pending is None else None
        result_of = pending["result"] if pending else (first.result if first else None)
        street_of = pending["jurisdiction_id"] if pending else (first.jurisdiction_id if first else None)
        if result_of != "rectify" or street_of != jurisdiction_id:
            raise _invalid("inspection.bad_follow_up_of", "复查须针对本街道的责令整改检查", "A re-inspection follows up a rectification order of this street",
                           field="follow_up_of")
    # the register's subject it names: picked on the phone, matched by credit code or name and address, or new
    subject_id = subject_of(subject_id=a["subject_id"], name=a["subject_name"], address=a["subject_address"],
                            credit_code=subject_uscc, lat=a["lat"], lon=a["lon"], officer_id=a["officer"].id)
    return dict(
        id=a["inspection_id"], jurisdiction_id=jurisdiction_id, patrol_id=patrol_id, officer_id=a["officer"].id,
        device_id=a["device_id"], captured_at=a["captured_at"], inspected_at=inspected_at,
        accuracy_m=a["accuracy_m"],
        subject_name=a["subject_name"], subject_address=a["subject_address"], subject_uscc=subject_uscc,
        matter_id=matter.id if matter else None, result=result, rectify_deadline=rectify_deadline,
        reinspect_due=reinspect_due, follow_up=follow_up, notes=a["notes"], photos=photos, payload_digest=digest,
        subject_id=subject_id, follow_up_of=a["follow_up_of"],
    )


def _cite_and_audit(stored: list[dict[str, Any]], points: list[tuple[float, float]], grid_names: list[str], officer: Officer | Actor,
                    device_id: str) -> None:
    """For inspection rows just stored (their values, (lat, lon) and grid's name): the photos
    they cite (EXIF checked against place and time) and one audit entry each."""
    from ..audit import service as audit
    from ..evidence import service as evidence

    for v, (lat, lon), grid_name in zip(stored, points, grid_names):
        if v["photos"]:
            place = " ".join(p for p in (grid_name, v["subject_address"]) if p)
            evidence.cite(v["photos"], record_kind="inspection", record_id=v["id"], jurisdiction_id=v["jurisdiction_id"],
                          officer_id=officer.id, device_id=device_id, claimed_at=v["inspected_at"], lat=lat, lon=lon,
                          label=place)
    audit.record_many([{"action": "inspection.created", "object_type": "inspection", "object_id": v["id"], "actor_id": officer.id,
                        "device_id": device_id, "details": {"result": v["result"], "subject": v["subject_name"], "photos": v["photos"]}}
                       for v in stored], jurisdiction_id=stored[0]["jurisdiction_id"] if stored else None)


@lru_cache(maxsize=1)
def _inspection_rows() -> Any:
    """An inspection as the API shows it, as one flat row: its officer, grid and matter
    joined and its point read as numbers (no ORM objects, no geometry parsing; a page of
    200 is one statement)."""
    from ..catalog.models import Grid, Matter

    i, o, g, m = Inspection.__table__.c, Officer.__table__.c, Grid.__table__.c, Matter.__table__.c
    # table columns, not mapped attributes: a statement of plain columns skips the ORM's compile and row loading
    return (select(i.id, i.jurisdiction_id, i.patrol_id, o.id.label("officer_id"), o.username.label("officer_username"),
                   o.name.label("officer_name"), i.inspected_at, func.ST_Y(i.location).label("lat"),
                   func.ST_X(i.location).label("lon"), i.accuracy_m, g.id.label("grid_id"), g.code.label("grid_code"),
                   g.name.label("grid_name"), i.subject_name, i.subject_address, i.subject_uscc, m.code.label("matter_code"),
                   i.result, i.rectify_deadline, i.reinspect_due, i.follow_up, i.notes, i.photos, i.captured_at, i.received_at,
                   i.subject_id, i.follow_up_of, i.notice_number)
            .select_from(Inspection.__table__.join(Officer.__table__, o.id == i.officer_id)
                         .outerjoin(Grid.__table__, g.id == i.grid_id).outerjoin(Matter.__table__, m.id == i.matter_id)))


@lru_cache(maxsize=256)
def _page_statement(sqlite: bool, scoped: bool, bbox: bool, since: bool, until: bool, result: bool, grid: bool,
                    after: bool) -> Any:
    """One page of `_inspection_rows`, newest first, for one combination of filters: built
    once, with bind parameters (building the filters, the key condition and the order again
    on every request cost as much as running the statement)."""
    from sqlalchemy import Float, Integer, bindparam, tuple_

    i = Inspection.__table__.c
    query = _inspection_rows()
    if scoped:
        query = query.where(i.jurisdiction_id == bindparam("jurisdiction_id"))
    if bbox:
        if sqlite:
            # SpatiaLite reaches its R-tree only through the SpatialIndex table; for
            # points, being in the box's MBR is being in the box.
            query = query.where(text(
                "inspections.rowid IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = 'inspections' "
                "AND f_geometry_column = 'location' AND search_frame = BuildMbr(:x1, :y1, :x2, :y2, 4326))"))
        else:
            # `&&`, the box test the GiST index answers: for points it is the exact test too
            query = query.where(i.location.intersects(func.ST_MakeEnvelope(
                *(bindparam(k, type_=Float) for k in ("x1", "y1", "x2", "y2")), 4326)))
    if since:
        query = query.where(i.inspected_at >= bindparam("since", type_=i.inspected_at.type))
    if until:
        query = query.where(i.inspected_at < bindparam("until", type_=i.inspected_at.type))
    if result:
        query = query.where(i.result == bindparam("result"))
    if grid:
        query = query.where(i.grid_id == bindparam("grid_id"))
    if after:
        query = query.where(tuple_(i.inspected_at, i.id) < tuple_(bindparam("after_at", type_=i.inspected_at.type),
                                                                  bindparam("after_id", type_=i.id.type)))
    return query.order_by(i.inspected_at.desc(), i.id.desc()).limit(bindparam("limit", type_=Integer))


def inspections_page(jurisdiction_id: int | None, *, limit: int, cursor: str | None = None,
                     bbox: tuple[float, float, float, float] | None = None, since: datetime | None = None,
                     until: datetime | None = None, grid_code: str | None = None,
                     result: str | None = None) -> dict[str, Any]:
    """One page (`{items, next}`, newest first) of the inspections that pass the filters, as
    the API's Inspection with ISO 8601 text (`inspection_to_dict(iso=True)`);
    `jurisdiction_id` None is every street (a global admin)."""
    from ..pagination import key_after, key_cursor

    after = key_after(cursor, 2)
    params: dict[str, Any] = {"limit": limit + 1}
    for name, value in (("jurisdiction_id", jurisdiction_id), ("since", since), ("until", until), ("result", result)):
        if value is not None:
            params[name] = value
    if bbox is not None:
        params.update(zip(("x1", "y1", "x2", "y2"), bbox))
    grid_id = None
    if grid_code is not None:
        from ..catalog import service as catalog

        grid = catalog.grid_by_code(grid_code)
        if grid is None:
            raise NotFound("grid.not_found", "网格不存在", "Grid not found")
        grid_id = params["grid_id"] = grid.id
    if after is not None:
        params["after_at"], params["after_id"] = after
    statement = _page_statement(db.session.get_bind().dialect.name == "sqlite", jurisdiction_id is not None, bbox is not None,
                                since is not None, until is not None, result is not None, grid_id is not None, after is not None)
    rows = db.session.execute(statement, params).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = key_cursor([rows[-1].inspected_at, rows[-1].id])
    return {"items": [inspection_to_dict(row, iso=True) for row in rows], "next": next_cursor}


def inspection_row(inspection_id: str) -> Any:
    row = db.session.execute(_inspection_rows().where(Inspection.__table__.c.id == inspection_id)).first()
    if row is None:
        raise NotFound("inspection.not_found", "检查记录不存在", "Inspection not found")
    return row


def inspection_to_dict(r: Any, *, iso: bool = False) -> dict[str, Any]:
    """A row of `inspections_page` / `inspection_row` as the API's Inspection (unpacked in
    the statement's column order: a page of 200 rows is 5,600 values). With `iso`, times
    and dates are already the ISO 8601 text `InspectionSchema` sends (a list sent without
    a marshmallow pass then needs no per-value callback of the JSON encoder)."""
    (id_, jurisdiction_id, patrol_id, officer_id, officer_username, officer_name, inspected_at, lat, lon, accuracy_m, grid_id,
     grid_code, grid_name, subject_name, subject_address, subject_uscc, matter_code, result, rectify_deadline, reinspect_due,
     follow_up, notes, photos, captured_at, received_at, subject_id, follow_up_of, notice_number) = r
    if iso:
        inspected_at, captured_at, received_at = inspected_at.isoformat(), captured_at.isoformat(), received_at.isoformat()
        rectify_deadline = rectify_deadline.isoformat() if rectify_deadline is not None else None
        reinspect_due = reinspect_due.isoformat() if reinspect_due is not None else None
    return {
        "id": id_, "jurisdiction_id": jurisdiction_id, "patrol_id": patrol_id,
        "officer": {"id": officer_id, "username": officer_username, "name": officer_name},
        "inspected_at": inspected_at, "lat": round(lat, 7), "lon": round(lon, 7), "accuracy_m": accuracy_m,
        "grid": {"id": grid_id, "code": grid_code, "name": grid_name} if grid_id is not None else None,
        "subject_name": subject_name, "subject_address": subject_address, "subject_uscc": subject_uscc,
        "matter_code": matter_code, "result": result,
        "rectify_deadline": rectify_deadline, "reinspect_due": reinspect_due, "follow_up": follow_up,
        "notes": notes, "photos": photos or [], "captured_at": captured_at, "received_at": received_at,
        "subject_id": subject_id, "follow_up_of": follow_up_of, "notice_number": notice_number,
    }
