"""The general procedure on the desk (一般程序): opening a case from its source, and every
later step through one function, `take_step`, which builds the case's facts, asks
`cases.procedure` whether the law allows the step now (for every door: REST, sync, CLI),
records it dated and signed, makes its document and writes the audit trail."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app

from ..audit import service as audit
from ..auth.access import Identity
from ..clock import local_today, now
from ..errors import ApiError
from ..extensions import db
from ..models_base import LOCAL_TZ
from . import holidays, paperwork, procedure
from .models import Case, CaseEvent, CaseStep

# steps whose date is the party's or the post's (a statement received, a receipt signed):
# given by the desk, checked against today and the steps it follows; all others are dated today
PARTY_DATED = {"statement", "hearing_request", "waiver", "service", "hearing", "discussion", "questioning", "site_inspection",
               "preservation", "eservice_consent", "evidence"}
SOURCES = ("inspection", "task", "complaint", "referral", "manual", "ticket")


def refuse(code: str, **details: Any) -> ApiError:
    """A procedure problem as the API's error (its field named for the client)."""
    zh, en, status, fld = procedure.PROBLEMS[code]
    if fld:
        details.setdefault("field", fld)
    return ApiError(code, zh, en, status=status, details=details)


def settings() -> procedure.Settings:
    c = current_app.config
    return procedure.Settings(
        filing_working_days=c["CASE_FILING_WORKING_DAYS"], statement_working_days=c["CASE_STATEMENT_WORKING_DAYS"],
        hearing_threshold_citizen_fen=c["HEARING_THRESHOLD_CITIZEN_FEN"], hearing_threshold_org_fen=c["HEARING_THRESHOLD_ORG_FEN"],
        legal_review=c["LEGAL_REVIEW"], extension_max_days=c["DECISION_EXTENSION_MAX_DAYS"],
        closure_working_days=c["CASE_CLOSURE_WORKING_DAYS"])


def _penalty_kinds(matter: Any, party_type: str) -> tuple[str, ...]:
    has_range = (matter.citizen_max_fen if party_type == "citizen" else matter.org_max_fen) is not None
    kinds = []
    if matter.warning_allowed and not matter.warning_and_fine:
        kinds.append("warning")
    if has_range and not matter.warning_and_fine:
        kinds.append("fine")
    if has_range and (matter.warning_and_fine or matter.warning_allowed):
        kinds.append("warning_fine")
    return tuple(kinds)


def _range(matter: Any, party_type: str) -> tuple[int | None, int | None]:
    if party_type == "citizen":
        return matter.citizen_min_fen, matter.citizen_max_fen
    return matter.org_min_fen, matter.org_max_fen


def party_type(case: Case) -> str:
    return (case.party or {}).get("type") or "citizen"


def facts(case: Case, today: date | None = None) -> procedure.Facts:
    from ..catalog import service as catalog
    from . import service

    matter = catalog.matter_by_code(case.matter_code)
    ptype = party_type(case)
    today = today or local_today()
    owed = max(0, case.amount_fen + service.surcharge_due(case, today) - case.paid_fen) if case.decided_on else 0
    return procedure.Facts(
        stage=case.stage, archived=case.archived_at is not None, party_type=ptype, handler_ids=tuple(case.handler_ids or ()),
        major=bool(case.major), discovered_on=case.discovered_on,
        filed_on=case.filed_at.astimezone(LOCAL_TZ).date() if case.filed_at and case.stage != "proposed" else None,
        filing_due=case.filing_due, decision_due=case.decision_due,
        violated_on=case.violated_at.astimezone(LOCAL_TZ).date() if case.violated_at else None, long_limitation=False,
        amount_range=_range(matter, ptype) if matter else (None, None),
        penalty_kinds=_penalty_kinds(matter, ptype) if matter else (), owed_fen=owed, decided_on=case.decided_on,
        served_on=case.served_on,
        tiers=tuple((t.level, t.name, t.min_fen, t.max_fen) for t in (matter.tiers if matter else []) if t.party_type == ptype),
        steps=tuple(procedure.Step(s.kind, s.on, s.data or {}, s.document_id) for s in case.steps))


