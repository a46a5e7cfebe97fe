"""The residents' reports in the figures (考核 of the 发现 → 交办 → 处置 → 反馈 → 评价 loop): how
many came in, how fast they were triaged (响应率), how many were resolved (办结率), how the
residents rated the handling (满意率), and, per officer, the reports handed to them.

One cohort for every rate: the street's complaints *received* in the period (local days),
each as it stands now. A report received last month and resolved this week raises last
month's 办结率: the rate belongs to the reports, not to the day the work was done, so a
period's three rates always speak of the same reports (and its drill-down lists them).

* 响应率 (`complaint_response_rate`): triaged (分办: a task, a case, a merge or a rejection)
  within `response_s` of being received. A report not triaged yet counts only once its time
  is up: one received an hour ago is not late yet, and would otherwise lower today's rate.
* 办结率 (`complaint_resolution_rate`): resolved ÷ received. Resolved is the resident's own
  word for it (complaints.service.outcome): its task fed back or closed (done / closed), its
  case closed, or it was rejected with the reason the resident reads; a merged report
  follows the report it was merged into.
* 满意率 (`complaint_satisfaction_rate`): ratings of 4 or 5 stars ÷ rated reports; beside it
  the average rating.
* Per officer (`complaint_tasks`): tasks made from reports and dispatched in the period, by
  assignee, and how many of them are finished (done or closed).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select

from ..cases.models import Case
from ..clock import now
from ..complaints.models import Complaint
from ..extensions import db
from ..tasks.models import Task

from .common import _rate, _scoped

# How long a report may wait for its triage (分办) and still count as answered in time. The
# product's rule is 24 hours; a deployment sets COMPLAINT_RESPONSE_HOURS in the app's config
# to change it (the views read it; these functions take it as an argument).
COMPLAINT_RESPONSE_HOURS = 24
SATISFIED_FROM = 4  # stars: a rating of 4 or 5 is 满意
TASK_FINISHED = ("done", "closed")  # fed back (已反馈) or accepted (已验收)


class ComplaintFacts(NamedTuple):
    """One report of the cohort, with what each rate asks of it."""

    complaint: Complaint
    response_s: float | None  # received → triaged, seconds; None: not triaged
    response_due: bool  # in the response rate's denominator: triaged, or its time is up
    responded_on_time: bool
    resolved: bool
    assignee_id: int | None  # the officer of its task, if it became one


def received(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> list[Complaint]:
    q = select(Complaint).where(Complaint.received_at >= lo, Complaint.received_at < hi)
    return list(db.session.scalars(_scoped(q, Complaint.jurisdiction_id, jurisdiction_id).order_by(Complaint.received_at, Complaint.id)))


def _resolution(complaints: list[Complaint]) -> tuple[dict[int, bool], dict[int, Task]]:
    """Whether each report is resolved (the rule of complaints.service.outcome, for a whole
    cohort in three statements rather than two per report), and the tasks they became."""
    by_id = {c.id: c for c in complaints}
    # a merged report follows the one it was merged into, which may lie outside the cohort
    pending = {c.merged_into_id for c in complaints if c.status == "merged" and c.merged_into_id}
    while pending - by_id.keys():
        more = list(db.session.scalars(select(Complaint).where(Complaint.id.in_(pending - by_id.keys()))))
        if not more:
            break
        by_id.update((c.id, c) for c in more)
        pending = {c.merged_into_id for c in more if c.status == "merged" and c.merged_into_id}
    task_ids = {c.task_id for c in by_id.values() if c.task_id}
    case_ids = {c.case_id for c in by_id.values() if c.case_id}
    tasks = {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
    stages = dict(db.session.execute(select(Case.id, Case.stage).where(Case.id.in_(case_ids))).all()) if case_ids else {}

    def resolved(c: Complaint) -> bool:
        seen = {c.id}
        while c.status == "merged" and c.merged_into_id and c.merged_into_id not in seen and c.merged_into_id in by_id:
            seen.add(c.merged_into_id)
            c = by_id[c.merged_into_id]
        if c.status == "rejected":
            return True
        if c.task_id:
            task = tasks.get(c.task_id)
            return task is not None and task.status in TASK_FINISHED
        if c.case_id:
            return stages.get(c.case_id) == "closed"
        return False

    return {c.id: resolved(c) for c in complaints}, tasks


def facts(complaints: list[Complaint], response_s: float, at: datetime | None = None) -> list[ComplaintFacts]:
    """What each rate needs to know of each report, as the reports stand at `at` (now)."""
    at = at or now()
    resolved, tasks = _resolution(complaints)
    out = []
    for c in complaints:
        took = (c.triaged_at - c.received_at).total_seconds() if c.triaged_at else None
        due = took is not None or at - c.received_at >= timedelta(seconds=response_s)
        task = tasks.get(c.task_id) if c.task_id else None
        out.append(ComplaintFacts(c, took, due, took is not None and took <= response_s, resolved[c.id],
                                  task.assignee_id if task else None))
    return out


def figures(jurisdiction_id: int | None, lo: datetime, hi: datetime, response_s: float) -> dict[str, Any]:
    """The complaint figures of `stats`: each rate beside its numerator and denominator."""
    rows = facts(received(jurisdiction_id, lo, hi), response_s)
    due = [f for f in rows if f.response_due]
    on_time = sum(1 for f in due if f.responded_on_time)
    resolved = sum(1 for f in rows if f.resolved)
    ratings = [f.complaint.rating for f in rows if f.complaint.rating is not None]
    satisfied = sum(1 for r in ratings if r >= SATISFIED_FROM)
    tasks = complaint_tasks(jurisdiction_id, lo, hi)
    return {
        "complaint_response_hours": round(response_s / 3600, 2),
        "complaints_received": len(rows),
        "complaints_response_due": len(due),
        "complaints_responded_on_time": on_time,
        "complaint_response_rate": _rate(on_time, len(due)),
        "complaints_resolved": resolved,
        "complaint_resolution_rate": _rate(resolved, len(rows)),
        "complaints_rated": len(ratings),
        "complaints_satisfied": satisfied,
        "complaint_satisfaction_rate": _rate(satisfied, len(ratings)),
        "complaint_rating_average": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "complaint_tasks": len(tasks),
        "complaint_tasks_finished": sum(1 for t, _ in tasks if t.status in TASK_FINISHED),
    }


def complaint_tasks(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> list[Any]:
    """Tasks made from reports (交办) and dispatched in the period, with their report."""
    q = (select(Task, Complaint).join(Complaint, Complaint.task_id == Task.id)
         .where(Task.dispatched_at >= lo, Task.dispatched_at < hi))
    return list(db.session.execute(_scoped(q, Task.jurisdiction_id, jurisdiction_id).order_by(Task.dispatched_at, Task.id)).all())


def per_officer(jurisdiction_id: int | None, lo: datetime, hi: datetime) -> dict[int, tuple[int, int]]:
    """officer id → (reports handed to them in the period, of which finished)."""
    out: dict[int, tuple[int, int]] = {}
    for task, _ in complaint_tasks(jurisdiction_id, lo, hi):
        if task.assignee_id is not None:
            handed, finished = out.get(task.assignee_id, (0, 0))
            out[task.assignee_id] = (handed + 1, finished + (task.status in TASK_FINISHED))
    return out


# --- drill-downs ---------------------------------------------------------------------------

def _row(f: ComplaintFacts) -> dict[str, Any]:
    c = f.complaint
    return {"id": c.id, "complaint_code": c.code, "complaint_channel": c.channel, "department": c.department,
            "description": c.description, "address": c.address, "grid_id": c.grid_id, "complaint_received_at": c.received_at,
            "triaged_at": c.triaged_at, "response_hours": round(f.response_s / 3600, 1) if f.response_s is not None else None,
            # None: not triaged and its time is not up yet (outside the response rate)
            "responded_on_time": f.responded_on_time if f.response_due else None,
            "complaint_status": c.status, "task_id": c.task_id, "assignee_id": f.assignee_id, "case_id": c.case_id,
            "resolved": f.resolved, "rating": c.rating, "satisfied": c.rating >= SATISFIED_FROM if c.rating is not None else None}


def drill_down(figure: str, jurisdiction_id: int | None, lo: datetime, hi: datetime, response_s: float) -> list[dict[str, Any]]:
    """The reports (or tasks) behind a complaint figure: exactly its denominator."""
    if figure == "complaint_tasks":
        return [{"id": t.id, "title": t.title, "complaint_code": c.code, "status": t.status, "assignee_id": t.assignee_id,
                 "dispatched_at": t.dispatched_at, "feedback_at": t.feedback_at, "finished": t.status in TASK_FINISHED}
                for t, c in complaint_tasks(jurisdiction_id, lo, hi)]
    rows = facts(received(jurisdiction_id, lo, hi), response_s)
    if figure == "complaint_response_rate":
        rows = [f for f in rows if f.response_due]
    elif figure == "complaint_satisfaction_rate":
        rows = [f for f in rows if f.complaint.rating is not None]
    elif figure not in ("complaints_received", "complaint_resolution_rate"):
        raise KeyError(figure)
    return [_row(f) for f in rows]


FIGURES = ("complaints_received", "complaint_response_rate", "complaint_resolution_rate", "complaint_satisfaction_rate",
           "complaint_tasks")
