"""Working days across Chinese holidays and make-up weekends; the late surcharge."""
from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from backend.cases.deadlines import add_working_days, calendar_known, is_workday, late_days, period_end, surcharge_fen


def test_2026_spring_festival_and_its_make_up_saturdays():
    # 2026: Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are working days
    assert is_workday(date(2026, 2, 14)) and is_workday(date(2026, 2, 28))
    assert not any(is_workday(date(2026, 2, d)) for d in range(15, 24))
    # a ticket issued Fri Feb 13: filing within 3 working days = Sat 14, Tue 24, Wed 25
    assert add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    # issued on the Saturday make-up day itself: Tue 24, Wed 25, Thu 26
    assert add_working_days(date(2026, 2, 14), 3) == date(2026, 2, 26)


def test_2026_national_day_and_its_make_up_days():
    # Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are working days; Sun Oct 11 is not
    assert is_workday(date(2026, 9, 20)) and is_workday(date(2026, 10, 10)) and not is_workday(date(2026, 10, 11))
    # served within 7 working days of a decision on Tue Sep 29:
    # Sep 30, Oct 8, 9, 10 (Sat, make-up), 12, 13, 14
    assert add_working_days(date(2026, 9, 29), 7) == date(2026, 10, 14)
    # plain weekdays would have said Oct 8: the holiday matters
    assert add_working_days(date(2026, 9, 29), 2) == date(2026, 10, 8)


def test_a_payment_period_ending_in_a_holiday_moves_to_the_next_working_day():
    # decision received Sep 22: 15 days end Oct 7 (holiday) → Oct 8
    assert period_end(date(2026, 9, 22), 15) == date(2026, 10, 8)
    # ending on an ordinary Sunday → Monday
    assert period_end(date(2026, 11, 7), 15) == date(2026, 11, 23)
    # ending on a working day stays
    assert period_end(date(2026, 11, 5), 15) == date(2026, 11, 20)


def test_years_the_calendar_does_not_know_fall_back_to_weekdays():
    assert calendar_known(date(2026, 6, 1))
    far = date(2031, 1, 6)  # a Monday
    if not calendar_known(far):
        assert is_workday(far) and not is_workday(date(2031, 1, 4))
        assert add_working_days(date(2031, 1, 3), 1) == far


def test_surcharge_is_three_percent_a_day_capped_at_the_fine():
    due = date(2026, 11, 20)
    assert surcharge_fen(20000, due, due) == 0
    assert surcharge_fen(20000, due, date(2026, 11, 21)) == 600  # 1 day: 3 % of 200 yuan = 6 yuan
    assert surcharge_fen(20000, due, date(2026, 11, 30)) == 6000  # 10 days
    assert surcharge_fen(20000, due, date(2026, 12, 23)) == 19800  # 33 days: 99 %
    assert surcharge_fen(20000, due, date(2026, 12, 24)) == 20000  # 34 days would be 102 %: capped
    assert surcharge_fen(20000, due, date(2027, 6, 1)) == 20000  # never more than the fine


def test_surcharge_pauses_during_reconsideration_and_litigation():
    due = date(2026, 9, 1)
    # late from Sep 2; reconsideration Sep 5–Sep 14 (10 days) pauses it
    assert late_days(due, date(2026, 9, 20), [(date(2026, 9, 5), date(2026, 9, 14))]) == 19 - 10
    # a pause still open counts to the day asked about
    assert late_days(due, date(2026, 9, 20), [(date(2026, 9, 15), None)]) == 13
    # a pause that began before the due date only pauses the late days it covers
    assert late_days(due, date(2026, 9, 3), [(date(2026, 8, 1), date(2026, 9, 2))]) == 1
    assert surcharge_fen(10000, due, date(2026, 9, 20), [(date(2026, 9, 5), date(2026, 9, 14))]) == 10000 * 3 * 9 // 100


@given(st.integers(1, 1_000_000), st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.integers(0, 400))
def test_surcharge_properties(amount, due, late):
    from datetime import timedelta

    on = due + timedelta(days=late)
    s = surcharge_fen(amount, due, on)
    assert 0 <= s <= amount
    assert s == min(amount, amount * 3 * late // 100)
    assert surcharge_fen(amount, due, on + timedelta(days=1)) >= s


@given(st.dates(date(2026, 1, 1), date(2026, 12, 20)), st.integers(0, 10))
def test_working_day_properties(start, n):
    end = add_working_days(start, n)
    assert end >= start and (n == 0 or is_workday(end))
    from datetime import timedelta

    between = sum(1 for k in range(1, (end - start).days + 1) if is_workday(start + timedelta(days=k)))
    assert between == n
