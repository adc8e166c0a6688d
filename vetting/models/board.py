"""The hiring board's records: recommendations, decisions, notices to the candidate and the
candidate's responses, questions to investigators, and the agency's holidays.

Everything the board writes (rationales, questions) and what comes back to it (answers,
the candidate's response as the board reads it) is candidate content: sealed under the
candidate's data key, like findings. Which released findings a recommendation or decision
relies on is kept as release ids, so a later re-release cannot change what was cited.

The rows own their transitions (superseding, withdrawing, finalising, answering, approving,
closing a dispute) and refuse a wrong one with a :class:`Conflict`; who may make it is policy's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.crypto import Sealed, SealedFields
from vetting.errors import Conflict
from vetting.models.base import Base, UTCDateTime, created_ts, intpk, str200
from vetting.models.user import User, enum_column

if TYPE_CHECKING:
    from vetting.models.cycle import Cycle


class Outcome(StrEnum):
    """What a board member recommends, and (the first two) what the board decides."""

    ADVANCE = "advance"
    DO_NOT_ADVANCE = "do_not_advance"
    NEEDS_MORE_INFORMATION = "needs_more_information"

    @property
    def label(self) -> str:
        return {
            "advance": "Advance",
            "do_not_advance": "Do not advance",
            "needs_more_information": "Needs more information",
        }[self.value]

    @property
    def adverse(self) -> bool:
        return self is Outcome.DO_NOT_ADVANCE


#: A decision is one of these; "needs more information" is a recommendation only.
DECISION_OUTCOMES = (Outcome.ADVANCE, Outcome.DO_NOT_ADVANCE)


class DecisionStatus(StrEnum):
    #: Adverse and relying on findings: the candidate has been given notice and may respond.
    PROPOSED = "proposed"
    FINAL = "final"
    #: A proposal the board replaced (a new proposal, or a favourable final decision).
    WITHDRAWN = "withdrawn"


class NoticeKind(StrEnum):
    PRE_DECISION = "pre_decision"
    ADVERSE_ACTION = "adverse_action"

    @property
    def label(self) -> str:
        return {"pre_decision": "Pre-decision notice", "adverse_action": "Final adverse-action notice"}[self.value]


class NoticeDelivery(StrEnum):
    """How a notice reached the candidate, which starts its response window (issue 16 point 3)."""

    #: The e-mail carrying the notice's link left the outbox.
    EMAIL = "email"
    #: The candidate opened the notice's link (a link staff handed over, or opened before the
    #: e-mail was recorded as sent): whoever opened it had it.
    LINK = "link"
    #: Staff recorded that they handed it over (paper, or in person).
    HAND = "hand"

    @property
    def label(self) -> str:
        return {"email": "e-mailed", "link": "opened through its link", "hand": "handed over"}[self.value]


class ResponseKind(StrEnum):
    RESPONSE = "response"
    #: The candidate says one or more findings are wrong: they go back for re-validation (FCRA-09).
    DISPUTE = "dispute"


class Recommendation(Base):
    """One board member's recommendation for a candidate. A new one supersedes the last."""

    __tablename__ = "recommendations"
    sealed: ClassVar[SealedFields] = {"rationale": Sealed("recommendation-rationale")}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    rationale_enc: Mapped[str] = mapped_column(Text)
    #: The releases cited; empty means the member stated that no finding was relied on.
    release_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[created_ts]
    superseded_at: Mapped[datetime | None]

    member: Mapped[User] = relationship(lazy="joined")

    def supersede(self, now: datetime) -> None:
        """The member recorded a newer recommendation; this one stays on record."""
        self.superseded_at = now


