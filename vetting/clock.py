"""One source of time for the whole application, and the agency's clock (issue 16 point 7).

Every stored timestamp is timezone-aware UTC. What a person reads (dates, "due on the 9th",
business-day windows, date filters) is in the agency's time zone (``VETTING_TIME_ZONE``, an
IANA name; UTC until configured), so a window due on the 9th ends at the end of the 9th there.
Tests move the clock with :func:`set_clock` instead of patching ``datetime`` (lockouts, session
timeouts and response windows all depend on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - swapped by tests
_zone: tzinfo = UTC


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return _now()


def zone() -> tzinfo:
    """The agency's time zone."""
    return _zone


def zone_name() -> str:
    """The agency's time zone as configured (``UTC`` until one is)."""
    return getattr(_zone, "key", "UTC")


def local(moment: datetime) -> datetime:
    """``moment`` on the agency's clock (a naive moment is taken as UTC, as stored)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone)


def shown_date(value: date) -> date:
    """The day a date or a stored moment falls on, on the agency's clock (templates: ``agency_date``)."""
    return local(value).date() if isinstance(value, datetime) else value


def shown_time(moment: datetime, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored moment as a person reads it: the agency's clock and the zone's abbreviation,
    e.g. "09 Nov 2026 17:30 CST" (templates: ``agency_time``)."""
    there = local(moment)
    return f"{there.strftime(fmt)} {there.tzname()}"


def today() -> date:
    """Return today's date on the agency's clock."""
    return local(utcnow()).date()


def start_of(day: date) -> datetime:
    """The first moment of ``day`` on the agency's clock, in UTC (date filters take whole local days)."""
    return datetime.combine(day, time.min, tzinfo=_zone).astimezone(UTC)


def end_of(day: date) -> datetime:
    """The last moment of ``day`` on the agency's clock (23:59:59.999999 there), in UTC: when a
    window "due on" that day closes. Computed from the next day's start, so a day of 23 or 25
    hours (a daylight-saving change) ends at its own midnight."""
    return start_of(day + timedelta(days=1)) - timedelta(microseconds=1)


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (``None`` restores the system clock)."""
    global _now  # noqa: PLW0603 - a single process-wide clock is the point
    _now = now if now is not None else (lambda: datetime.now(UTC))


@contextmanager
def turned_back(delta: timedelta) -> Iterator[None]:
    """Run the block as if it were ``delta`` earlier on the clock in force (the demo's records of a
    cycle closed years ago, so that one is past its retention today); that clock is restored after."""
    global _now  # noqa: PLW0603 - see set_clock
    previous = _now
    _now = lambda: previous() - delta  # noqa: E731
    try:
        yield
    finally:
        _now = previous


def set_zone(name: str) -> None:
    """Set the agency's time zone (``create_app`` does, from the settings)."""
    global _zone  # noqa: PLW0603 - one agency, one clock per process
    _zone = UTC if name == "UTC" else ZoneInfo(name)
