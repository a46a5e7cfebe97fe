"""Column types and mixins shared by every feature's models."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from . import clock
from .clock import LOCAL_TZ

__all__ = ["LOCAL_TZ", "utcnow", "UTCDateTime", "TimestampMixin"]


def utcnow() -> datetime:
    """Now, from the product's one clock (backend/clock.py)."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every engine.

    PostGIS stores `timestamptz`; SQLite has no time zones, so values are stored as naive
    UTC and handed back aware. Naive input is refused: a phone's local time without an
    offset is ambiguous and must be rejected at the schema level, not guessed here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )
