"""Due dates and reminders (issue 16 point 6): the agency's thresholds, and the digest's days.

One agency per instance, so the thresholds are one row (``id = 1``); until an administrator saves
it, :data:`DEFAULT_THRESHOLDS` hold. A digest day is claimed by inserting its row: the primary key
lets one worker win the day, however many run the schedule.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from vetting.models.base import Base, created_ts

#: The thresholds, in whole days (business days for the response window), and the digest's hour.
#: Chosen so a reminder comes before a problem, not after: a candidate is reminded of after a week
#: without consent, a review waits at most two working days, a window is flagged two business
#: days before it closes, a designation thirty days before its review (POL-03), a legal hold thirty
#: days before the review date it was placed with (RET-02: counsel confirms it is still needed).
DEFAULT_THRESHOLDS: Final[dict[str, int]] = {
    "consent_pending_days": 7,
    "checklist_ageing_days": 14,
    "review_waiting_days": 2,
    "recommendation_missing_days": 5,
    "response_window_days": 2,
    "designation_review_days": 30,
    "hold_review_days": 30,
    "digest_hour": 7,
}


class ReminderKind(StrEnum):
    """What needs a person's action, each with the threshold that decides when it does."""

    CONSENT_PENDING = "consent_pending"
    CHECKLIST_AGEING = "checklist_ageing"
    REVIEW_WAITING = "review_waiting"
    RECOMMENDATION_MISSING = "recommendation_missing"
    RESPONSE_WINDOW = "response_window"
    DESIGNATION_REVIEW = "designation_review"
    #: Legal holds in force whose review date comes within the threshold (issue 15, RET-02).
    HOLD_REVIEW = "hold_review"

    @property
    def threshold(self) -> str:
        """The field of :class:`ReminderThresholds` that decides it."""
        return _THRESHOLD[self]

    def phrase(self, count: int, days: int) -> str:
        """What ``count`` of them means, e.g. "3 candidates added 7 or more days ago without consent"."""
        one = count == 1
        noun = "candidate" if one else "candidates"
        if self is ReminderKind.CONSENT_PENDING:
            return f"{count} {noun} added {days} or more days ago without a signed consent"
        if self is ReminderKind.CHECKLIST_AGEING:
            return f"{count} {noun} with checklist items unresolved {days} or more days after consent"
        if self is ReminderKind.REVIEW_WAITING:
            return f"{count} finding{'' if one else 's'} waiting {days} or more days for a second reviewer"
        if self is ReminderKind.RECOMMENDATION_MISSING:
            return f"{count} closed search{'' if one else 'es'} waiting {days} or more days for your recommendation"
        if self is ReminderKind.RESPONSE_WINDOW:
            return f"{count} response window{'' if one else 's'} ending within {days} business days"
        if self is ReminderKind.HOLD_REVIEW:
            return f"{count} legal hold{'' if one else 's'} due for review within {days} days"
        people = "designation" if one else "designations"
        return f"{count} sensitive-position {people} due for review within {days} days"


def needs_action(total: int) -> str:
    """The count as the navigation's badge and the digest's subject say it."""
    return f"{total} item needs your action" if total == 1 else f"{total} items need your action"


_THRESHOLD: Final = {
    ReminderKind.CONSENT_PENDING: "consent_pending_days",
    ReminderKind.CHECKLIST_AGEING: "checklist_ageing_days",
    ReminderKind.REVIEW_WAITING: "review_waiting_days",
    ReminderKind.RECOMMENDATION_MISSING: "recommendation_missing_days",
    ReminderKind.RESPONSE_WINDOW: "response_window_days",
    ReminderKind.DESIGNATION_REVIEW: "designation_review_days",
    ReminderKind.HOLD_REVIEW: "hold_review_days",
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
    #: Added with legal holds (issue 15), last like its column: rows saved before take the default.
    hold_review_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))


class DigestDay(Base):
    """A day (on the agency's clock) whose digests were queued: inserted once, never changed."""

    __tablename__ = "reminder_digest_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    claimed_at: Mapped[created_ts]
    messages: Mapped[int] = mapped_column(Integer)
