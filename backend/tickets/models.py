"""Numbered ticket books (预定格式、编有号码) and simple-procedure tickets (当场处罚决定书)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, utcnow


class TicketSequence(db.Model):
    """Next free sequence number per jurisdiction and year (locked while leasing)."""

    __tablename__ = "ticket_sequences"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)


class TicketBook(db.Model):
    """A block of numbers leased to one device for offline issuing, until it expires."""

    __tablename__ = "ticket_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    device_pk: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    year: Mapped[int] = mapped_column(Integer)
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    leased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    numbers: Mapped[list[TicketNumber]] = relationship(back_populates="book", order_by="TicketNumber.seq")
    device = relationship("Device")


class TicketNumber(db.Model):
    """One printed form number: leased, then used by a ticket or voided (spoiled)."""

    __tablename__ = "ticket_numbers"
    __table_args__ = (CheckConstraint("status IN ('leased', 'used', 'voided')", name="status"),)

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("ticket_books.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="leased")
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    void_reason: Mapped[str | None] = mapped_column(String(255))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))

    book: Mapped[TicketBook] = relationship(back_populates="numbers")


class Ticket(db.Model):
    """当场行政处罚决定书. Immutable once issued: corrections void it and issue anew."""

    __tablename__ = "tickets"
    __table_args__ = (CheckConstraint("status IN ('issued', 'voided')", name="status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made on the phone
    number: Mapped[str] = mapped_column(ForeignKey("ticket_numbers.number"), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # when the decision was made
    # when the act was done, apart from the decision (§36, §37); a continuing act's end
    violated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    violation_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    serious_harm: Mapped[bool] = mapped_column(Boolean, default=False)  # §36: 5 years instead of 2
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    party_type: Mapped[str] = mapped_column(String(16))
    party_name: Mapped[str] = mapped_column(String(128))
    party_id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    # the register's subject (监管对象库) when the party is a shop, a company or a 个体工商户 the
    # officer picked or the credit code found: its earlier decisions count for 首违不罚
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    party_address: Mapped[str] = mapped_column(String(255), default="")
    party_phone: Mapped[str] = mapped_column(String(32), default="")
    party_id_type: Mapped[str] = mapped_column(String(32), default="resident_id")  # §84: resident ID, permit, passport…
    party_birth_date: Mapped[date | None] = mapped_column(Date)  # typed from a passport (ID numbers carry it)
    # §30–32 facts of the decision: {minor_age?, capacity?, grounds: [...], reason?, individual_business?}
    circumstances: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the order to correct that the basis presupposes (逾期不改正): {ordered_on, deadline, reference}
    prior_order: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    place_text: Mapped[str] = mapped_column(String(255), default="")
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"))
    # frozen from the catalog at issue: a later catalog change never rewrites a decision
    matter_code: Mapped[str] = mapped_column(String(32), index=True)
    matter_name: Mapped[str] = mapped_column(String(255))
    legal_basis: Mapped[str] = mapped_column(Text)
    penalty_basis: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)
    penalty_kind: Mapped[str] = mapped_column(String(16))  # warning | fine | warning_fine | education
    penalty_tier: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    no_penalty_ground: Mapped[str | None] = mapped_column(String(32))  # §33, when the decision is not to punish
    correction: Mapped[str] = mapped_column(Text, default="")  # §33 ¶1: how the party corrected it  # 裁量基准 (§34): {level, name, circumstances, min_fen, max_fen}
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    officers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{id, name, certificate}]
    payment_route: Mapped[str] = mapped_column(String(16))
    receipt_number: Mapped[str | None] = mapped_column(String(64))
    cash_exception: Mapped[str | None] = mapped_column(String(32))
    cash_requested: Mapped[bool] = mapped_column(Boolean, default=False)  # §69: the party asked to pay on the spot
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_refused_note: Mapped[str | None] = mapped_column(String(255))
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    rights_notice: Mapped[str] = mapped_column(Text)  # the remedies, naming the reconsideration body (frozen)
    payment_notice: Mapped[str] = mapped_column(Text, default="")  # where and by when to pay, the surcharge (frozen)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # §44–45: {informed, said}
    agency_name: Mapped[str] = mapped_column(String(128))
    check_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="issued")
    voided_reason: Mapped[str | None] = mapped_column(String(255))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaces_number: Mapped[str | None] = mapped_column(String(64))
    publish: Mapped[bool] = mapped_column(Boolean, default=False)  # 公示 (§48)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(255))
    payload_digest: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the phone's `ticket` payload (sorted keys, no spaces, UTF-8): what each
    # second officer consents to (ticket_cosign). None for decisions made before consents.
    consent_digest: Mapped[str | None] = mapped_column(String(64))


class TicketConsent(db.Model):
    """A named officer's consent to one decision (两人执法, §42), sent from their own
    session: the decision is complete once every named officer but its issuer consented."""

    __tablename__ = "ticket_consents"
    __table_args__ = (UniqueConstraint("number", "officer_id", name="uq_ticket_consents_number_officer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(ForeignKey("ticket_numbers.number"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    digest: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(String(36))  # the co-signer's device session
    device_id: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(36))  # the ticket_cosign record, when synced
    signature: Mapped[str | None] = mapped_column(String(128))  # the session key's signature, when the phone sent it
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
