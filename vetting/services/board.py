"""The hiring board's read model: released, redacted findings only (R1, R2, R3, R7, POL-02).

Everything a board surface shows is built here from :class:`FindingRelease` rows, never
from a finding's raw fields: the redacted platform, summary and excerpt, the content
date, the category, the candidate's part, identity-match strength and the live
validation status. Source URLs, evidence files, search logs, mention details and
unreleased, refuted or withdrawn findings have no path into these views. In blind-review
cycles candidates appear by code. A candidate whose search is not closed is listed with its
stage only; everything else about them answers 409 ``search_not_complete`` (R1, the gate is
:func:`decisions.board_candidate`). A finding the candidate disputes is marked as such (R7).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.crypto import sha256_hex
from vetting.errors import NotFound
from vetting.models import (
    Assignment,
    BehaviourCategory,
    Candidate,
    Cycle,
    Duty,
    ResolutionStatus,
    User,
)
from vetting.pdf import Reports
from vetting.services import decisions, questions
from vetting.services.candidates import progress, stage_of
from vetting.services.context import Security
from vetting.services.released import BoardFinding, released_findings, released_findings_of
from vetting.services.vault import CandidateVault, read_profile

#: Concerns first, then what speaks for the candidate (PRODUCT.md §3 order).
CATEGORY_ORDER = [c for c in BehaviourCategory if c.reportable]


@dataclass(frozen=True)
class BoardCandidate:
    id: int
    code: str
    #: ``None`` in blind-review cycles.
    name: str | None
    stage: str
    resolved: int
    total: int
    released: dict[BehaviourCategory, int]
    #: Where the candidate stands with the board (decisions.status_label).
    decision_status: str
    #: Closed search (R1). Until then the board sees the candidate's stage and nothing else:
    #: no checklist progress, finding counts or categories.
    search_completed: bool = True
    #: The reader sits on the board and has not recommended on this candidate yet, who is
    #: open for recommendations (decisions.awaiting_recommendation).
    awaits_me: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code

    @property
    def released_total(self) -> int:
        return sum(self.released.values())


@dataclass(frozen=True)
class BoardCycle:
    id: int
    title: str
    position: str
    blind_review: bool
    checklist_label: str | None
    candidates: list[BoardCandidate]
    #: How many of the cycle's candidates wait on the reader's recommendation (whatever is shown).
    waiting: int = 0


@dataclass(frozen=True)
class SearchStatement:
    """What was searched, so the board knows the search was complete and uniform (R1, R6)."""

    checklist_label: str | None
    total: int
    by_status: dict[ResolutionStatus, int]
    search_completed: bool

    @property
    def resolved(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class BoardSummary:
    cycle_id: int
    cycle_title: str
    blind_review: bool
    candidate: BoardCandidate
    search: SearchStatement
    groups: list[tuple[BehaviourCategory, list[BoardFinding]]]
    decision: decisions.DecisionState
    questions: list[questions.QuestionView]
    #: Whether the reader records the board's decision (chair, or any member by majority).
    records_decision: bool
    #: Why the reader cannot record it now (quorum, majority, a final decision), or ``None``.
    decision_blocked: str | None = None

    @property
    def findings(self) -> list[BoardFinding]:
        return [f for _, group in self.groups for f in group]


def _board_cycle(session: Session, actor: User, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not policy.can_view_cycle(actor, cycle):
        raise NotFound("No such cycle.")
    policy.require(actor, policy.Action.BOARD_READ, cycle)
    return cycle


def _candidate(
    session: Session,
    actor: User,
    security: Security,
    candidate: Candidate,
    released: list[BoardFinding],
    decision_status: str,
    awaits_me: bool = False,
) -> BoardCandidate:
    name = None
    if policy.can_see_candidate_name(actor, candidate.cycle) and candidate.wrapped_key is not None:
        name = read_profile(CandidateVault(security.keyring, candidate), candidate).name
    if candidate.search_completed_at is None:
        return BoardCandidate(
            candidate.id,
            candidate.code,
            name,
            stage_of(candidate),
            0,
            0,
            {},
            "Search in progress",
            search_completed=False,
        )
    resolved, total = progress(candidate)
    counts = Counter(f.category for f in released)
    return BoardCandidate(
        id=candidate.id,
        code=candidate.code,
        name=name,
        stage=stage_of(candidate),
        resolved=resolved,
        total=total,
        released={c: counts[c] for c in CATEGORY_ORDER if counts[c]},
        decision_status=decision_status,
        awaits_me=awaits_me,
    )


#: How the board's candidate list can be ordered (the first is the default).
SORTS = {
    "candidate": lambda c: (c.label.casefold(), c.id),
    "waiting": lambda c: (not c.awaits_me, c.label.casefold(), c.id),
    "stage": lambda c: (c.stage, c.label.casefold()),
    "checklist": lambda c: (c.resolved - c.total, c.label.casefold()),
    "released": lambda c: (-c.released_total, c.label.casefold()),
    "decision": lambda c: (c.decision_status, c.label.casefold()),
}


def cycle_overview(
    session: Session,
    actor: User,
    security: Security,
    cycle_id: int,
    *,
    sort: str = "candidate",
    stage: str = "",
    waiting_only: bool = False,
) -> BoardCycle:
    """The cycle's candidates as the board sees them, sorted and optionally one stage only, or only
    those waiting on the reader's recommendation; audited."""
    cycle = _board_cycle(session, actor, cycle_id)
    waiting = decisions.awaiting_recommendation(session, actor, cycle)
    rows = session.scalars(select(Candidate).where(Candidate.cycle_id == cycle.id).order_by(Candidate.id))
    shown = [c for c in rows if c.id in waiting or not waiting_only]
    # Each of these is a fixed number of queries for the whole list, never one per candidate.
    searched = [c for c in shown if c.search_completed_at is not None]
    released = released_findings_of(session, security, searched)
    statuses = decisions.statuses_of(session, searched)
    listed = [
        _candidate(
            session,
            actor,
            security,
            c,
            released.get(c.id, []),
            statuses.get(c.id, ""),
            awaits_me=c.id in waiting,
        )
        for c in shown
    ]
    listed = sorted((c for c in listed if not stage or c.stage == stage), key=SORTS.get(sort, SORTS["candidate"]))
    record(session, actor, Event.BOARD_CYCLE_VIEWED, subject=cycle)
    return BoardCycle(
        id=cycle.id,
        title=cycle.title,
        position=cycle.position,
        blind_review=cycle.blind_review,
        checklist_label=cycle.checklist_version.label if cycle.checklist_version else None,
        candidates=listed,
        waiting=len(waiting),
    )


