"""Long work run by the worker off the request (issue 17): one row per job, claimed by status.

A job is claimed by moving it to ``running`` with a new attempt number; only the attempt that
holds the claim may record the result, so a job re-run after a crashed worker finishes once.
Parameters, errors and file names hold ids and codes only, never candidate content.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vetting.audit.events import Subject
from vetting.models.base import Base, created_ts, intpk
from vetting.models.user import enum_column


class JobKind(StrEnum):
    #: The auditor's cycle report as a PDF (``vetting.services.audit_report``).
    AUDIT_REPORT = "audit_report"
    #: ``vetting audit verify --full`` for an auditor: a JSON report, and a signed marker when intact.
    CHAIN_CHECK = "audit_chain_check"
    #: A cycle's uniformity matrix as CSV (``GET /audit/cycles/{id}/uniformity.csv``).
    UNIFORMITY_CSV = "uniformity_csv"
    #: The audit chain's export as JSON Lines (``GET /audit/export``).
    AUDIT_EXPORT = "audit_export"
    #: A production bundle for a records request, discovery or an inspection (issue 15, RET-08): a ZIP.
    PRODUCTION = "production"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def media_type(self) -> str:
        """The content type of the kind's file."""
        return _KIND_MEDIA_TYPES[self]


_KIND_LABELS = {
    JobKind.AUDIT_REPORT: "Audit report",
    JobKind.CHAIN_CHECK: "Full audit chain check",
    JobKind.UNIFORMITY_CSV: "Uniformity CSV",
    JobKind.AUDIT_EXPORT: "Audit export",
    JobKind.PRODUCTION: "Production bundle",
}
_KIND_MEDIA_TYPES = {
    JobKind.AUDIT_REPORT: "application/pdf",
    JobKind.CHAIN_CHECK: "application/json",
    JobKind.UNIFORMITY_CSV: "text/csv",
    JobKind.AUDIT_EXPORT: "application/x-ndjson",
    JobKind.PRODUCTION: "application/zip",
}


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("(status = 'done') = (result_file IS NOT NULL)", name="result_iff_done"),
        CheckConstraint("(status = 'failed') = (error_code IS NOT NULL)", name="error_iff_failed"),
        CheckConstraint("progress_done >= 0 AND progress_done <= progress_total", name="progress_in_range"),
        # The worker's sweep looks for unfinished jobs.
        Index("ix_jobs_status", "status"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("job", str(self.id))

    id: Mapped[intpk]
    kind: Mapped[JobKind] = mapped_column(enum_column(JobKind, "job_kind"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Ids and options only (e.g. ``{"cycle_id": 3}``).
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    #: Raised by each claim; only the current attempt records the result.
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_ts]
    started_at: Mapped[datetime | None]
    #: Written while a worker runs the job: a claim older than the worker's lease is abandoned.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: The download's file name, e.g. ``audit-report-cycle-3.pdf``.
    result_name: Mapped[str | None] = mapped_column(String(200))
    #: The sealed file's storage name in the job results store (the store's ``jobs`` folder).
    result_file: Mapped[str | None] = mapped_column(String(64))
    #: The result's data key, wrapped by the master key.
    result_key: Mapped[str | None] = mapped_column(Text)
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    result_bytes: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64))
    #: What went wrong, in words fit for the requester (never candidate content).
    error_message: Mapped[str | None] = mapped_column(String(300))
