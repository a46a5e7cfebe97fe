"""Tasks (任务/派遣): found → dispatched → handled → fed back (发现 → 交办 → 处置 → 反馈)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, utcnow

TASK_STATUSES = ("dispatched", "accepted", "in_progress", "done", "returned", "closed")
# who may move a task where: the assignee works it; the dispatcher closes or returns it
ASSIGNEE_MOVES = {"dispatched": ("accepted", "in_progress", "done"), "accepted": ("in_progress", "done"),
                  "in_progress": ("done",), "returned": ("in_progress", "done")}
DISPATCHER_MOVES = {"done": ("closed", "returned")}


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('dispatched', 'accepted', 'in_progress', 'done', 'returned', 'closed')", name="status"),
        # one re-inspection task in hand per rectification order: a second dispatch is refused
        # (tasks.service.dispatch says which task holds it; this catches two at the same instant)
        Index("uq_tasks_open_reinspection", "reinspection_of", unique=True,
              postgresql_where=text("reinspection_of IS NOT NULL AND status <> 'closed'"),
              sqlite_where=text("reinspection_of IS NOT NULL AND status <> 'closed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # the place as the dispatcher wrote it (门牌、店名): with or instead of a map point; not
    # geocoded — the product makes no calls out, and the officer reads it
    address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    # dispatched to a grid (派给网格): the grid's officer (分包) with the fewest open tasks got it
    via_grid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dispatcher_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="dispatched", index=True)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 派遣复查: the rectification order (责令整改 inspection) this task re-inspects
    reinspection_of: Mapped[str | None] = mapped_column(String(36), ForeignKey("inspections.id"), index=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first "done": dispatch → feedback time
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    events: Mapped[list[TaskEvent]] = relationship(back_populates="task", order_by="TaskEvent.id")
    grid = relationship("Grid")


class TaskEvent(db.Model):
    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    record_id: Mapped[str | None] = mapped_column(String(36), unique=True)  # the sync record that carried it

    task: Mapped[Task] = relationship(back_populates="events")
