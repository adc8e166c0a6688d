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
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, false, func, literal, select
from sqlalchemy.orm import Session, lazyload

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_time, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import NotFound
from vetting.models import (
    Assignment,
    BehaviourCategory,
    Candidate,
    ChecklistTemplate,
    Cycle,
    Decision,
    DecisionStatus,
    Duty,
    ItemResolution,
    Recommendation,
    ResolutionStatus,
    User,
)
from vetting.pdf import Reports
from vetting.services import decisions, questions
from vetting.services.candidates import STAGES, progress, stage_of, stage_rank
from vetting.services.context import Security
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.released import BoardFinding, released_count, released_counts, released_findings
from vetting.services.vault import DISPOSED, CandidateVault, read_profile

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
    #: The candidates shown: one page of those the filters let through.
    page: Page[BoardCandidate]
    #: How many of the cycle's candidates wait on the reader's recommendation (whatever is shown).
    waiting: int = 0

    @property
    def candidates(self) -> list[BoardCandidate]:
        return self.page.items


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
    actor: User,
    security: Security,
    candidate: Candidate,
    released: Mapping[BehaviourCategory, int],
    decision_status: str,
    awaits_me: bool = False,
    *,
    stage: str | None = None,
    resolved: tuple[int, int] | None = None,
    names: bool | None = None,
) -> BoardCandidate:
    """One candidate as the board sees them; ``stage`` and ``resolved`` (items resolved, on the
    checklist) when the caller counted them in SQL, else from the candidate's loaded rows, and
    ``names`` when the caller asked the policy once for the whole cycle."""
    name = DISPOSED if candidate.wrapped_key is None else None
    if names is None:
        names = policy.can_see_candidate_name(actor, candidate.cycle)
    if names and candidate.wrapped_key is not None:
        name = read_profile(CandidateVault(security.keyring, candidate), candidate).name
    stage = stage if stage is not None else stage_of(candidate)
    if candidate.search_completed_at is None:
        return BoardCandidate(
            candidate.id,
            candidate.code,
            name,
            stage,
            0,
            0,
            {},
            "Search in progress",
            search_completed=False,
        )
    done, total = resolved if resolved is not None else progress(candidate)
    return BoardCandidate(
        id=candidate.id,
        code=candidate.code,
        name=name,
        stage=stage,
        resolved=done,
        total=total,
        released={c: released[c] for c in CATEGORY_ORDER if released.get(c)},
        decision_status=decision_status,
        awaits_me=awaits_me,
    )


def _checklist_label(session: Session, cycle: Cycle) -> str | None:
    """The cycle's checklist's :attr:`~ChecklistVersion.label`, its template loaded without the
    draft items and versions that loading it brings by default (no business of the board)."""
    version = cycle.checklist_version
    if version is None:
        return None
    template = session.get(
        ChecklistTemplate,
        version.template_id,
        options=[lazyload(ChecklistTemplate.draft_items), lazyload(ChecklistTemplate.versions)],
    )
    assert template is version.template  # from the identity map, not loaded again
    return version.label


def _resolved_count(item_ids: list[int]) -> ColumnElement[int]:
    """How many of ``item_ids`` the candidate row of the enclosing query has resolved."""
    return (
        select(func.count())
        .select_from(ItemResolution)
        .where(ItemResolution.candidate_id == Candidate.id, ItemResolution.item_id.in_(item_ids))
        .correlate(Candidate)
        .scalar_subquery()
    )


#: How the board's candidate list can be ordered (the first is the default). Each is done by the
#: database, so "candidate" is the order they were added in (their codes): names are sealed.
SORTS = ("candidate", "waiting", "stage", "checklist", "released", "decision")


def _decision_rank(cycle: Cycle) -> ColumnElement[int]:
    """Decided, then given notice, then recommended, then awaiting, then still searched."""

    def made(status: DecisionStatus) -> ColumnElement[bool]:
        return select(Decision.id).where(Decision.candidate_id == Candidate.id, Decision.status == status).exists()

    recommended = (
        select(Recommendation.id)
        .join(Assignment, Assignment.user_id == Recommendation.member_id)
        .where(
            Recommendation.candidate_id == Candidate.id,
            Recommendation.superseded_at.is_(None),
            Assignment.cycle_id == cycle.id,
            Assignment.duty == Duty.BOARD_MEMBER,
            Assignment.ended_at.is_(None),
        )
        .exists()
    )
    return case(
        (made(DecisionStatus.FINAL), 0),
        (made(DecisionStatus.PROPOSED), 1),
        (Candidate.search_completed_at.is_(None), 4),
        (recommended, 2),
        else_=3,
    )


def _item_ids(cycle: Cycle) -> list[int]:
    return [i.id for i in cycle.checklist_version.items] if cycle.checklist_version else []


