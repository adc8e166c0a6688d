"""Checks shared by services: each names the field at fault."""

from __future__ import annotations

from datetime import date

from vetting.errors import ValidationFailed

#: No record this app keeps is dated before this day: an earlier date is a typing mistake
#: (issue 14: a consent dated in the year 323 was accepted).
FIRST_DAY = date(2000, 1, 1)


def text(value: str, field: str, label: str, *, limit: int = 200, required: bool = True) -> str:
    """``value`` stripped; refused when empty (if required) or longer than ``limit``."""
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{label} is required.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{label} must be at most {limit} characters.", field=field)
    return value


def split_list(value: str | None) -> list[str]:
    """A ``;``-separated list as typed in a form or CSV cell, without blanks."""
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def day_between(value: date, first: date, last: date, field: str, label: str) -> date:
    """``value`` when it lies from ``first`` to ``last``; otherwise a 422 naming ``field``."""
    if not first <= value <= last:
        raise ValidationFailed(
            f"{label} must be between {first.isoformat()} and {last.isoformat()}; {value.isoformat()} is not.",
            field=field,
        )
    return value


def years_from(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
