"""Case store services: filing simple cases, payments and the surcharge, pauses,
general-procedure stages with their legal deadlines."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction
from ..errors import Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..models_base import LOCAL_TZ, utcnow
from . import deadlines, holidays
from .models import Case, CaseEvent, Payment


def _local(dt: datetime) -> date:
    return dt.astimezone(LOCAL_TZ).date()


def _event(case: Case, actor_id: int | None, kind: str, from_stage: str | None, to_stage: str | None, note: str = "") -> None:
    db.session.add(CaseEvent(case=case, actor_id=actor_id, kind=kind, from_stage=from_stage, to_stage=to_stage, note=note))
    audit.record(f"case.{kind}", "case", str(case.id), jurisdiction_id=case.jurisdiction_id, actor_id=actor_id,
                 details={"from": from_stage, "to": to_stage, "note": note})


def file_simple_case(ticket: Any, actor_id: int) -> Case:
    """Every ticket files itself (备案) as a simple case. Filing is due within the
    configured working days of issue; a ticket synced later than that is filed late,
    and `filed_at > filing_due` shows it."""
    issued = _local(ticket.issued_at)
    fine = ticket.penalty_kind in ("fine", "warning_fine")
    case = Case(
        jurisdiction_id=ticket.jurisdiction_id, procedure="simple", stage="executing" if fine else "closed",
        ticket_id=ticket.id, party_name=ticket.party_name, matter_code=ticket.matter_code, facts=ticket.facts,
        amount_fen=ticket.amount_fen, opened_at=ticket.issued_at, opened_by_id=actor_id,
        filed_at=utcnow(), decided_on=issued,
    )
    holidays.stamp(case)  # filing and payment due, on the loaded notices; over a year without one, provisional
    if ticket.payment_route == "on_the_spot" and fine:
        case.paid_fen = ticket.amount_fen
        case.stage = "closed"
    if case.stage == "closed":
        case.closed_at = utcnow()
        case.close_reason = "paid_on_the_spot" if fine else ticket.penalty_kind
    db.session.add(case)
    db.session.flush()
    if ticket.payment_route == "on_the_spot" and fine:
        db.session.add(Payment(case=case, amount_fen=ticket.amount_fen, channel="on_the_spot", paid_on=issued,
                               receipt=ticket.receipt_number or "", recorded_by_id=actor_id,
                               hand_in_due=holidays.current_calendar().add_working_days(issued, HAND_IN_WORKING_DAYS)))
    _event(case, actor_id, "filed", None, case.stage, f"ticket {ticket.number}")
    return case


def case_of_ticket(ticket: Any) -> Case | None:
    return db.session.scalar(select(Case).where(Case.ticket_id == ticket.id))


def check_voidable(ticket: Any, identity: Identity, refund: dict[str, Any] | None) -> None:
    """Whether a decision may still be voided, and by whom: not once its case is closed
    (other than by cash taken on the spot); a decision already paid only by a supervisor,
    who records the refund of what was paid."""
    case = case_of_ticket(ticket)
    if case is None:
        return
    if case.stage == "closed" and case.close_reason != "paid_on_the_spot":
        raise _invalid("ticket.case_closed", "案件已结案，不能作废决定书", "The case is closed: the decision can no longer be voided",
                       status=409, close_reason=case.close_reason)
    if case.paid_fen > 0:
        if identity.role not in ("supervisor", "admin"):
            raise Forbidden("ticket.paid_void_needs_supervisor", "已缴款的决定书须由中队长作废并办理退款",
                            "A decision already paid is voided by a supervisor, who records the refund")
        if not refund or refund.get("amount_fen") != case.paid_fen:
            raise _invalid("ticket.refund_required", f"须登记退还已缴的 {case.paid_fen / 100:.2f} 元",
                           f"Record the refund of the {case.paid_fen} fen paid", fields={"refund": ["amount_fen must equal paid_fen"]},
                           paid_fen=case.paid_fen)


def close_for_voided_ticket(ticket: Any, actor_id: int, refund: dict[str, Any] | None = None) -> None:
    case = case_of_ticket(ticket)
    if case is None:
        return
    if refund:
        case.refunded_fen = (case.refunded_fen or 0) + refund["amount_fen"]
        _event(case, actor_id, "refund", case.stage, case.stage, f"{refund['amount_fen']} fen, {refund.get('receipt', '')}"[:255])
    if case.stage != "closed" or case.close_reason == "paid_on_the_spot":
        _event(case, actor_id, "closed", case.stage, "closed", "ticket voided")
        case.stage, case.closed_at, case.close_reason = "closed", utcnow(), "voided"


def get_case(case_id: int, identity: Identity) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("case.not_found", "案件不存在", "Case not found")
    if not identity.is_global_admin and case.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    return case


def _pauses(case: Case) -> list[tuple[date, date | None]]:
    return [(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]) if p.get("end") else None) for p in case.pauses or []]


HAND_IN_WORKING_DAYS = 2  # §71


def surcharge_due(case: Case, on: date) -> int:
    """加处罚款 owed on `on`. None is started on a provisional due date: a notice not yet
    published could move it (it is counted, from the settled date, once the notice is loaded).
    An approved deferral moves the due date; instalments are each late on their own (§66)."""
    if not case.payment_due or case.amount_fen <= 0 or "payment_due" in (case.provisional or []):
        return 0
    plan = case.payment_plan or {}
    if plan.get("kind") == "deferral":
        return deadlines.surcharge_fen(case.amount_fen, date.fromisoformat(plan["until"]), on, _pauses(case))
    if plan.get("kind") == "instalments":
        total, paid = 0, case.paid_fen  # payments settle the earliest instalments first
        for part in plan["parts"]:
            unpaid = max(0, part["amount_fen"] - paid)
            paid = max(0, paid - part["amount_fen"])
            total += deadlines.surcharge_fen(unpaid, date.fromisoformat(part["due"]), on, _pauses(case)) if unpaid else 0
        return min(total, case.amount_fen)
    return deadlines.surcharge_fen(case.amount_fen, case.payment_due, on, _pauses(case))


def set_payment_plan(case: Case, identity: Identity, *, kind: str, reason: str, until: date | None = None,
                     parts: list[dict[str, Any]] | None = None) -> Case:
    """§66: on the party's application and the agency's approval, the payment is deferred or
    paid in instalments; the surcharge then runs from the new dates. Approved by a supervisor."""
    if identity.role not in ("supervisor", "admin"):
        raise Forbidden("case.plan_needs_supervisor", "暂缓或分期缴纳罚款须经中队长批准", "Deferral or instalments are approved by a supervisor")
    if case.stage == "closed" or not case.payment_due or case.amount_fen <= 0:
        raise _invalid("case.no_payment_due", "该案件没有待缴的罚款", "Nothing is owed on this case", status=409)
    if not reason.strip():
        raise _invalid("case.plan_reason_required", "须写明当事人申请的理由", "State the party's reason", field="reason")
    if kind == "deferral":
        if until is None or until <= case.payment_due:
            raise _invalid("case.bad_deferral", "暂缓缴纳的期限须晚于原缴款期限", "A deferral ends after the current due date", field="until",
                           payment_due=case.payment_due.isoformat())
        plan: dict[str, Any] = {"kind": "deferral", "until": until.isoformat()}
        note = f"deferred to {until}"
    else:
        parts = sorted(parts or [], key=lambda p: p["due"])
        if len(parts) < 2 or sum(p["amount_fen"] for p in parts) != case.amount_fen or any(p["amount_fen"] <= 0 for p in parts):
            raise _invalid("case.bad_instalments", "分期须至少两期，各期金额之和等于罚款金额", "At least two instalments adding up to the fine",
                           field="parts", amount_fen=case.amount_fen)
        if parts[0]["due"] < case.payment_due:
            raise _invalid("case.bad_instalments", "第一期不能早于原缴款期限", "The first instalment cannot fall before the due date", field="parts")
        plan = {"kind": "instalments", "parts": [{"due": p["due"].isoformat(), "amount_fen": p["amount_fen"]} for p in parts]}
        note = f"{len(parts)} instalments"
    plan.update(reason=reason.strip(), approved_by=identity.officer_id)
    case.payment_plan = plan
    _event(case, identity.officer_id, "payment_plan", case.stage, case.stage, f"{note}: {reason}"[:255])
    commit()
    return case


def hand_in_cash(case: Case, identity: Identity, *, handed_in_on: date, receipt: str) -> Payment:
    """§71: the cash an officer took on the spot is handed in to the agency within 2 working
    days; recorded by the officers who took it or a supervisor; late hand-ins stay flagged."""
    check_money_handler(case, identity)
    payment = next((p for p in case.payments if p.channel == "on_the_spot"), None)
    if payment is None:
        raise _invalid("case.no_cash", "该案件没有当场收缴的罚款", "No cash was taken on the spot in this case", status=409)
    if payment.handed_in_on is not None:
        raise _invalid("case.cash_handed_in", "该笔罚款已登记上缴", "This cash is already recorded as handed in", status=409,
                       handed_in_on=payment.handed_in_on.isoformat())
    if handed_in_on < payment.paid_on:
        raise _invalid("case.bad_hand_in", "上缴日期不能早于收缴日期", "Handed in before it was taken", field="handed_in_on")
    if not receipt.strip():
        raise _invalid("case.hand_in_receipt_required", "须填写上缴凭证号", "The hand-in receipt number is required", field="receipt")
    payment.handed_in_on, payment.hand_in_receipt = handed_in_on, receipt.strip()
    late = payment.hand_in_due is not None and handed_in_on > payment.hand_in_due
    _event(case, identity.officer_id, "cash_handed_in", case.stage, case.stage, f"{handed_in_on}{' (late)' if late else ''}")
    commit()
    return payment


def cash_of(case: Case, today: date) -> dict[str, Any] | None:
    p = next((p for p in case.payments if p.channel == "on_the_spot"), None)
    if p is None:
        return None
    late = p.hand_in_due is not None and ((p.handed_in_on or today) > p.hand_in_due)
    iso = lambda d: d.isoformat() if d else None  # noqa: E731 - a free-form dict: ISO dates, not HTTP dates
    return {"amount_fen": p.amount_fen, "collected_on": iso(p.paid_on), "hand_in_due": iso(p.hand_in_due),
            "handed_in_on": iso(p.handed_in_on), "receipt": p.hand_in_receipt or "", "late": late}


def deciding_officers(case: Case) -> set[int]:
    """Who answers for a case's decision: the officers named on its on-the-spot decision,
    or the officer who opened a general case."""
    if case.ticket_id:
        from ..tickets.service import decision_officer_ids

        return decision_officer_ids(case.ticket_id)
    return set(case.handler_ids or []) or ({case.opened_by_id} if case.opened_by_id else set())


def check_money_handler(case: Case, identity: Identity) -> None:
    """Payments and surcharge pauses are recorded by the deciding officers or a supervisor
    of the street — never by any colleague (for every door: REST, sync, CLI)."""
    if identity.role in ("supervisor", "admin"):
        return
    if identity.role != "officer" or identity.officer_id not in deciding_officers(case):
        raise Forbidden("case.not_yours", "缴款与暂停加处罚款由作出决定的执法人员或中队长登记",
                        "Payments and pauses are recorded by the deciding officers or a supervisor")


def check_not_archived(case: Case) -> None:
    if case.archived_at is not None:
        raise _invalid("case.archived", "案件已归档，不能再变更", "The case is archived and can no longer change", status=409)


def record_payment(case: Case, identity: Identity, *, amount_fen: int, channel: str, paid_on: date, receipt: str = "") -> Payment:
    check_not_archived(case)
    check_money_handler(case, identity)
    if case.procedure == "general" and case.decided_on is None:
        raise _invalid("case.not_decided", "尚未作出处罚决定", "No decision has been made yet", status=409)
    if case.procedure == "simple" and case.stage == "closed":
        raise _invalid("case.closed", "案件已结案", "The case is closed", status=409)
    if amount_fen <= 0:
        raise _invalid("payment.bad_amount", "缴款金额须大于零", "amount_fen must be positive")
    surcharge = surcharge_due(case, paid_on)
    owed = case.amount_fen + surcharge - case.paid_fen
    if amount_fen > owed:
        raise _invalid("payment.too_much", "缴款金额超过应缴金额", "More than is owed", owed_fen=owed, surcharge_fen=surcharge)
    payment = Payment(case=case, amount_fen=amount_fen, surcharge_fen=surcharge, channel=channel, paid_on=paid_on, receipt=receipt,
                      recorded_by_id=identity.officer_id)
    db.session.add(payment)
    case.paid_fen += amount_fen
    _event(case, identity.officer_id, "payment", case.stage, case.stage, f"{amount_fen} fen via {channel} on {paid_on}")
    if case.paid_fen >= case.amount_fen + surcharge:
        if case.procedure == "general":  # closed by 结案审批 (cases.general)
            from . import general

            general.paid_in_full(case, paid_on)
        else:
            _event(case, identity.officer_id, "closed", case.stage, "closed", "paid in full")
            case.stage, case.closed_at, case.close_reason = "closed", utcnow(), "paid"
    commit()
    return payment


def add_pause(case: Case, identity: Identity, *, kind: str, start: date, end: date | None) -> Case:
    """Reconsideration or litigation: the surcharge does not run meanwhile (§73). It starts
    no earlier than the decision: a pause "from 1970" would stop a surcharge it never
    concerned."""
    check_not_archived(case)
    check_money_handler(case, identity)
    if end is not None and end < start:
        raise _invalid("case.bad_pause", "结束日期早于开始日期", "The pause ends before it starts", field="end")
    decided = _local(case.opened_at) if case.procedure == "simple" else (case.decided_on or _local(case.opened_at))
    if start < decided:
        raise _invalid("case.bad_pause", f"暂停不能早于决定作出之日（{decided}）", f"A pause cannot start before the decision ({decided})",
                       field="start", earliest=decided.isoformat())
    case.pauses = [*(case.pauses or []), {"kind": kind, "start": start.isoformat(), "end": end.isoformat() if end else None}]
    _event(case, identity.officer_id, kind, case.stage, case.stage, f"{start} – {end or '…'}")
    commit()
    return case


def open_general_case(identity: Identity, *, party_name: str | None = None, party: dict[str, Any] | None = None, matter_code: str,
                      facts: str = "", inspection_id: str | None = None, source: dict[str, Any] | None = None,
                      discovered_on: date | None = None, handler_ids: list[int] | None = None, major: bool = False,
                      place_text: str = "", violated_at: datetime | None = None, evidence: list[dict[str, Any]] | None = None) -> Case:
    """立案申请: a general-procedure case from its source (an inspection, a task, a complaint, a
    referral, by hand); filed when a supervisor approves it (cases.general)."""
    from . import general

    party = dict(party or {"type": "citizen", "name": party_name or ""})
    if not party.get("name"):
        raise _invalid("case.party_required", "须填写当事人", "The party is required", field="party")
    if inspection_id is not None and source is None:  # the first round's field: refusals name it
        from ..patrols import inspections

        if inspections.inspection_summary(inspection_id, identity.jurisdiction_id) is None:
            raise _invalid("case.unknown_inspection", "所引用的检查记录不存在", "The inspection named does not exist here", field="inspection_id")
    source = source or ({"kind": "inspection", "ref": inspection_id} if inspection_id else {"kind": "manual"})
    case = general.open_case(identity, party=party, matter_code=matter_code, facts_text=facts, source_kind=source["kind"],
                             source_ref=source.get("ref"), discovered_on=discovered_on, handler_ids=list(handler_ids or []),
                             major=major, place_text=place_text, violated_at=violated_at, evidence=list(evidence or []))
    commit()
    return case


def transition(case: Case, identity: Identity, *, to: str, note: str = "", amount_fen: int | None = None,
               on: date | None = None) -> Case:
    """The first round's stage switch: a general case now moves by its steps (`POST
    /cases/<id>/steps`), each checked by the law; this door only closes a case early with
    the reason (撤销立案 / 不予立案), through the same closure step."""
    from . import general

    if case.procedure != "general":
        raise _invalid("case.not_general", "简易程序案件没有阶段流转", "Only general-procedure cases move through stages")
    if to != "closed" or not note.strip():
        raise _invalid("case.use_steps", "一般程序案件按办案步骤推进（立案审批、调查、告知、决定、送达……）",
                       "A general case moves by its steps: POST /cases/<id>/steps", status=409, field="to")
    general.take_step(case, identity, "closure", {"reason": "withdrawn", "summary": note})
    commit()
    return case


def list_cases(jurisdiction_id: int | None, *, procedure: str | None, status: str | None, due_before: date | None,
               handler_id: int | None = None):
    query = select(Case)
    if handler_id is not None:
        # handler_ids is a JSON list written by json.dumps ("[3, 15]") on both engines
        from sqlalchemy import String, cast

        text = cast(Case.handler_ids, String)
        query = query.where(or_(*(text.like(p) for p in (f"[{handler_id},%", f"[{handler_id}]", f"% {handler_id},%",
                                                           f"% {handler_id}]"))))
    if jurisdiction_id is not None:
        query = query.where(Case.jurisdiction_id == jurisdiction_id)
    if procedure:
        query = query.where(Case.procedure == procedure)
    if status == "open":
        query = query.where(Case.stage != "closed")
    elif status == "closed":
        query = query.where(Case.stage == "closed")
    elif status:
        query = query.where(Case.stage == status)
    if due_before is not None:
        # open cases with any legal deadline on or before the date (nearing or past)
        query = query.where(Case.stage != "closed", or_(
            Case.decision_due <= due_before, Case.service_due <= due_before, Case.payment_due <= due_before,
        ))
    return query


def public_stage(case_id: int) -> str:
    """A case's stage (a resident's report shows whether it is still being handled)."""
    case = db.session.get(Case, case_id)
    return case.stage if case else "unknown"


def of_inspections(inspection_ids: list[str]) -> list[dict[str, Any]]:
    """The cases opened from these inspections (the register's history asks here)."""
    if not inspection_ids:
        return []
    rows = db.session.scalars(select(Case).where(Case.inspection_id.in_(inspection_ids)).order_by(Case.id.desc()))
    return [{"id": c.id, "number": c.number, "procedure": c.procedure, "stage": c.stage, "matter_code": c.matter_code,
             "amount_fen": c.amount_fen, "opened_at": c.opened_at} for c in rows]


def case_with_desk(case: Case) -> dict[str, Any]:
    """The case and, for a general case, what its desk shows (steps, documents, next steps)."""
    from . import general

    out = case_to_dict(case)
    if case.procedure == "general":
        out["desk"] = general.desk_view(case)
    return out


def case_to_dict(case: Case, today: date | None = None) -> dict[str, Any]:
    today = today or _local(utcnow())
    due = {k: getattr(case, k) for k in ("filing_due", "decision_due", "service_due", "payment_due")}
    overdue = []
    if case.stage != "closed":
        if case.decision_due and not case.decided_on and today > case.decision_due:
            overdue.append("decision")
        if case.service_due and case.stage == "decided" and today > case.service_due:
            overdue.append("service")
        if case.payment_due and case.paid_fen < case.amount_fen and today > case.payment_due:
            overdue.append("payment")
    if case.filing_due and ((case.filed_at and _local(case.filed_at) > case.filing_due)
                            or (case.stage == "proposed" and today > case.filing_due)):
        overdue.append("filing")
    cash = cash_of(case, today)
    if cash and cash["late"]:
        overdue.append("cash_hand_in")  # §71: late, or not yet handed in past its day
    general = {}
    if case.procedure == "general":
        from . import general as desk

        general = {"party_type": (case.party or {}).get("type", "citizen"), "handler_ids": case.handler_ids or [],
                   **desk.row_of(case, today)}
    return {
        **general,
        "id": case.id, "number": case.number, "procedure": case.procedure, "stage": case.stage, "ticket_id": case.ticket_id,
        "inspection_id": case.inspection_id, "party_name": case.party_name, "matter_code": case.matter_code,
        "amount_fen": case.amount_fen, "paid_fen": case.paid_fen, "refunded_fen": case.refunded_fen or 0,
        "surcharge_fen": surcharge_due(case, today),
        "opened_at": case.opened_at, "filed_at": case.filed_at, "closed_at": case.closed_at, "close_reason": case.close_reason,
        **due, "overdue": overdue, "pauses": case.pauses or [],
        "cash": cash, "payment_plan": case.payment_plan,
        # deadlines counted over a year whose State Council holiday notice is not loaded yet
        "deadlines_provisional": list(case.provisional or []),
        "events": [{"at": e.at, "kind": e.kind, "from": e.from_stage, "to": e.to_stage, "actor_id": e.actor_id, "note": e.note}
                   for e in case.events],
    }
