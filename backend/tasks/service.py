"""Task services: dispatch (supervisor), updates from the field (the `task_update` sync
record), close or return (dispatcher). Every move is an event and an audit entry."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction
from ..auth.models import Officer
from ..errors import Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..models_base import utcnow
from .models import ASSIGNEE_MOVES, DISPATCHER_MOVES, TASK_STATUSES, Task, TaskEvent


OPEN_STATUSES = ("dispatched", "accepted", "in_progress", "returned")
# 派遣复查: a re-inspection task holds its rectification order until its dispatcher closes it
# (fed back as done, it still does: the dispatcher closes it or returns it)
HOLDING_STATUSES = (*OPEN_STATUSES, "done")


def grid_officer_for_task(grid_id: int) -> Officer | None:
    """派给网格: of the grid's active officers (分包, officers and auxiliaries), the one with
    the fewest open tasks; ties go by username, so the choice is reproducible."""
    from ..catalog.models import grid_officers

    open_tasks = (select(func.count(Task.id)).where(Task.assignee_id == Officer.id, Task.status.in_(OPEN_STATUSES))
                  .correlate(Officer).scalar_subquery())
    return db.session.scalar(
        select(Officer).join(grid_officers, grid_officers.c.officer_id == Officer.id)
        .where(grid_officers.c.grid_id == grid_id, Officer.active.is_(True), Officer.role.in_(("officer", "auxiliary")))
        .order_by(open_tasks, Officer.username).limit(1))


def dispatch(identity: Identity, *, title: str, description: str, assignee: str | None = None, grid: str | None = None,
             lat: float | None = None, lon: float | None = None, address: str = "", photos: Iterable[str] = (),
             due_at: datetime | None = None, reinspection_of: str | None = None) -> Task:
    """交办: a task to an officer, or to a grid (its officer with the fewest open tasks),
    with a place (a map point, an address, or both) and the dispatcher's photos, which
    must be uploaded already (the console uploads them first). `reinspection_of` makes it
    the re-inspection of a rectification order (派遣复查, checked by `_check_reinspection`)."""
    from ..catalog import service as catalog
    from ..catalog.models import Grid
    from ..evidence import service as evidence

    if grid:
        query = select(Grid).where(Grid.code == grid)
        if not identity.is_global_admin:
            query = query.where(Grid.jurisdiction_id == identity.jurisdiction_id)
        target = db.session.scalar(query)
        if target is None:
            raise _invalid("task.unknown_grid", "网格不存在或不属本乡镇（街道）", "No such grid in this jurisdiction", field="grid")
        officer = grid_officer_for_task(target.id)
        if officer is None:
            raise _invalid("task.grid_without_officer", f"网格「{target.name}」没有在岗的分包人员，请直接指派人员",
                           "The grid has no active officer assigned; assign the task to an officer", field="grid")
    else:
        query = select(Officer).where(Officer.username == assignee)
        if not identity.is_global_admin:  # a district admin dispatches into the assignee's street
            query = query.where(Officer.jurisdiction_id == identity.jurisdiction_id)
        officer = db.session.scalar(query)
        if officer is None or not officer.active or officer.jurisdiction_id is None:
            raise _invalid("task.unknown_assignee", "接收人员不存在或不属本乡镇（街道）", "The assignee is not an active officer of this jurisdiction",
                           field="assignee")
        target = catalog.grid_at(lon, lat, officer.jurisdiction_id) if lat is not None and lon is not None else None
    if reinspection_of is not None:
        _check_reinspection(identity, officer.jurisdiction_id, reinspection_of)
    photos = list(dict.fromkeys(photos))
    missing = evidence.missing_photos(photos)
    if missing:
        raise _invalid("task.photo_missing", "照片尚未上传，请稍后重试", "Upload the photos first (PUT /api/v1/media/{sha256})",
                       field="photos", missing=missing)
    task = Task(jurisdiction_id=officer.jurisdiction_id, title=title, description=description, lat=lat, lon=lon, address=address,
                grid_id=target.id if target else None, via_grid=bool(grid), dispatcher_id=identity.officer_id, assignee_id=officer.id,
                due_at=due_at, reinspection_of=reinspection_of)
    if reinspection_of is None:
        db.session.add(task)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(task)
                db.session.flush()
        except IntegrityError:
            # another dispatch of the same order committed in between (uq_tasks_open_reinspection):
            # refused as the check refuses it, naming that task
            _check_reinspection(identity, officer.jurisdiction_id, reinspection_of)
            raise
    db.session.add(TaskEvent(task=task, actor_id=identity.officer_id, from_status=None, to_status="dispatched", note=description,
                             photos=photos))
    _cite(task, photos, identity.officer, identity.device_id)
    audit.record("task.dispatched", "task", str(task.id), jurisdiction_id=task.jurisdiction_id, actor_id=identity.officer_id,
                 details={"assignee": officer.username, "title": title, "grid": grid, "address": address, "photos": photos,
                          **({"reinspection_of": reinspection_of} if reinspection_of else {})})
    commit()
    return task


def _check_reinspection(identity: Identity, street: int, inspection_id: str) -> None:
    """派遣复查: the order must be a rectification order (责令整改) of the task's street, still
    awaiting its re-inspection, with no re-inspection task in hand (one not closed)."""
    from ..patrols import inspections

    order = inspections.inspection_summary(inspection_id, street)
    if order is None or order["result"] != "rectify":
        raise _invalid("task.bad_reinspection_of", "复查任务须针对本街道的责令整改检查",
                       "A re-inspection task follows up a rectification order of this street", field="reinspection_of")
    due = inspections.reinspections_due(identity, None, only=[inspection_id], street=street)
    if not due:
        raise _invalid("task.already_reinspected", "该责令整改已经复查，无需再派遣", "This order was re-inspected already",
                       status=409, field="reinspection_of")
    held = due[0]["task"]
    if held is not None:
        raise _invalid("task.reinspection_dispatched", f"该复查已派遣给 {held['assignee_name']}（任务 {held['id']}），不能重复派遣",
                       f"This re-inspection was dispatched already (task {held['id']}, to {held['assignee_name']})", status=409,
                       field="reinspection_of", task_id=held["id"], assignee_id=held["assignee_id"],
                       assignee_name=held["assignee_name"], task_status=held["status"])


def reinspection_tasks(inspection_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The re-inspection task in hand (not closed) of each of these rectification orders, by
    order (patrols' list of re-inspections due asks here)."""
    ids = list(inspection_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Task.reinspection_of, Task.id, Task.assignee_id, Officer.name, Task.status, Task.due_at)
        .join(Officer, Officer.id == Task.assignee_id)
        .where(Task.reinspection_of.in_(ids), Task.status.in_(HOLDING_STATUSES)))
    return {r[0]: {"id": r[1], "assignee_id": r[2], "assignee_name": r[3], "status": r[4], "due_at": r[5]} for r in rows}


