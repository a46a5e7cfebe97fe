"""Officers, enforcement certificates, devices and device sessions."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, UTCDateTime, utcnow


class Role(str, enum.Enum):
    officer = "officer"  # 执法队员: holds a certificate, may decide penalties
    auxiliary = "auxiliary"  # 协管员/执法辅助人员: patrols and records, no penalty power
    supervisor = "supervisor"  # 中队长/指挥室
    admin = "admin"


ROLE_VALUES = tuple(r.value for r in Role)


class Officer(TimestampMixin, db.Model):
    __tablename__ = "officers"
    __table_args__ = (
        CheckConstraint("role IN ('officer', 'auxiliary', 'supervisor', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    # NULL only for a district-level admin who manages every jurisdiction.
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="officer", order_by="Certificate.valid_until.desc()", cascade="all, delete-orphan"
    )


class Certificate(TimestampMixin, db.Model):
    """行政执法证: who may decide penalties, in which domains, until when."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)  # 门类, as in Matter.domain
    issued_by: Mapped[str] = mapped_column(String(128), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    officer: Mapped[Officer] = relationship(back_populates="certificates")

    def is_valid_on(self, day: date) -> bool:
        return not self.revoked and self.valid_from <= day <= self.valid_until


class Device(TimestampMixin, db.Model):
    """A phone, known by the id it generated for itself at install time."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    label: Mapped[str] = mapped_column(String(128), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    app_version: Mapped[str] = mapped_column(String(32), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(255))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))

    last_officer: Mapped[Officer | None] = relationship(foreign_keys=[last_officer_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DeviceSession(db.Model):
    """One login of one officer on one device; holds the (hashed) refresh token."""

    __tablename__ = "device_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4, the JWT `sid`
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    device_pk: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The hash before the last rotation: presenting it again means the token was
    # copied, so the whole session is revoked (refresh-token reuse detection).
    previous_refresh_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(64))
    # the session's ECDSA P-256 public key (SubjectPublicKeyInfo, base64): its private half
    # never leaves the phone; teammates' phones check consents offline with it
    public_key: Mapped[str | None] = mapped_column(String(256))
    key_id: Mapped[str | None] = mapped_column(String(16))

    officer: Mapped[Officer] = relationship()
    device: Mapped[Device] = relationship()
