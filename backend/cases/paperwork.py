"""Documents (文书) of a case: the template in force (an administrator's newest version, else
the shipped default), the street's number sequence, the context a step prints, and the
stored PDF whose SHA-256 goes on the audit trail and into the case file."""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..audit import service as audit
from ..auth.access import Identity
from ..extensions import db
from .documents import render
from .models import Case, CaseDocument, CaseStep, DocumentSequence, DocumentTemplate

# the character each document's number carries (…综执立字〔2026〕第0001号)
NUMBER_CODES = {"filing_approval": "立", "questioning": "询", "site_inspection": "勘", "correction_order": "改",
                "prior_notice": "告", "hearing_notice": "听通", "hearing": "听", "legal_review": "审", "discussion": "讨",
                "decision": "罚决", "service_receipt": "送", "closure_approval": "结"}
KIND_ZH = {"fine": "罚款", "warning": "警告", "warning_fine": "警告，并处罚款"}
METHOD_ZH = {"direct": "直接送达", "left": "留置送达", "post": "邮寄送达", "announcement": "公告送达", "electronic": "电子送达"}
OPINION_ZH = {"agree": "同意", "revise": "建议修改", "disagree": "不同意"}
SOURCE_ZH = {"inspection": "日常巡查检查发现", "task": "上级交办（派遣任务）", "complaint": "群众投诉举报", "referral": "部门移送线索",
             "manual": "执法人员发现", "ticket": "现场发现（不适用简易程序）"}
CLOSE_ZH = {"paid": "罚款已缴清", "enforced": "已申请人民法院强制执行", "no_fine": "警告已执行", "not_punished": "不予行政处罚",
            "withdrawn": "撤销立案", "not_filed": "不予立案", "closed": "结案"}


def template_for(kind: str) -> tuple[dict[str, Any], int]:
    """The template in force for a kind and its version (0 = the shipped default)."""
    row = db.session.scalar(select(DocumentTemplate).where(DocumentTemplate.kind == kind).order_by(DocumentTemplate.version.desc()).limit(1))
    if row is not None:
        return row.body, row.version
    return render.default_templates()[kind], 0


def save_template(kind: str, body: dict[str, Any], identity: Identity) -> DocumentTemplate:
    """A new version of a kind's template (the old ones stay: documents name the version they used)."""
    from ..errors import invalid

    if kind not in render.default_templates():
        raise invalid("template.unknown_kind", "没有这种文书", "Unknown document kind", field="kind")
    body = {**body, "kind": kind}
    problems = render.validate_template(body)
    if problems:
        raise invalid("template.invalid", "文书模板有误：" + "；".join(problems), "The template is invalid: " + "; ".join(problems),
                      field="body", problems=problems)
    last = db.session.scalar(select(func.max(DocumentTemplate.version)).where(DocumentTemplate.kind == kind)) or 0
    row = DocumentTemplate(kind=kind, version=last + 1, body=body, created_by_id=identity.officer_id)
    db.session.add(row)
    audit.record("template.saved", "document_template", kind, jurisdiction_id=None, actor_id=identity.officer_id,
                 details={"version": last + 1, "sha256": hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()})
    db.session.flush()
    return row


def next_number(jurisdiction_id: int, kind: str, year: int) -> str:
    """The next number of the street's sequence for this kind of document and year (row-locked)."""
    from ..catalog import service as catalog

    seq = db.session.execute(select(DocumentSequence).where(
        DocumentSequence.jurisdiction_id == jurisdiction_id, DocumentSequence.kind == kind, DocumentSequence.year == year,
    ).with_for_update()).scalar_one_or_none()
    if seq is None:
        seq = DocumentSequence(jurisdiction_id=jurisdiction_id, kind=kind, year=year, last=0)
        db.session.add(seq)
    seq.last += 1
    j = catalog.get_jurisdiction(jurisdiction_id)
    return f"{j.name}综执{NUMBER_CODES[kind]}字〔{year}〕第{seq.last:04d}号"


def _seal(jurisdiction_code: str) -> bytes | None:
    folder = current_app.config.get("SEAL_IMAGE_DIR") or ""
    path = Path(folder) / f"{jurisdiction_code}.png" if folder else None
    return path.read_bytes() if path is not None and path.is_file() else None


def _officer_names(ids: list[int]) -> dict[int, Any]:
    from ..auth import service as auth

    return {o.id: o for o in auth.officers_by_ids(ids)}