def _check_handlers(jurisdiction_id: int, handler_ids: list[int], matter: Any, day: date) -> None:
    from ..auth import service as auth

    officers = auth.officers_by_ids(handler_ids)
    ok = (len(set(handler_ids)) == 2 and len(officers) == 2
          and all(o.jurisdiction_id == jurisdiction_id and o.active and auth.can_decide_penalties(o, matter.domain, day) for o in officers))
    if not ok:
        raise refuse("case.handlers_invalid", handler_ids=handler_ids)


def open_case(identity: Identity, *, party: dict[str, Any], matter_code: str, facts_text: str, source_kind: str,
              source_ref: str | None, discovered_on: date | None, handler_ids: list[int], major: bool, place_text: str,
              violated_at: datetime | None, evidence: list[dict[str, Any]]) -> Case:
    """立案申请: a case proposed for filing, from its source; the filing deadline (§54) runs
    from discovery; it is filed when a supervisor approves (`filing_approval`)."""
    from ..catalog import service as catalog
    from ..errors import invalid

    if identity.jurisdiction_id is None:
        raise invalid("case.no_jurisdiction", "须以乡镇（街道）人员身份立案", "Only a jurisdiction's staff open cases")
    matter = catalog.matter_by_code(matter_code)
    if matter is None:
        raise invalid("case.unknown_matter", "执法事项不存在", "Unknown matter", field="matter_code")
    if not catalog.is_empowered(identity.jurisdiction_id, matter.id):
        raise refuse("case.matter_not_empowered", matter_code=matter_code)
    today = local_today()
    discovered_on = discovered_on or today
    if discovered_on > today:
        raise refuse("case.future_date", field="discovered_on", today=today.isoformat())
    if handler_ids:
        _check_handlers(identity.jurisdiction_id, handler_ids, matter, today)
    inspection = None
    if source_kind == "inspection" and source_ref:
        from ..patrols import inspections

        inspection = inspections.inspection_summary(source_ref, identity.jurisdiction_id)
        if inspection is None:
            raise invalid("case.unknown_inspection", "所引用的检查记录不存在", "The inspection named does not exist here", field="source")
    elif source_kind == "task" and source_ref:
        from ..tasks import service as tasks

        if not tasks.task_exists(source_ref, identity.jurisdiction_id):
            raise invalid("case.unknown_task", "所引用的任务不存在", "The task named does not exist here", field="source")
    case = Case(jurisdiction_id=identity.jurisdiction_id, procedure="general", stage="proposed", party_name=party["name"],
                party=party, matter_code=matter_code, facts=facts_text, inspection_id=inspection["id"] if inspection else None,
                opened_by_id=identity.officer_id, opened_at=now(), source_kind=source_kind, source_ref=source_ref,
                discovered_on=discovered_on, handler_ids=list(handler_ids), major=major, place_text=place_text,
                violated_at=violated_at or (inspection["inspected_at"] if inspection else None))
    case.filing_due = holidays.current_calendar().add_working_days(discovered_on, settings().filing_working_days)
    db.session.add(case)
    db.session.flush()
    items = list(evidence)
    if inspection:  # the photos and the inspection itself are the first evidence
        items.insert(0, {"source": "inspection", "ref": inspection["id"], "label": f"检查记录：{inspection['subject_name']}"})
        items[1:1] = [{"source": "photo", "sha256": sha, "label": "检查照片"} for sha in inspection["photos"]]
    for item in items:
        _add_step(case, identity, "evidence", discovered_on, item)
    _event(case, identity.officer_id, "opened", None, "proposed", source_kind)
    return case


