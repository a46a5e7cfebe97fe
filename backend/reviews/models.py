"""A supervisor's review of an officer's record: a comment, or a mark that it needs correcting."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

REVIEW_OBJECTS = ("inspection", "ticket", "case")
VERDICTS = ("ok", "comment", "needs_correction")


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("object_type IN ('inspection', 'ticket', 'case')", name="object_type"),
        CheckConstraint("verdict IN ('ok', 'comment', 'needs_correction')", name="verdict"),
        Index("ix_reviews_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)  # whose record: they are told
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    verdict: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
