"""Working days (§85) against the State Council notices typed by hand from their text — an
independent calendar, not the package's data — for decisions issued across 2025–2027; a
year without its notice counts on the statutory floor and says so (provisional)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.cases import deadlines


def _span(a: str, b: str) -> set[date]:
    d, end, out = date.fromisoformat(a), date.fromisoformat(b), set()
    while d <= end:
        out.add(d)
        d += timedelta(days=1)
    return out


# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)
OFF_2025 = {date(2025, 1, 1)} | _span("2025-01-28", "2025-02-04") | _span("2025-04-04", "2025-04-06") | \
    _span("2025-05-01", "2025-05-05") | _span("2025-05-31", "2025-06-02") | _span("2025-10-01", "2025-10-08")
ON_2025 = {date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)}
# 国务院办公厅关于2026年部分节假日安排的通知
OFF_2026 = _span("2026-01-01", "2026-01-03") | _span("2026-02-15", "2026-02-23") | _span("2026-04-04", "2026-04-06") | \
    _span("2026-05-01", "2026-05-05") | _span("2026-06-19", "2026-06-21") | _span("2026-09-25", "2026-09-27") | \
    _span("2026-10-01", "2026-10-07")
ON_2026 = {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)}
OFF, ON = OFF_2025 | OFF_2026, ON_2025 | ON_2026


def typed_workday(d: date) -> bool:
    return d in ON or (d.weekday() < 5 and d not in OFF)


def typed_working_days(start: date, n: int) -> date:
    d = start
    while n:
        d += timedelta(days=1)
        n -= typed_workday(d)
    return d


def typed_period_end(start: date, days: int) -> date:
    d = start + timedelta(days=days)
    while not typed_workday(d):
        d += timedelta(days=1)
    return d


ISSUED = [date(2025, 1, 2) + timedelta(days=k) for k in range(0, 700, 3)]  # every third day, 2025 to late 2026


@pytest.mark.parametrize("issued", ISSUED, ids=str)
def test_deadlines_in_2025_and_2026_follow_the_notices(issued):
    for n in (2, 3, 5, 7):
        assert deadlines.add_working_days(issued, n) == typed_working_days(issued, n)
    end = deadlines.period_end(issued, 15)
    if end.year <= 2026:
        assert end == typed_period_end(issued, 15)
        assert not deadlines.provisional(issued, end)


def test_2027_without_its_notice_falls_on_no_statutory_holiday_and_is_provisional():
    """7 of 11 sample due dates once fell on statutory holidays (Mon–Fri assumed for 2027)."""
    samples = [date(2026, 12, 17), date(2027, 1, 20), date(2027, 1, 25), date(2027, 3, 21), date(2027, 4, 20),
               date(2027, 4, 17), date(2027, 5, 24), date(2027, 5, 25), date(2027, 8, 31), date(2027, 9, 16), date(2027, 9, 18)]
    floor = set().union(*(deadlines.statutory_holidays(y) for y in (2027, 2028)))
    for issued in samples:
        for due in (deadlines.period_end(issued, 15), deadlines.add_working_days(issued, 3)):
            assert due not in floor and due.weekday() < 5, (issued, due)
            assert deadlines.provisional(issued, due) == (due.year >= 2027)
    assert deadlines.period_end(date(2026, 12, 17), 15) == date(2027, 1, 4)  # not 1 January


def test_the_statutory_floor_of_2027():
    assert deadlines.statutory_holidays(2027) == {
        date(2027, 1, 1),                                                           # 元旦
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),     # 除夕 to 初三 (春节 6 Feb)
        date(2027, 4, 5),                                                           # 清明
        date(2027, 5, 1), date(2027, 5, 2),                                         # 劳动节
        date(2027, 6, 9),                                                           # 端午 (五月初五)
        date(2027, 9, 15),                                                          # 中秋 (八月十五)
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3),                    # 国庆
    }
    # the floor holds for years the package knows too
    assert deadlines.statutory_holidays(2026) <= OFF_2026


def test_a_loaded_notice_decides_its_year():
    notice = deadlines.Notice(2027, frozenset(deadlines.statutory_holidays(2027) | _span("2027-01-02", "2027-01-04")),
                              frozenset({date(2027, 1, 9)}), "test notice")
    cal = deadlines.WorkCalendar({2027: notice})
    assert cal.source(2027) == "notice" and cal.known(2027) and not cal.provisional(date(2026, 12, 17), date(2027, 1, 5))
    assert cal.period_end(date(2026, 12, 17), 15) == date(2027, 1, 5)  # the notice rested 1–4 January
    assert cal.is_workday(date(2027, 1, 9))  # a Saturday made a working day
    assert deadlines.WorkCalendar().source(2026) == "package" and deadlines.WorkCalendar().source(2027) == "statutory"