def _event(case: Case, actor_id: int | None, kind: str, from_stage: str | None, to_stage: str | None, note: str = "",
           details: dict[str, Any] | None = None) -> None:
    db.session.add(CaseEvent(case=case, actor_id=actor_id, kind=kind, from_stage=from_stage, to_stage=to_stage, note=note[:1000]))
    audit.record(f"case.{kind}", "case", str(case.id), jurisdiction_id=case.jurisdiction_id, actor_id=actor_id,
                 details={"from": from_stage, "to": to_stage, "note": note, **(details or {})})


def _add_step(case: Case, identity: Identity | None, kind: str, on: date, data: dict[str, Any]) -> CaseStep:
    if kind == "evidence" and data.get("sha256"):
        from ..evidence import service as evidence

        evidence.cite([data["sha256"]], record_kind="case", record_id=str(case.id), jurisdiction_id=case.jurisdiction_id,
                      officer_id=identity.officer_id if identity else None, device_id=None, claimed_at=None, lat=None, lon=None,
                      label=data.get("label", ""))
    step = CaseStep(case=case, kind=kind, on=on, data=_jsonable(data), actor_id=identity.officer_id if identity else None, at=now())
    db.session.add(step)
    db.session.flush()
    return step


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        out[k] = v.isoformat() if isinstance(v, (date, datetime)) else v
    return out


def take_step(case: Case, identity: Identity, kind: str, data: dict[str, Any]) -> CaseStep:
    """Take one step of the general procedure, if the law allows it now (the one door)."""
    from ..errors import invalid

    if case.procedure != "general":
        raise invalid("case.not_general", "简易程序案件没有办案步骤", "Only general-procedure cases take steps")
    if case.jurisdiction_id != identity.jurisdiction_id:
        from ..auth.access import other_jurisdiction

        raise other_jurisdiction()
    today = local_today()
    on = data.pop("on", None) if kind in PARTY_DATED else None
    on = on or today
    f = facts(case, today)
    cal = holidays.current_calendar()
    s = settings()
    if kind == "service":
        _prepare_service(case, data, on)
    try:
        procedure.check_step(f, kind, data, on, today, s, cal, actor_id=identity.officer_id, actor_role=identity.role)
        if kind == "filing_approval" and data.get("approve"):
            from ..catalog import service as catalog

            _check_handlers(case.jurisdiction_id, list(case.handler_ids or []), catalog.matter_by_code(case.matter_code), on)
        if kind == "prior_notice":
            data["hearing_right"] = data.get("amount_fen", 0) >= procedure.hearing_threshold_fen(f.party_type, s)
            data.setdefault("statement_working_days", s.statement_working_days)
        if kind == "legal_review" and identity.role not in ("officer", "supervisor"):
            raise refuse("case.needs_supervisor")
    except procedure.ProcedureError as e:
        raise refuse(e.code, **e.details) from None
    before = case.stage
    step = _add_step(case, identity, kind, on, data)
    _apply(case, step, identity, on, f)
    after = procedure.stage_after(f, kind, step.data)
    if kind == "service" and step.data.get("document_kind") == "decision" and case.served_on is None:
        after = case.stage  # electronic service completes when the party opens the link
    case.stage = after
    if after == "closed" and before != "closed":
        case.closed_at = now()
        case.close_reason = (step.data.get("reason") or ("not_filed" if kind == "filing_approval" else "closed"))[:64]
    doc_kind = procedure.STEPS[kind].document
    if doc_kind and not (kind == "service" and step.data.get("method") == "electronic"):
        step.document = paperwork.make(case, step, doc_kind, identity)
    _event(case, identity.officer_id, kind, before, after, procedure.STEPS[kind].zh,
           details={"step": step.id, "on": on.isoformat(), "document": step.document.number if step.document else None,
                    "sha256": step.document.sha256 if step.document else None})
    db.session.flush()
    return step


