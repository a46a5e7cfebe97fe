"""双随机、一公开: spot-check plans (抽查计划), their draw and its items, their publication.

A plan names what is checked (a domain 门类 or matters), which subjects may be drawn
(kinds, risk classes, grids), how many, and the period. Its draw is made once: the inputs
it was made from, their digest and the seed are kept with it, so it can be re-run and
compared (docs/spot-checks.md). The results are the inspections the pairs record; the
publication keeps them as they were published."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

PUBLICATION_WORKING_DAYS = 20  # results are published within this many working days after the plan ends (default)
SEED_SOURCES = ("given", "server")  # who chose the seed: the supervisor, or the server (secrets) at the draw


class SpotCheckPlan(db.Model):
    __tablename__ = "spot_check_plans"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count"),
        CheckConstraint("starts_on <= ends_on", name="period"),
        CheckConstraint("seed_source IS NULL OR seed_source IN ('given', 'server')", name="seed_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    domain: Mapped[str] = mapped_column(String(32))  # 门类, as in Matter.domain and certificates: one per plan
    matter_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # subject filters (empty = any)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    grids: Mapped[list[str]] = mapped_column(JSON, default=list)  # grid codes
    count: Mapped[int] = mapped_column(Integer)
    weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date] = mapped_column(Date)  # the inspection period: results are inspections made in it
    ends_on: Mapped[date] = mapped_column(Date)
    publication_working_days: Mapped[int] = mapped_column(Integer, default=PUBLICATION_WORKING_DAYS)
    seed: Mapped[str | None] = mapped_column(String(64))  # given at creation, or made by the server at the draw
    seed_source: Mapped[str | None] = mapped_column(String(8))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the draw (once)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # draw.inputs_to_json: what it was drawn from
    inputs_digest: Mapped[str | None] = mapped_column(String(64))
    # the publication (一公开)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))

    items: Mapped[list[SpotCheckItem]] = relationship(back_populates="plan", order_by="SpotCheckItem.position")


class SpotCheckItem(db.Model):
    """A drawn subject, its pair (the first leads: the task is theirs) and its task; once the
    plan is published, the result as published."""

    __tablename__ = "spot_check_items"
    __table_args__ = (
        UniqueConstraint("plan_id", "position", name="uq_spot_check_items_plan_position"),
        UniqueConstraint("plan_id", "subject_id", name="uq_spot_check_items_plan_subject"),
        CheckConstraint("first_officer_id <> second_officer_id", name="distinct_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("spot_check_plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the order of the draw
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    first_officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    second_officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    # as published, never changed afterwards (NULL result: not inspected in the period); the name as the public
    # reads it (a person's masked) and the kind, as they were when published
    published_name: Mapped[str | None] = mapped_column(String(128))
    published_kind: Mapped[str | None] = mapped_column(String(24))
    published_result: Mapped[str | None] = mapped_column(String(16))
    published_inspection_id: Mapped[str | None] = mapped_column(String(36))
    published_inspected_on: Mapped[date | None] = mapped_column(Date)
    published_reinspection_result: Mapped[str | None] = mapped_column(String(16))

    plan: Mapped[SpotCheckPlan] = relationship(back_populates="items")