def waiting_counts(session: Session, actor: User) -> dict[int, int]:
    """For each cycle whose board the actor sits on, how many candidates wait on their
    recommendation (one query per cycle, none per candidate)."""
    boards = session.scalars(
        select(Cycle)
        .join(Assignment, Assignment.cycle_id == Cycle.id)
        .where(
            Assignment.user_id == actor.id,
            Assignment.duty == Duty.BOARD_MEMBER,
            Assignment.ended_at.is_(None),
        )
    )
    return {cycle.id: len(decisions.awaiting_recommendation(session, actor, cycle)) for cycle in boards}


def summary(session: Session, actor: User, security: Security, candidate_id: int) -> BoardSummary:
    """One candidate's released summary, grouped by behaviour category; viewing is audited."""
    candidate = decisions.board_candidate(session, actor, candidate_id)
    released = released_findings(session, security, candidate)
    cycle = candidate.cycle
    item_ids = {i.id for i in cycle.checklist_version.items} if cycle.checklist_version else set()
    statuses = Counter(r.status for r in candidate.resolutions if r.item_id in item_ids)
    record(session, actor, Event.BOARD_SUMMARY_VIEWED, subject=candidate)
    return BoardSummary(
        cycle_id=cycle.id,
        cycle_title=cycle.title,
        blind_review=cycle.blind_review,
        candidate=_candidate(session, actor, security, candidate, released, decisions.status_of(session, candidate)),
        search=SearchStatement(
            checklist_label=cycle.checklist_version.label if cycle.checklist_version else None,
            total=len(item_ids),
            by_status={s: statuses[s] for s in ResolutionStatus if statuses[s]},
            search_completed=candidate.search_completed_at is not None,
        ),
        groups=by_category(released),
        decision=decisions.board_state(session, actor, security, candidate.id),
        questions=questions.board_questions(session, actor, security, candidate.id),
        records_decision=policy.can_record_decision(actor, cycle),
        decision_blocked=decisions.decision_blocker(session, actor, candidate),
    )


def citable(session: Session, actor: User, security: Security, candidate_id: int) -> list[tuple[int, str]]:
    """The findings a board member may cite: (finding id, behaviour category label)."""
    candidate = decisions.board_candidate(session, actor, candidate_id)
    return [(f.finding_id, f.category.label) for f in released_findings(session, security, candidate)]


def by_category(released: list[BoardFinding]) -> list[tuple[BehaviourCategory, list[BoardFinding]]]:
    """Released findings grouped in :data:`CATEGORY_ORDER`, empty categories left out."""
    groups = [(c, [f for f in released if f.category is c]) for c in CATEGORY_ORDER]
    return [(c, group) for c, group in groups if group]


def summary_pdf(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, candidate_id: int
) -> tuple[str, bytes]:
    """The released summary as a PDF (file name, bytes); its SHA-256 is recorded in the audit log,
    in the same transaction, so any copy that surfaces later can be traced to this request."""
    view = summary(session, actor, security, candidate_id)
    pdf = reports.render(
        "board_summary.html",
        summary=view,
        agency=agency,
        generated_at=utcnow().strftime("%Y-%m-%d %H:%M"),
        generated_by=actor.name,
    )
    record(
        session,
        actor,
        Event.BOARD_SUMMARY_PDF,
        subject=session.get(Candidate, candidate_id),
        sha256=sha256_hex(pdf),
        bytes=len(pdf),
        findings=len(view.findings),
    )
    return f"summary-{view.candidate.code}.pdf", pdf
