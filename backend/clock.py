"""The product's one clock (时钟): every "now" and every local "today" the server uses.

Deadlines, ticket dates, leases, tokens and the supervisor's "today" all read the time
here, so a test can put the whole server at any instant — 00:30 in Asia/Shanghai (still
yesterday in UTC), 23:30, a Sunday that is a make-up working day — and see what an
officer would see then, instead of passing or failing by the hour CI happens to run.

The clock runs: `set_clock(at)` moves it to `at` and lets it tick on from there (a
frozen clock would stall leases and token lifetimes inside a browser journey). A server
started with `CLOCK_START` (tests only; refused in production) begins at that instant.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TZ", "now", "local_now", "local_today", "now_ms", "set_clock", "reset_clock", "is_real", "offset", "set_offset", "parse_instant"]

# Stored times are UTC; the days the law counts in (issue day, deadlines, "today") are local.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)  # the set instant minus the real time when it was set


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc) + _offset


def now_ms() -> float:
    """The current instant in milliseconds since the epoch (what phones send)."""
    return time.time() * 1000 + _offset.total_seconds() * 1000


def local_now() -> datetime:
    """The current instant in Asia/Shanghai."""
    return now().astimezone(LOCAL_TZ)


def local_today() -> date:
    """Today in Asia/Shanghai — never the machine's own time zone (UTC on servers and CI)."""
    return local_now().date()


def set_clock(at: datetime) -> None:
    """Move the clock to `at` (timezone-aware) and let it run on from there. Tests only."""
    global _offset
    if at.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware instant")
    _offset = at - datetime.now(timezone.utc)


def offset() -> timedelta:
    """How far the clock stands from the real time (zero unless a test moved it)."""
    return _offset


def set_offset(delta: timedelta) -> None:
    """Put the clock `delta` away from the real time. Tests only."""
    global _offset
    _offset = delta


def is_real() -> bool:
    """Whether the clock shows the real time (no test has moved it)."""
    return _offset == timedelta(0)


def reset_clock() -> None:
    """Back to the real time."""
    global _offset
    _offset = timedelta(0)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an offset (`CLOCK_START`); a naive one is refused."""
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"CLOCK_START needs an offset (e.g. 2026-09-20T00:30:00+08:00): {text!r}")
    return at
