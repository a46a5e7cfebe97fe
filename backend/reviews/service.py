"""Review rules: a supervisor reviews the records of their street; the officer whose
record it is sees the review on the phone (change feed) and marks a correction done."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction
from ..errors import Forbidden, NotFound, invalid
from ..extensions import commit, db
from ..models_base import utcnow
from .models import REVIEW_OBJECTS, VERDICTS, Review


def _target(object_type: str, object_id: str) -> tuple[int, int | None]:
    """(jurisdiction, the officer responsible) of the reviewed record."""
    if object_type == "inspection":
        from ..patrols.models import Inspection

        row = db.session.get(Inspection, object_id)
        return (row.jurisdiction_id, row.officer_id) if row else (0, None)
    if object_type == "ticket":
        from ..tickets.models import Ticket

        row = db.session.scalar(select(Ticket).where(Ticket.number == object_id)) or db.session.get(Ticket, object_id)
        if row is None:
            return 0, None
        lead = (row.officers or [{}])[0].get("id")
        return row.jurisdiction_id, lead
    from ..cases.models import Case

    row = db.session.get(Case, int(object_id)) if object_id.isdigit() and int(object_id) < 2**31 else None
    return (row.jurisdiction_id, row.opened_by_id) if row else (0, None)


def describe(object_type: str, object_id: str) -> dict[str, Any]:
    """The reviewed record as its officer knows it (who or what, and when), never its id:
    {"label": "检查：某某烧烤店", "record_at": <when the record was made>}."""
    if object_type == "inspection":
        from ..patrols.models import Inspection

        row = db.session.get(Inspection, object_id)
        return {"label": f"检查：{row.subject_name}", "record_at": row.inspected_at} if row else {"label": "检查", "record_at": None}
    if object_type == "ticket":
        from ..tickets.models import Ticket

        row = db.session.scalar(select(Ticket).where(Ticket.number == object_id)) or db.session.get(Ticket, object_id)
        return ({"label": f"决定书 {row.number}：{row.party_name}", "record_at": row.issued_at} if row
                else {"label": "决定书", "record_at": None})
    from ..cases.models import Case

    row = db.session.get(Case, int(object_id)) if object_id.isdigit() and int(object_id) < 2**31 else None
    return {"label": f"案件：{row.party_name}", "record_at": row.opened_at} if row else {"label": "案件", "record_at": None}


def add_review(identity: Identity, *, object_type: str, object_id: str, verdict: str, comment: str) -> Review:
    if object_type not in REVIEW_OBJECTS:
        raise invalid("review.bad_object", "只能督查检查、决定书或案件", "Only inspections, tickets and cases are reviewed", field="object_type")
    if verdict not in VERDICTS:
        raise invalid("review.bad_verdict", "督查结论无效", "Unknown verdict", field="verdict")
    if verdict == "needs_correction" and not comment.strip():
        raise invalid("review.comment_required", "要求整改时须写明整改内容", "Say what needs correcting", field="comment")
    jurisdiction_id, officer_id = _target(object_type, object_id)
    if not jurisdiction_id:
        raise NotFound("review.object_not_found", "被督查的记录不存在", "The reviewed record does not exist")
    if not identity.is_global_admin and jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    review = Review(jurisdiction_id=jurisdiction_id, object_type=object_type, object_id=object_id, officer_id=officer_id,
                    reviewer_id=identity.officer_id, verdict=verdict, comment=comment.strip())
    db.session.add(review)
    db.session.flush()
    audit.record("review.added", object_type, object_id, jurisdiction_id=jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={"verdict": verdict, "review_id": review.id})
    commit()
    return review


def reviews_for(identity: Identity, *, object_type: str | None = None, object_id: str | None = None,
                open_only: bool = False) -> list[Review]:
    """Supervisors: their street's reviews; officers: reviews of their own records."""
    q = select(Review).order_by(Review.at.desc(), Review.id.desc())
    if not identity.is_global_admin:
        q = q.where(Review.jurisdiction_id == identity.jurisdiction_id)
    if identity.role in ("officer", "auxiliary"):
        q = q.where(Review.officer_id == identity.officer_id)
    if object_type:
        q = q.where(Review.object_type == object_type)
    if object_id:
        q = q.where(Review.object_id == object_id)
    if open_only:
        q = q.where(Review.verdict == "needs_correction", Review.resolved_at.is_(None))
    return list(db.session.scalars(q.limit(500)))


def review_of(review_id: int) -> Review | None:
    return db.session.get(Review, review_id)


def resolve(identity: Identity, review_id: int, note: str) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound("review.not_found", "督查意见不存在", "No such review")
    if not identity.is_global_admin and review.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    if identity.role in ("officer", "auxiliary") and review.officer_id != identity.officer_id:
        raise Forbidden("review.not_yours", "只能处理针对本人记录的督查意见", "This review is about someone else's record")
    if review.resolved_at is None:
        review.resolved_at = utcnow()
        audit.record("review.resolved", review.object_type, review.object_id, jurisdiction_id=review.jurisdiction_id,
                     actor_id=identity.officer_id, device_id=identity.device_id, details={"review_id": review.id, "note": note})
        commit()
    return review


def review_to_dict(r: Review) -> dict[str, Any]:
    return {"id": r.id, "object_type": r.object_type, "object_id": r.object_id, "officer_id": r.officer_id,
            "reviewer_id": r.reviewer_id, "verdict": r.verdict, "comment": r.comment, "at": r.at, "resolved_at": r.resolved_at}
