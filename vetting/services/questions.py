"""Questions from the board about a released finding, answered through the firewall (R2, R3).

The board never reaches raw findings; when it needs to know more it asks. The question and
the answer both pass the protected-class detector (a hit refuses the text with the reason
shown), and an answer reaches the board only after a second investigator, not its author,
approves it: the same two-person rule as a finding's release (POL-02), which is
:func:`vetting.policy.answer_approval_refusal`. The board reads its questions through
:func:`board_questions`, which applies the board's gate itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import Assignment, BoardQuestion, Candidate, Duty, User
from vetting.services import candidates, holds
from vetting.services.context import Security
from vetting.services.decisions import board_candidate, clean_text, released_text
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.released import released_findings
from vetting.services.vault import CandidateVault


def ask(
    session: Session, actor: User, security: Security, candidate_id: int, finding_id: int, question: str
) -> QuestionView:
    """Ask about a released finding; returns the question as the board sees it."""
    candidate = board_candidate(session, actor, candidate_id)
    if finding_id not in {f.finding_id for f in released_findings(session, security, candidate)}:
        raise ValidationFailed(
            f"Finding {finding_id} is not among this candidate's released findings.", field="finding_id"
        )
    vault = CandidateVault(security.keyring, candidate)
    cleared = released_text(session, security, candidate, [finding_id])
    text = clean_text(actor, question, "question", "question", candidate, vault, cleared)
    row = vault.add_sealed(
        session, BoardQuestion(candidate_id=candidate.id, finding_id=finding_id, asked_by_id=actor.id), question=text
    )
    record(session, actor, Event.BOARD_QUESTION_ASKED, subject=candidate, question=row.id, finding=finding_id)
    return _view_of(row, vault, for_board=True)


def candidate_of(session: Session, question_id: int) -> int:
    """The candidate a question is about (for pages that show it); access is checked by the action."""
    candidate_id = session.scalar(select(BoardQuestion.candidate_id).where(BoardQuestion.id == question_id))
    if candidate_id is None:
        raise NotFound("No such question.")
    return candidate_id


def _for_investigator(session: Session, actor: User, question_id: int) -> tuple[BoardQuestion, Candidate]:
    row = session.get(BoardQuestion, question_id, with_for_update={"of": BoardQuestion})
    if row is None:
        raise NotFound("No such question.")
    return row, candidates.get_for_work(session, actor, row.candidate_id)


def answer(session: Session, actor: User, security: Security, question_id: int, text: str) -> BoardQuestion:
    """Answer (or re-word the answer to) a board question; it waits for a second investigator.
    Re-wording is refused while the candidate is on legal hold (409 ``legal_hold``, RET-02: the
    draft would be overwritten); a first answer adds a record and stays allowed."""
    row, candidate = _for_investigator(session, actor, question_id)
    row.require_unapproved()
    if row.answer_enc is not None:
        holds.require_not_held(session, [candidate.id], actor)
    vault = CandidateVault(security.keyring, candidate)
    cited = released_text(session, security, candidate, [row.finding_id])
    cleaned = clean_text(actor, text, "answer", "answer", candidate, vault, cited)
    row.record_answer(vault.sealed(row, "answer", cleaned), actor.id, utcnow())
    record(session, actor, Event.BOARD_QUESTION_ANSWERED, subject=candidate, question=row.id)
    return row


def approve(session: Session, actor: User, question_id: int) -> BoardQuestion:
    """Send the answer to the board: a second investigator, never the one who wrote it (R3, POL-02)."""
    row, candidate = _for_investigator(session, actor, question_id)
    row.require_approvable()
    if code := policy.answer_approval_refusal(actor, row):
        raise Conflict("You wrote this answer; a second investigator of the cycle must approve it.", code=code)
    row.approve(actor.id, utcnow())
    record(session, actor, Event.BOARD_ANSWER_APPROVED, subject=candidate, question=row.id)
    return row


@dataclass(frozen=True)
class QuestionView:
    id: int
    candidate_id: int
    finding_id: int
    asked_by: str
    asked_at: datetime
    question: str
    #: For the board: only once approved.
    answer: str | None
    answered_by_id: int | None
    answered_at: datetime | None
    approved_at: datetime | None


def _view_of(row: BoardQuestion, vault: CandidateVault, *, for_board: bool) -> QuestionView:
    visible = row.answer_enc is not None and (row.approved_at is not None or not for_board)
    return QuestionView(
        id=row.id,
        candidate_id=row.candidate_id,
        finding_id=row.finding_id,
        asked_by=row.asked_by.name,
        asked_at=row.asked_at,
        question=vault.open_field(row, "question"),
        answer=vault.open_field(row, "answer") if visible and row.answer_enc else None,
        answered_by_id=row.answered_by_id if not for_board else None,
        answered_at=row.answered_at if visible else None,
        approved_at=row.approved_at,
    )


def board_questions(session: Session, actor: User, security: Security, candidate_id: int) -> list[QuestionView]:
    """A candidate's questions as the cycle's board reads them: answers only once approved (R3).
    Others get 404 or 403."""
    return _of_candidate(session, security, board_candidate(session, actor, candidate_id), for_board=True)


def investigator_questions(session: Session, actor: User, security: Security, candidate_id: int) -> list[QuestionView]:
    """A candidate's questions as the cycle's searchers read them: answers before approval, and who
    wrote them (R4 gate applies). Others get 404 or 403."""
    return _of_candidate(session, security, candidates.get_for_work(session, actor, candidate_id), for_board=False)


def _of_candidate(session: Session, security: Security, candidate: Candidate, *, for_board: bool) -> list[QuestionView]:
    """A candidate's questions, whose access the caller checked."""
    vault = CandidateVault(security.keyring, candidate)
    rows = session.scalars(
        select(BoardQuestion).where(BoardQuestion.candidate_id == candidate.id).order_by(BoardQuestion.id)
    )
    return [_view_of(r, vault, for_board=for_board) for r in rows]


def open_for(
    session: Session, actor: User, security: Security, page: PageRequest | None = None
) -> Page[tuple[Candidate, QuestionView]]:
    """One page of the questions not yet answered and approved in the cycles the actor searches
    in, oldest first, chosen by the database."""
    query = (
        select(BoardQuestion, Candidate)
        .join(Candidate, Candidate.id == BoardQuestion.candidate_id)
        .join(Assignment, Assignment.cycle_id == Candidate.cycle_id)
        .where(
            BoardQuestion.approved_at.is_(None),
            Assignment.user_id == actor.id,
            Assignment.duty == Duty.INVESTIGATOR,
            Assignment.ended_at.is_(None),
            Candidate.wrapped_key.is_not(None),
        )
    )
    if not policy.can(actor, policy.Action.INVESTIGATE):
        query = query.where(false())
    rows = paginate(session, query, [Key(BoardQuestion.id)], page or PageRequest(), name="questions")
    return rows.map(lambda r: (r[1], _view_of(r[0], CandidateVault(security.keyring, r[1]), for_board=False)))
