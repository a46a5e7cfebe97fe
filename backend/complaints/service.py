"""Complaints and referrals: a resident's report from the public page (no login), referrals
entered or imported on the console, triage into a task, a case, a merge or a rejection with
its reason, and what the resident sees of it (status, outcome, rating)."""
from __future__ import annotations

import hashlib
import io
import re
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction
from ..errors import ApiError, Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import db
from ..models_base import LOCAL_TZ, utcnow
from .models import Complaint, ComplaintPhoto

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PHOTOS = 3
DESCRIPTION_HEAD = 60  # characters of a report shown in a subject's file (一户一档)
STATUS_ZH = {"received": "已受理，等待处理", "dispatched": "已交办执法人员处理", "case": "已立案调查", "merged": "已与同一问题的举报合并处理",
             "rejected": "不予受理"}


def new_code() -> str:
    return "JB" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def clean_text(value: str, field: str, *, max_len: int, min_len: int = 0) -> str:
    """Text as a resident typed it, without control characters; bounded (it is shown back to
    people: every page escapes it, and it is stored as text, never markup)."""
    value = CONTROL_RE.sub("", value or "").strip()
    if len(value) < min_len or len(value) > max_len:
        raise _invalid("complaint.bad_text", f"「{field}」须为 {min_len}–{max_len} 个字", f"{field} must be {min_len}–{max_len} characters",
                       field=field, min=min_len, max=max_len)
    return value


def locate(lat: float | None, lon: float | None, jurisdiction_code: str | None) -> tuple[int, int | None]:
    """The street a report belongs to: where it happened (a point in one of the district's
    streets), else the street the resident chose."""
    from ..catalog import service as catalog
    from ..catalog.models import Jurisdiction

    if lat is not None and lon is not None:
        grid = catalog.grid_at(lon, lat)
        if grid is not None:
            return grid.jurisdiction_id, grid.id
        for j in db.session.scalars(select(Jurisdiction)):
            if catalog.in_jurisdiction(lon, lat, j.id):
                return j.id, None
    if jurisdiction_code:
        j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
        if j is not None:
            return j.id, None
    raise _invalid("complaint.place_unknown", "请在地图上选择地点，或选择所在的街道（乡镇）", "Give the place, or choose the street",
                   field="place")


def _photo(data: bytes) -> tuple[bytes, int, int]:
    """A resident's photo as a fresh JPEG of at most 1600 px: decoded within the pixel limit,
    re-encoded (no EXIF — their location stays theirs — and nothing hidden after the image)."""
    from PIL import Image, UnidentifiedImageError

    from ..evidence.imaging import FORMATS

    limit = current_app.config["COMPLAINT_PHOTO_MAX_BYTES"]
    if len(data) > limit:
        raise _invalid("complaint.photo_too_large", f"照片不能超过 {limit // (1024 * 1024)} MB", "The photo is too large", field="photos",
                       status=413)
    Image.MAX_IMAGE_PIXELS = current_app.config["MEDIA_MAX_PIXELS"]
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as im:
            im.load()
            im = im.convert("RGB")
            im.thumbnail((1600, 1600))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=85)
            return out.getvalue(), im.width, im.height
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        raise _invalid("complaint.bad_photo", "照片无法识别（仅支持 JPEG、PNG、WebP）", "Not a photo we can read (JPEG, PNG or WebP)",
                       field="photos") from None


