"""The case store (案件): simple-procedure cases filed by tickets, general-procedure cases
with their stages, payments and pauses of the surcharge."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

# 一般程序: 立案 → 调查取证 → 告知 → 审核 → 决定 → 送达 → 执行 → 结案
GENERAL_STAGES = ("filed", "investigating", "notified", "reviewed", "decided", "served", "executing", "closed")
SIMPLE_STAGES = ("executing", "closed")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (CheckConstraint("procedure IN ('simple', 'general')", name="procedure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    procedure: Mapped[str] = mapped_column(String(8), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    inspection_id: Mapped[str | None] = mapped_column(ForeignKey("inspections.id"))
    party_name: Mapped[str] = mapped_column(String(128))
    matter_code: Mapped[str] = mapped_column(String(32), index=True)
    facts: Mapped[str] = mapped_column(Text, default="")
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    filing_due: Mapped[date | None] = mapped_column(Date)  # 备案 (simple procedure)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_due: Mapped[date | None] = mapped_column(Date, index=True)  # 90 days after 立案
    decided_on: Mapped[date | None] = mapped_column(Date)
    service_due: Mapped[date | None] = mapped_column(Date, index=True)  # 7 working days after 决定
    payment_due: Mapped[date | None] = mapped_column(Date, index=True)  # 15 days after receipt
    served_on: Mapped[date | None] = mapped_column(Date)  # 送达 (general procedure): the payment period counts from it
    # deadlines counted over a year whose holiday notice is not known yet (cases.holidays): shown as
    # provisional, recomputed when the notice is loaded, never the start of a surcharge
    provisional: Mapped[list[str]] = mapped_column(JSON, default=list)
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # a paid decision voided
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(64))
    # [{kind: reconsideration|litigation, start, end}] — the surcharge does not run
    pauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # §66: deferral {kind, until, reason} or instalments {kind, parts: [{due, amount_fen}], reason}, approved
    payment_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    payments: Mapped[list[Payment]] = relationship(back_populates="case", order_by="Payment.id")


class CaseEvent(db.Model):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    surcharge_fen: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16))  # bank | e_payment | on_the_spot
    paid_on: Mapped[date] = mapped_column(Date)
    receipt: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # §71: cash taken on the spot is handed in to the agency within 2 working days
    hand_in_due: Mapped[date | None] = mapped_column(Date)
    handed_in_on: Mapped[date | None] = mapped_column(Date)
    hand_in_receipt: Mapped[str] = mapped_column(String(64), default="")

    case: Mapped[Case] = relationship(back_populates="payments")


class HolidayNotice(db.Model):
    """国务院办公厅关于某年部分节假日安排的通知, loaded as data by an administrator
    (cases.holidays): the working-day calendar of years the package does not know."""

    __tablename__ = "holiday_notices"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list[str]] = mapped_column(JSON)  # ISO dates: rest days (holidays and bridged weekdays)
    workdays: Mapped[list[str]] = mapped_column(JSON)  # ISO dates: weekend days made working days (调休上班)
    source: Mapped[str] = mapped_column(String(255))  # the notice's title and number (国办发明电〔…〕…号)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