class Decision(Base):
    """The board's decision for a candidate: proposed (adverse, on findings) then final."""

    __tablename__ = "decisions"
    sealed: ClassVar[SealedFields] = {"rationale": Sealed("decision-rationale")}
    __table_args__ = (
        CheckConstraint("outcome IN ('advance', 'do_not_advance')", name="decision_outcome"),
        # A proposal's window starts when its notice is delivered (until then no due date).
        CheckConstraint("status != 'final' OR response_due IS NULL", name="final_has_no_due"),
    )

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    status: Mapped[DecisionStatus] = mapped_column(enum_column(DecisionStatus, "decision_status"))
    rationale_enc: Mapped[str] = mapped_column(Text)
    release_ids: Mapped[list[int]] = mapped_column(JSON)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]
    #: Last day of the candidate's response window (business days, agency holidays excluded),
    #: set when the pre-decision notice is delivered (None until then); kept on a withdrawn
    #: proposal, absent on a final decision.
    response_due: Mapped[date | None] = mapped_column(Date)
    #: The proposal this final decision completes.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    withdrawn_at: Mapped[datetime | None]

    recorded_by: Mapped[User] = relationship(lazy="joined")

    def completed_by(self, outcome: Outcome, finding_ids: Iterable[int], noticed: Iterable[int]) -> bool:
        """Whether deciding ``outcome`` on ``finding_ids`` completes this proposal: the same outcome,
        relying on no finding the candidate was not given notice of (``noticed``, FCRA-06)."""
        return outcome is self.outcome and set(finding_ids) <= set(noticed)

    def require_finalisable(self, on: date, disputed: list[int]) -> None:
        """Refuse to make this proposal final while ``disputed`` findings wait on re-validation
        (FCRA-09), before its notice reached the candidate (FCRA-06: the copy is *given* before
        adverse action; no window has started) or on ``on`` the response window is still open (FCRA-07)."""
        if disputed:
            raise Conflict(
                "The candidate disputes finding " + ", ".join(str(f) for f in disputed) + ": the decision waits "
                "until investigators have re-validated and closed the dispute.",
                code="dispute_pending",
            )
        if self.response_due is None:
            raise Conflict(
                "The pre-decision notice has not been delivered to the candidate, so the response window has not "
                "started: e-mail its link, or record when it was handed over.",
                code="notice_not_delivered",
            )
        if on <= self.response_due:
            raise Conflict(
                f"The candidate's response window runs until the end of {self.response_due:%A %d %B %Y}; the final "
                "adverse decision can be recorded after it.",
                code="response_window_open",
            )

    def withdraw(self, now: datetime) -> None:
        """The board replaced this proposal (a new proposal, or a favourable final decision)."""
        self.status = DecisionStatus.WITHDRAWN
        self.withdrawn_at = now


class Notice(Base):
    """A notice to the candidate, built from released (redacted) text only.

    The consumer-reporting-agency details are copied in when the notice is issued, so the
    notice reads the same later even if the cycle's settings change (FCRA-06, FCRA-08).
    """

    __tablename__ = "notices"

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, "notice_kind"))
    issued_at: Mapped[created_ts]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Last day of the response window: set at delivery (a pre-decision notice only).
    response_due: Mapped[date | None] = mapped_column(Date)
    #: The window's length in business days, the cycle's rule when the notice was issued.
    response_days: Mapped[int | None]
    fcra: Mapped[bool] = mapped_column(Boolean, default=False)
    cra_name: Mapped[str | None] = mapped_column(String(200))
    cra_address: Mapped[str | None] = mapped_column(String(500))
    cra_phone: Mapped[str | None] = mapped_column(String(40))
    #: When and how it reached the candidate (the first delivery counts), and who recorded a
    #: delivery by hand.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_via: Mapped[NoticeDelivery | None] = mapped_column(enum_column(NoticeDelivery, "notice_delivery"))
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @classmethod
    def issue(cls, cycle: Cycle, decision: Decision, kind: NoticeKind, issued_by_id: int) -> Notice:
        """The notice of ``decision``, with the cycle's response window (a pre-decision notice) and
        agency details as they are now. The window starts at delivery (:meth:`deliver`)."""
        return cls(
            candidate_id=decision.candidate_id,
            decision_id=decision.id,
            kind=kind,
            issued_by_id=issued_by_id,
            response_due=None,
            response_days=cycle.response_days if kind is NoticeKind.PRE_DECISION else None,
            fcra=cycle.fcra_mode,
            cra_name=cycle.cra_name if cycle.fcra_mode else None,
            cra_address=cycle.cra_address if cycle.fcra_mode else None,
            cra_phone=cycle.cra_phone if cycle.fcra_mode else None,
        )

    def deliver(self, at: datetime, via: NoticeDelivery, by_id: int | None, due: date | None) -> bool:
        """Record the first delivery and the window's last day (``due``: a pre-decision notice);
        ``False`` if it was delivered already (a later delivery never moves the window)."""
        if self.delivered_at is not None:
            return False
        self.delivered_at = at
        self.delivered_via = via
        self.delivered_by_id = by_id
        self.response_due = due
        return True


