"""Business-day arithmetic for response windows (FCRA-07): weekends and agency holidays
are not business days. Flask-free and database-free, so the rule is testable on its own."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

#: Saturday and Sunday (``date.weekday()``).
WEEKEND = frozenset({5, 6})


def is_business_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def add_business_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts: a notice
    issued on a Friday afternoon gives the candidate the whole of the next five working days)."""
    if days < 1:
        raise ValueError("a response window is at least one business day")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            counted += 1
    return day
