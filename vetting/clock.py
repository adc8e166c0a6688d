"""One source of time for the whole application.

Every timestamp is timezone-aware UTC. Tests move the clock with :func:`set_clock`
instead of patching ``datetime`` (lockouts, session timeouts and, later, response
windows all depend on it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - swapped by tests


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return _now()


def today() -> date:
    """Return today's date in UTC."""
    return utcnow().date()


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of ``day`` (date filters are inclusive of whole UTC days)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (``None`` restores the system clock)."""
    global _now  # noqa: PLW0603 - a single process-wide clock is the point
    _now = now if now is not None else (lambda: datetime.now(UTC))
