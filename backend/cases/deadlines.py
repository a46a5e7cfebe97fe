"""Legal periods and the late-payment surcharge (plain functions, no Flask).

* "2, 3, 5, 7 days" in the Administrative Penalty Law are working days (§85): China's
  holiday calendar with its make-up working weekends (`chinese-calendar`). For a year
  the package does not know yet, Monday–Friday is assumed and `calendar_known` says so.
* Other periods (15 days to pay, 60 to apply for reconsideration, 90 to decide) are
  calendar days; if the last day falls on a holiday the period ends on the next working
  day (the general rule for periods in Chinese procedural law).
* The late surcharge is 3 % of the fine per day, never more than the fine (§72(1)),
  and does not run while reconsideration or litigation is pending (§73).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

import chinese_calendar

__all__ = ["calendar_known", "is_workday", "add_working_days", "period_end", "late_days", "surcharge_fen"]


def calendar_known(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year not published yet: weekdays only
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (the day of the event does not count)."""
    if n < 0:
        raise ValueError("n must be ≥ 0")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def period_end(start: date, days: int) -> date:
    """End of a period of `days` calendar days counted from the day after `start`,
    moved to the next working day if it falls on a rest day or holiday."""
    end = start + timedelta(days=days)
    while not is_workday(end):
        end += timedelta(days=1)
    return end


def late_days(due: date, on: date, pauses: Iterable[tuple[date, date | None]] = ()) -> int:
    """Days after `due` up to and including `on`, less the days inside any pause
    (start and end inclusive; an open pause runs to `on`)."""
    if on <= due:
        return 0
    paused: set[date] = set()
    for start, end in pauses:
        last = min(end or on, on)
        d = max(start, due + timedelta(days=1))
        while d <= last:
            paused.add(d)
            d += timedelta(days=1)
    return (on - due).days - len(paused)


def surcharge_fen(amount_fen: int, due: date, on: date, pauses: Iterable[tuple[date, date | None]] = (),
                  rate_percent: int = 3) -> int:
    """加处罚款: rate_percent of the fine per late day, capped at the fine; integer fen
    (fractions of a fen are dropped, in the party's favour)."""
    days = late_days(due, on, pauses)
    return min(amount_fen, amount_fen * rate_percent * days // 100)