def _certificate(officer: Any, day: date) -> str:
    from ..auth import service as auth

    cert = auth.valid_certificate(officer, day)
    return cert.number if cert else ""


def case_context(case: Case, day: date) -> dict[str, Any]:
    """The parts every document of the case prints."""
    from ..catalog import service as catalog

    j = catalog.get_jurisdiction(case.jurisdiction_id)
    paper = catalog.paper_fields(j)
    matter = catalog.matter_by_code(case.matter_code)
    party = case.party or {"name": case.party_name, "type": "citizen"}
    citizen = party.get("type", "citizen") == "citizen"
    officers = _officer_names(list(case.handler_ids or []))
    evidence = [{"label": s.data.get("label") or s.data.get("source", ""), "sha256": s.data.get("sha256") or "",
                 "kind_zh": {"photo": "照片", "inspection": "检查记录", "patrol": "巡查轨迹", "video": "视频", "audio": "录音",
                             "document": "书证"}.get(s.data.get("source", ""), "其他")}
                for s in case.steps if s.kind == "evidence"]
    return {
        "agency": {"authority_name": paper["authority_name"], "team_name": j.agency_name,
                   "reconsideration_body": paper["reconsideration_body"] or "有管辖权的行政复议机关",
                   "court": current_app.config.get("CASE_COURT") or "有管辖权的人民法院", "payment_channel": paper["payment_channel"]},
        "case": {"number": case.number or "", "party_name": party.get("name", ""), "party_type_zh": "公民" if citizen else "法人或其他组织",
                 "party_id_label": "公民身份号码" if citizen else "统一社会信用代码", "party_id_number": party.get("id_number", ""),
                 "party_address": party.get("address", ""), "party_phone": party.get("phone", ""),
                 "party_representative": party.get("representative", ""),
                 "matter_name": matter.name if matter else case.matter_code, "legal_basis": matter.legal_basis if matter else "",
                 "penalty_basis": matter.penalty_basis if matter else "", "facts": case.facts, "place_text": case.place_text or "",
                 "violated_at": case.violated_at, "discovered_on": case.discovered_on,
                 "filed_on": case.filed_at.date() if case.filed_at and case.stage != "proposed" else None,
                 "source_zh": SOURCE_ZH.get(case.source_kind or "manual", ""), "evidence": evidence},
        "handlers": [{"name": officers[i].name, "certificate": _certificate(officers[i], day)} for i in (case.handler_ids or []) if i in officers],
    }


def step_context(case: Case, step: CaseStep, actor_name: str) -> dict[str, Any]:
    """The step's own part, in the keys its template reads."""
    d = dict(step.data or {})
    actor = actor_name
    names = _officer_names([i for i in [d.get("host_id"), *(case.handler_ids or [])] if isinstance(i, int)])
    handlers = [names[i].name for i in (case.handler_ids or []) if i in names]
    sign = "已签名" if d.get("signed") else (f"拒绝签名：{d.get('refused_note', '')}；见证人：{d.get('witness', '')}" if d.get("refused_note") else "")
    out: dict[str, Any] = {**d, "signature_text": sign}
    if step.kind == "filing_approval":
        opened = _officer_names([case.opened_by_id] if case.opened_by_id else [])
        out.update(requested_by=opened[case.opened_by_id].name if case.opened_by_id in opened else "",
                   requested_on=case.opened_at.date() if case.opened_at else None, approver_name=actor, approved_on=step.on,
                   reason=d.get("reason") or case.facts)
    elif step.kind in ("questioning", "site_inspection"):
        out.update(questioners=handlers, inspectors=handlers, recorder=d.get("recorder") or actor)
    elif step.kind == "prior_notice":
        out.update(proposed_penalty_text=_penalty_text(d["penalty_kind"], d.get("amount_fen") or 0))
    elif step.kind == "hearing_notice":
        host = names.get(d.get("host_id"))
        out.update(host=host.name if host else "", clerk=d.get("clerk_name", ""),
                   hearing_at=f"{d['hearing_on']} {d.get('hearing_time', '')}".strip())
    elif step.kind == "legal_review":
        out.update(reviewer_name=actor, reviewed_on=step.on, opinion_zh=OPINION_ZH.get(d.get("opinion", ""), ""))
    elif step.kind == "decision":
        out.update(penalty_text=_penalty_text(d["penalty_kind"], d.get("amount_fen") or 0))
    elif step.kind == "service":
        out.update(method_zh=METHOD_ZH.get(d.get("method", ""), ""), served_at=d.get("served_on"))
    elif step.kind == "closure":
        out.update(summary=d.get("summary", ""), amount_fen=case.amount_fen, paid_fen=case.paid_fen,
                   close_reason_zh=CLOSE_ZH.get(d.get("reason", ""), ""), requested_by=handlers, approver_name=actor,
                   approved_on=step.on)
    return out


