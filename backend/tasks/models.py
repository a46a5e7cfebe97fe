"""Tasks (任务/派遣): found → dispatched → handled → fed back (发现 → 交办 → 处置 → 反馈)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text
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
    __table_args__ = (CheckConstraint(
        "status IN ('dispatched', 'accepted', 'in_progress', 'done', 'returned', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    dispatcher_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="dispatched", index=True)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first "done": dispatch → feedback time
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    events: Mapped[list[TaskEvent]] = relationship(back_populates="task", order_by="TaskEvent.id")


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
