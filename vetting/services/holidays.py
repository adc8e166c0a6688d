"""The agency's holidays: days that do not count in a candidate's response window (FCRA-07)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today
from vetting.errors import Conflict, NotFound
from vetting.models import Holiday, User
from vetting.services import fields

#: Holidays are kept within this many years of today: further is a typing mistake (issue 14).
YEARS = 5


def days(session: Session) -> set[date]:
    return set(session.scalars(select(Holiday.day)))


def list_holidays(session: Session, actor: User) -> list[Holiday]:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    return list(session.scalars(select(Holiday).order_by(Holiday.day)))


def add_holiday(session: Session, actor: User, day: date, name: str) -> Holiday:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    now = today()
    fields.day_between(day, fields.years_from(now, -YEARS), fields.years_from(now, YEARS), "day", "A holiday")
    name = fields.text(name, "name", "The holiday's name")
    if session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
        raise Conflict(f"{day.isoformat()} is already a holiday.", code="holiday_exists", field="day")
    holiday = Holiday(day=day, name=name, created_by_id=actor.id)
    session.add(holiday)
    session.flush()
    record(session, actor, Event.HOLIDAY_ADDED, subject=holiday, day=day.isoformat(), name=name)
    return holiday


def remove_holiday(session: Session, actor: User, holiday_id: int) -> None:
    """Remove a holiday. Windows already computed keep their due date: a notice once given
    is not shortened afterwards."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    holiday = session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("No such holiday.")
    record(session, actor, Event.HOLIDAY_REMOVED, subject=holiday, day=holiday.day.isoformat())
    session.delete(holiday)
