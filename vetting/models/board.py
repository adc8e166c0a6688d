"""The hiring board's records: recommendations, decisions, notices to the candidate and the
candidate's responses, questions to investigators, and the agency's holidays.

Everything the board writes (rationales, questions) and what comes back to it (answers,
the candidate's response as the board reads it) is candidate content: sealed under the
candidate's data key, like findings. Which released findings a recommendation or decision
relies on is kept as release ids, so a later re-release cannot change what was cited.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.models.base import Base, created_ts, intpk, str200
from vetting.models.user import User, enum_column


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


class ResponseKind(StrEnum):
    RESPONSE = "response"
    #: The candidate says one or more findings are wrong: they go back for re-validation (FCRA-09).
    DISPUTE = "dispute"


class Recommendation(Base):
    """One board member's recommendation for a candidate. A new one supersedes the last."""

    __tablename__ = "recommendations"

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


class Decision(Base):
    """The board's decision for a candidate: proposed (adverse, on findings) then final."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("outcome IN ('advance', 'do_not_advance')", name="decision_outcome"),
        CheckConstraint("(status = 'final') = (response_due IS NULL)", name="due_unless_final"),
    )

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    status: Mapped[DecisionStatus] = mapped_column(enum_column(DecisionStatus, "decision_status"))
    rationale_enc: Mapped[str] = mapped_column(Text)
    release_ids: Mapped[list[int]] = mapped_column(JSON)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]
    #: Last day of the candidate's response window (business days, agency holidays excluded);
    #: kept on a withdrawn proposal, absent on a final decision.
    response_due: Mapped[date | None] = mapped_column(Date)
    #: The proposal this final decision completes.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    withdrawn_at: Mapped[datetime | None]

    recorded_by: Mapped[User] = relationship(lazy="joined")


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
    response_due: Mapped[date | None] = mapped_column(Date)
    response_days: Mapped[int | None]
    fcra: Mapped[bool] = mapped_column(Boolean, default=False)
    cra_name: Mapped[str | None] = mapped_column(String(200))
    cra_address: Mapped[str | None] = mapped_column(String(500))
    cra_phone: Mapped[str | None] = mapped_column(String(40))


class CandidateResponse(Base):
    """What the candidate answered to a pre-decision notice, recorded by an investigator.

    The text as written is sealed; the board reads it with every detector hit redacted.
    A dispute names findings; they go back to the investigators and the decision waits
    until the dispute is closed after re-validation (POL-06, FCRA-09).
    """

    __tablename__ = "candidate_responses"

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    kind: Mapped[ResponseKind] = mapped_column(enum_column(ResponseKind, "response_kind"))
    received_on: Mapped[date] = mapped_column(Date)
    text_enc: Mapped[str] = mapped_column(Text)
    #: Disputed findings (finding ids).
    finding_ids: Mapped[list[int]] = mapped_column(JSON)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing_notes_enc: Mapped[str | None] = mapped_column(Text)


class BoardQuestion(Base):
    """A board member's question about a released finding, answered by an investigator and
    approved by a second one before the board reads it (the firewall's two-person rule)."""

    __tablename__ = "board_questions"

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
