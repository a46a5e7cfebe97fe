"""The register of regulated subjects (监管对象库, 一户一档): the shops, companies, 个体工商户 and
sites a street inspects, each with its history gathered from the records that name it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

SUBJECT_KINDS = ("shop", "company", "individual_business", "site", "individual", "other")
RISK_CLASSES = ("low", "medium", "high")


class Subject(db.Model):
    __tablename__ = "subjects"
    __table_args__ = (
        # unique per street where present (NULLs do not collide, on both engines)
        UniqueConstraint("jurisdiction_id", "credit_code"),
        CheckConstraint("risk_class IN ('low', 'medium', 'high')", name="risk_class"),
        Index("ix_subjects_street_lat", "jurisdiction_id", "lat"),
        Index("ix_subjects_street_name", "jurisdiction_id", "name"),  # a batch's candidates by name (subjects.Resolver)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码
    name: Mapped[str] = mapped_column(String(128))
    initials: Mapped[str] = mapped_column(String(64), default="")  # 拼音首字母: zdjy for 占道经营
    address: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(24), default="shop")
    licences: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{name, number, valid_until}]
    risk_class: Mapped[str] = mapped_column(String(8), default="medium")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    # a duplicate a supervisor merged: its records now count for the survivor
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
