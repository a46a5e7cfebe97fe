"""The case desk's services the views call: a step (committed), documents and templates, the
electronic case file (电子卷宗) with its manifest, and the bank's payment file matched to
decisions by number."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from typing import Any

from sqlalchemy import select

from ..audit import service as audit
from ..auth.access import Identity
from ..clock import local_today, now
from ..errors import invalid
from ..extensions import commit, db
from . import general, paperwork, service
from .documents import casefile, render
from .models import Case, CaseDocument, Payment


def take_step(case: Case, identity: Identity, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    step = general.take_step(case, identity, kind, data)
    out = general.step_to_dict(step)
    commit()
    return {"case": service.case_with_desk(case), "step": out}


def document(case: Case, document_id: int) -> CaseDocument:
    return paperwork.get_document(case, document_id)


def templates() -> list[dict[str, Any]]:
    out = []
    for kind in render.KINDS:
        body, version = paperwork.template_for(kind)
        out.append({"kind": kind, "version": version, "body": body})
    return out


def save_template(kind: str, body: dict[str, Any], identity: Identity) -> dict[str, Any]:
    row = paperwork.save_template(kind, body, identity)
    try:  # a template that validates but fails on real data (1/0, a missing value used in arithmetic) is refused too
        render.render_pdf(row.body, _sample_context())
    except Exception as e:  # noqa: BLE001 - any failure of the administrator's template, reported to them
        db.session.rollback()
        raise invalid("template.invalid", f"文书模板无法生成：{type(e).__name__}", f"The template fails to render: {type(e).__name__}",
                      field="body") from None
    commit()
    return {"kind": row.kind, "version": row.version, "body": row.body}


def _sample_context() -> dict[str, Any]:
    today = local_today()
    return {"number": "示例〔2026〕第0001号", "issued_on": today,
            "agency": {"authority_name": "示例街道办事处", "team_name": "综合行政执法队", "reconsideration_body": "示例区人民政府",
                       "court": "示例区人民法院", "payment_channel": "示例银行"},
            "case": {"number": "示例", "party_name": "张三", "party_type_zh": "公民", "matter_name": "示例事项", "facts": "示例",
                     "filed_on": today, "discovered_on": today, "evidence": [{"label": "照片", "sha256": "0" * 64, "kind_zh": "照片"}]},
            "handlers": [{"name": "王明", "certificate": "1"}, {"name": "赵亮", "certificate": "2"}],
            "step": {"amount_fen": 10000, "paid_fen": 0, "surcharge_fen": 0, "qa": [{"q": "问", "a": "答"}], "attendees": [],
                     "views": [], "items_checked": [], "interviewee": {"name": "张三"}}}


# --- the electronic case file ---------------------------------------------------------------


def _items(case: Case) -> list[dict[str, Any]]:
    """The file's items in the order of the procedure: each document, and each evidence item
    where it was recorded; with the SHA-256 the audit trail holds for it."""
    from ..evidence import service as evidence

    items = []
    kinds = evidence.kinds_of((s.data or {}).get("sha256") for s in case.steps if s.kind == "evidence")
    for step in case.steps:
        if step.kind == "evidence":
            d = step.data or {}
            item = {"kind": "evidence", "title": d.get("label") or "证据", "number": "", "sha256": d.get("sha256") or "",
                    "source": d.get("source"), "ref": d.get("ref"), "on": step.on.isoformat()}
            kind, duration = kinds.get(item["sha256"], (None, None))
            if item["source"] == "photo" and kind in ("video", "audio"):
                # records cite clips and voice notes in their `photos` arrays: name what the file is
                word = "视频" if kind == "video" else "录音"
                item.update(source=kind, title=item["title"].replace("照片", word) if "照片" in item["title"] else f"{item['title']}（{word}）",
                            duration_s=duration)
            items.append(item)
        if step.document is not None:
            doc = step.document
            items.append({"kind": doc.kind, "title": doc.title, "number": doc.number, "sha256": doc.sha256, "document_id": doc.id,
                          "on": step.on.isoformat()})
    for i, item in enumerate(items, 1):
        item["seq"] = i
    return items


def manifest(case: Case) -> dict[str, Any]:
    return {"case_id": case.id, "case_number": case.number or "", "jurisdiction_id": case.jurisdiction_id,
            "archived": case.archived_at is not None, "made_at": now(), "items": _items(case)}


def case_file_pdf(case: Case, identity: Identity) -> bytes:
    """Table of contents, then every item in order (documents byte for byte, photos as their
    watermarked display copy with the original's hash), then the manifest."""
    from pypdf import PdfReader, PdfWriter

    from ..evidence import service as evidence

    m = manifest(case)
    parts: list[tuple[dict[str, Any], bytes]] = []
    for item in m["items"]:
        if "document_id" in item:
            parts.append((item, db.session.get(CaseDocument, item["document_id"]).pdf))
        else:
            image = evidence.display_copy(item["sha256"]) if item.get("sha256") else None
            parts.append((item, casefile.evidence_page(item, image)))
    pages, start = [], 2  # the contents take page 1 (one page for up to ~35 items; more spill over)
    readers = [PdfReader(io.BytesIO(b)) for _, b in parts]
    toc_pages = max(1, -(-len(parts) // 35))
    start = toc_pages + 1
    for (item, _), reader in zip(parts, readers):
        item["page"] = start
        pages.append(len(reader.pages))
        start += len(reader.pages)
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(casefile.contents_pdf(m, case_title(case)))).pages:
        writer.add_page(page)
    for reader in readers:
        for page in reader.pages:
            writer.add_page(page)
    for page in PdfReader(io.BytesIO(casefile.manifest_pdf(m, case_title(case)))).pages:
        writer.add_page(page)
    writer.add_metadata({"/Title": case_title(case), "/Subject": case.number or ""})
    out = io.BytesIO()
    writer.write(out)
    audit.record("case.file_made", "case", str(case.id), jurisdiction_id=case.jurisdiction_id, actor_id=identity.officer_id,
                 details={"items": len(m["items"]), "sha256": hashlib.sha256(out.getvalue()).hexdigest()})
    commit()
    return out.getvalue()


def case_title(case: Case) -> str:
    return f"{case.party_name}{paperwork_matter(case)}案"


def paperwork_matter(case: Case) -> str:
    from ..catalog import service as catalog

    m = catalog.matter_by_code(case.matter_code)
    return m.name if m else case.matter_code


def verify_manifest(data: dict[str, Any]) -> list[str]:
    """What in a case file's manifest the audit trail does not bear out (empty = verified):
    each document's SHA-256 must be the one recorded when it was made, and the stored bytes
    must still hash to it; each photo must be recorded as cited by the case."""
    problems = []
    case = db.session.get(Case, data.get("case_id"))
    if case is None:
        return [f"case {data.get('case_id')} not found"]
    for item in data.get("items") or []:
        label = f"#{item.get('seq')} {item.get('title')} {item.get('number') or ''}".strip()
        if "document_id" in item:
            made = [e for e in audit.entries_for("case_document", str(item["document_id"])) if e.action == "case.document"]
            if not made or made[0].details.get("sha256") != item.get("sha256") or made[0].details.get("case") != case.id:
                problems.append(f"{label}: SHA-256 differs from the audit trail")
            doc = db.session.get(CaseDocument, item["document_id"])
            if doc is None or hashlib.sha256(doc.pdf).hexdigest() != item.get("sha256"):
                problems.append(f"{label}: the stored document no longer hashes to its SHA-256")
        elif item.get("sha256") and not any(e.action == "media.captured" for e in audit.entries_for("media", item["sha256"])):
            problems.append(f"{label}: photo not recorded as cited on the audit trail")
    return problems


# --- the bank's payment file -----------------------------------------------------------------

NUMBER_RE = re.compile(r"[^\s,，;；]*综执罚决字〔\d{4}〕第\d+号")
HEADERS = {"date": ("交易日期", "日期", "date", "paid_on"), "amount": ("金额", "交易金额", "amount", "贷方金额"),
           "memo": ("附言", "摘要", "用途", "备注", "memo", "reference"), "serial": ("流水号", "交易流水号", "serial", "receipt"),
           "payer": ("付款人", "付款人名称", "对方户名", "payer")}


def _yuan_to_fen(text: str) -> int:
    clean = text.replace(",", "").replace("，", "").replace("¥", "").replace("元", "").strip()
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", clean):
        raise ValueError(text)
    whole, _, frac = clean.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def bank_import(identity: Identity, raw: bytes) -> dict[str, Any]:
    """Each row names a decision's number in its memo: the payment is recorded on that case
    (once — a serial number seen before is a duplicate); anything else is listed unmatched."""
    from ..csvin import read_table

    header, cols, rows = read_table(raw, HEADERS, empty="bank.empty", encoding="bank.encoding")
    if cols["date"] is None or cols["amount"] is None or cols["memo"] is None or cols["serial"] is None:
        raise invalid("bank.columns", "缺少列：交易日期、金额、附言、流水号", "Columns needed: date, amount, memo, serial", field="body",
                      header=header)
    matched, duplicates, unmatched = [], [], []
    for line_no, row in enumerate(rows, 2):
        if not any(c.strip() for c in row):
            continue
        get = lambda k: row[cols[k]].strip() if cols[k] is not None and cols[k] < len(row) else ""  # noqa: E731
        entry = {"line": line_no, "serial": get("serial"), "memo": get("memo"), "amount": get("amount"), "payer": get("payer")}
        try:
            amount = _yuan_to_fen(get("amount"))
            paid_on = date.fromisoformat(get("date").replace("/", "-")[:10])
        except ValueError:
            unmatched.append({**entry, "reason": "格式有误（金额或日期）", "reason_en": "Bad amount or date"})
            continue
        if db.session.scalar(select(Payment.id).where(Payment.channel == "bank", Payment.receipt == entry["serial"][:64])):
            duplicates.append(entry)
            continue
        found = NUMBER_RE.search(get("memo"))
        doc = db.session.scalar(select(CaseDocument).where(CaseDocument.number == found.group(0), CaseDocument.kind == "decision",
                                                           CaseDocument.jurisdiction_id == identity.jurisdiction_id)) if found else None
        if doc is None:
            unmatched.append({**entry, "reason": "附言中没有本街道的决定书编号", "reason_en": "No decision number of this street in the memo"})
            continue
        case = doc.case
        try:
            service.record_payment(case, identity, amount_fen=amount, channel="bank", paid_on=paid_on, receipt=entry["serial"][:64])
        except Exception as e:  # noqa: BLE001 - an ApiError (too much, closed …) reported per row
            db.session.rollback()
            unmatched.append({**entry, "reason": getattr(e, "message_zh", "无法入账"), "reason_en": getattr(e, "message_en", "Not recorded"),
                              "case_id": case.id})
            continue
        matched.append({**entry, "case_id": case.id, "decision_number": doc.number, "amount_fen": amount})
    audit.record("case.bank_import", "payments", "bank", jurisdiction_id=identity.jurisdiction_id, actor_id=identity.officer_id,
                 details={"matched": len(matched), "duplicates": len(duplicates), "unmatched": len(unmatched)})
    commit()
    return {"matched": matched, "duplicates": duplicates, "unmatched": unmatched}

