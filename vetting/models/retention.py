"""Records retention (issue 15): the agency's schedule and the dispositions of candidates.

A schedule is a version of the agency's retention classes, proposed by one person and approved
by a second (RET-07); the newest approved version is in force. A disposition is the proposal,
approval and tombstone of one candidate's crypto-shredding: once carried out it keeps only
codes, dates, the class and citation it relied on, who approved it, and counts and SHA-256 digests
of what was destroyed (never content).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vetting.audit.events import Subject
from vetting.models.base import Base, created_ts, intpk
from vetting.models.user import enum_column


class RetentionClass(StrEnum):
    """What is kept, each with its own period, trigger and citation."""

    CANDIDATE_FILE = "candidate_file"
    EVIDENCE = "evidence"
    SEARCH_LOG = "search_log"
    EEO = "eeo_self_identification"
    NOTICES = "notices_responses"
    AUDIT_LOG = "audit_log"

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]


_CLASS_LABELS = {
    RetentionClass.CANDIDATE_FILE: "Candidate file (profile, checklist, findings, decisions)",
    RetentionClass.EVIDENCE: "Evidence and consent files",
    RetentionClass.SEARCH_LOG: "Search log",
    RetentionClass.EEO: "EEO self-identification",
    RetentionClass.NOTICES: "Notices and the candidate's responses",
    RetentionClass.AUDIT_LOG: "Audit log",
}


class Trigger(StrEnum):
    """When a class's period starts (see :mod:`vetting.services.retention` for each date's source)."""

    RECORD_DATE = "record_date"
    FINAL_DECISION = "final_decision"
    CYCLE_CLOSE = "cycle_close"
    END_OF_EMPLOYMENT = "end_of_employment"

    @property
    def label(self) -> str:
        return {
            "record_date": "Latest record date",
            "final_decision": "Final decision",
            "cycle_close": "Cycle closed",
            "end_of_employment": "End of employment (hires)",
        }[self.value]


class ScheduleStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    #: Replaced by a newer proposal before anyone approved it.
    WITHDRAWN = "withdrawn"


class RetentionSchedule(Base):
    """One version of the agency's schedule: ``{class: {period_days, trigger, citation}}``."""

    __tablename__ = "retention_schedules"
    __table_args__ = (
        CheckConstraint("(status = 'approved') = (approved_at IS NOT NULL)", name="approved_at_iff_approved"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id != proposed_by_id", name="second_person"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("retention_schedule", str(self.id))

    id: Mapped[intpk]
    entries: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ScheduleStatus] = mapped_column(enum_column(ScheduleStatus, "schedule_status"))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[created_ts]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]


class DispositionStatus(StrEnum):
    PROPOSED = "proposed"
    #: Approved and carried out: the candidate's data key is destroyed.
    DISPOSED = "disposed"


class Disposition(Base):
    """A candidate's disposition: proposed, then approved by a second person and carried out."""

    __tablename__ = "dispositions"
    __table_args__ = (
        CheckConstraint("(status = 'disposed') = (disposed_at IS NOT NULL)", name="disposed_at_iff_disposed"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id != proposed_by_id", name="second_person"),
        Index("ix_dispositions_status", "status"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("disposition", str(self.id))

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    candidate_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[DispositionStatus] = mapped_column(enum_column(DispositionStatus, "disposition_status"))
    #: The class whose period ended last, its trigger date, and the earliest disposition date.
    retention_class: Mapped[str] = mapped_column(String(32))
    trigger_date: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    #: The schedule version relied on (None: the built-in defaults) and the citation of the class.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("retention_schedules.id"))
    citation: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[created_ts]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposed_at: Mapped[datetime | None]
    #: The tombstone: counts per kind and SHA-256 of each destroyed file and of the destroyed key.
    destroyed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    files_deleted: Mapped[int] = mapped_column(Integer, default=0)
