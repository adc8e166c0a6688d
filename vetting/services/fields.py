"""Checks shared by services: each names the field at fault."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from vetting.errors import ValidationFailed
from vetting.models.base import MAX_ID

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


def stated(value: str, name: str, label: str, limit: int, minimum: int = 1) -> str:
    """``value`` stripped, holding ``minimum`` to ``limit`` characters; the refusal asks for the ``label``."""
    given = (value or "").strip()
    if len(given) < minimum:
        more = f" (at least {minimum} characters)" if minimum > 1 else ""
        raise ValidationFailed(f"Give the {label}{more}.", field=name)
    if len(given) > limit:
        raise ValidationFailed(f"The {label} must be at most {limit} characters.", field=name)
    return given


def ids(values: Sequence[int], name: str) -> list[int]:
    """Row ids, each within the column's range, sorted without repeats."""
    for value in values:
        if not 1 <= value <= MAX_ID:
            raise ValidationFailed(f"{value} is not an id.", field=name)
    return sorted(set(values))


def require_found(name: str, kind: str, wanted: list[int], found: Iterable[int]) -> None:
    """Refuse the ids of ``wanted`` that are not in ``found``, naming them and the field."""
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise ValidationFailed(f"No {kind} has the id {', '.join(str(i) for i in missing)}.", field=name)


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