def _prepare_service(case: Case, data: dict[str, Any], on: date) -> None:
    """Which document is served, and when it counts as served: the day signed or refused on
    the spot or received by post; 30 days after an announcement (民事诉讼法 §95); for
    electronic service, when the party opens the link."""
    from datetime import timedelta

    doc = next((d for d in case.documents if d.id == data.get("document_id")), None)
    if doc is None:
        raise refuse("case.unknown_document", document_id=data.get("document_id"))
    data["document_kind"], data["document_title"], data["document_number"] = doc.kind, doc.title, doc.number
    if data["method"] == "electronic":
        data["served_on"] = None
    elif data["method"] == "announcement":
        data["served_on"] = (on + timedelta(days=30)).isoformat()
    else:
        data["served_on"] = on.isoformat()


def _apply(case: Case, step: CaseStep, identity: Identity, on: date, f: procedure.Facts) -> None:
    """What a step changes on the case itself (numbers, dates, amounts)."""
    cal = holidays.current_calendar()
    d = step.data
    if step.kind == "filing_approval" and d.get("approve"):
        case.filed_at = now()
        case.number = paperwork.next_number(case.jurisdiction_id, "filing_approval", on.year)
        holidays.stamp(case)
    elif step.kind == "extension":
        base = case.decision_due or on
        case.decision_extended_to = cal.period_end(base, d["days"])
        case.decision_due = case.decision_extended_to
    elif step.kind == "decision":
        case.decided_on = on
        case.amount_fen = d.get("amount_fen") or 0
        holidays.stamp(case)
    elif step.kind == "service" and d["document_kind"] == "decision":
        if d["method"] == "electronic":
            from . import eservice

            link = eservice.make_link(case, d["document_id"], _consented_address(case))
            step.data = {**d, "link_id": link.id, "address": link.address}
            step.link_url = eservice.link_url(link.token)  # type: ignore[attr-defined] # shown once, to send
        elif d.get("served_on"):
            mark_served(case, date.fromisoformat(d["served_on"]))
    elif step.kind == "closure":
        case.closure_due = None
    elif step.kind == "archive":
        case.archived_at = now()


def published(limit: int = 200) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """General decisions published (§48), party masked unless an organisation, and those
    withdrawn with the reason (no party data): what the public page lists."""
    from sqlalchemy import select

    from ..catalog import service as catalog
    from ..tickets.service import mask_name

    rows = db.session.scalars(select(CaseStep).where(CaseStep.kind == "publication").order_by(CaseStep.id.desc()).limit(limit * 4))
    latest: dict[int, CaseStep] = {}
    ever: set[int] = set()
    for st in rows:
        latest.setdefault(st.case_id, st)
        if (st.data or {}).get("publish"):
            ever.add(st.case_id)
    shown, withdrawn = [], []
    for case_id, st in list(latest.items())[:limit]:
        case = st.case
        decision = next((d for d in case.documents if d.kind == "decision"), None)
        if decision is None:
            continue
        authority = catalog.paper_fields(catalog.get_jurisdiction(case.jurisdiction_id))["authority_name"]
        base = {"number": decision.number, "agency_name": authority, "issued_on": case.decided_on.isoformat() if case.decided_on else None}
        if (st.data or {}).get("publish"):
            matter = catalog.matter_by_code(case.matter_code)
            org = party_type(case) == "organization"
            shown.append({**base, "party": case.party_name if org else mask_name(case.party_name),
                          "matter": matter.name if matter else case.matter_code,
                          "penalty_kind": next((x.data.get("penalty_kind") for x in case.steps if x.kind == "decision"), "fine"),
                          "amount_fen": case.amount_fen})
        elif case_id in ever:
            withdrawn.append({**base, "withdrawn_on": st.on.isoformat(), "reason": (st.data or {}).get("reason", "")})
    return shown, withdrawn


def record_party_step(case: Case, kind: str, on: date, data: dict[str, Any]) -> CaseStep:
    """A step the party takes themselves (opening an e-service link): no officer signs it."""
    step = _add_step(case, None, kind, on, data)
    _event(case, None, kind, case.stage, case.stage, "当事人", details={"step": step.id, "on": on.isoformat()})
    return step


def _consented_address(case: Case) -> str:
    consent = [s for s in case.steps if s.kind == "eservice_consent"]
    return consent[-1].data.get("address", "") if consent else ""


