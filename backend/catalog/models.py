"""Jurisdictions (乡镇/街道), zones (片区), grids (网格) and the matters catalog (执法事项)."""
from __future__ import annotations

from datetime import date

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import TimestampMixin

PARTY_TYPES = ("citizen", "organization")

# 分包: the officers responsible for a grid.
grid_officers = Table(
    "grid_officers",
    db.metadata,
    Column("grid_id", ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True),
    Column("officer_id", ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True),
)


class Jurisdiction(TimestampMixin, db.Model):
    """乡镇/街道: the street or township whose name the team acts in."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 行政区划代码
    name: Mapped[str] = mapped_column(String(64))
    agency_name: Mapped[str] = mapped_column(String(128))  # the enforcement team (综合行政执法队), internal
    # the 行政主体 that holds the power (§24: the 街道办事处 / 乡镇人民政府 it was given to): decisions
    # are made, and printed, in its name
    authority_name: Mapped[str] = mapped_column(String(128), default="")
    # where a party applies for reconsideration (行政复议法 §24 ¶1(三): for a street office, the
    # district government); without it on paper the 60 days do not start (§20 ¶3)
    reconsideration_body: Mapped[str] = mapped_column(String(128), default="")
    payment_channel: Mapped[str] = mapped_column(Text, default="")  # bank, account or payment code, printed
    ticket_number_format: Mapped[str] = mapped_column(
        String(128), default="{prefix}〔{year}〕第{seq:06d}号"
    )
    ticket_prefix: Mapped[str] = mapped_column(String(32), default="")
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=True)

    zones: Mapped[list[Zone]] = relationship(back_populates="jurisdiction", order_by="Zone.code")
    grids: Mapped[list[Grid]] = relationship(back_populates="jurisdiction", order_by="Grid.code")


class Zone(db.Model):
    """片区: a group of grids patrolled by one team of officers."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="zones")
    grids: Mapped[list[Grid]] = relationship(back_populates="zone", order_by="Grid.code")


class Grid(TimestampMixin, db.Model):
    """网格: the smallest management polygon, inside one jurisdiction."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    area_m2: Mapped[int] = mapped_column(Integer, default=0)  # geodesic area, for display
    geom = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=True), nullable=False)

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="grids")
    zone: Mapped[Zone | None] = relationship(back_populates="grids")
    officers = relationship("Officer", secondary=grid_officers, order_by="Officer.username")


class Matter(TimestampMixin, db.Model):
    """执法事项: one entry of the penalty catalog. Money is integer fen."""

    __tablename__ = "matters"
    __table_args__ = (
        CheckConstraint("citizen_min_fen IS NULL OR citizen_min_fen <= citizen_max_fen", name="citizen_range"),
        CheckConstraint("org_min_fen IS NULL OR org_min_fen <= org_max_fen", name="org_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str] = mapped_column(String(32), index=True)  # 门类, matched to certificates
    legal_basis: Mapped[str] = mapped_column(Text)  # 违法依据
    penalty_basis: Mapped[str] = mapped_column(Text)  # 处罚依据
    simple_procedure: Mapped[bool] = mapped_column(Boolean, default=False)
    warning_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # NULL range = the law sets no fine for that party type.
    citizen_min_fen: Mapped[int | None] = mapped_column(Integer)
    citizen_max_fen: Mapped[int | None] = mapped_column(Integer)
    org_min_fen: Mapped[int | None] = mapped_column(Integer)
    org_max_fen: Mapped[int | None] = mapped_column(Integer)
    # the basis requires a warning *and* a fine (e.g. 城市建筑垃圾管理规定 §26: 给予警告，并…处罚款)
    warning_and_fine: Mapped[bool] = mapped_column(Boolean, default=False)
    # a penalty the basis makes mandatory besides a warning or fine (e.g. 没收烧烤工具, 大气法 §118 ¶3):
    # then the matter cannot be decided on the spot (§51)
    other_penalty: Mapped[str] = mapped_column(Text, default="")
    # the basis fines only an ignored order to correct, in its words (e.g. 责令限期改正，逾期不改正):
    # a fine on the spot then names that order (tickets.prior_order)
    precondition: Mapped[str] = mapped_column(Text, default="", server_default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)  # demo catalog marker
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    tiers: Mapped[list[DiscretionTier]] = relationship(
        back_populates="matter",
        order_by="[DiscretionTier.party_type, DiscretionTier.level]",
        cascade="all, delete-orphan",
    )


class DiscretionTier(db.Model):
    """裁量基准: a published band of the fine range for a set of circumstances."""

    __tablename__ = "discretion_tiers"
    __table_args__ = (
        UniqueConstraint("matter_id", "party_type", "level"),
        CheckConstraint("party_type IN ('citizen', 'organization')", name="party_type"),
        CheckConstraint("min_fen <= max_fen", name="tier_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    party_type: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))  # 轻微 / 一般 / 较重 / 严重
    circumstances: Mapped[str] = mapped_column(Text, default="")  # 适用情形
    min_fen: Mapped[int] = mapped_column(Integer)
    max_fen: Mapped[int] = mapped_column(Integer)
    warning: Mapped[bool] = mapped_column(Boolean, default=False)  # tier allows a warning instead

    matter: Mapped[Matter] = relationship(back_populates="tiers")


class EmpoweredMatter(db.Model):
    """赋权事项: a matter a jurisdiction holds penalty power for."""

    __tablename__ = "empowered_matters"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True)
    empowered_on: Mapped[date | None] = mapped_column(Date)
