"""The general procedure's rules (一般程序, Administrative Penalty Law §54–65), as plain
functions over plain facts: no Flask, no database. `cases.general` builds the facts from
a case and its steps and calls `check_step` before it records anything, for every door.

A case moves by steps. Each step kind names the stages it may be taken in, who takes it,
the document it makes and the stage it leads to; the safeguards below refuse the orders
the law forbids:

* 立案 within 7 working days of discovery (§54, configurable), approved, in a matter this
  street is empowered for, by two certified handling officers (§42), inside the limitation
  period (§36);
* 告知 (§44–45) before any decision, and no decision until the statement-and-defence window
  (and, where the fine reaches the province's threshold, the 5-working-day window to ask
  for a hearing, §63–64) has passed since the notice was served, unless the party waived;
* a hearing asked for in time is noticed 7 days ahead (§64(2)), chaired by someone who
  did not investigate (§64(4)), and held before the decision;
* 法制审核 (§58) where the law lists it (hearing held, major case) or the province asks for
  all; 集体讨论 (§57 ¶2) for major cases;
* the decision within 90 days of filing (§60) unless an approved extension moved it, never
  harsher than the notice — and if the party defended, §45 ¶2 names the refusal;
* 电子送达 only with the party's recorded consent to an address (§61 ¶2);
* 结案 only once the decision is executed (paid, an enforcement application made, or
  nothing owed); an archived case takes no more steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .deadlines import WorkCalendar

__all__ = ["STEPS", "PROBLEMS", "ProcedureError", "Settings", "Step", "Facts", "check_step", "stage_after", "notice_window",
           "hearing_threshold_fen", "requires_legal_review", "requires_discussion", "next_steps", "warnings"]


class ProcedureError(Exception):
    """A step the law does not allow now: a stable code, its messages, the field and details."""

    def __init__(self, code: str, **details: Any) -> None:
        zh, en, status, fld = PROBLEMS[code]
        super().__init__(f"{code}: {en}")
        self.code, self.message_zh, self.message_en, self.status, self.field = code, zh, en, status, fld
        self.details = details


# code: (中文, English, HTTP status, the field it concerns) — named once, raised everywhere
PROBLEMS: dict[str, tuple[str, str, int, str | None]] = {
    "case.step_out_of_order": ("案件当前阶段不能进行该步骤", "This step cannot be taken at the case's current stage", 409, "kind"),
    "case.archived": ("案件已归档，不能再变更", "The case is archived and can no longer change", 409, None),
    "case.closed": ("案件已结案", "The case is closed", 409, None),
    "case.not_handler": ("该步骤由本案承办人或中队长办理", "This step is taken by the case's handling officers or a supervisor", 403, None),
    "case.needs_supervisor": ("该步骤须由中队长（负责人）审批", "This step is approved by a supervisor (the agency's head)", 403, None),
    "case.reviewer_is_handler": ("法制审核人员不能是本案承办人", "The legal reviewer cannot be one of the case's handlers", 403, None),
    "case.matter_not_empowered": ("本乡镇（街道）未获赋权办理该事项", "This street holds no power for this matter", 422, "matter_code"),
    "case.handlers_invalid": ("须由两名持有效执法证（涵盖该事项门类）的执法人员承办", "Two officers with valid certificates covering the matter's domain must handle the case", 422, "handler_ids"),
    "case.filing_late_reason_required": ("已超过立案期限，须写明逾期立案的理由", "Filing is past its deadline: state why", 422, "late_reason"),
    "case.limitation_expired": ("违法行为已超过追责时效（第三十六条），不再给予行政处罚", "The limitation period has run (§36): no penalty", 422, "violated_at"),
    "case.no_evidence": ("告知前须至少有一项调查取证记录", "Record at least one piece of investigation before the notice", 409, None),
    "case.amount_out_of_range": ("罚款金额不在该事项的法定幅度内", "The fine is outside the matter's legal range", 422, "amount_fen"),
    "case.unknown_tier": ("该事项没有这一裁量档次", "The matter has no such discretion tier", 422, "tier"),
    "case.amount_outside_tier": ("罚款金额不在所选裁量档次的幅度内", "The fine is outside the chosen discretion tier", 422, "amount_fen"),
    "case.penalty_not_allowed": ("该事项的处罚依据不含此种处罚", "The matter's basis does not provide this penalty", 422, "penalty_kind"),
    "case.notice_not_served": ("事先告知书尚未送达当事人", "The prior notice has not been served on the party", 409, None),
    "case.notice_window_open": ("陈述申辩（听证申请）期限未满，不能作出决定", "The window to state, defend or ask for a hearing has not ended", 409, None),
    "case.hearing_not_available": ("该处罚未达听证标准，当事人无听证权利", "This penalty is below the hearing threshold", 422, "kind"),
    "case.hearing_request_late": ("听证申请已超过告知后五个工作日", "The hearing was asked for more than 5 working days after the notice", 422, "on"),
    "case.hearing_not_requested": ("当事人未申请听证", "The party has not asked for a hearing", 409, None),
    "case.hearing_notice_short": ("听证通知须在举行听证七日前送达", "The hearing is noticed at least 7 days ahead", 422, "hearing_on"),
    "case.hearing_host_is_investigator": ("听证主持人不能是本案调查人员", "The hearing is chaired by someone who did not investigate", 422, "host_id"),
    "case.hearing_before_notice": ("听证须在通知的时间举行", "The hearing takes place as noticed", 409, "on"),
    "case.hearing_pending": ("当事人申请了听证，听证结束前不能作出决定", "A hearing was asked for: no decision before it is held", 409, None),
    "case.legal_review_required": ("该案须经法制审核同意后才能作出决定", "This case needs the legal review's agreement before a decision", 409, None),
    "case.discussion_required": ("重大案件须经负责人集体讨论决定", "A major case is decided by collective discussion", 409, None),
    "case.discussion_quorum": ("集体讨论须至少三名参加人员", "At least three people take part in the discussion", 422, "attendees"),
    "case.decision_overdue": ("已超过九十日决定期限且未经批准延长", "The 90-day period to decide has passed without an approved extension", 409, None),
    "case.extension_late": ("决定期限届满后不能再延长", "A period that has ended cannot be extended", 409, None),
    "case.extension_too_long": ("单次延长不能超过规定天数", "The extension is longer than allowed", 422, "days"),
    "case.harsher_than_notice": ("决定不能重于告知的处罚；如需加重，须重新告知", "The decision cannot be harsher than the notice: give a new notice first", 422, "amount_fen"),
    "case.harsher_after_defence": ("不得因当事人陈述、申辩而给予更重的处罚（第四十五条）", "No harsher penalty because the party stated or defended (§45)", 422, "amount_fen"),
    "case.eservice_without_consent": ("未经当事人同意，不能电子送达（第六十一条）", "Electronic service needs the party's consent to an address (§61)", 422, "method"),
    "case.service_refusal_needs_witness": ("当事人拒绝签收的，须有见证人并注明情况", "A refused service needs a witness and a note", 422, "witness"),
    "case.service_needs_tracking": ("邮寄送达须填写邮件号", "Service by post needs the tracking number", 422, "tracking_number"),
    "case.service_needs_announcement": ("公告送达须填写公告载体和编号", "Service by announcement names where it was published", 422, "announcement_ref"),
    "case.unknown_document": ("所送达的文书不属于本案", "The document to serve is not this case's", 422, "document_id"),
    "case.closure_premature": ("决定尚未执行完毕，不能结案", "The decision is not executed yet: the case cannot close", 409, None),
    "case.enforcement_too_early": ("复议、诉讼期限届满前不能申请强制执行", "Enforcement is applied for after the periods to appeal have passed", 409, "on"),
    "case.nothing_owed": ("该案没有待缴的罚款", "Nothing is owed in this case", 409, None),
    "case.future_date": ("日期不能晚于今天", "The date cannot be later than today", 422, "on"),
    "case.date_before_step": ("日期不能早于前一步骤", "The date cannot be before the step it follows", 422, "on"),
    "case.withdraw_reason_required": ("撤回公示须写明原因", "A reason is required to withdraw a publication", 422, "reason"),
    "case.not_published": ("该决定未公示", "The decision is not published", 409, None),
    "case.preservation_late": ("先行登记保存须在七日内作出处理决定（第五十六条）", "Decide on preserved evidence within 7 days (§56)", 409, "on"),
    "case.no_preservation": ("没有待处理的先行登记保存", "No preserved evidence is waiting for a decision", 409, None),
}

# 一般程序的阶段
STAGE_ORDER = ("proposed", "filed", "investigating", "notified", "reviewed", "decided", "served", "executing", "closed")
INVESTIGATION = ("questioning", "site_inspection", "evidence", "preservation", "preservation_decision", "correction_order")
BEFORE_DECISION = ("filed", "investigating", "notified", "reviewed")


@dataclass(frozen=True)
class StepKind:
    stages: tuple[str, ...]  # where it may be taken
    who: str  # handler | supervisor | reviewer
    document: str | None = None  # the 文书 it makes
    zh: str = ""


STEPS: dict[str, StepKind] = {
    "filing_approval": StepKind(("proposed",), "supervisor", "filing_approval", "立案审批"),
    "questioning": StepKind(("filed", "investigating", "notified", "reviewed"), "handler", "questioning", "询问笔录"),
    "site_inspection": StepKind(("filed", "investigating", "notified", "reviewed"), "handler", "site_inspection", "现场检查（勘验）"),
    "evidence": StepKind(("filed", "investigating", "notified", "reviewed"), "handler", None, "证据"),
    "preservation": StepKind(("filed", "investigating", "notified", "reviewed"), "handler", None, "先行登记保存"),
    "preservation_decision": StepKind(("filed", "investigating", "notified", "reviewed"), "handler", None, "登记保存处理决定"),
    "correction_order": StepKind(("filed", "investigating", "notified", "reviewed"), "handler", "correction_order", "责令改正"),
    "prior_notice": StepKind(("investigating", "notified", "reviewed"), "handler", "prior_notice", "事先告知"),
    "statement": StepKind(("notified", "reviewed"), "handler", None, "陈述申辩"),
    "waiver": StepKind(("notified", "reviewed"), "handler", None, "放弃陈述申辩"),
    "hearing_request": StepKind(("notified", "reviewed"), "handler", None, "听证申请"),
    "hearing_notice": StepKind(("notified", "reviewed"), "handler", "hearing_notice", "听证通知"),
    "hearing": StepKind(("notified", "reviewed"), "handler", "hearing", "听证"),
    "legal_review": StepKind(("notified", "reviewed"), "reviewer", "legal_review", "法制审核"),
    "discussion": StepKind(("notified", "reviewed"), "supervisor", "discussion", "集体讨论"),
    "extension": StepKind(("filed", "investigating", "notified", "reviewed"), "supervisor", None, "延长办案期限"),
    "decision": StepKind(("notified", "reviewed"), "supervisor", "decision", "处罚决定"),
    "eservice_consent": StepKind(STAGE_ORDER[1:8], "handler", None, "电子送达确认"),
    "service": StepKind(STAGE_ORDER[1:8], "handler", "service_receipt", "送达"),
    "enforcement_application": StepKind(("executing",), "handler", None, "申请强制执行"),
    "closure": StepKind(("proposed", "filed", "investigating", "notified", "reviewed", "decided", "served", "executing"),
                        "supervisor", "closure_approval", "结案审批"),
    "publication": StepKind(("decided", "served", "executing", "closed"), "supervisor", None, "公示"),
    "archive": StepKind(("closed",), "supervisor", None, "归档"),
}


@dataclass(frozen=True)
class Settings:
    """What a province may set (defaults: the law's own numbers)."""

    filing_working_days: int = 7  # §54 (as most provinces' procedure rules)
    statement_working_days: int = 3  # the notice's window to state and defend
    hearing_request_working_days: int = 5  # §64(1)
    hearing_notice_days: int = 7  # §64(2)
    hearing_threshold_citizen_fen: int = 500_000  # 较大数额罚款: province's rule (demo: 5,000 yuan)
    hearing_threshold_org_fen: int = 5_000_000  # (demo: 50,000 yuan)
    legal_review: str = "listed"  # "listed" (§58's cases) or "all"
    extension_max_days: int = 30
    preservation_working_days: int = 7  # §56
    limitation_years: int = 2  # §36 (5 where life, health or finances are harmed: the case says so)
    closure_working_days: int = 10  # 结案 after execution ends (local rule)


@dataclass(frozen=True)
class Step:
    kind: str
    on: date
    data: dict[str, Any] = field(default_factory=dict)
    document_id: int | None = None


@dataclass(frozen=True)
class Facts:
    stage: str
    archived: bool
    party_type: str  # citizen | organization
    handler_ids: tuple[int, ...]
    major: bool
    discovered_on: date | None
    filed_on: date | None
    filing_due: date | None
    decision_due: date | None
    violated_on: date | None
    long_limitation: bool  # §36: life, health or financial safety harmed
    amount_range: tuple[int | None, int | None]  # the matter's legal range, fen
    penalty_kinds: tuple[str, ...]  # what the matter's basis provides
    owed_fen: int  # fine + surcharge − paid, once decided
    decided_on: date | None
    served_on: date | None
    steps: tuple[Step, ...] = ()
    tiers: tuple[tuple[int, str, int, int], ...] = ()  # 裁量基准 for the party's type: (level, name, min_fen, max_fen)

    def last(self, kind: str, after: int = -1) -> Step | None:
        found = [s for i, s in enumerate(self.steps) if s.kind == kind and i > after]
        return found[-1] if found else None

    def index_of(self, step: Step | None) -> int:
        return -1 if step is None else self.steps.index(step)


def hearing_threshold_fen(party_type: str, s: Settings) -> int:
    return s.hearing_threshold_citizen_fen if party_type == "citizen" else s.hearing_threshold_org_fen


def _notice(f: Facts) -> Step | None:
    return f.last("prior_notice")


def _served(f: Facts, step: Step | None) -> date | None:
    """The day a document was served: the last completed service of it."""
    if step is None or step.document_id is None:
        return None
    days = [s.data.get("served_on") for s in f.steps
            if s.kind == "service" and s.data.get("document_id") == step.document_id and s.data.get("served_on")]
    return date.fromisoformat(days[-1]) if days else None


def notice_window(f: Facts, s: Settings, cal: WorkCalendar) -> tuple[date | None, bool]:
    """(the last day of the party's window after the notice, whether a hearing may be asked)."""
    notice = _notice(f)
    served = _served(f, notice)
    if notice is None or served is None:
        return None, False
    hearing = bool(notice.data.get("hearing_right"))
    days = max(int(notice.data.get("statement_working_days") or s.statement_working_days),
               s.hearing_request_working_days if hearing else 0)
    return cal.add_working_days(served, days), hearing


def _hearing_asked(f: Facts) -> bool:
    notice = _notice(f)
    return notice is not None and f.last("hearing_request", f.index_of(notice)) is not None


def requires_legal_review(f: Facts, s: Settings, amount_fen: int) -> bool:
    return s.legal_review == "all" or f.major or _hearing_asked(f) or amount_fen >= hearing_threshold_fen(f.party_type, s)


def requires_discussion(f: Facts, s: Settings, amount_fen: int) -> bool:
    """§57 ¶2: 情节复杂或者重大违法行为 — the case marked major, or a fine at the hearing threshold."""
    return f.major or amount_fen >= hearing_threshold_fen(f.party_type, s)


def _harsher(kind: str, amount: int, than_kind: str, than_amount: int) -> bool:
    fines = ("fine", "warning_fine")
    if amount > than_amount:
        return True
    return kind in fines and than_kind not in fines


def _limitation_end(f: Facts, s: Settings) -> date | None:
    if f.violated_on is None:
        return None
    years = 5 if f.long_limitation else s.limitation_years
    try:
        return f.violated_on.replace(year=f.violated_on.year + years)
    except ValueError:  # 29 February
        return f.violated_on.replace(year=f.violated_on.year + years, day=28)


def stage_after(f: Facts, kind: str, data: dict[str, Any]) -> str:
    """The stage the case is in after this step."""
    if kind == "filing_approval":
        return "filed" if data.get("approve") else "closed"
    if kind in INVESTIGATION and f.stage == "filed":
        return "investigating"
    if kind == "prior_notice":
        return "notified"
    if kind == "legal_review" and f.stage == "notified":
        return "reviewed"
    if kind == "decision":
        return "decided"
    if kind == "service" and data.get("document_kind") == "decision" and data.get("served_on") and f.stage in ("decided", "served"):
        return "executing" if f.owed_fen > 0 else "served"
    if kind == "closure":
        return "closed"
    return f.stage


def check_step(f: Facts, kind: str, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar,
               *, actor_id: int, actor_role: str) -> None:
    """Raise ProcedureError if the law does not allow this step now, by this actor, on this day."""
    if f.archived:
        raise ProcedureError("case.archived")
    meta = STEPS[kind]
    if f.stage == "closed" and kind not in ("archive", "publication"):
        raise ProcedureError("case.closed")
    if f.stage not in meta.stages:
        raise ProcedureError("case.step_out_of_order", stage=f.stage, allowed=list(meta.stages))
    supervisor = actor_role in ("supervisor", "admin")
    if meta.who == "supervisor" and not supervisor:
        raise ProcedureError("case.needs_supervisor")
    if meta.who == "handler" and not supervisor and actor_id not in f.handler_ids:
        raise ProcedureError("case.not_handler")
    if meta.who == "reviewer" and actor_id in f.handler_ids:
        raise ProcedureError("case.reviewer_is_handler")
    if on > today:
        raise ProcedureError("case.future_date", today=today.isoformat())
    if f.steps and on < min(st.on for st in f.steps[-1:]) and kind not in ("statement", "hearing_request", "evidence"):
        raise ProcedureError("case.date_before_step", previous=f.steps[-1].on.isoformat())
    _CHECKS.get(kind, lambda *a: None)(f, data, on, today, s, cal)


def _check_filing(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    if not data.get("approve"):
        return  # 不予立案 needs only the opinion
    end = _limitation_end(f, s)
    if end is not None and on > end:
        raise ProcedureError("case.limitation_expired", limitation_end=end.isoformat())
    if f.filing_due is not None and on > f.filing_due and not (data.get("late_reason") or "").strip():
        raise ProcedureError("case.filing_late_reason_required", filing_due=f.filing_due.isoformat())


def _check_investigation_done(f: Facts) -> None:
    if not any(st.kind in ("questioning", "site_inspection", "evidence") for st in f.steps):
        raise ProcedureError("case.no_evidence")


def _check_penalty(f: Facts, kind: str, amount: int, tier: int | None = None) -> None:
    if tier is not None:
        found = next((t for t in f.tiers if t[0] == tier), None)
        if found is None:
            raise ProcedureError("case.unknown_tier", tiers=[t[0] for t in f.tiers])
        if kind in ("fine", "warning_fine") and not found[2] <= amount <= found[3]:
            raise ProcedureError("case.amount_outside_tier", tier=found[1], min_fen=found[2], max_fen=found[3])
    if kind not in f.penalty_kinds:
        raise ProcedureError("case.penalty_not_allowed", allowed=list(f.penalty_kinds))
    lo, hi = f.amount_range
    if kind in ("fine", "warning_fine") and ((lo is not None and amount < lo) or (hi is not None and amount > hi)):
        raise ProcedureError("case.amount_out_of_range", min_fen=lo, max_fen=hi)


def _check_notice(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    _check_investigation_done(f)
    _check_penalty(f, data["penalty_kind"], data.get("amount_fen") or 0, data.get("tier"))


def _check_hearing_request(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    notice = _notice(f)
    served = _served(f, notice)
    if notice is None or served is None:
        raise ProcedureError("case.notice_not_served")
    if not notice.data.get("hearing_right"):
        raise ProcedureError("case.hearing_not_available", threshold_fen=hearing_threshold_fen(f.party_type, s))
    last_day = cal.add_working_days(served, s.hearing_request_working_days)
    if on > last_day:
        raise ProcedureError("case.hearing_request_late", last_day=last_day.isoformat())


def _check_hearing_notice(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    if not _hearing_asked(f):
        raise ProcedureError("case.hearing_not_requested")
    if data["hearing_on"] < on + timedelta(days=s.hearing_notice_days):
        raise ProcedureError("case.hearing_notice_short", earliest=(on + timedelta(days=s.hearing_notice_days)).isoformat())
    if data["host_id"] in f.handler_ids:
        raise ProcedureError("case.hearing_host_is_investigator")


def _check_hearing(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    notice = f.last("hearing_notice", f.index_of(_notice(f)))
    if notice is None:
        raise ProcedureError("case.hearing_not_requested")
    if on < date.fromisoformat(notice.data["hearing_on"]):
        raise ProcedureError("case.hearing_before_notice", hearing_on=notice.data["hearing_on"])


def _check_discussion(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    if len(data.get("attendees") or []) < 3:
        raise ProcedureError("case.discussion_quorum")


def _current_due(f: Facts) -> date | None:
    return f.decision_due


def _check_extension(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    due = _current_due(f)
    if due is not None and on > due:
        raise ProcedureError("case.extension_late", decision_due=due.isoformat())
    if data["days"] > s.extension_max_days:
        raise ProcedureError("case.extension_too_long", max_days=s.extension_max_days)


def _check_decision(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    due = _current_due(f)
    if due is not None and on > due:
        raise ProcedureError("case.decision_overdue", decision_due=due.isoformat())
    notice = _notice(f)
    if notice is None or _served(f, notice) is None:
        raise ProcedureError("case.notice_not_served")
    after = f.index_of(notice)
    window_end, _ = notice_window(f, s, cal)
    waived = f.last("waiver", after) is not None
    if _hearing_asked(f):
        if f.last("hearing", after) is None:
            raise ProcedureError("case.hearing_pending")
    elif not waived and window_end is not None and on <= window_end:
        raise ProcedureError("case.notice_window_open", window_ends=window_end.isoformat())
    kind, amount = data["penalty_kind"], data.get("amount_fen") or 0
    if _harsher(kind, amount, notice.data["penalty_kind"], notice.data.get("amount_fen") or 0):
        defended = f.last("statement", after) is not None or f.last("hearing", after) is not None
        raise ProcedureError("case.harsher_after_defence" if defended else "case.harsher_than_notice",
                             notified_fen=notice.data.get("amount_fen") or 0)
    _check_penalty(f, kind, amount, data.get("tier"))
    if requires_legal_review(f, s, amount):
        review = f.last("legal_review", after)
        if review is None or review.data.get("opinion") != "agree":
            raise ProcedureError("case.legal_review_required")
    if requires_discussion(f, s, amount) and f.last("discussion", after) is None:
        raise ProcedureError("case.discussion_required")


def _check_service(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    method = data["method"]
    if method == "electronic":
        consent = f.last("eservice_consent")
        if consent is None or not consent.data.get("address"):
            raise ProcedureError("case.eservice_without_consent")
    if method == "direct" and not data.get("signed") and not ((data.get("witness") or "").strip() and (data.get("refused_note") or "").strip()):
        raise ProcedureError("case.service_refusal_needs_witness")
    if method == "post" and not (data.get("tracking_number") or "").strip():
        raise ProcedureError("case.service_needs_tracking")
    if method == "announcement" and not (data.get("announcement_ref") or "").strip():
        raise ProcedureError("case.service_needs_announcement")


def _check_preservation_decision(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    kept = f.last("preservation")
    if kept is None or f.last("preservation_decision", f.index_of(kept)) is not None:
        raise ProcedureError("case.no_preservation")
    last_day = cal.add_working_days(kept.on, s.preservation_working_days)
    if on > last_day:
        raise ProcedureError("case.preservation_late", last_day=last_day.isoformat())


def _check_enforcement(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    if f.owed_fen <= 0:
        raise ProcedureError("case.nothing_owed")
    # 行政强制法 §53: once the party has neither appealed nor sued in time (6 months to sue,
    # 行政诉讼法 §46) nor paid; the application is then made within 3 months
    if f.served_on is None or on <= _add_months(f.served_on, 6):
        raise ProcedureError("case.enforcement_too_early",
                             earliest=(_add_months(f.served_on, 6) + timedelta(days=1)).isoformat() if f.served_on else None)


def _check_publication(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    """§48: decisions with social impact are published; a changed or revoked one is withdrawn
    within 3 days, with the reason published."""
    if data.get("publish"):
        return
    last = f.last("publication")
    if last is None or not last.data.get("publish"):
        raise ProcedureError("case.not_published")
    if not (data.get("reason") or "").strip():
        raise ProcedureError("case.withdraw_reason_required")


def _check_closure(f: Facts, data: dict[str, Any], on: date, today: date, s: Settings, cal: WorkCalendar) -> None:
    if f.stage in BEFORE_DECISION or f.stage == "proposed":
        if not (data.get("summary") or "").strip():
            raise ProcedureError("case.closure_premature")  # 撤案 / 不予处罚 states why
        return
    if f.stage == "decided":
        raise ProcedureError("case.closure_premature")
    if f.owed_fen > 0 and f.last("enforcement_application") is None:
        raise ProcedureError("case.closure_premature", owed_fen=f.owed_fen)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


_CHECKS = {
    "filing_approval": _check_filing, "prior_notice": _check_notice, "hearing_request": _check_hearing_request,
    "hearing_notice": _check_hearing_notice, "hearing": _check_hearing, "discussion": _check_discussion,
    "extension": _check_extension, "decision": _check_decision, "service": _check_service,
    "preservation_decision": _check_preservation_decision, "enforcement_application": _check_enforcement,
    "closure": _check_closure, "publication": _check_publication,
}


def next_steps(f: Facts, today: date, s: Settings, cal: WorkCalendar) -> list[dict[str, Any]]:
    """What the law lets the desk do next, most pressing first, each with what still blocks it."""
    if f.archived:
        return []
    if f.stage == "closed":
        return [{"kind": k, "zh": "撤回公示" if k == "publication" and _published(f) else STEPS[k].zh, "blocked": None}
                for k in ("archive", "publication")]
    order = {
        "proposed": ["filing_approval"],
        "filed": ["questioning", "site_inspection", "evidence", "correction_order"],
        "investigating": ["prior_notice", "questioning", "site_inspection", "evidence", "preservation", "correction_order"],
        "notified": ["decision", "legal_review", "discussion", "statement", "hearing_request", "hearing_notice", "hearing", "waiver"],
        "reviewed": ["decision", "discussion", "hearing_notice", "hearing", "statement"],
        "decided": ["service", "publication"],
        "served": ["closure", "publication"],
        "executing": ["closure", "enforcement_application", "publication"],
    }[f.stage]
    out = []
    for kind in order:
        data = _probe(f, kind)
        blocked = None
        try:
            if kind in ("decision", "prior_notice", "closure", "hearing_notice", "hearing", "hearing_request", "enforcement_application"):
                _CHECKS[kind](f, data, today, today, s, cal)
        except ProcedureError as e:
            blocked = {"code": e.code, "message": {"zh-CN": e.message_zh, "en": e.message_en}, "details": e.details}
            if kind in ("hearing_notice", "hearing", "hearing_request") and e.code in ("case.hearing_not_requested", "case.hearing_not_available"):
                continue  # nothing to do there unless the party asked
        zh = "撤回公示" if kind == "publication" and _published(f) else STEPS[kind].zh
        out.append({"kind": kind, "zh": zh, "blocked": blocked})
    return out


def _published(f: Facts) -> bool:
    last = f.last("publication")
    return last is not None and bool(last.data.get("publish"))


def _probe(f: Facts, kind: str) -> dict[str, Any]:
    """A stand-in payload to ask "could this step be taken today?" for the desk's list."""
    notice = _notice(f)
    if kind == "decision" and notice is not None:
        return {"penalty_kind": notice.data["penalty_kind"], "amount_fen": notice.data.get("amount_fen") or 0}
    if kind == "prior_notice":
        return {"penalty_kind": f.penalty_kinds[0] if f.penalty_kinds else "fine", "amount_fen": f.amount_range[0] or 0}
    if kind == "hearing_notice":
        return {"hearing_on": date.max, "host_id": -1}
    return {"summary": ""}


def warnings(f: Facts, today: date, closure_due: date | None, service_due: date | None, payment_due: date | None,
             paid_in_full: bool) -> list[dict[str, Any]]:
    """Deadline lights as the supervision platforms show them: yellow within 3 days (or the
    last fifth of a long period), red when past."""
    out = []

    def light(name: str, due: date | None, done: bool) -> None:
        if due is None or done:
            return
        left = (due - today).days
        if left < 0:
            out.append({"deadline": name, "due": due.isoformat(), "level": "red", "days_left": left})
        elif left <= 3:
            out.append({"deadline": name, "due": due.isoformat(), "level": "yellow", "days_left": left})

    light("filing", f.filing_due, f.stage != "proposed")
    light("decision", f.decision_due, f.decided_on is not None or f.stage == "closed")
    light("service", service_due, f.served_on is not None or f.stage == "closed")
    light("payment", payment_due, paid_in_full or f.stage == "closed")
    light("closure", closure_due, f.stage == "closed")
    return out
