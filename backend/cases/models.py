"""The case store (案件): simple-procedure cases filed by tickets, general-procedure cases
with their stages, payments and pauses of the surcharge."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

# 一般程序: 立案审批 → 立案 → 调查取证 → 告知 → 审核 → 决定 → 送达 → 执行 → 结案 (→ 归档: archived_at)
GENERAL_STAGES = ("proposed", "filed", "investigating", "notified", "reviewed", "decided", "served", "executing", "closed")
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

    # --- the general procedure's desk (cases.general) ---
    number: Mapped[str | None] = mapped_column(String(64))  # 案号: the 立案审批表's number, given at approval
    # 当事人: {type, name, id_type, id_number, address, phone, representative}
    party: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # where the case came from: inspection | task | complaint | referral | manual | ticket; ref = its id
    source_kind: Mapped[str | None] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    discovered_on: Mapped[date | None] = mapped_column(Date)  # §54: filing within 7 working days of it
    handler_ids: Mapped[list[int] | None] = mapped_column(JSON, default=list)  # 承办人: two certified officers
    major: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # 重大案件 (§57 collective discussion)
    place_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    violated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # §36: limitation counts from the act
    decision_extended_to: Mapped[date | None] = mapped_column(Date)  # §60 extension, approved
    closure_due: Mapped[date | None] = mapped_column(Date)  # 结案 after execution ends (local rule, configuration)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 归档: nothing changes afterwards

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    steps: Mapped[list[CaseStep]] = relationship(back_populates="case", order_by="CaseStep.id")
    documents: Mapped[list[CaseDocument]] = relationship(back_populates="case", order_by="CaseDocument.id")
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


class CaseStep(db.Model):
    """One act of the general procedure (立案审批, 询问, 告知, 听证, 审核, 讨论, 决定, 送达 …):
    dated, signed by its actor, with its data; never changed afterwards (cases.general)."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    on: Mapped[date] = mapped_column(Date)  # the local day the act took place
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when it was recorded
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("case_documents.id"))

    case: Mapped[Case] = relationship(back_populates="steps")
    document: Mapped[CaseDocument | None] = relationship(foreign_keys=[document_id])


class CaseDocument(db.Model):
    """A 文书 made from the case's data by its template: numbered from the street's sequence,
    its PDF kept byte for byte (the SHA-256 is on the audit trail and in the case file)."""

    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(96))
    template_version: Mapped[int] = mapped_column(Integer)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was printed, as data
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))

    case: Mapped[Case] = relationship(back_populates="documents")


class DocumentSequence(db.Model):
    """Per street, per kind of document, per year: the last number given."""

    __tablename__ = "document_sequences"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class DocumentTemplate(db.Model):
    """An administrator's version of a document's template (wording and layout of their
    province), as data; the newest version of a kind is used, the shipped default otherwise."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))


class ServiceLink(db.Model):
    """电子送达 (§61 ¶2, with the party's consent): a one-time link to one document; only
    the token's hash is stored. Delivered when made and sent, opened when the party opens it."""

    __tablename__ = "service_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("case_documents.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(128))  # the address the party consented to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_count: Mapped[int] = mapped_column(Integer, default=0)

    document: Mapped[CaseDocument] = relationship()


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
