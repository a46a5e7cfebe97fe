"""Patrols (巡查) with packed raw fixes, and geotagged inspections (检查)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin, UTCDateTime, utcnow

PATROL_STATUSES = ("active", "ended")
INSPECTION_RESULTS = ("compliant", "rectify", "violation")  # 合格 / 责令整改 / 发现违法

patrol_officers = Table(
    "patrol_officers",
    db.metadata,
    Column("patrol_id", ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True),
    Column("officer_id", ForeignKey("officers.id"), primary_key=True, index=True),
)


class Patrol(TimestampMixin, db.Model):
    """巡查: one walk or ride by one or more officers, with its GPS track."""

    __tablename__ = "patrols"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        # the few patrols whose summary is due to be rebuilt: coverage asks on every request
        Index("ix_patrols_stale_summary", "jurisdiction_id", postgresql_where=text("summary_stale IS TRUE"),
              sqlite_where=text("summary_stale IS 1")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made on the phone
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)  # phone clock when recorded
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default="active")
    note: Mapped[str] = mapped_column(Text, default="")
    payload_digest: Mapped[str] = mapped_column(String(64))  # same id, other content = conflict

    # Derived from the fixes; recomputed when `summary_stale` (ingest only appends).
    summary_stale: Mapped[bool] = mapped_column(Boolean, default=True)
    fix_count: Mapped[int] = mapped_column(Integer, default=0)
    kept_count: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    gap_distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    moving_s: Mapped[float] = mapped_column(Float, default=0.0)
    first_fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gaps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    stops: Mapped[list[Any]] = mapped_column(JSON, default=list)
    anomalies: Mapped[list[Any]] = mapped_column(JSON, default=list)
    geom = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True), nullable=True)
    # The track as the supervisors' map draws it, built with the summary so that a patrol
    # log reads one row instead of unpacking and simplifying thousands of fixes per request.
    # Kept as JSON *text* (MultiLineString coordinates, one line per gap-free stretch; the
    # ISO time of each vertex) and spliced into the answer as is: parsing and re-encoding
    # ~100 KB per patrol was most of the request.
    display_tolerance_m: Mapped[float | None] = mapped_column(Float)
    display_coordinates: Mapped[str | None] = mapped_column(Text)
    display_times: Mapped[str | None] = mapped_column(Text)

    officers = relationship("Officer", secondary=patrol_officers, order_by="Officer.id")
    grid_visits: Mapped[list[PatrolGrid]] = relationship(
        back_populates="patrol", order_by="PatrolGrid.first_at", cascade="all, delete-orphan"
    )


class PatrolFixBatch(db.Model):
    """One batch of raw fixes as the phone sent it, packed (see patrols/packing.py).

    Per-patrol packed storage: a district-day of 5.76 million fixes is ~60,000 rows of
    ~100 fixes each instead of 5.76 million rows; see docs/patrol-storage.md.
    """

    __tablename__ = "patrol_fix_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's record id
    patrol_id: Mapped[str] = mapped_column(ForeignKey("patrols.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    t_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    t_end: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of `data`: same id, other fixes = conflict
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolGrid(db.Model):
    """Time a patrol spent in a grid (derived), for coverage queries."""

    __tablename__ = "patrol_grids"
    # coverage reads a grid's visits from this index alone (no table rows): its latest
    # visit and the time in the period, per grid, however long the history grows
    __table_args__ = (Index("ix_patrol_grids_grid_visits", "grid_id", "last_at", "first_at", "seconds"),)

    patrol_id: Mapped[str] = mapped_column(ForeignKey("patrols.id", ondelete="CASCADE"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # coverage: "last patrolled" within a lookback
    fix_count: Mapped[int] = mapped_column(Integer, default=0)

    patrol: Mapped[Patrol] = relationship(back_populates="grid_visits")
    grid = relationship("Grid", lazy="joined")  # a visit is always shown with its grid's code and name


class Inspection(TimestampMixin, db.Model):
    """检查: a geotagged check of a shop or place, with its result."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint("result IN ('compliant', 'rectify', 'violation')", name="result"),
        CheckConstraint("result != 'rectify' OR rectify_deadline IS NOT NULL", name="rectify_deadline"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID made on the phone
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    patrol_id: Mapped[str | None] = mapped_column(ForeignKey("patrols.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(128))
    subject_address: Mapped[str] = mapped_column(String(255), default="")
    subject_uscc: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)  # the register's subject (subjects/)
    # a re-inspection names the 责令整改 visit it follows up (复查): its result closes that loop
    follow_up_of: Mapped[str | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    # the 责令（限期）改正通知书's number, from the street's sequence, given when it is first printed by the server
    notice_number: Mapped[str | None] = mapped_column(String(96))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    result: Mapped[str] = mapped_column(String(16), index=True)
    rectify_deadline: Mapped[date | None] = mapped_column(Date)
    reinspect_due: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up: Mapped[str | None] = mapped_column(String(16))  # violation → 'ticket' | 'case'
    notes: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)  # cited SHA-256s
    payload_digest: Mapped[str] = mapped_column(String(64))

    grid = relationship("Grid")
    matter = relationship("Matter")
    officer = relationship("Officer")


class InspectionAmendment(db.Model):
    """补充: photos (and a note) an inspection's officer adds afterwards, usually because a
    supervisor asked (督查意见). The inspection as first recorded never changes; each
    amendment is its own dated, audited record with its own photo citations."""

    __tablename__ = "inspection_amendments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's record id
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    device_id: Mapped[str] = mapped_column(String(64))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    payload_digest: Mapped[str] = mapped_column(String(64))
