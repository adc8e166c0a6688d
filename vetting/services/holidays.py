"""The agency's holidays: days that do not count in a candidate's response window (FCRA-07)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.errors import Conflict, NotFound
from vetting.models import Holiday, User
from vetting.services import audit_log, fields


def days(session: Session) -> set[date]:
    return set(session.scalars(select(Holiday.day)))


def list_holidays(session: Session, actor: User) -> list[Holiday]:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    return list(session.scalars(select(Holiday).order_by(Holiday.day)))


def add_holiday(session: Session, actor: User, day: date, name: str) -> Holiday:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    name = fields.text(name, "name", "The holiday's name")
    if session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
        raise Conflict(f"{day.isoformat()} is already a holiday.", code="holiday_exists", field="day")
    holiday = Holiday(day=day, name=name, created_by_id=actor.id)
    session.add(holiday)
    session.flush()
    audit_log.record(
        session, actor, "holiday.added", subject_type="holiday", subject_id=holiday.id,
        data={"day": day.isoformat(), "name": name},
    )  # fmt: skip
    return holiday


def remove_holiday(session: Session, actor: User, holiday_id: int) -> None:
    """Remove a holiday. Windows already computed keep their due date: a notice once given
    is not shortened afterwards."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    holiday = session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("No such holiday.")
    audit_log.record(
        session, actor, "holiday.removed", subject_type="holiday", subject_id=holiday.id,
        data={"day": holiday.day.isoformat()},
    )  # fmt: skip
    session.delete(holiday)
