"""Public-records requests (issue 15 point 4; RET-10): the intake log, the working copy's
decisions and the release log.

A request is logged with its requester, the day it was received, the statute it was made under,
the day the answer is due (business days after receipt) and its scope (cycles, candidates and a
description). A records officer decides, item by item, what of the scope's released findings
goes out and under which exemption (:data:`EXEMPTIONS`); they prepare the release, a second
person approves it and someone releases it. Nothing moves by itself: no timer or job changes a
request's state (RET-10: never auto-release).

The requester's name and contact are stored in clear, not sealed: sealing uses a candidate's data
key, and a request is not a candidate's record. The request log must outlive every candidate it
names (a disposition destroys their keys) because it is itself the agency's record of what it
released to whom. They stay off the audit chain, which names the request by id only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.errors import Conflict, ValidationFailed
from vetting.models.base import Base, intpk, str200
from vetting.models.user import enum_column


@dataclass(frozen=True)
class Exemption:
    code: str
    label: str
    #: What the release log and the letter to the requester cite.
    citation: str


#: The exemptions a records officer applies, by code (RET-10). Reviewed data: each citation is an
#: example of the law the rule names; an agency outside California cites its own state's statute
#: in the request's ``statute`` and these codes still say which kind of exemption applies.
EXEMPTIONS: Final[dict[str, Exemption]] = {
    e.code: e
    for e in (
        Exemption(
            "confidential_background_file",
            "Confidential background file",
            "Applicant background investigation files are confidential (Johnson v. Winter (1982) "
            "127 Cal.App.3d 435; KY 502 KAR 45:065).",
        ),
        Exemption(
            "personnel_record",
            "Peace-officer personnel record",
            "Peace-officer and applicant personnel records are confidential (Cal. Penal Code §§ 832.7, 832.8).",
        ),
        Exemption(
            "third_party_privacy",
            "Third-party privacy",
            "Disclosure would be an unwarranted invasion of the personal privacy of a person other "
            "than the requester (Cal. Gov. Code § 7927.700).",
        ),
        Exemption(
            "confidential_source",
            "Confidential source",
            "Information from a source who was promised confidentiality (Cal. Gov. Code § 7923.600; "
            "Cal. Evid. Code § 1040).",
        ),
        Exemption(
            "protected_class",
            "Protected-class information",
            "Information on a protected characteristic that played no part in the decision "
            "(Cal. Gov. Code § 12940; 29 CFR 1602.14, kept apart from the file).",
        ),
    )
}


class RequestStatus(StrEnum):
    INTAKE = "intake"
    IN_REVIEW = "in_review"
    PREPARED = "prepared"
    APPROVED = "approved"
    RELEASED = "released"
    CLOSED = "closed"
    DENIED = "denied"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def open(self) -> bool:
        return self not in (RequestStatus.RELEASED, RequestStatus.CLOSED, RequestStatus.DENIED)


class ItemDecision(StrEnum):
    """What of one item goes out: its released (redacted) text, or nothing."""

    RELEASE_TEXT = "release_text"
    WITHHOLD = "withhold"

    @property
    def label(self) -> str:
        return {"release_text": "Released text only", "withhold": "Withheld"}[self.value]


#: States where the working copy's decisions may still change.
EDITABLE: Final = (RequestStatus.INTAKE, RequestStatus.IN_REVIEW)


def _state(message: str) -> Conflict:
    return Conflict(message, code="request_state")


class RecordsRequest(Base):
    __tablename__ = "records_requests"
    __table_args__ = (
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        CheckConstraint("(prepared_at IS NULL) = (prepared_by_id IS NULL)", name="prepared_by_iff_prepared"),
        CheckConstraint("(approved_at IS NULL) = (approved_by_id IS NULL)", name="approved_by_iff_approved"),
        CheckConstraint("(released_at IS NULL) = (released_by_id IS NULL)", name="released_by_iff_released"),
        CheckConstraint("(closed_at IS NULL) = (closed_by_id IS NULL)", name="closed_by_iff_closed"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id != prepared_by_id", name="second_person"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("records_request", str(self.id))

    id: Mapped[intpk]
    requester_name: Mapped[str200]
    requester_contact: Mapped[str200]
    received_on: Mapped[date] = mapped_column(Date)
    statute: Mapped[str200]
    due_on: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    cycle_ids: Mapped[list[int]] = mapped_column(JSON)
    candidate_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, "records_request_status"), index=True)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    logged_at: Mapped[datetime]
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)
    #: What the prepared release holds (items by candidate code, decisions, codes, counts); fixed
    #: when prepared, and the release log once released: ids, codes and counts, no content.
    release_log: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    items: Mapped[list[RecordsRequestItem]] = relationship(
        back_populates="request", lazy="selectin", order_by="RecordsRequestItem.id", cascade="all, delete-orphan"
    )

    @classmethod
    def log(
        cls,
        *,
        requester_name: str,
        requester_contact: str,
        received_on: date,
        statute: str,
        due_on: date,
        description: str,
        cycle_ids: list[int],
        candidate_ids: list[int],
        by_id: int,
        at: datetime,
    ) -> RecordsRequest:
        """A new request in intake; the caller has checked the fields and the scope's ids."""
        if due_on < received_on:
            raise ValidationFailed("The due date is before the day the request was received.", field="due_on")
        if not (cycle_ids or candidate_ids):
            raise ValidationFailed("A request needs a scope: cycles or candidates.", field="scope")
        return cls(
            requester_name=requester_name,
            requester_contact=requester_contact,
            received_on=received_on,
            statute=statute,
            due_on=due_on,
            description=description,
            cycle_ids=cycle_ids,
            candidate_ids=candidate_ids,
            status=RequestStatus.INTAKE,
            logged_by_id=by_id,
            logged_at=at,
        )

    def require_editable(self) -> None:
        """Refuse (409 ``request_state``) unless the working copy may still change."""
        if self.status not in EDITABLE:
            raise _state(f"This request is {self.status.label.lower()}: its working copy no longer changes.")

    def decide(self, item: RecordsRequestItem) -> None:
        """Record (or replace) the decision on one item of the working copy; review starts."""
        self.require_editable()
        for existing in self.items:
            if existing.release_id == item.release_id:
                existing.decision = item.decision
                existing.exemption_code = item.exemption_code
                existing.decided_by_id = item.decided_by_id
                existing.decided_at = item.decided_at
                break
        else:
            self.items.append(item)
        self.status = RequestStatus.IN_REVIEW

    def prepare(self, *, by_id: int, at: datetime, log: dict[str, Any]) -> None:
        """Fix what will go out; the caller has checked every item of the scope is decided."""
        self.require_editable()
        self.status = RequestStatus.PREPARED
        self.prepared_by_id = by_id
        self.prepared_at = at
        self.release_log = log

    def approve(self, *, by_id: int, at: datetime) -> None:
        if self.status is not RequestStatus.PREPARED:
            raise _state("Only a prepared release is approved.")
        if by_id == self.prepared_by_id:
            # The policy refuses this first; the model keeps the invariant whoever calls it.
            raise Conflict(
                "The person who prepared a release never approves it: a second person must.",
                code="second_person_required",
            )
        self.status = RequestStatus.APPROVED
        self.approved_by_id = by_id
        self.approved_at = at

    def release(self, *, by_id: int, at: datetime) -> None:
        """Record that the approved release went to the requester (a person does it, never a job)."""
        if self.status is not RequestStatus.APPROVED:
            raise _state("Only an approved release is released: a second person approves it first.")
        self.status = RequestStatus.RELEASED
        self.released_by_id = by_id
        self.released_at = at

    def close(self, *, by_id: int, at: datetime, reason: str, denied: bool) -> None:
        """End an open request without a release: closed (withdrawn, no records) or denied."""
        if not self.status.open:
            raise _state(f"This request is already {self.status.label.lower()}.")
        self.status = RequestStatus.DENIED if denied else RequestStatus.CLOSED
        self.closed_by_id = by_id
        self.closed_at = at
        self.close_reason = reason


class RecordsRequestItem(Base):
    """The decision on one item of a request's working copy: one released finding (its release
    row), its text released or the whole item withheld, and the exemption that applies."""

    __tablename__ = "records_request_items"
    #: One decision per item and request (``uq_records_request_items_request_id``).
    __table_args__ = (UniqueConstraint("request_id", "release_id"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"))
    release_id: Mapped[int] = mapped_column(ForeignKey("finding_releases.id"))
    decision: Mapped[ItemDecision] = mapped_column(enum_column(ItemDecision, "records_item_decision"))
    exemption_code: Mapped[str] = mapped_column(String(40))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]

    request: Mapped[RecordsRequest] = relationship(back_populates="items")