class CandidateResponse(Base):
    """What the candidate answered to a pre-decision notice, recorded by an investigator or sent online.

    The text as written is sealed; the board reads it with every detector hit redacted.
    A dispute names findings; they go back to the investigators and the decision waits
    until the dispute is closed after re-validation (POL-06, FCRA-09).
    """

    __tablename__ = "candidate_responses"
    sealed: ClassVar[SealedFields] = {"text": Sealed("response-text"), "closing_notes": Sealed("dispute-notes")}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    kind: Mapped[ResponseKind] = mapped_column(enum_column(ResponseKind, "response_kind"))
    received_on: Mapped[date] = mapped_column(Date)
    text_enc: Mapped[str] = mapped_column(Text)
    #: Disputed findings (finding ids).
    finding_ids: Mapped[list[int]] = mapped_column(JSON)
    #: The investigator who recorded it; NULL: the candidate sent it online through their link.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing_notes_enc: Mapped[str | None] = mapped_column(Text)

    def require_open_dispute(self) -> None:
        if self.kind is not ResponseKind.DISPUTE:
            raise Conflict("This response is not a dispute.", code="not_a_dispute")
        if self.closed_at is not None:
            raise Conflict("This dispute is already closed.", code="dispute_closed")

    def close(self, closed_by_id: int, now: datetime, notes_enc: str) -> None:
        """Close the dispute; the caller has checked that each finding was re-validated (POL-06)."""
        self.require_open_dispute()
        self.closed_at = now
        self.closed_by_id = closed_by_id
        self.closing_notes_enc = notes_enc


class BoardQuestion(Base):
    """A board member's question about a released finding, answered by an investigator and
    approved by a second one before the board reads it (the firewall's two-person rule)."""

    __tablename__ = "board_questions"
    sealed: ClassVar[SealedFields] = {"question": Sealed("question"), "answer": Sealed("answer")}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[created_ts]
    question_enc: Mapped[str] = mapped_column(Text)
    answer_enc: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]

    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id], lazy="joined")

    def require_unapproved(self) -> None:
        if self.approved_at is not None:
            raise Conflict("This answer has been approved and sent to the board.", code="answer_released")

    def require_approvable(self) -> None:
        if self.answer_enc is None:
            raise Conflict("This question has no answer yet.", code="not_answered")
        self.require_unapproved()

    def record_answer(self, answer_enc: str, answered_by_id: int, now: datetime) -> None:
        """Write (or re-word) the answer; it waits for a second investigator's approval."""
        self.require_unapproved()
        self.answer_enc = answer_enc
        self.answered_by_id = answered_by_id
        self.answered_at = now

    def approve(self, approved_by_id: int, now: datetime) -> None:
        """Send the answer to the board; the caller has checked who may (policy, R3)."""
        self.require_approvable()
        self.approved_by_id = approved_by_id
        self.approved_at = now


class Holiday(Base):
    """A day the agency is closed: not a business day of a response window (FCRA-07)."""

    __tablename__ = "holidays"

    @property
    def audit_subject(self) -> Subject:
        return Subject("holiday", str(self.id))

    id: Mapped[intpk]
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str200]
    created_at: Mapped[created_ts]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
