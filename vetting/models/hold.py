"""Legal holds (issue 15 point 2; RET-02, RET-03): a matter that preserves candidates' records.

A hold names its matter (name, reference, reason) and a scope of one or more parts: whole cycles,
single candidates, or a position (the cycle's ``position`` text) with a date range, so every other
candidate for the same position added in that range is held too (RET-02: "including those of other
candidates for the same position"). While a hold is not released, nothing of a held candidate is
disposed of, edited away or purged. A hold is released, never deleted: its row is the record that
the records were kept and why they stopped being kept.

Matter fields are stored in clear: they name a lawsuit or a charge, not a candidate's content.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.errors import Conflict, ValidationFailed
from vetting.models.base import Base, intpk, str200
from vetting.models.user import enum_column


class HoldScopeKind(StrEnum):
    """What one part of a hold's scope names."""

    CYCLE = "cycle"
    CANDIDATE = "candidate"
    POSITION = "position"

    @property
    def label(self) -> str:
        return {"cycle": "Whole cycle", "candidate": "Candidate", "position": "Position and dates"}[self.value]


class LegalHold(Base):
    __tablename__ = "legal_holds"
    __table_args__ = (
        # A release names who, when and why, all three or none.
        CheckConstraint("(released_at IS NULL) = (released_by_id IS NULL)", name="released_by_iff_released"),
        CheckConstraint("(released_at IS NULL) = (release_reason IS NULL)", name="release_reason_iff_released"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("legal_hold", str(self.id))

    id: Mapped[intpk]
    #: The matter the records are kept for ("Doe v. City").
    matter: Mapped[str200]
    #: The matter's reference: a docket, charge or claim number.
    reference: Mapped[str] = mapped_column(String(100))
    #: Why the records are held (the trigger: a charge filed, a claim letter, a records dispute; RET-03).
    reason: Mapped[str] = mapped_column(Text)
    #: When counsel should look again at whether the hold is still needed (never a release by itself).
    review_by: Mapped[date | None] = mapped_column(Date)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)

    scopes: Mapped[list[HoldScope]] = relationship(
        back_populates="hold", lazy="selectin", order_by="HoldScope.id", cascade="all, delete-orphan"
    )

    @classmethod
    def place(
        cls,
        *,
        matter: str,
        reference: str,
        reason: str,
        review_by: date | None,
        scopes: list[HoldScope],
        by_id: int,
        at: datetime,
    ) -> LegalHold:
        """A new hold in force from ``at``; the caller has checked the fields and the scope's ids."""
        if not scopes:
            raise ValidationFailed("A hold needs a scope: cycles, candidates or a position.", field="scope")
        return cls(
            matter=matter,
            reference=reference,
            reason=reason,
            review_by=review_by,
            scopes=scopes,
            placed_by_id=by_id,
            placed_at=at,
        )

    @property
    def active(self) -> bool:
        return self.released_at is None

    def release(self, *, by_id: int, at: datetime, reason: str) -> None:
        """End the hold (the matter reached its final disposition); the caller has checked who may."""
        if self.released_at is not None:
            raise Conflict("This hold was already released.", code="hold_released")
        if by_id == self.placed_by_id:
            # The policy refuses this first; the model keeps the invariant whoever calls it.
            raise Conflict(
                "The person who placed a hold never releases it: a second person must.",
                code="second_person_required",
            )
        self.released_by_id = by_id
        self.released_at = at
        self.release_reason = reason


class HoldScope(Base):
    """One part of a hold's scope: a cycle, a candidate, or a position over a date range.

    A position's range is stored twice: the agency's dates as entered (``from_date``, ``to_date``,
    inclusive) and the instants they start and end at in UTC (``from_at``, ``until_at``,
    ``until_at`` exclusive; ``NULL``: no end yet), so the held-candidates query compares
    ``candidates.created_at`` in SQL without any time-zone arithmetic.
    """

    __tablename__ = "legal_hold_scopes"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'cycle') = (cycle_id IS NOT NULL)"
            " AND (kind = 'candidate') = (candidate_id IS NOT NULL)"
            " AND (kind = 'position') = (position IS NOT NULL AND from_date IS NOT NULL AND from_at IS NOT NULL)",
            name="one_target_per_kind",
        ),
        CheckConstraint("to_date IS NULL OR to_date >= from_date", name="range_forwards"),
        CheckConstraint("(to_date IS NULL) = (until_at IS NULL)", name="until_iff_to_date"),
    )

    id: Mapped[intpk]
    hold_id: Mapped[int] = mapped_column(ForeignKey("legal_holds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[HoldScopeKind] = mapped_column(enum_column(HoldScopeKind, "hold_scope_kind"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(200))
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    from_at: Mapped[datetime | None]
    until_at: Mapped[datetime | None]

    hold: Mapped[LegalHold] = relationship(back_populates="scopes")

    @classmethod
    def of_cycle(cls, cycle_id: int) -> HoldScope:
        return cls(kind=HoldScopeKind.CYCLE, cycle_id=cycle_id)

    @classmethod
    def of_candidate(cls, candidate_id: int) -> HoldScope:
        return cls(kind=HoldScopeKind.CANDIDATE, candidate_id=candidate_id)

    @classmethod
    def of_position(
        cls, position: str, from_date: date, to_date: date | None, from_at: datetime, until_at: datetime | None
    ) -> HoldScope:
        if to_date is not None and to_date < from_date:
            raise ValidationFailed("The date range ends before it starts.", field="to_date")
        return cls(
            kind=HoldScopeKind.POSITION,
            position=position,
            from_date=from_date,
            to_date=to_date,
            from_at=from_at,
            until_at=until_at,
        )
