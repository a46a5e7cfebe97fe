"""Legal periods and the late-payment surcharge (plain functions, no Flask, no database).

* "2, 3, 5, 7 days" in the Administrative Penalty Law are working days (§85): China's
  holiday calendar with its make-up working weekends. Three sources, best first:
  1. the State Council's yearly notice (国务院办公厅关于某年部分节假日安排的通知) loaded by an
     administrator as data (`Notice`, stored in `holiday_notices`);
  2. the `chinese-calendar` package, which carries the notices published before its release
     (1.11.0: up to 2026);
  3. for any other year, the floor the law fixes in advance — weekends and the statutory
     holidays of 全国年节及纪念日放假办法 (2024): 元旦 1 day, 春节 4 days from 除夕, 清明, 劳动节
     1–2 May, 端午, 中秋, 国庆 1–3 October — computed from the lunar calendar (`lunardate`)
     and the solar terms. The make-up working days and bridged days are not known then, so a
     date counted over such a year is **provisional** (`provisional()`): shown as such, and
     never the start of a surcharge (cases.service).
* Other periods (15 days to pay, 60 to apply for reconsideration, 90 to decide) are
  calendar days; if the last day falls on a rest day the period ends on the next working
  day (Civil Code §203).
* The late surcharge is 3 % of the fine per day, never more than the fine (§72(1)),
  and does not run while reconsideration or litigation is pending (§73).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Iterable, Mapping

import chinese_calendar
from lunardate import LunarDate

__all__ = ["Notice", "WorkCalendar", "statutory_holidays", "calendar_known", "is_workday", "add_working_days", "period_end",
           "provisional", "late_days", "surcharge_fen"]


@dataclass(frozen=True)
class Notice:
    """One year's State Council holiday notice: the rest days it declares (holidays and the
    weekdays bridged to them) and the weekend days made working days (调休上班)."""

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    source: str = ""


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[date]:
    """The rest days 全国年节及纪念日放假办法 (2024) fixes for every year, whatever the notice says."""
    new_year = LunarDate(year, 1, 1).to_solar_date()
    qingming = [d for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)) if name == "清明"]
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1), date(year, 10, 2), date(year, 10, 3),
            LunarDate(year, 5, 5).to_solar_date(), LunarDate(year, 8, 15).to_solar_date(), *qingming}
    days.update(new_year + timedelta(days=k) for k in (-1, 0, 1, 2))  # 除夕 to 初三
    # the lunar new year of the *next* lunar year may fall in this one (除夕 on 31 Dec never has, but be exact)
    return frozenset(d for d in days if d.year == year)


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """Working days from the loaded notices, else the package, else the statutory floor."""

    def __init__(self, notices: Mapping[int, Notice] | None = None) -> None:
        self.notices = dict(notices or {})

    def source(self, year: int) -> str:
        """'notice' (loaded), 'package' (chinese-calendar) or 'statutory' (provisional)."""
        if year in self.notices:
            return "notice"
        return "package" if _package_knows(year) else "statutory"

    def known(self, year: int) -> bool:
        return self.source(year) != "statutory"

    def is_workday(self, day: date) -> bool:
        notice = self.notices.get(day.year)
        if notice is not None:
            if day in notice.workdays:
                return True
            if day in notice.holidays:
                return False
            return day.weekday() < 5 and day not in statutory_holidays(day.year)
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # no notice yet: the floor the law fixes
            return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the day of the event does not count)."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def period_end(self, start: date, days: int) -> date:
        """End of a period of `days` calendar days from the day after `start`, moved to the
        next working day if it falls on a rest day (Civil Code §203)."""
        end = start + timedelta(days=days)
        while not self.is_workday(end):
            end += timedelta(days=1)
        return end

    def provisional(self, start: date, end: date) -> bool:
        """Whether a date counted from `start` to `end` crossed a year whose notice is not
        known: a later notice could move it."""
        return any(not self.known(y) for y in range(start.year, end.year + 1))


_DEFAULT = WorkCalendar()


def calendar_known(day: date, cal: WorkCalendar | None = None) -> bool:
    return (cal or _DEFAULT).known(day.year)


def is_workday(day: date, cal: WorkCalendar | None = None) -> bool:
    return (cal or _DEFAULT).is_workday(day)


def add_working_days(start: date, n: int, cal: WorkCalendar | None = None) -> date:
    return (cal or _DEFAULT).add_working_days(start, n)


def period_end(start: date, days: int, cal: WorkCalendar | None = None) -> date:
    return (cal or _DEFAULT).period_end(start, days)


def provisional(start: date, end: date, cal: WorkCalendar | None = None) -> bool:
    return (cal or _DEFAULT).provisional(start, end)


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
