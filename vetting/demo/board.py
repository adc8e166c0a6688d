"""Demo data for the hiring board: how it decides, the agency's holidays, and candidates at
each step after the search (recommended, decided, notice given, disputed), with a question
answered through the firewall. With an agency name configured (issue 16), the notices go to the
candidates by e-mailed link: one candidate opens theirs (delivered: the window runs), the other
disputes a finding online; and the day's reminder digests are queued. All content is fictional."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.clock import today
from vetting.demo import portal
from vetting.models import (
    Candidate,
    Cycle,
    DecisionRule,
    DigestDay,
    Holiday,
    Outcome,
    Recommendation,
    ResponseKind,
    User,
)
from vetting.services import candidate_links, cycles, decisions, holidays, notices, questions, reminders
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


#: The demo's candidate who disputes online, in their own words.
DISPUTE = "The screenshot was taken out of context; I did not share anything confidential."


def load(
    session: Session,
    security: Security,
    cycle: Cycle,
    admin: User,
    board: list[User],
    inv: list[User],
    side: portal.Portal | None = None,
) -> None:
    """Idempotent: rules and holidays once; board activity only if none is recorded yet. ``side``:
    the candidate's side (issue 16), when an agency name is configured."""
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
        _propose(session, security, side, chair, inv[0], candidate, cited, disputed=n == 1)
    if side is not None:
        _digests(session, side, admin)


def _propose(
    session: Session,
    security: Security,
    side: portal.Portal | None,
    chair: User,
    investigator: User,
    candidate: Candidate,
    cited: list[int],
    *,
    disputed: bool,
) -> None:
    """The chair proposes not to advance (a pre-decision notice); ``disputed``: the candidate disputes
    the finding, so the decision waits for re-validation (FCRA-09)."""
    rationale = "Proposed: the released finding shows conduct incompatible with police work."
    if side is None:
        decisions.decide(
            session, chair, security, candidate.id, outcome=Outcome.DO_NOT_ADVANCE, rationale=rationale,
            finding_ids=cited,
        )  # fmt: skip
        if disputed:
            notices.record_response(
                session, investigator, security, candidate.id, kind=ResponseKind.DISPUTE, text=DISPUTE,
                received_on=today(), finding_ids=cited,
            )  # fmt: skip
        return
    # The notice goes to the candidate by e-mailed link (issue 16 point 3) ...
    candidate_links.set_email(session, investigator, security, candidate.id, portal.email_of(candidate))
    _, issued = candidate_links.decide(
        session, chair, security, side.mailer, candidate.id, outcome=Outcome.DO_NOT_ADVANCE, rationale=rationale,
        finding_ids=cited,
    )  # fmt: skip
    assert issued is not None
    # ... the candidate opens it (delivered and opened: the window runs from today) ...
    token = portal.open_notice(side, session, issued.outbox_id)
    if disputed:
        # ... and disputes the finding online, through the same link.
        portal.dispute_online(side, session, token, DISPUTE, cited)


def _digests(session: Session, side: portal.Portal, admin: User) -> None:
    """The day's reminder digests in the outbox, as the scheduled job queues them (issue 16 point 6).
    The demo agency hears of response windows a week ahead, so the notices just delivered count."""
    wanted = reminders.get_thresholds(session, admin).as_dict() | {"response_window_days": 7}
    reminders.set_thresholds(session, admin, wanted)
    if session.get(DigestDay, today()) is None:  # not yet claimed by a worker today
        reminders.queue_digests(session, today(), side.agency, side.security.settings.public_url)
