"""The sync ledger: every record a phone pushed, once, with the result it got."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

RESULT_STATUSES = ("created", "rejected", "incomplete", "conflict")


class SyncRecord(db.Model):
    __tablename__ = "sync_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's record id
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)  # created | rejected | incomplete
    code: Mapped[str | None] = mapped_column(String(64))
    message_zh: Mapped[str | None] = mapped_column(Text)
    message_en: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ref: Mapped[str | None] = mapped_column(String(128))
    retryable: Mapped[bool] = mapped_column(Boolean, default=False)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    clock_skew_s: Mapped[float | None] = mapped_column(Float)
    app_version: Mapped[str] = mapped_column(String(32), default="")
    missing_photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)


class SyncConflict(db.Model):
    """A second, different payload under an id already used: kept for review, never applied."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceHealth(db.Model):
    """What the phone said about its queue at its last sync."""

    __tablename__ = "device_health"

    device_pk: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    last_sync_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queue_depth: Mapped[int] = mapped_column(Integer, default=0)
    oldest_unsynced_age_s: Mapped[float | None] = mapped_column(Float)
    storage_persistent: Mapped[bool | None] = mapped_column(Boolean)
    battery: Mapped[float | None] = mapped_column(Float)  # 0–1, where the phone's browser tells it
    app_version: Mapped[str] = mapped_column(String(32), default="")
    clock_skew_s: Mapped[float | None] = mapped_column(Float)
    last_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    note: Mapped[str] = mapped_column(Text, default="")
