"""The team's figures (统计) and, for each, the records it counts (drill-downs)."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..auth.models import Certificate, Officer
from ..catalog.models import EmpoweredMatter, Grid, Matter
from ..cases.models import Case, Payment
from ..extensions import db
from ..models_base import LOCAL_TZ
from ..patrols.models import Inspection
from ..sync.models import SyncRecord
from ..tasks.models import Task
from ..tickets.models import Ticket

from . import complaint_figures
from .common import LATE_SYNC_S, _rate, _scoped, period_bounds

RESPONSE_S = complaint_figures.COMPLAINT_RESPONSE_HOURS * 3600


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
    """(records still waiting for photos or a consent, records received in the period more than a day after capture)."""
    from ..sync import service as sync

    sync.refresh_incomplete(jurisdiction_id)
    incomplete = list(db.session.scalars(_scoped(select(SyncRecord).where(SyncRecord.status == "incomplete"),
                                                 SyncRecord.jurisdiction_id, jurisdiction_id).order_by(SyncRecord.received_at)))
    received = db.session.scalars(_scoped(
        select(SyncRecord).where(SyncRecord.received_at >= lo, SyncRecord.received_at < hi, SyncRecord.captured_at.is_not(None)),
        SyncRecord.jurisdiction_id, jurisdiction_id))
    late = [r for r in received if (r.received_at - r.captured_at).total_seconds() > LATE_SYNC_S]
    return incomplete, late


def stats(jurisdiction_id: int | None, start: date, end: date, *, stale_after_s: int, queue_alarm: int,
          response_s: float = RESPONSE_S) -> dict[str, Any]:
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
        # the residents' reports: received, 响应率, 办结率, 满意率 (complaint_figures.py)
        **complaint_figures.figures(jurisdiction_id, lo, hi, response_s),
    }


# --- drill-downs: the records behind each figure -----------------------------------------

def _case_row(c: Case) -> dict[str, Any]:
    return {"id": c.id, "procedure": c.procedure, "stage": c.stage, "matter_code": c.matter_code, "party_name": c.party_name,
            "amount_fen": c.amount_fen, "paid_fen": c.paid_fen, "opened_at": c.opened_at, "closed_at": c.closed_at,
            "on_time": closed_on_time(c) if c.closed_at else None, "ticket_id": c.ticket_id}


FIGURES = ("general_cases", "simple_cases", "fines_total_fen", "fines_collected_fen", "on_time_closure_rate",
           "matter_coverage_rate", "zero_case_matters", "officer_participation_rate", "inspections",
           "tasks_dispatched", "records_incomplete", "records_late", "devices_unhealthy", *complaint_figures.FIGURES)


def with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Names beside the ids a person cannot read: the officer, the assignee, the grid, the
    decision's number (ids stay for programs)."""
    def names(model: Any, column: Any, key: str) -> dict[Any, str]:
        ids = {r[key] for r in rows if r.get(key) is not None}
        return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all()) if ids else {}

    officers = names(Officer, Officer.name, "officer_id") | names(Officer, Officer.name, "assignee_id")
    grids, tickets = names(Grid, Grid.name, "grid_id"), names(Ticket, Ticket.number, "ticket_id")
    for r in rows:
        if "officer_id" in r:
            r["officer"] = officers.get(r["officer_id"])
        if "assignee_id" in r:
            r["assignee"] = officers.get(r["assignee_id"])
        if "grid_id" in r:
            r["grid"] = grids.get(r["grid_id"])
        if "ticket_id" in r:
            r["ticket_number"] = tickets.get(r["ticket_id"])
    return rows


def drill_down(figure: str, jurisdiction_id: int | None, start: date, end: date, *, stale_after_s: int,
               queue_alarm: int, response_s: float = RESPONSE_S) -> list[dict[str, Any]]:
    return with_names(_drill_down(figure, jurisdiction_id, start, end, stale_after_s=stale_after_s, queue_alarm=queue_alarm,
                                  response_s=response_s))


def _drill_down(figure: str, jurisdiction_id: int | None, start: date, end: date, *, stale_after_s: int,
                queue_alarm: int, response_s: float) -> list[dict[str, Any]]:
    from ..sync import service as sync

    lo, hi = period_bounds(start, end)
    if figure in complaint_figures.FIGURES:
        return complaint_figures.drill_down(figure, jurisdiction_id, lo, hi, response_s)
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
                 "received_at": r.received_at, "missing_photos": len(r.missing_photos or []),
                 # a decision waiting for its second officer's consent: whose (names, not ids)
                 "awaiting_consent": "、".join(p.get("name") or "" for p in (r.details or {}).get("pending", [])) or None}
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
