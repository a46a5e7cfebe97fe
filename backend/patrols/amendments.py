"""补充: an inspection's officer adds photos and a note afterwards — usually because a
supervisor asked (督查意见) — through the same door as every record (`inspection_amend`).
The inspection as first recorded never changes; the amendment is its own dated, audited
record, its photos cited (and EXIF-checked) against the inspection's place."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Iterable

from geoalchemy2.shape import to_shape
from sqlalchemy import select

from ..auth.access import Identity
from ..errors import Conflict, Forbidden, NotFound
from ..extensions import commit, db
from .models import Inspection, InspectionAmendment


def amend_inspection(identity: Identity, *, amendment_id: str, inspection_id: str, captured_at: datetime, note: str,
                     photos: Iterable[str], review_id: int | None) -> tuple[InspectionAmendment, bool]:
    """Add photos and a note to the officer's own inspection; answers the review named
    (marks it resolved with the note) when there is one. Idempotent by id."""
    from ..audit import service as audit
    from ..evidence import service as evidence
    from ..reviews import service as reviews

    photos = list(dict.fromkeys(photos))
    digest = hashlib.sha256(json.dumps([inspection_id, note, photos, review_id], ensure_ascii=False).encode()).hexdigest()
    existing = db.session.get(InspectionAmendment, amendment_id)
    if existing is not None:
        if existing.payload_digest != digest:
            raise Conflict("inspection.amend_conflict", "同一补充记录编号已有不同内容", "An amendment with this id exists with other content")
        return existing, False
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or inspection.jurisdiction_id != identity.jurisdiction_id:
        raise NotFound("inspection.not_found", "检查记录不存在", "Inspection not found", details={"field": "inspection_id"})
    if inspection.officer_id != identity.officer_id:
        raise Forbidden("inspection.not_yours", "只能补充本人的检查记录", "Only the inspection's officer amends it", details={"field": "inspection_id"})
    if review_id is not None:
        review = reviews.review_of(review_id)
        if review is None or (review.object_type, review.object_id) != ("inspection", inspection_id):
            raise NotFound("review.not_found", "督查意见不存在或不针对该检查", "No such review of this inspection", details={"field": "review_id"})
    row = InspectionAmendment(id=amendment_id, inspection_id=inspection_id, officer_id=identity.officer_id,
                              device_id=identity.device_id, review_id=review_id, captured_at=captured_at, note=note,
                              photos=photos, payload_digest=digest)
    db.session.add(row)
    db.session.flush()
    if photos:
        point = to_shape(inspection.location)
        evidence.cite(photos, record_kind="inspection_amend", record_id=amendment_id, jurisdiction_id=inspection.jurisdiction_id,
                      officer_id=identity.officer_id, device_id=identity.device_id, claimed_at=captured_at,
                      lat=point.y, lon=point.x, label=inspection.subject_address or inspection.subject_name)
    audit.record("inspection.amended", "inspection", inspection_id, jurisdiction_id=inspection.jurisdiction_id,
                 actor_id=identity.officer_id, device_id=identity.device_id,
                 details={"amendment_id": amendment_id, "photos": photos, "note": note, "review_id": review_id})
    if review_id is not None:
        reviews.resolve(identity, review_id, note or "已补充照片")
    commit()
    return row, True


def amendments_of(inspection_id: str) -> list[dict[str, Any]]:
    """An inspection's amendments, oldest first, as the API shows them."""
    from ..auth.models import Officer

    rows = db.session.execute(select(InspectionAmendment, Officer.name).join(Officer, Officer.id == InspectionAmendment.officer_id)
                              .where(InspectionAmendment.inspection_id == inspection_id).order_by(InspectionAmendment.captured_at))
    return [{"id": a.id, "at": a.captured_at, "received_at": a.received_at, "officer": name, "note": a.note, "photos": a.photos or [],
             "review_id": a.review_id} for a, name in rows]