def reinspections_assigned(officer_id: int) -> Select:
    """The orders whose re-inspection task this officer holds, as a subquery (an officer's list
    of re-inspections due includes them)."""
    return select(Task.reinspection_of).where(Task.assignee_id == officer_id, Task.reinspection_of.is_not(None),
                                               Task.status.in_(HOLDING_STATUSES))


def _cite(task: Task, photos: list[str], officer: Officer, device_id: str | None) -> None:
    """The task's photos (dispatch and feedback) are cited by it: the street's supervisors
    and officers may see them, and each goes into the photo's chain of custody."""
    from ..evidence import service as evidence

    if photos:
        evidence.cite(photos, record_kind="task", record_id=str(task.id), jurisdiction_id=task.jurisdiction_id, officer_id=officer.id,
                      device_id=device_id, claimed_at=None, lat=None, lon=None, label=(task.address or task.title)[:255])


def get_task(task_id: int, identity: Identity) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound("task.not_found", "任务不存在", "Task not found")
    if not identity.is_global_admin and task.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    return task


def public_state(task_id: int) -> dict[str, Any]:
    """A task's status and its last feedback note, as a resident's report shows them (no names)."""
    task = db.session.get(Task, task_id)
    if task is None:
        return {"status": "unknown", "note": ""}
    notes = [e.note for e in task.events if e.note and e.to_status in ("done", "closed")]
    return {"status": task.status, "note": notes[-1] if notes else ""}


def task_exists(ref: str, jurisdiction_id: int | None) -> bool:
    """Whether this street has the task (a case opened from it asks here)."""
    if not str(ref).isdigit():
        return False
    return db.session.scalar(select(Task.id).where(Task.id == int(ref), Task.jurisdiction_id == jurisdiction_id)) is not None


