"""Business-day arithmetic of the candidate's response window (FCRA-07).

FCRA-07: wait a reasonable period (5 business days is the practice floor) before final
action; weekends and agency holidays are not business days, and the day the notice is
issued never counts. No database, no Flask: vetting/business_days.py on plain dates.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vetting.business_days import add_business_days, is_business_day

MONDAY = date(2026, 11, 2)  # the test clock's first day
FRIDAY = date(2026, 11, 6)
SATURDAY = date(2026, 11, 7)
SUNDAY = date(2026, 11, 8)
NO_HOLIDAYS: frozenset[date] = frozenset()


def test_the_calendar_is_what_the_tests_assume() -> None:
    assert [MONDAY.weekday(), FRIDAY.weekday(), SATURDAY.weekday(), SUNDAY.weekday()] == [0, 4, 5, 6]


def test_weekends_are_not_business_days() -> None:
    assert is_business_day(MONDAY, NO_HOLIDAYS)
    assert is_business_day(FRIDAY, NO_HOLIDAYS)
    assert not is_business_day(SATURDAY, NO_HOLIDAYS)
    assert not is_business_day(SUNDAY, NO_HOLIDAYS)


def test_a_holiday_is_not_a_business_day() -> None:
    assert not is_business_day(date(2026, 11, 11), {date(2026, 11, 11)})
    assert is_business_day(date(2026, 11, 12), {date(2026, 11, 11)})


def test_five_business_days_from_a_monday_skip_the_weekend() -> None:
    """Tue 3 .. Fri 6 are four days; Sat 7 and Sun 8 do not count; Mon 9 is the fifth."""
    assert add_business_days(MONDAY, 5, NO_HOLIDAYS) == date(2026, 11, 9)
    assert add_business_days(MONDAY, 4, NO_HOLIDAYS) == FRIDAY


def test_a_window_spanning_two_weekends() -> None:
    assert add_business_days(MONDAY, 10, NO_HOLIDAYS) == date(2026, 11, 16)


def test_holidays_inside_the_window_are_skipped() -> None:
    """Wednesday 4 November a holiday: the fifth business day moves from Mon 9 to Tue 10."""
    assert add_business_days(MONDAY, 5, {date(2026, 11, 4)}) == date(2026, 11, 10)
    # Two holidays in the window (Wed 4 and Tue 10): two days later.
    assert add_business_days(MONDAY, 5, {date(2026, 11, 4), date(2026, 11, 10)}) == date(2026, 11, 11)
    # A holiday on the would-be due date itself pushes it to the next business day.
    assert add_business_days(MONDAY, 5, {date(2026, 11, 9)}) == date(2026, 11, 10)


def test_holidays_outside_the_window_change_nothing() -> None:
    holidays = {date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 26)}
    assert add_business_days(MONDAY, 5, holidays) == date(2026, 11, 9)


def test_the_start_day_never_counts() -> None:
    """A notice issued on a Monday gives the next day as the first of the window."""
    assert add_business_days(MONDAY, 1, NO_HOLIDAYS) == date(2026, 11, 3)
    # Even when the start day is itself a holiday or a weekend day, it is never day one.
    assert add_business_days(MONDAY, 1, {MONDAY}) == date(2026, 11, 3)
    assert add_business_days(SATURDAY, 1, NO_HOLIDAYS) == date(2026, 11, 9)
    assert add_business_days(SUNDAY, 5, NO_HOLIDAYS) == date(2026, 11, 13)


def test_a_friday_start_gives_the_whole_next_working_week() -> None:
    """Friday afternoon's notice: Mon 9 .. Fri 13 are the five days."""
    assert add_business_days(FRIDAY, 1, NO_HOLIDAYS) == date(2026, 11, 9)
    assert add_business_days(FRIDAY, 5, NO_HOLIDAYS) == date(2026, 11, 13)
    assert add_business_days(FRIDAY, 5, {date(2026, 11, 11)}) == date(2026, 11, 16)


def test_a_holiday_on_a_weekend_does_not_lengthen_the_window() -> None:
    """A holiday that falls on Saturday or Sunday is already not a business day: no extra day
    (an observed weekday is a separate holiday the agency adds itself)."""
    assert add_business_days(MONDAY, 5, {SATURDAY}) == date(2026, 11, 9)
    assert add_business_days(MONDAY, 5, {SATURDAY, SUNDAY}) == date(2026, 11, 9)
    assert add_business_days(MONDAY, 5, {SATURDAY, FRIDAY}) == date(2026, 11, 10)


@pytest.mark.parametrize("days", [0, -1, -5])
def test_a_window_of_less_than_one_day_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match="at least one business day"):
        add_business_days(MONDAY, days, NO_HOLIDAYS)


@pytest.mark.parametrize("offset", range(14))
@pytest.mark.parametrize("days", [1, 5, 7, 12])
def test_the_due_day_is_the_nth_business_day_after_the_start(offset: int, days: int) -> None:
    """Against a brute-force count, for every start weekday: the due day is a business day
    and exactly ``days`` business days lie in (start, due]."""
    holidays = {date(2026, 11, 11), date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 14)}
    start = MONDAY + timedelta(days=offset)
    due = add_business_days(start, days, holidays)
    assert is_business_day(due, holidays)
    span = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(1 for d in span if is_business_day(d, holidays)) == days
