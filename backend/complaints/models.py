"""Complaints and referrals (案源: 群众举报, 12345 热线, 部门移送): a report's way from the
resident to the team and back (发现 → 交办 → 处置 → 反馈 → 评价)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

CHANNELS = ("web", "hotline", "wechat", "department")
STATUSES = ("received", "dispatched", "case", "merged", "rejected")


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("status IN ('received', 'dispatched', 'case', 'merged', 'rejected')", name="status"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # the resident's tracking code (unguessable)
    channel: Mapped[str] = mapped_column(String(16))
    external_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # 12345 工单号, a department's letter number
    department: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    reporter_name: Mapped[str] = mapped_column(String(64), default="")
    reporter_phone: Mapped[str] = mapped_column(String(32), default="")  # for follow-up; never public
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    # the register's subject the report is about (被举报对象), named at triage or later by a
    # supervisor: the report joins that subject's file (一户一档)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    rating: Mapped[int | None] = mapped_column(Integer)  # the resident's satisfaction (评价), 1–5
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_hash: Mapped[str] = mapped_column(String(64), default="")  # the sender's address, hashed (abuse tracing)


class ComplaintPhoto(db.Model):
    """A resident's photo, re-encoded (no EXIF, no hidden content) and kept with the report:
    not evidence until an officer's own inspection records it."""

    __tablename__ = "complaint_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the re-encoded JPEG
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