def mark_served(case: Case, served_on: date) -> None:
    """The decision reached the party: the 15 days to pay count from here (§67)."""
    case.served_on = served_on
    holidays.stamp(case)
    owes = case.amount_fen > 0
    if case.stage in ("decided", "served"):
        case.stage = "executing" if owes else "served"
    if not owes:
        case.closure_due = holidays.current_calendar().add_working_days(served_on, settings().closure_working_days)


def paid_in_full(case: Case, paid_on: date) -> None:
    """Execution ended: the general case is closed by 结案审批 within the local rule's days."""
    case.closure_due = holidays.current_calendar().add_working_days(paid_on, settings().closure_working_days)


def step_to_dict(step: CaseStep) -> dict[str, Any]:
    out = {"id": step.id, "kind": step.kind, "zh": procedure.STEPS[step.kind].zh, "on": step.on.isoformat(), "at": step.at,
           "actor_id": step.actor_id, "data": step.data,
           "document": paperwork.document_to_dict(step.document) if step.document else None}
    if getattr(step, "link_url", None):
        out["service_link"] = step.link_url  # only in the answer to the step that made it
    return out


def _inspection(case: Case) -> dict[str, Any] | None:
    """The inspection the case came from, with its place and patrol (the desk draws them)."""
    if not case.inspection_id:
        return None
    from ..patrols import inspections

    found = inspections.inspection_summary(case.inspection_id, case.jurisdiction_id)
    if not found:
        return None
    out = {k: found[k] for k in ("id", "subject_name", "subject_address", "inspected_at", "lat", "lon", "patrol_id", "photos")}
    if found["patrol_id"]:  # the patrol it was made on, drawn on the case's map
        from ..patrols import service as patrols

        out["patrol_track"] = patrols.evidence_track(found["patrol_id"], case.jurisdiction_id)
    return out


def row_of(case: Case, today: date) -> dict[str, Any]:
    """What a list row of a general case shows beyond its columns: deadline lights, the next
    lawful step, whether it is archived."""
    f = facts(case, today)
    paid = case.decided_on is not None and f.owed_fen == 0 and case.amount_fen > 0
    nxt = procedure.next_steps(f, today, settings(), holidays.current_calendar())
    return {"warnings": procedure.warnings(f, today, case.closure_due, case.service_due, case.payment_due, paid),
            "next_step": nxt[0] if nxt else None, "archived_at": case.archived_at}


def desk_view(case: Case, today: date | None = None) -> dict[str, Any]:
    """What the desk shows beyond the case's row: its steps, documents, the next lawful
    steps with what blocks them, and the deadline lights."""
    today = today or local_today()
    f = facts(case, today)
    s = settings()
    cal = holidays.current_calendar()
    window_end, hearing = procedure.notice_window(f, s, cal)
    paid = case.decided_on is not None and f.owed_fen == 0 and case.amount_fen > 0
    return paperwork.plain({
        "number": case.number, "party": case.party or {"name": case.party_name}, "source": {"kind": case.source_kind, "ref": case.source_ref},
        "facts": case.facts, "opened_by_id": case.opened_by_id,
        "discovered_on": case.discovered_on, "handler_ids": case.handler_ids or [], "major": bool(case.major),
        "place_text": case.place_text or "", "violated_at": case.violated_at, "decision_extended_to": case.decision_extended_to,
        "closure_due": case.closure_due, "archived_at": case.archived_at, "decided_on": case.decided_on, "served_on": case.served_on,
        "notice_window_ends": window_end, "hearing_right": hearing,
        "inspection": _inspection(case),
        "steps": [step_to_dict(st) for st in case.steps],
        "documents": [paperwork.document_to_dict(d) for d in case.documents],
        "next_steps": procedure.next_steps(f, today, s, cal) if case.procedure == "general" else [],
        "warnings": procedure.warnings(f, today, case.closure_due, case.service_due, case.payment_due, paid)
        if case.procedure == "general" else [],
    })