def _sort_keys(sort: str, cycle: Cycle, awaiting: ColumnElement[bool] | None) -> list[Key]:
    last = Key(Candidate.id)
    if sort == "waiting" and awaiting is not None:
        return [Key(case((awaiting, 0), else_=1)), last]
    if sort == "stage":
        return [Key(stage_rank()), last]
    if sort == "checklist":
        items = _item_ids(cycle)
        resolved = _resolved_count(items)
        # Fewest items resolved first; a candidate still searched shows no progress to the board.
        return [Key(case((Candidate.search_completed_at.is_(None), 0), else_=resolved - len(items))), last]
    if sort == "released":
        shown = case((Candidate.search_completed_at.is_(None), 0), else_=released_count())
        return [Key(shown, descending=True), last]
    if sort == "decision":
        return [Key(_decision_rank(cycle)), last]
    return [last]


def cycle_overview(
    session: Session,
    actor: User,
    security: Security,
    cycle_id: int,
    *,
    sort: str = "candidate",
    stage: str = "",
    waiting_only: bool = False,
    page: PageRequest | None = None,
) -> BoardCycle:
    """One page of the cycle's candidates as the board sees them, sorted and optionally one stage
    only, or only those waiting on the reader's recommendation; audited. Filtering, sorting and
    counting are done by the database, and the statements are as many for 10,000 candidates as
    for 10 (issue 17)."""
    cycle = _board_cycle(session, actor, cycle_id)
    awaiting = decisions.awaiting_clause(actor, cycle)
    in_cycle = Candidate.cycle_id == cycle.id
    waiting = (
        session.scalar(select(func.count()).select_from(Candidate).where(in_cycle, awaiting))
        if awaiting is not None
        else 0
    )
    items = _item_ids(cycle)
    # The page's rows only, with their stage and progress counted by the database: no consent,
    # resolution or cycle rows are loaded per candidate (the cycle is the one already loaded).
    query = (
        select(Candidate, stage_rank(), _resolved_count(items) if items else literal(0))
        .where(in_cycle)
        .options(lazyload(Candidate.cycle), lazyload(Candidate.consent), lazyload(Candidate.resolutions))
    )
    if waiting_only:
        query = query.where(awaiting if awaiting is not None else false())
    if stage in STAGES:
        query = query.where(stage_rank() == STAGES.index(stage))
    sort = sort if sort in SORTS else "candidate"
    rows = paginate(
        session,
        query,
        _sort_keys(sort, cycle, awaiting),
        page or PageRequest(),
        name=f"board/{cycle.id}/{sort}",
    )
    shown: list[tuple[Candidate, int, int]] = rows.items
    searched = [c for c, _, _ in shown if c.search_completed_at is not None]
    released = released_counts(session, [c.id for c in searched])
    statuses = decisions.statuses_of(session, searched)
    mine = (
        set(session.scalars(select(Candidate.id).where(Candidate.id.in_([c.id for c in searched]), awaiting)))
        if awaiting is not None and searched
        else set()
    )
    names = policy.can_see_candidate_name(actor, cycle)
    listed = rows.with_items(
        [
            _candidate(
                actor,
                security,
                c,
                released.get(c.id, {}),
                statuses.get(c.id, ""),
                awaits_me=c.id in mine,
                stage=STAGES[rank],
                resolved=(done, len(items)),
                names=names,
            )
            for c, rank, done in shown
        ]
    )
    record(session, actor, Event.BOARD_CYCLE_VIEWED, subject=cycle)
    return BoardCycle(
        id=cycle.id,
        title=cycle.title,
        position=cycle.position,
        blind_review=cycle.blind_review,
        checklist_label=_checklist_label(session, cycle),
        page=listed,
        waiting=waiting or 0,
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
    state = decisions.board_state(session, actor, security, candidate.id)
    # The open disputes are among the responses the board's record already read (R7).
    released = released_findings(session, security, candidate, disputed=state.disputed_finding_ids)
    cycle = candidate.cycle
    item_ids = {i.id for i in cycle.checklist_version.items} if cycle.checklist_version else set()
    statuses = Counter(r.status for r in candidate.resolutions if r.item_id in item_ids)
    record(session, actor, Event.BOARD_SUMMARY_VIEWED, subject=candidate)
    return BoardSummary(
        cycle_id=cycle.id,
        cycle_title=cycle.title,
        blind_review=cycle.blind_review,
        candidate=_candidate(actor, security, candidate, Counter(f.category for f in released), state.status),
        search=SearchStatement(
            checklist_label=_checklist_label(session, cycle),
            total=len(item_ids),
            by_status={s: statuses[s] for s in ResolutionStatus if statuses[s]},
            search_completed=candidate.search_completed_at is not None,
        ),
        groups=by_category(released),
        decision=state,
        questions=questions.board_questions(session, actor, security, candidate.id),
        records_decision=policy.can_record_decision(actor, cycle),
        decision_blocked=decisions.state_blocker(actor, candidate, state),
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
        generated_at=shown_time(utcnow(), "%Y-%m-%d %H:%M"),
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