def _penalty_text(kind: str, amount_fen: int) -> str:
    if kind == "fine":
        return f"罚款人民币{render.yuan(amount_fen)}元"
    if kind == "warning_fine":
        return f"警告，并处罚款人民币{render.yuan(amount_fen)}元"
    return KIND_ZH.get(kind, kind)


def render_notice(jurisdiction_id: int, kind: str, *, number: str, day: date, party: dict[str, Any], matter_code: str | None,
                  officer_ids: list[int], step: dict[str, Any]) -> bytes:
    """A document outside a case (the 责令（限期）改正通知书 of an inspection): the same template,
    agency and seal as a case's, for the feature that owns the record."""
    from ..catalog import service as catalog

    j = catalog.get_jurisdiction(jurisdiction_id)
    paper = catalog.paper_fields(j)
    matter = catalog.matter_by_code(matter_code) if matter_code else None
    officers = _officer_names(officer_ids)
    template, _ = template_for(kind)
    context = {
        "number": number, "issued_on": day,
        "agency": {"authority_name": paper["authority_name"], "team_name": j.agency_name,
                   "reconsideration_body": paper["reconsideration_body"] or "有管辖权的行政复议机关",
                   "court": current_app.config.get("CASE_COURT") or "有管辖权的人民法院", "payment_channel": paper["payment_channel"]},
        "case": {"party_name": party.get("name", ""), "party_address": party.get("address", ""), "party_id_number": party.get("id_number", ""),
                 "matter_name": matter.name if matter else "", "legal_basis": matter.legal_basis if matter else "相关法律法规",
                 "penalty_basis": matter.penalty_basis if matter else "", "facts": step.get("violation", "")},
        "handlers": [{"name": officers[i].name, "certificate": _certificate(officers[i], day)} for i in officer_ids if i in officers],
        "step": step,
    }
    return render.render_pdf(template, context, _seal(j.code))


def make(case: Case, step: CaseStep, kind: str, identity: Identity | None) -> CaseDocument:
    """Number, render and keep the document a step makes; its hash goes on the audit trail."""
    from ..catalog import service as catalog

    template, version = template_for(kind)
    # the 立案审批表 approving the filing carries the case number 案号 it gave
    number = case.number if kind == "filing_approval" and case.number else next_number(case.jurisdiction_id, kind, step.on.year)
    context = {**case_context(case, step.on), "number": number, "issued_on": step.on, "step": step_context(case, step, identity.officer.name if identity else "")}
    pdf = render.render_pdf(template, context, _seal(catalog.get_jurisdiction(case.jurisdiction_id).code))
    doc = CaseDocument(case=case, jurisdiction_id=case.jurisdiction_id, kind=kind, title=template.get("title", kind), number=number,
                       template_version=version, context=plain(context), sha256=hashlib.sha256(pdf).hexdigest(), pdf=pdf,
                       made_by_id=identity.officer_id if identity else None)
    db.session.add(doc)
    db.session.flush()
    audit.record("case.document", "case_document", str(doc.id), jurisdiction_id=case.jurisdiction_id,
                 actor_id=identity.officer_id if identity else None,
                 details={"case": case.id, "kind": kind, "number": number, "sha256": doc.sha256, "template_version": version})
    return doc


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def document_to_dict(doc: CaseDocument) -> dict[str, Any]:
    return {"id": doc.id, "kind": doc.kind, "title": doc.title, "number": doc.number, "sha256": doc.sha256,
            "made_at": doc.made_at, "template_version": doc.template_version}


def get_document(case: Case, document_id: int) -> CaseDocument:
    from ..errors import NotFound

    doc = next((d for d in case.documents if d.id == document_id), None)
    if doc is None:
        raise NotFound("case.document_not_found", "文书不存在", "Document not found")
    return doc
