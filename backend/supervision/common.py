"""What the read side's modules share: local-day periods, street scoping, rates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any


from ..clock import local_today

LAST_PATROLLED_LOOKBACK_DAYS = 90  # coverage's "last patrolled": how far back it looks
LATE_SYNC_S = 24 * 3600  # a record reaching the server more than a day after capture is "late"


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `start` and of the midnight after `end`."""
    from ..patrols.service import local_day_bounds

    return local_day_bounds(start)[0], local_day_bounds(end)[1]


def _scoped(query, column, jurisdiction: Any):
    """`query` limited to one jurisdiction (an id, or a bind parameter in a statement built
    once); None: all of them."""
    return query if jurisdiction is None else query.where(column == jurisdiction)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def now_local_date() -> date:
    return local_today()
