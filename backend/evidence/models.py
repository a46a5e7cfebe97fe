"""Evidence media (证据照片、视频、录音): stored by SHA-256, with what Pillow (photos) or
ffprobe (video, audio) found in them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime, utcnow


class Media(db.Model):
    """A verified original. Immutable: nothing here changes after upload but the
    derivative state (re-rendered when a citing record adds watermark facts)."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    exif: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    derivatives_stale: Mapped[bool] = mapped_column(Boolean, default=False)
    # photo | video | audio, told by the content (never the name or the declared type).
    # For video and audio: width/height are as shown (0 for audio); taken_at, lat, lon are
    # the container's recorded time and place; `exif` holds the same EXIF-like facts.
    kind: Mapped[str] = mapped_column(String(8), default="photo", server_default="photo")
    container: Mapped[str | None] = mapped_column(String(16))  # mp4, mov, m4a, webm, matroska, ogg, mp3, wav, aac
    duration_s: Mapped[float | None] = mapped_column(Float)
    video_codec: Mapped[str | None] = mapped_column(String(16))
    audio_codec: Mapped[str | None] = mapped_column(String(16))
    av: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the probe found: streams, frame rate, rotation...


class MediaUpload(db.Model):
    """An upload in progress (resumable): who started it and how long it will be."""

    __tablename__ = "media_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    device_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaCitation(db.Model):
    """A record (inspection, ticket...) that cites a photo, with what it claims about
    where and when the photo was taken, and how that compares with the EXIF."""

    __tablename__ = "media_citations"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_lat: Mapped[float | None] = mapped_column(Float)
    claimed_lon: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(255), default="")  # grid/address for the watermark
    cited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # filled when both the record and the photo are here
    distance_m: Mapped[float | None] = mapped_column(Float)
    time_delta_s: Mapped[float | None] = mapped_column(Float)
    mismatch: Mapped[bool | None] = mapped_column(Boolean, index=True)
    mismatch_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
