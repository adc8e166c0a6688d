"""Due dates and reminders (issue 16 point 6): the agency's thresholds, and the digest's days.

One agency per instance, so the thresholds are one row (``id = 1``); until an administrator saves
it, :data:`DEFAULT_THRESHOLDS` hold. A digest day is claimed by inserting its row: the primary key
lets one worker win the day, however many run the schedule.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from vetting.models.base import Base, created_ts

#: The thresholds, in whole days (business days for the response window), and the digest's hour.
#: Chosen so a reminder comes before a problem, not after: a candidate is reminded of after a week
#: without consent, a review waits at most two working days, a window is flagged two business
#: days before it closes, a designation thirty days before its review (POL-03).
DEFAULT_THRESHOLDS: Final[dict[str, int]] = {
    "consent_pending_days": 7,
    "checklist_ageing_days": 14,
    "review_waiting_days": 2,
    "recommendation_missing_days": 5,
    "response_window_days": 2,
    "designation_review_days": 30,
    "digest_hour": 7,
}
#: Every day threshold is a whole number of days in this range.
MIN_DAYS, MAX_DAYS = 1, 365


class ReminderThresholds(Base):
    __tablename__ = "reminder_thresholds"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        *(
            CheckConstraint(f"{name} BETWEEN {MIN_DAYS} AND {MAX_DAYS}", name=f"{name}_range")
            for name in DEFAULT_THRESHOLDS
            if name.endswith("_days")
        ),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    consent_pending_days: Mapped[int] = mapped_column(Integer)
    checklist_ageing_days: Mapped[int] = mapped_column(Integer)
    review_waiting_days: Mapped[int] = mapped_column(Integer)
    recommendation_missing_days: Mapped[int] = mapped_column(Integer)
    response_window_days: Mapped[int] = mapped_column(Integer)
    designation_review_days: Mapped[int] = mapped_column(Integer)
    #: The agency-local hour from which the day's digest goes out.
    digest_hour: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[created_ts]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DigestDay(Base):
    """A day (on the agency's clock) whose digests were queued: inserted once, never changed."""

    __tablename__ = "reminder_digest_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    claimed_at: Mapped[created_ts]
    messages: Mapped[int] = mapped_column(Integer)
