"""Demo data for the hiring board: how it decides, the agency's holidays, and candidates at
each step after the search (recommended, decided, notice given, disputed), with a question
answered through the firewall. All content is fictional."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.clock import today
from vetting.models import Candidate, Cycle, DecisionRule, Holiday, Outcome, Recommendation, ResponseKind, User
from vetting.services import cycles, decisions, holidays, notices, questions
from vetting.services.context import Security
from vetting.services.released import released_findings

#: United States federal holidays as observed, late 2026 to 2027 (an agency edits its own list).
HOLIDAYS = (
    ("2026-11-11", "Veterans Day"),
    ("2026-11-26", "Thanksgiving Day"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-01-18", "Martin Luther King Jr. Day"),
    ("2027-02-15", "Washington's Birthday"),
    ("2027-05-31", "Memorial Day"),
    ("2027-06-18", "Juneteenth (observed)"),
    ("2027-07-05", "Independence Day (observed)"),
    ("2027-09-06", "Labor Day"),
    ("2027-10-11", "Columbus Day"),
    ("2027-11-11", "Veterans Day"),
    ("2027-11-25", "Thanksgiving Day"),
    ("2027-12-24", "Christmas Day (observed)"),
)


def load(session: Session, security: Security, cycle: Cycle, admin: User, board: list[User], inv: list[User]) -> None:
    """Idempotent: rules and holidays once; board activity only if none is recorded yet."""
    if cycle.chair_id is None:
        cycles.set_board_rules(
            session,
            admin,
            cycle.id,
            cycles.BoardRules(
                DecisionRule.CHAIR, decision_quorum=2, chair_id=board[0].id, response_days=5, fcra_mode=False
            ),
        )
    if not session.scalar(select(func.count()).select_from(Holiday)):
        for day, name in HOLIDAYS:
            holidays.add_holiday(session, admin, date.fromisoformat(day), name)
    recorded = session.scalar(
        select(func.count()).select_from(Recommendation).join(Candidate).where(Candidate.cycle_id == cycle.id)
    )
    if recorded:
        return
    complete = session.scalars(
        select(Candidate)
        .where(Candidate.cycle_id == cycle.id, Candidate.search_completed_at.is_not(None))
        .order_by(Candidate.id)
    )
    with_findings: list[tuple[Candidate, list[int]]] = []
    clean: list[tuple[Candidate, list[int]]] = []
    for candidate in complete:
        released = released_findings(session, security, candidate)
        (with_findings if released else clean).append((candidate, [f.finding_id for f in released]))
    chair, member = board[0], board[1]
    for candidate, _ in clean[:1]:
        # Advanced: nothing reportable was found.
        for who in (chair, member):
            decisions.recommend(
                session,
                who,
                security,
                candidate.id,
                outcome=Outcome.ADVANCE,
                rationale="Search complete on the uniform checklist; nothing job-related was found.",
                finding_ids=[],
            )
        decisions.decide(
            session,
            chair,
            security,
            candidate.id,
            outcome=Outcome.ADVANCE,
            rationale="Both recommendations advance; no finding relied on.",
            finding_ids=[],
        )
    for n, (candidate, finding_ids) in enumerate(with_findings[:2]):
        cited = finding_ids[:1]
        questions_asked = questions.ask(
            session,
            member,
            security,
            candidate.id,
            cited[0],
            "Was this posted from an account the candidate listed on the application?",
        )
        if n == 0:
            questions.answer(
                session,
                inv[0],
                security,
                questions_asked.id,
                "Yes: the handle is the one listed on the application, and the profile photo matches.",
            )
            questions.approve(session, inv[1], questions_asked.id)
        for who in (chair, member):
            decisions.recommend(
                session,
                who,
                security,
                candidate.id,
                outcome=Outcome.DO_NOT_ADVANCE,
                rationale="The released finding shows conduct incompatible with the duties of a police officer.",
                finding_ids=cited,
            )
        decisions.decide(
            session,
            chair,
            security,
            candidate.id,
            outcome=Outcome.DO_NOT_ADVANCE,
            rationale="Proposed: the released finding shows conduct incompatible with police work.",
            finding_ids=cited,
        )
        if n == 1:
            # The candidate disputes it: the decision waits for re-validation (FCRA-09).
            notices.record_response(
                session,
                inv[0],
                security,
                candidate.id,
                kind=ResponseKind.DISPUTE,
                text="The screenshot was taken out of context; I did not share anything confidential.",
                received_on=today(),
                finding_ids=cited,
            )