def update(officer: Officer, *, task_id: Any, status: str, note: str = "", photos: Iterable[str] = (),
           record_id: str | None = None) -> tuple[Task, bool]:
    """A move by the assignee (from the field) or the dispatcher. Idempotent on the
    sync record that carried it."""
    if record_id:
        done = db.session.scalar(select(TaskEvent).where(TaskEvent.record_id == record_id))
        if done is not None:
            return done.task, False
    task = db.session.get(Task, task_id) if isinstance(task_id, int) or str(task_id).isdigit() else None
    district_admin = officer.role == "admin" and officer.jurisdiction_id is None
    if task is None or (task.jurisdiction_id != officer.jurisdiction_id and not district_admin):
        raise NotFound("task.not_found", "任务不存在", "Task not found")
    if status not in TASK_STATUSES:
        raise _invalid("task.bad_status", "任务状态无效", f"status must be one of {TASK_STATUSES}", field="status")
    if officer.id == task.assignee_id:
        allowed = ASSIGNEE_MOVES.get(task.status, ())
    elif officer.id == task.dispatcher_id or officer.role in ("supervisor", "admin"):
        allowed = DISPATCHER_MOVES.get(task.status, ())
    else:
        raise Forbidden("task.not_yours", "该任务未派给您", "This task is not assigned to you")
    if status not in allowed:
        raise _invalid("task.bad_transition", f"任务不能从「{task.status}」转为「{status}」", f"Cannot move a task from {task.status} to {status}",
                       allowed=list(allowed))
    photos = list(photos)
    db.session.add(TaskEvent(task=task, actor_id=officer.id, from_status=task.status, to_status=status, note=note, photos=photos,
                             record_id=record_id))
    _cite(task, photos, officer, None)
    if status == "done" and task.feedback_at is None:
        task.feedback_at = utcnow()
    if status == "closed":
        task.closed_at = utcnow()
    old = task.status
    task.status = status
    task.updated_at = utcnow()
    audit.record("task.updated", "task", str(task.id), jurisdiction_id=task.jurisdiction_id, actor_id=officer.id,
                 details={"from": old, "to": status, "note": note, "photos": photos})
    commit()
    return task, True


def list_tasks(identity: Identity, jurisdiction_id: int | None, *, status: str | None, mine: bool):
    # each task is shown with its events and grid: loaded for the page at once, not per task
    query = select(Task).options(selectinload(Task.events), joinedload(Task.grid))
    if jurisdiction_id is not None:
        query = query.where(Task.jurisdiction_id == jurisdiction_id)
    if mine or identity.role in ("officer", "auxiliary"):
        query = query.where(Task.assignee_id == identity.officer_id)
    if status:
        query = query.where(Task.status == status)
    return query


def to_dicts(identity: Identity, tasks: list[Task]) -> list[dict[str, Any]]:
    """Tasks as the API shows them; a re-inspection task with its order while the order awaits
    its re-inspection (what the phone needs to start it offline), read once for the page."""
    orders: dict[str, dict[str, Any]] = {}
    by_street: dict[int, list[str]] = {}
    for t in tasks:
        if t.reinspection_of:
            by_street.setdefault(t.jurisdiction_id, []).append(t.reinspection_of)
    if by_street:
        from ..patrols import inspections

        for street, ids in by_street.items():
            orders.update((x["id"], x) for x in inspections.reinspections_due(identity, None, only=ids, street=street))
    return [task_to_dict(t, orders.get(t.reinspection_of) if t.reinspection_of else None) for t in tasks]


def task_to_dict(task: Task, reinspection: dict[str, Any] | None = None) -> dict[str, Any]:
    feedback_s = (task.feedback_at - task.dispatched_at).total_seconds() if task.feedback_at else None
    return {
        "id": task.id, "title": task.title, "description": task.description, "lat": task.lat, "lon": task.lon,
        "address": task.address or "", "grid_id": task.grid_id, "grid_code": task.grid.code if task.grid else None,
        "via_grid": bool(task.via_grid), "photos": (task.events[0].photos or []) if task.events else [], "dispatcher_id": task.dispatcher_id, "assignee_id": task.assignee_id, "status": task.status,
        "dispatched_at": task.dispatched_at, "due_at": task.due_at, "feedback_at": task.feedback_at, "closed_at": task.closed_at,
        "dispatch_to_feedback_s": feedback_s, "reinspection_of": task.reinspection_of, "reinspection": reinspection,
        "events": [{"at": e.at, "actor_id": e.actor_id, "from": e.from_status, "to": e.to_status, "note": e.note, "photos": e.photos or []}
                   for e in task.events],
    }
