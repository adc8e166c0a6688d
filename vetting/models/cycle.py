"""Hiring cycles and per-cycle assignments (the R2 seam)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from vetting.audit.events import Subject
from vetting.errors import Conflict
from vetting.models.base import Base, created_ts, intpk, str200
from vetting.models.user import User, enum_column

if TYPE_CHECKING:
    from vetting.models.checklist import ChecklistVersion


class CycleStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Duty(StrEnum):
    """What a person does in one cycle: search, or decide (never both, POL-01)."""

    INVESTIGATOR = "investigator"
    BOARD_MEMBER = "board_member"

    @property
    def label(self) -> str:
        return "Investigator" if self is Duty.INVESTIGATOR else "Board member"


class DecisionRule(StrEnum):
    """Who records the board's decision for a candidate."""

    #: The cycle's chair, once the quorum of recommendations is in.
    CHAIR = "chair"
    #: Any board member, once the quorum is in, and only the outcome most members recommend.
    MAJORITY = "majority"

    @property
    def label(self) -> str:
        return {"chair": "The chair decides", "majority": "Any member records the majority's outcome"}[self.value]


class Cycle(Base):
    __tablename__ = "cycles"

    @property
    def audit_subject(self) -> Subject:
        return Subject("cycle", str(self.id))

    __table_args__ = (
        CheckConstraint("(status = 'draft') = (opened_at IS NULL)", name="opened_at_iff_not_draft"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
        CheckConstraint("status = 'draft' OR checklist_version_id IS NOT NULL", name="open_cycle_has_checklist"),
        CheckConstraint("identity_match_minimum BETWEEN 1 AND 8", name="identity_match_minimum_range"),
        # Never shorter than 5 business days (FCRA-07's practice floor, applied in every mode).
        CheckConstraint("response_days BETWEEN 5 AND 60", name="response_days_range"),
        CheckConstraint("decision_quorum BETWEEN 1 AND 50", name="decision_quorum_range"),
        CheckConstraint(
            "NOT fcra_mode OR (cra_name IS NOT NULL AND cra_address IS NOT NULL AND cra_phone IS NOT NULL)",
            name="fcra_mode_names_the_agency",
        ),
    )

    id: Mapped[intpk]
    title: Mapped[str200]
    position: Mapped[str200]
    #: Board members see candidates by code, never by name.
    blind_review: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[CycleStatus] = mapped_column(enum_column(CycleStatus, "cycle_status"), default=CycleStatus.DRAFT)
    created_at: Mapped[created_ts]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: The frozen checklist every candidate of the cycle gets (R6); fixed once the cycle opens.
    checklist_version_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_versions.id"))
    #: How many identifiers must tie a finding to the candidate before it can move on (SM-05).
    identity_match_minimum: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    #: Who records the board's decision, and how many recommendations must be in first.
    decision_rule: Mapped[DecisionRule] = mapped_column(
        enum_column(DecisionRule, "decision_rule"), default=DecisionRule.CHAIR, server_default="chair"
    )
    decision_quorum: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Business days the candidate has to answer a pre-decision notice.
    response_days: Mapped[int] = mapped_column(Integer, default=5, server_default=text("5"))
    #: Findings come from a third-party consumer reporting agency: FCRA notices apply (FCRA-06, FCRA-08).
    fcra_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cra_name: Mapped[str | None] = mapped_column(String(200))
    cra_address: Mapped[str | None] = mapped_column(String(500))
    cra_phone: Mapped[str | None] = mapped_column(String(40))

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="cycle", lazy="selectin", order_by="Assignment.id"
    )
    checklist_version: Mapped[ChecklistVersion | None] = relationship(lazy="selectin")

    def open(self, now: datetime) -> None:
        if self.status is not CycleStatus.DRAFT:
            raise Conflict(f"Only a draft cycle can be opened; this one is {self.status}.", code="invalid_transition")
        if self.checklist_version_id is None:
            raise Conflict(
                "Choose the cycle's published checklist version before opening it: every candidate gets exactly "
                "that version (R6).",
                code="checklist_required",
            )
        self.status = CycleStatus.OPEN
        self.opened_at = now

    def close(self, now: datetime) -> None:
        if self.status is not CycleStatus.OPEN:
            raise Conflict(f"Only an open cycle can be closed; this one is {self.status}.", code="invalid_transition")
        self.status = CycleStatus.CLOSED
        self.closed_at = now

    def assignment_of(self, user_id: int) -> Assignment | None:
        """The user's assignment row here, current or ended (one per person per cycle)."""
        return next((a for a in self.assignments if a.user_id == user_id), None)

    def duty_of(self, user_id: int) -> Duty | None:
        """The user's current duty here, if any."""
        assignment = self.assignment_of(user_id)
        return assignment.duty if assignment is not None and assignment.ended_at is None else None

    @property
    def current_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments if a.ended_at is None]

    def members(self, duty: Duty) -> list[User]:
        """The accounts holding ``duty`` now (loaded on first use: see :data:`WITH_MEMBERS`)."""
        return [a.user for a in self.current_assignments if a.duty is duty]

    def member_ids(self, duty: Duty) -> set[int]:
        """The ids of those holding ``duty`` now, without loading their accounts."""
        return {a.user_id for a in self.current_assignments if a.duty is duty}


class Assignment(Base):
    """A person's duty in a cycle. Ending it keeps the row, so someone who once searched
    in a cycle can never later decide in it, or the reverse (R2)."""

    __tablename__ = "assignments"
    # The database itself refuses a second duty for one person in one cycle (R2).
    __table_args__ = (UniqueConstraint("cycle_id", "user_id", name="one_duty_per_cycle"),)

    id: Mapped[intpk]
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    duty: Mapped[Duty] = mapped_column(enum_column(Duty, "duty"))
    created_at: Mapped[created_ts]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]

    cycle: Mapped[Cycle] = relationship(back_populates="assignments")
    # Not loaded with the assignment: every permission check reads the cycle's assignments,
    # and loading each member's account (with its roles and designation) cost ~180 objects a
    # request under load (issue 17). Pages that name the members load them with WITH_MEMBERS.
    user: Mapped[User] = relationship(foreign_keys=[user_id])


#: Loader option for a cycle whose members are named (pages and lists): their accounts in one go.
WITH_MEMBERS = selectinload(Cycle.assignments).selectinload(Assignment.user)