def submit(*, description: str, phone: str, name: str = "", address: str = "", lat: float | None = None, lon: float | None = None,
           jurisdiction_code: str | None = None, photos: list[bytes] = (), channel: str = "web", external_ref: str | None = None,
           department: str = "", source: str = "", actor_id: int | None = None) -> Complaint:
    """A report received: from the public page (no login), or entered for the hotline or a department."""
    description = clean_text(description, "description", min_len=5, max_len=2000)
    phone = re.sub(r"[\s]", "", phone or "")
    if not PHONE_RE.match(phone):
        raise _invalid("complaint.bad_phone", "请填写可联系的手机号码或固定电话", "A phone number to reach you is needed", field="phone")
    if len(photos) > MAX_PHOTOS:
        raise _invalid("complaint.too_many_photos", f"最多上传 {MAX_PHOTOS} 张照片", f"At most {MAX_PHOTOS} photos", field="photos")
    if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)):
        raise _invalid("complaint.bad_place", "位置无效", "The place is invalid", field="place")
    jurisdiction_id, grid_id = locate(lat, lon, jurisdiction_code)
    encoded = [_photo(p) for p in photos]
    complaint = Complaint(jurisdiction_id=jurisdiction_id, code=new_code(), channel=channel, external_ref=external_ref,
                          department=clean_text(department, "department", max_len=64), description=description,
                          address=clean_text(address, "address", max_len=255), lat=lat, lon=lon, grid_id=grid_id,
                          reporter_name=clean_text(name, "name", max_len=64), reporter_phone=phone,
                          photos=[hashlib.sha256(e[0]).hexdigest() for e in encoded], received_at=utcnow(),
                          source_hash=hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{source}".encode()).hexdigest() if source else "")
    db.session.add(complaint)
    db.session.flush()
    for (data, w, h), sha in zip(encoded, complaint.photos):
        db.session.add(ComplaintPhoto(sha256=sha, complaint_id=complaint.id, width=w, height=h, data=data))
    audit.record("complaint.received", "complaint", str(complaint.id), jurisdiction_id=jurisdiction_id, actor_id=actor_id,
                 details={"channel": channel, "code": complaint.code, "external_ref": external_ref, "photos": complaint.photos})
    return complaint


def by_code(code: str) -> Complaint:
    found = db.session.scalar(select(Complaint).where(Complaint.code == (code or "").upper()[:16])) if code else None
    if found is None:
        raise NotFound("complaint.not_found", "查询码不存在，请核对", "No report with this code")
    return found


def get(complaint_id: int, identity: Identity) -> Complaint:
    found = db.session.get(Complaint, complaint_id)
    if found is None:
        raise NotFound("complaint.not_found", "举报不存在", "Complaint not found")
    if not identity.is_global_admin and found.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    return found


def _check_triager(identity: Identity) -> None:
    if identity.role not in ("supervisor", "admin"):
        raise Forbidden("complaint.triage_needs_supervisor", "举报由指挥中心（中队长）分办", "A supervisor triages reports")


def triage(identity: Identity, complaint: Complaint, *, action: str, assignee: str | None = None, grid: str | None = None,
           matter_code: str | None = None, into: int | None = None, reason: str = "", note: str = "",
           subject_id: int | None = None) -> Complaint:
    """分办: into a task (交办 an officer or a grid), a case (立案申请), a merge with the report it
    repeats, or a rejection with the reason the resident will read; `subject_id` names the
    register's subject the report is about (被举报对象), which files it in that subject's 一户一档."""
    _check_triager(identity)
    if complaint.status != "received":
        raise _invalid("complaint.already_triaged", "该举报已分办", "This report was triaged already", status=409, status_now=complaint.status)
    if subject_id is not None:  # checked before anything is dispatched or opened
        complaint.subject_id = _subject_of(complaint, subject_id)
    if action == "task":
        from ..tasks import service as tasks

        instructions = f"\n交办说明：{note.strip()}" if note.strip() else ""  # the supervisor's words on their own line
        task = tasks.dispatch(identity, title=f"群众举报：{complaint.description[:24]}",
                              description=f"{complaint.description}\n（举报查询码 {complaint.code}）{instructions}", assignee=assignee, grid=grid,
                              lat=complaint.lat, lon=complaint.lon, address=complaint.address)
        complaint.task_id, complaint.status = task.id, "dispatched"
    elif action == "case":
        from ..cases import service as cases

        if not matter_code:
            raise _invalid("complaint.matter_required", "立案须选择执法事项", "Choose the matter to open a case", field="matter_code")
        case = cases.open_general_case(identity, party={"type": "citizen", "name": note.strip() or "待查明"}, matter_code=matter_code,
                                       facts=complaint.description, source={"kind": "complaint", "ref": complaint.code},
                                       place_text=complaint.address)
        complaint.case_id, complaint.status = case.id, "case"
    elif action == "merge":
        target = db.session.get(Complaint, into) if into else None
        if target is None or target.jurisdiction_id != complaint.jurisdiction_id or target.id == complaint.id:
            raise _invalid("complaint.bad_merge", "须合并到本街道的另一件举报", "Merge into another report of the street", field="into")
        complaint.merged_into_id, complaint.status = target.id, "merged"
    elif action == "reject":
        complaint.reject_reason = clean_text(reason, "reason", min_len=4, max_len=500)
        complaint.status = "rejected"
    else:
        raise _invalid("complaint.bad_action", "分办方式无效", "action must be task, case, merge or reject", field="action")
    complaint.triaged_at, complaint.triaged_by_id = utcnow(), identity.officer_id
    audit.record("complaint.triaged", "complaint", str(complaint.id), jurisdiction_id=complaint.jurisdiction_id,
                 actor_id=identity.officer_id, details={"action": action, "task": complaint.task_id, "case": complaint.case_id,
                                                        "into": complaint.merged_into_id, "reason": complaint.reject_reason,
                                                        "subject": complaint.subject_id})
    return complaint


def _subject_of(complaint: Complaint, subject_id: int) -> int:
    """The register's subject a supervisor named: one of the report's street (else
    `subject.not_found`); a merged duplicate is filed under the subject it was merged into."""
    from ..subjects import service as subjects

    return subjects.known(complaint.jurisdiction_id, subject_id, None).id


def set_subject(identity: Identity, complaint: Complaint, subject_id: int | None) -> Complaint:
    """被举报对象, named or corrected after triage (or cleared with None), by a supervisor: the
    report moves to that subject's 一户一档."""
    _check_triager(identity)
    before = complaint.subject_id
    complaint.subject_id = _subject_of(complaint, subject_id) if subject_id is not None else None
    audit.record("complaint.subject_set", "complaint", str(complaint.id), jurisdiction_id=complaint.jurisdiction_id,
                 actor_id=identity.officer_id, details={"from": before, "to": complaint.subject_id})
    return complaint


def of_subjects(subject_ids: list[int]) -> list[dict[str, Any]]:
    """The reports about these subjects (the register's 一户一档; subjects/ asks here), newest
    first: where they came from, the head of what was reported, where they stand and the
    resident's rating — never the reporter's phone, name or tracking code."""
    if not subject_ids:
        return []
    rows = db.session.scalars(select(Complaint).where(Complaint.subject_id.in_(subject_ids))
                              .order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(200))
    out = []
    for c in rows:
        o = outcome(c)
        head = c.description if len(c.description) <= DESCRIPTION_HEAD else c.description[:DESCRIPTION_HEAD] + "…"
        out.append({"id": c.id, "received_at": c.received_at, "channel": c.channel, "department": c.department, "status": c.status,
                    "description": head, "outcome": o["text"], "resolved": o["resolved"], "rating": c.rating})
    return out



def outcome(complaint: Complaint) -> dict[str, Any]:
    """Where the report stands, in the resident's words: its status, and the result once the
    task was fed back or closed, or the case decided; `resolved` opens the rating."""
    seen = {complaint.id}
    while complaint.status == "merged" and complaint.merged_into_id and complaint.merged_into_id not in seen:
        seen.add(complaint.merged_into_id)
        complaint = db.session.get(Complaint, complaint.merged_into_id)
    text, resolved = STATUS_ZH[complaint.status], False
    if complaint.status == "rejected":
        text, resolved = f"不予受理：{complaint.reject_reason}", True
    elif complaint.task_id:
        from ..tasks import service as tasks

        state = tasks.public_state(complaint.task_id)
        if state["status"] in ("done", "closed"):
            text, resolved = f"已处理：{state['note'] or '执法人员已到现场处置'}", True
        elif state["status"] in ("accepted", "in_progress"):
            text = "执法人员正在处理"
    elif complaint.case_id:
        from ..cases import service as cases

        stage = cases.public_stage(complaint.case_id)
        text = {"closed": "案件已办结"}.get(stage, "已立案调查，正在依法办理")
        resolved = stage == "closed"
    return {"status": complaint.status, "text": text, "resolved": resolved}


def rate(complaint: Complaint, rating: int, comment: str) -> Complaint:
    """评价: once, after the report was resolved."""
    if not outcome(complaint)["resolved"]:
        raise _invalid("complaint.not_resolved", "处理完毕后才能评价", "Rate once it is resolved", status=409)
    if complaint.rating is not None:
        raise _invalid("complaint.already_rated", "已经评价过了", "Already rated", status=409)
    if not 1 <= rating <= 5:
        raise _invalid("complaint.bad_rating", "评价须为 1–5 星", "A rating is 1 to 5", field="rating")
    complaint.rating, complaint.rating_comment, complaint.rated_at = rating, clean_text(comment, "comment", max_len=500), utcnow()
    return complaint


REFERRAL_COLUMNS = {"external_ref": ("工单号", "编号", "ref"), "channel": ("来源", "channel"), "department": ("部门", "移送部门", "department"),
                    "description": ("内容", "诉求内容", "问题描述", "description"), "address": ("地址", "事发地址", "address"),
                    "phone": ("联系电话", "电话", "phone"), "name": ("联系人", "name")}


def street_code(identity: Identity, given: str | None) -> str:
    """The street a console entry goes to: the entrant's own, or — for a district
    administrator — the one named; never another street's for a street's staff."""
    from ..catalog import service as catalog

    own = catalog.get_jurisdiction(identity.jurisdiction_id).code if identity.jurisdiction_id else None
    if own and given and given != own:
        raise other_jurisdiction()
    if not (own or given):
        raise _invalid("complaint.street_required", "请选择街道（乡镇）", "Name the street", field="jurisdiction_code")
    return own or given


def import_referrals(identity: Identity, raw: bytes, code: str) -> dict[str, Any]:
    """12345 hotline or department referrals from their CSV (UTF-8 or GBK): one report per row,
    in the importer's street; a work order number seen before is not imported twice."""
    _check_triager(identity)
    from ..csvin import read_table

    header, cols, rows = read_table(raw, REFERRAL_COLUMNS, empty="complaint.import_empty", encoding="complaint.import_encoding")
    if cols["description"] is None or cols["phone"] is None:
        raise _invalid("complaint.import_columns", "缺少列：内容、联系电话", "Columns needed: description, phone", field="body", header=header)
    from ..catalog.models import Jurisdiction

    street_id = db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code))
    if street_id is None:
        raise _invalid("complaint.street_required", "街道（乡镇）不存在", "No such street", field="street")
    created, duplicates, refused = [], [], []
    for line, row in enumerate(rows, 2):
        if not any(c.strip() for c in row):
            continue
        get = lambda k: row[cols[k]].strip() if cols[k] is not None and cols[k] < len(row) else ""  # noqa: E731
        ref = get("external_ref")[:64] or None
        if ref and db.session.scalar(select(Complaint.id).where(Complaint.external_ref == ref, Complaint.jurisdiction_id == street_id)):
            duplicates.append({"line": line, "external_ref": ref})
            continue
        channel = "hotline" if "12345" in get("channel") or not get("department") else "department"
        try:
            with db.session.begin_nested():
                c = submit(description=get("description"), phone=get("phone"), name=get("name"), address=get("address"),
                           jurisdiction_code=code, channel=channel, external_ref=ref, department=get("department"), actor_id=identity.officer_id)
            created.append({"line": line, "id": c.id, "code": c.code, "external_ref": ref})
        except ApiError as e:
            refused.append({"line": line, "code": e.code, "reason": e.message_zh, "reason_en": e.message_en})
    return {"created": created, "duplicates": duplicates, "refused": refused}


