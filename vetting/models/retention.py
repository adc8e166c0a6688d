"""Records retention (issue 15): the agency's schedule and the dispositions of candidates.

A schedule is a version of the agency's retention classes, proposed by one person and approved
by a second (RET-07); the newest approved version is in force. A disposition is the proposal,
approval and tombstone of one candidate's crypto-shredding: once carried out it keeps only
codes, dates, the class and citation it relied on, who approved it, and counts and SHA-256 digests
of what was destroyed (never content). A minimisation is the same for a batch of findings purged
ahead of their candidate's file (RET-11): one proposal, and a tombstone per finding.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    #: RET-11: findings that never reach the board (refuted, withdrawn, a never-reported category)
    #: and their evidence, purged ahead of the candidate's file (:mod:`vetting.services.minimisation`).
    MINIMISATION = "minimisation"

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
    RetentionClass.MINIMISATION: "Refuted and not-reportable findings and their evidence (minimisation)",
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


class MinimisationStatus(StrEnum):
    PROPOSED = "proposed"
    #: Approved and carried out: the findings' content overwritten, their evidence deleted.
    MINIMISED = "minimised"


class MinimisationReason(StrEnum):
    """Why a finding never reaches the board, so that it may be purged early (RET-11)."""

    REFUTED = "refuted"
    WITHDRAWN = "withdrawn"
    NEVER_REPORTED = "never_reported"

    @property
    def label(self) -> str:
        return {
            "refuted": "Refuted by a validation step",
            "withdrawn": "Withdrawn by an investigator",
            "never_reported": "A category never reported to the board",
        }[self.value]


class Minimisation(Base):
    """A proposal to purge a batch of findings (RET-11), approved by a second person and carried out."""

    __tablename__ = "minimisations"
    __table_args__ = (
        CheckConstraint("(status = 'minimised') = (minimised_at IS NOT NULL)", name="minimised_at_iff_minimised"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id != proposed_by_id", name="second_person"),
        Index("ix_minimisations_status", "status"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("minimisation", str(self.id))

    id: Mapped[intpk]
    status: Mapped[MinimisationStatus] = mapped_column(enum_column(MinimisationStatus, "minimisation_status"))
    #: The schedule version relied on (None: the built-in defaults) and the citation of the class.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("retention_schedules.id"))
    citation: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[created_ts]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    minimised_at: Mapped[datetime | None]

    findings: Mapped[list[MinimisedFinding]] = relationship(order_by="MinimisedFinding.id", lazy="selectin")


class MinimisedFinding(Base):
    """One finding of a minimisation; once carried out, its tombstone: ids, code, why, dates, and
    counts and SHA-256 digests of what was destroyed (never content)."""

    __tablename__ = "minimised_findings"

    id: Mapped[intpk]
    minimisation_id: Mapped[int] = mapped_column(ForeignKey("minimisations.id"), index=True)
    #: A finding is in one minimisation at most.
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    candidate_code: Mapped[str] = mapped_column(String(16))
    reason: Mapped[MinimisationReason] = mapped_column(enum_column(MinimisationReason, "minimisation_reason"))
    #: The date the period ran from (see :mod:`vetting.services.minimisation`) and the earliest purge date.
    trigger_date: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    destroyed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    files_deleted: Mapped[int] = mapped_column(Integer, default=0)