def to_dict(c: Complaint, reveal: bool) -> dict[str, Any]:
    from ..tickets.service import mask_phone

    return {"id": c.id, "code": c.code, "channel": c.channel, "external_ref": c.external_ref, "department": c.department,
            "description": c.description, "address": c.address, "lat": c.lat, "lon": c.lon, "grid_id": c.grid_id,
            "reporter_name": c.reporter_name, "reporter_phone": c.reporter_phone if reveal else mask_phone(c.reporter_phone),
            "photos": c.photos or [], "status": c.status, "reject_reason": c.reject_reason, "task_id": c.task_id, "case_id": c.case_id,
            "merged_into_id": c.merged_into_id, "received_at": c.received_at, "triaged_at": c.triaged_at, "rating": c.rating,
            "rating_comment": c.rating_comment, "outcome": outcome(c), "subject_id": c.subject_id, "subject": _subject_brief(c.subject_id)}


def _subject_brief(subject_id: int | None) -> dict[str, Any] | None:
    if subject_id is None:
        return None
    from ..subjects import service as subjects

    return subjects.brief(subject_id)


def public_view(c: Complaint) -> dict[str, Any]:
    """What the tracking code shows: no phone, no name, no officer."""
    o = outcome(c)
    return {"code": c.code, "received_on": c.received_at.astimezone(LOCAL_TZ).date().isoformat(), "description": c.description,
            "address": c.address, "status": o["status"], "text": o["text"], "resolved": o["resolved"], "rating": c.rating,
            "can_rate": o["resolved"] and c.rating is None}


def list_for(jurisdiction_id: int | None, status: str | None):
    q = select(Complaint)
    if jurisdiction_id is not None:
        q = q.where(Complaint.jurisdiction_id == jurisdiction_id)
    if status:
        q = q.where(Complaint.status == status)
    return q


def photo(complaint: Complaint, sha256: str) -> bytes:
    row = db.session.scalar(select(ComplaintPhoto).where(ComplaintPhoto.complaint_id == complaint.id, ComplaintPhoto.sha256 == sha256))
    if row is None:
        raise NotFound("complaint.photo_not_found", "照片不存在", "Photo not found")
    return row.data

