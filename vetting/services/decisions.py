"""The board's recommendations and decisions, and the notice that comes before an adverse one.

Rules enforced here, for every way in (web form, JSON API, direct call):

- Only the cycle's board recommends and decides (POL-01, R2); under the chair rule only
  the chair records the decision, and never before the cycle's quorum of recommendations.
- The board decides only on a completed search (R1) and cites only released findings, or
  states that it relied on none (R3, POL-06). Rationales pass the protected-class detector:
  a hit refuses the text with the reason shown (PC-01).
- An adverse decision that relies on findings is first *proposed*: a pre-decision notice
  goes to the candidate with the released text of those findings, and the final decision
  cannot be recorded before the notice is delivered, until the response window that delivery
  starts (business days, agency holidays, never fewer than 5) has passed, nor while a dispute
  is open (FCRA-06, FCRA-07, FCRA-09; :mod:`vetting.services.notice_delivery`).

Who may act is :mod:`vetting.policy`'s; the board's rows make their own transitions. What
the board reads of a candidate comes from :func:`board_state`, which applies the board's gate
itself; the searchers' side is :func:`investigator_state`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, lazyload

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today, utcnow
from vetting.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vetting.models import (
    DECISION_OUTCOMES,
    Candidate,
    CandidateResponse,
    Cycle,
    CycleStatus,
    Decision,
    DecisionRule,
    DecisionStatus,
    Duty,
    FindingRelease,
    Notice,
    NoticeKind,
    Outcome,
    Recommendation,
    ResponseKind,
    User,
)
from vetting.models.board import NoticeDelivery
from vetting.services import candidates, redaction
from vetting.services.context import Security
from vetting.services.deliveries import Delivery, attachments_of, deliveries
from vetting.services.released import released_findings
from vetting.services.vault import CandidateVault

MIN_RATIONALE = 10
MAX_TEXT = 5000


def board_candidate(session: Session, actor: User, candidate_id: int, *, lock: bool = False) -> Candidate:
    """A candidate of a cycle the actor sits on the board of, whose search is closed: the one gate
    of every board read and write about a candidate. Others get 404 or 403; a candidate still
    being searched 409 ``search_not_complete`` (R1: nothing goes to the board before)."""
    candidate = session.get(Candidate, candidate_id, with_for_update={"of": Candidate} if lock else None)
    if candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    policy.require(actor, policy.Action.BOARD_READ, candidate.cycle)
    if candidate.search_completed_at is None:
        raise Conflict(
            "The investigators have not completed this candidate's search: the board reads nothing of a "
            "candidate before every checklist item is resolved and the search is closed (R1).",
            code="search_not_complete",
        )
    return candidate


def _require_decidable(candidate: Candidate) -> None:
    if candidate.cycle.status is not CycleStatus.OPEN:
        raise Conflict("The cycle is not open: its board records nothing more.", code="cycle_not_open")
    if candidate.search_completed_at is None:
        raise Conflict(
            "The investigators have not completed this candidate's search: every checklist item must be "
            "resolved before the board recommends or decides (R1).",
            code="search_not_complete",
        )


def clean_text(
    actor: User,
    text: str,
    field: str,
    label: str,
    candidate: Candidate,
    vault: CandidateVault,
    cleared: Iterable[str] = (),
) -> str:
    """Free text ``actor`` wrote for the board's records: present, bounded, and through the firewall
    (words of ``cleared``, the released text it cites, pass; a refusal is audited:
    :func:`redaction.refuse_protected`)."""
    text = text.strip()
    if len(text) < MIN_RATIONALE:
        raise ValidationFailed(f"Write the {label} (at least {MIN_RATIONALE} characters).", field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"The {label} must be at most {MAX_TEXT} characters.", field=field)
    redaction.refuse_protected(actor, text, field, label, candidate, vault, cleared)
    return text


def released_text(session: Session, security: Security, candidate: Candidate, finding_ids: Iterable[int]) -> list[str]:
    """The board-facing text of those of ``finding_ids`` that are released (others are refused by :func:`cite`)."""
    wanted = set(finding_ids)
    return [
        text
        for f in released_findings(session, security, candidate)
        if f.finding_id in wanted
        for text in (f.platform, f.summary, f.excerpt)
    ]


def cite(session: Session, security: Security, candidate: Candidate, finding_ids: list[int]) -> list[int]:
    """The release ids of the cited findings; each must be one the board can read now."""
    released = {f.finding_id: f.release_id for f in released_findings(session, security, candidate)}
    cited = []
    for finding_id in dict.fromkeys(finding_ids):
        if finding_id not in released:
            raise ValidationFailed(
                f"Finding {finding_id} is not among this candidate's released findings: cite only findings "
                "the board can read.",
                field="finding_ids",
            )
        cited.append(released[finding_id])
    return cited


def finding_ids_of(session: Session, release_ids: list[int]) -> list[int]:
    """The findings behind release ids, in the order cited."""
    if not release_ids:
        return []
    query = select(FindingRelease.id, FindingRelease.finding_id).where(FindingRelease.id.in_(release_ids))
    rows = {release_id: finding_id for release_id, finding_id in session.execute(query)}
    return [rows[r] for r in release_ids if r in rows]


def current_recommendations(session: Session, candidate: Candidate) -> list[Recommendation]:
    """Each current board member's latest recommendation."""
    board = candidate.cycle.member_ids(Duty.BOARD_MEMBER)
    rows = session.scalars(
        select(Recommendation)
        .where(Recommendation.candidate_id == candidate.id, Recommendation.superseded_at.is_(None))
        .order_by(Recommendation.id)
    )
    return [r for r in rows if r.member_id in board]


def _decision(session: Session, candidate: Candidate, status: DecisionStatus) -> Decision | None:
    return session.scalar(
        select(Decision)
        .where(Decision.candidate_id == candidate.id, Decision.status == status)
        .order_by(Decision.id.desc())
        .limit(1)
    )


def final_decision(session: Session, candidate: Candidate) -> Decision | None:
    return _decision(session, candidate, DecisionStatus.FINAL)


def _latest_decisions(
    session: Session, candidate_ids: list[int], *, recorders: bool = True
) -> dict[tuple[int, DecisionStatus], Decision]:
    """The newest final decision and the newest proposal of each candidate, in one query;
    ``recorders``: with the account of who recorded each (a view shows it, a label does not)."""
    query = select(Decision).where(
        Decision.candidate_id.in_(candidate_ids), Decision.status.in_([DecisionStatus.FINAL, DecisionStatus.PROPOSED])
    )
    if not recorders:
        query = query.options(lazyload(Decision.recorded_by))
    latest: dict[tuple[int, DecisionStatus], Decision] = {}
    for row in session.scalars(query.order_by(Decision.id)):
        latest[(row.candidate_id, row.status)] = row  # the newest of each kind wins
    return latest


def _final_and_proposal(session: Session, candidate: Candidate) -> tuple[Decision | None, Decision | None]:
    """:func:`final_decision` and :func:`pending_proposal` in one query."""
    latest = _latest_decisions(session, [candidate.id])
    final = latest.get((candidate.id, DecisionStatus.FINAL))
    return final, None if final else latest.get((candidate.id, DecisionStatus.PROPOSED))


def pending_proposal(session: Session, candidate: Candidate) -> Decision | None:
    """The proposed adverse decision waiting on the candidate, if any."""
    if final_decision(session, candidate) is not None:
        return None
    return _decision(session, candidate, DecisionStatus.PROPOSED)


def open_disputes(session: Session, proposal: Decision) -> list[CandidateResponse]:
    """Open disputes about any finding the proposal relies on, whichever notice they answered:
    re-proposing does not end a dispute (FCRA-09)."""
    relied = set(finding_ids_of(session, proposal.release_ids))
    rows = session.scalars(
        select(CandidateResponse)
        .where(
            CandidateResponse.candidate_id == proposal.candidate_id,
            CandidateResponse.kind == ResponseKind.DISPUTE,
            CandidateResponse.closed_at.is_(None),
        )
        .order_by(CandidateResponse.id)
    )
    return [r for r in rows if relied & set(r.finding_ids)]


def _refuse_if_final(session: Session, candidate: Candidate) -> None:
    if final_decision(session, candidate) is not None:
        raise Conflict("The board's decision for this candidate is final.", code="decision_final")


def recommend(
    session: Session,
    actor: User,
    security: Security,
    candidate_id: int,
    *,
    outcome: Outcome,
    rationale: str,
    finding_ids: list[int],
) -> Recommendation:
    """Record the actor's recommendation; it replaces their earlier one. An empty
    ``finding_ids`` is the member's statement that no finding was relied on."""
    candidate = board_candidate(session, actor, candidate_id, lock=True)
    _require_decidable(candidate)
    _refuse_if_final(session, candidate)
    vault = CandidateVault(security.keyring, candidate)
    cleared = released_text(session, security, candidate, finding_ids)
    text = clean_text(actor, rationale, "rationale", "rationale", candidate, vault, cleared)
    release_ids = cite(session, security, candidate, finding_ids)
    now = utcnow()
    for earlier in session.scalars(
        select(Recommendation).where(
            Recommendation.candidate_id == candidate.id,
            Recommendation.member_id == actor.id,
            Recommendation.superseded_at.is_(None),
        )
    ):
        earlier.supersede(now)
    row = vault.add_sealed(
        session,
        Recommendation(candidate_id=candidate.id, member_id=actor.id, outcome=outcome, release_ids=release_ids),
        rationale=text,
    )
    record(
        session,
        actor,
        Event.BOARD_RECOMMENDATION_RECORDED,
        subject=candidate,
        recommendation=row.id,
        outcome=outcome.value,
        findings=list(dict.fromkeys(finding_ids)),
    )
    return row


def quorum_refusal(recorded: int, quorum: int, rule: DecisionRule) -> str | None:
    """Why the board cannot decide yet with ``recorded`` of the ``quorum`` recommendations, or ``None``."""
    if recorded >= quorum:
        return None
    needed = f"{quorum} recommendation{'s are' if quorum != 1 else ' is'} needed"
    who = "the chair decides" if rule is DecisionRule.CHAIR else "the board decides"
    return f"{needed} before {who}; {recorded} recorded."


def majority_outcome(recommendations: Sequence[Recommendation | RecommendationView]) -> Outcome | None:
    """The decision outcome more than half of the current recommendations agree on, if any."""
    counts = Counter(r.outcome for r in recommendations)
    return next((o for o in DECISION_OUTCOMES if counts[o] * 2 > len(recommendations)), None)


def decision_blocker(session: Session, actor: User, candidate: Candidate) -> str | None:
    """Why ``actor`` cannot record the board's decision on ``candidate`` now, whatever the form says, or
    ``None``: the page disables its button with this reason; :func:`decide` refuses on the same rules."""
    return _blocker(
        actor,
        candidate,
        lambda: final_decision(session, candidate) is not None,
        lambda: current_recommendations(session, candidate),
    )


def state_blocker(actor: User, candidate: Candidate, state: DecisionState) -> str | None:
    """:func:`decision_blocker` from the board's record already read (the summary): no query more."""
    return _blocker(actor, candidate, lambda: state.final is not None, lambda: state.recommendations)


def _blocker(
    actor: User,
    candidate: Candidate,
    decided: Callable[[], bool],
    recommended: Callable[[], Sequence[Recommendation | RecommendationView]],
) -> str | None:
    cycle = candidate.cycle
    refused = policy.decision_refusal(actor, cycle)
    if refused:
        return refused
    if cycle.status is not CycleStatus.OPEN:
        return "The cycle is not open: its board records nothing more."
    if candidate.search_completed_at is None:
        return "The investigators have not completed this candidate's search."
    if decided():
        return "The board's decision for this candidate is final."
    recommendations = recommended()
    short = quorum_refusal(len(recommendations), cycle.decision_quorum, cycle.decision_rule)
    if short:
        return short
    if cycle.decision_rule is DecisionRule.MAJORITY and majority_outcome(recommendations) is None:
        return (
            "Under this cycle's majority rule the decision is the outcome most members recommend; no outcome "
            f"has a majority of the {len(recommendations)} recommendations yet."
        )
    return None


def awaiting_recommendation(session: Session, actor: User, cycle: Cycle) -> set[int]:
    """The candidates of ``cycle`` that wait on ``actor``'s recommendation, in one query for the
    whole list: those :func:`recommend` would accept from them (an open cycle, a closed search, no
    final decision) and that hold no current recommendation of theirs. Empty for anyone not on
    the cycle's board."""
    awaiting = awaiting_clause(actor, cycle)
    if awaiting is None:
        return set()
    return set(session.scalars(select(Candidate.id).where(Candidate.cycle_id == cycle.id, awaiting)))


def awaiting_clause(actor: User, cycle: Cycle) -> ColumnElement[bool] | None:
    """:func:`awaiting_recommendation` as a condition on a candidate row of ``cycle`` (the
    dashboard filters, sorts and counts with it in SQL), or ``None`` when nobody can wait on
    ``actor``."""
    if cycle.status is not CycleStatus.OPEN or not policy.can(actor, policy.Action.BOARD_READ, cycle):
        return None
    return lacks_recommendation_of(actor)


def lacks_recommendation_of(actor: User) -> ColumnElement[bool]:
    """A candidate row whose closed search has no final decision and no current recommendation of
    ``actor``: :func:`awaiting_clause` without the cycle's checks (the reminders apply those to
    every cycle at once, by :func:`vetting.policy.acting_cycles`)."""
    mine = select(Recommendation.id).where(
        Recommendation.candidate_id == Candidate.id,
        Recommendation.member_id == actor.id,
        Recommendation.superseded_at.is_(None),
    )
    final = select(Decision.id).where(Decision.candidate_id == Candidate.id, Decision.status == DecisionStatus.FINAL)
    return and_(Candidate.search_completed_at.is_not(None), ~mine.exists(), ~final.exists())


def _require_rule(session: Session, candidate: Candidate, outcome: Outcome) -> None:
    """The cycle's quorum, and under the majority rule the outcome most members recommend."""
    cycle = candidate.cycle
    recommendations = current_recommendations(session, candidate)
    short = quorum_refusal(len(recommendations), cycle.decision_quorum, cycle.decision_rule)
    if short:
        raise Conflict(short, code="quorum_not_met")
    if cycle.decision_rule is DecisionRule.MAJORITY:
        agree = sum(1 for r in recommendations if r.outcome is outcome)
        if agree * 2 <= len(recommendations):
            raise Conflict(
                f"Under this cycle's majority rule the decision must be the outcome most members recommend; "
                f"{agree} of {len(recommendations)} recommend \u201c{outcome.label}\u201d.",
                code="not_majority_outcome",
            )


def decide(
    session: Session,
    actor: User,
    security: Security,
    candidate_id: int,
    *,
    outcome: Outcome,
    rationale: str,
    finding_ids: list[int],
) -> Decision:
    """Record the board's decision for a candidate.

    Adverse and relying on findings: the first call proposes it and issues the pre-decision
    notice; calling again with the same outcome, citing only findings of that notice,
    records the final decision once the response window has passed and no dispute is open.
    Citing a finding the notice did not list proposes afresh, with a new notice and window.
    """
    candidate = board_candidate(session, actor, candidate_id, lock=True)
    cycle = candidate.cycle
    refused = policy.decision_refusal(actor, cycle)
    if refused:
        raise Forbidden(refused)
    if outcome not in DECISION_OUTCOMES:
        raise ValidationFailed(
            "A decision is advance or do_not_advance; to learn more, ask the investigators a question.",
            field="outcome",
        )
    _require_decidable(candidate)
    _refuse_if_final(session, candidate)
    vault = CandidateVault(security.keyring, candidate)
    cleared = released_text(session, security, candidate, finding_ids)
    text = clean_text(actor, rationale, "rationale", "rationale", candidate, vault, cleared)
    release_ids = cite(session, security, candidate, finding_ids)
    _require_rule(session, candidate, outcome)
    cited = sorted(set(finding_ids))  # each one checked by cite()
    proposal = pending_proposal(session, candidate)
    if proposal is not None and proposal.completed_by(outcome, cited, finding_ids_of(session, proposal.release_ids)):
        return _finalise(session, actor, vault, candidate, proposal, text, release_ids, cited)
    if proposal is not None:
        proposal.withdraw(utcnow())
        record(session, actor, Event.BOARD_DECISION_WITHDRAWN, subject=candidate, decision=proposal.id)
    if outcome.adverse and release_ids:
        return _propose(session, actor, vault, candidate, outcome, text, release_ids, cited)
    decision = _record(session, actor, vault, candidate, outcome, DecisionStatus.FINAL, text, release_ids, None)
    record(
        session,
        actor,
        Event.BOARD_DECISION_RECORDED,
        subject=candidate,
        decision=decision.id,
        outcome=outcome.value,
        findings=cited,
    )
    return decision


def _propose(
    session: Session,
    actor: User,
    vault: CandidateVault,
    candidate: Candidate,
    outcome: Outcome,
    text: str,
    release_ids: list[int],
    finding_ids: list[int],
) -> Decision:
    """An adverse decision relying on findings, proposed with a pre-decision notice (FCRA-06, FCRA-07).
    Its response window starts when the notice is delivered (:mod:`vetting.services.notice_delivery`)."""
    decision = _record(session, actor, vault, candidate, outcome, DecisionStatus.PROPOSED, text, release_ids, None)
    notice = _issue(session, actor, candidate, decision, NoticeKind.PRE_DECISION)
    record(
        session,
        actor,
        Event.BOARD_DECISION_PROPOSED,
        subject=candidate,
        decision=decision.id,
        outcome=outcome.value,
        findings=finding_ids,
        notice=notice.id,
        response_days=notice.response_days,
    )
    return decision


def _finalise(
    session: Session,
    actor: User,
    vault: CandidateVault,
    candidate: Candidate,
    proposal: Decision,
    text: str,
    release_ids: list[int],
    finding_ids: list[int],
) -> Decision:
    proposal.require_finalisable(today(), sorted({f for d in open_disputes(session, proposal) for f in d.finding_ids}))
    decision = _record(
        session, actor, vault, candidate, proposal.outcome, DecisionStatus.FINAL, text, release_ids, None, proposal.id
    )
    notice = _issue(session, actor, candidate, decision, NoticeKind.ADVERSE_ACTION)
    record(
        session,
        actor,
        Event.BOARD_DECISION_RECORDED,
        subject=candidate,
        decision=decision.id,
        outcome=decision.outcome.value,
        proposal=proposal.id,
        findings=finding_ids,
        notice=notice.id,
    )
    return decision


def _record(
    session: Session,
    actor: User,
    vault: CandidateVault,
    candidate: Candidate,
    outcome: Outcome,
    status: DecisionStatus,
    text: str,
    release_ids: list[int],
    due: date | None,
    proposal_id: int | None = None,
) -> Decision:
    return vault.add_sealed(
        session,
        Decision(
            candidate_id=candidate.id,
            outcome=outcome,
            status=status,
            release_ids=release_ids,
            recorded_by_id=actor.id,
            response_due=due,
            proposal_id=proposal_id,
        ),
        rationale=text,
    )


def _issue(session: Session, actor: User, candidate: Candidate, decision: Decision, kind: NoticeKind) -> Notice:
    notice = Notice.issue(candidate.cycle, decision, kind, actor.id)
    session.add(notice)
    session.flush()
    return notice


# --- what the board (and the investigators) read of it ------------------------------------


@dataclass(frozen=True)
class RecommendationView:
    member_id: int
    member: str
    outcome: Outcome
    rationale: str
    finding_ids: list[int]
    recorded_at: datetime


@dataclass(frozen=True)
class DecisionView:
    id: int
    outcome: Outcome
    status: DecisionStatus
    rationale: str
    finding_ids: list[int]
    recorded_by: str
    recorded_at: datetime
    response_due: date | None


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: NoticeKind
    decision_id: int
    issued_at: datetime
    response_due: date | None
    fcra: bool
    #: How it reached the candidate by link (issue 16 point 3).
    delivery: Delivery = Delivery()
    #: When and how it was delivered, which started its window (None: not delivered yet).
    delivered_at: datetime | None = None
    delivered_via: NoticeDelivery | None = None


@dataclass(frozen=True)
class ResponseView:
    id: int
    kind: ResponseKind
    received_on: date
    #: Redacted by the firewall for the board; as written for the investigators.
    text: str
    finding_ids: list[int]
    closed_at: datetime | None
    #: Sent by the candidate through their link rather than recorded by an investigator (issue 16).
    online: bool = False
    #: Files the candidate attached (ids): investigators open them; the board sees only how many.
    attachment_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionState:
    rule: DecisionRule
    quorum: int
    chair_id: int | None
    board_size: int
    recommendations: list[RecommendationView]
    proposal: DecisionView | None
    final: DecisionView | None
    notices: list[NoticeView]
    responses: list[ResponseView]
    search_completed: bool
    #: The proposal waits on a dispute about a finding it relies on.
    paused: bool

    @property
    def disputed_finding_ids(self) -> set[int]:
        return {
            f for r in self.responses if r.kind is ResponseKind.DISPUTE and r.closed_at is None for f in r.finding_ids
        }

    def recommendation_of(self, member_id: int) -> RecommendationView | None:
        return next((r for r in self.recommendations if r.member_id == member_id), None)

    @property
    def status(self) -> str:
        return status_label(
            self.final.outcome if self.final else None,
            self.proposal.response_due if self.proposal else None,
            self.paused,
            len(self.recommendations),
            self.board_size,
            self.search_completed,
            proposed=self.proposal is not None,
        )


def status_label(
    final: Outcome | None,
    due: date | None,
    disputed: bool,
    recommended: int,
    board_size: int,
    searched: bool,
    *,
    proposed: bool = False,
) -> str:
    """One line for the dashboard: where the candidate stands with the board (``proposed``: a
    proposal waits on its notice, whose window ``due`` has not started until it is delivered)."""
    if final is not None:
        return f"Decided: {final.label.lower()}"
    if proposed or due is not None:
        if disputed:
            return "Paused: the candidate disputes findings"
        if due is None:
            return "Notice issued: not delivered yet"
        return f"Notice given: response due {due.isoformat()}"
    if not searched:
        return "Search in progress"
    if recommended:
        return f"{recommended} of {board_size} recommended"
    return "Awaiting recommendations"


def _finding_of_releases(session: Session, release_ids: Iterable[int]) -> dict[int, int]:
    """The finding behind each release id, in one query (every citation a board page shows)."""
    ids = set(release_ids)
    if not ids:
        return {}
    query = select(FindingRelease.id, FindingRelease.finding_id).where(FindingRelease.id.in_(ids))
    return {release_id: finding_id for release_id, finding_id in session.execute(query)}


def _decision_view(vault: CandidateVault, decision: Decision, finding_of: dict[int, int]) -> DecisionView:
    return DecisionView(
        id=decision.id,
        outcome=decision.outcome,
        status=decision.status,
        rationale=vault.open_field(decision, "rationale"),
        finding_ids=[finding_of[r] for r in decision.release_ids if r in finding_of],
        recorded_by=decision.recorded_by.name,
        recorded_at=decision.recorded_at,
        response_due=decision.response_due,
    )


def board_state(session: Session, actor: User, security: Security, candidate_id: int) -> DecisionState:
    """The board's record of a candidate as its board reads it: the candidate's own words through
    the firewall (POL-01, POL-02). Only the cycle's board; others get 404 or 403."""
    return _state(session, security, board_candidate(session, actor, candidate_id), for_board=True)


def investigator_state(session: Session, actor: User, security: Security, candidate_id: int) -> DecisionState:
    """The board's record of a candidate as the cycle's searchers read it: the candidate's words as
    written, since they record them (R4 gate applies). Others get 404 or 403."""
    return _state(session, security, candidates.get_for_work(session, actor, candidate_id), for_board=False)


def _state(session: Session, security: Security, candidate: Candidate, *, for_board: bool) -> DecisionState:
    """Recommendations, the decision, notices and responses of one candidate, whose access the
    caller checked; ``for_board`` puts the candidate's own words through the firewall."""
    vault = CandidateVault(security.keyring, candidate)
    final, proposal = _final_and_proposal(session, candidate)
    notices = list(session.scalars(select(Notice).where(Notice.candidate_id == candidate.id).order_by(Notice.id)))
    responses = list(
        session.scalars(
            select(CandidateResponse)
            .where(CandidateResponse.candidate_id == candidate.id)
            .order_by(CandidateResponse.id)
        )
    )
    recommendations = current_recommendations(session, candidate)
    cited = [r.release_ids for r in recommendations] + [d.release_ids for d in (proposal, final) if d is not None]
    finding_of = _finding_of_releases(session, [r for ids in cited for r in ids])
    # open_disputes, from the rows above: an open dispute naming a finding the proposal relies on.
    relied = {finding_of[r] for r in proposal.release_ids if r in finding_of} if proposal else set()
    disputed = {
        int(f) for r in responses if r.kind is ResponseKind.DISPUTE and r.closed_at is None for f in r.finding_ids
    }
    cycle = candidate.cycle
    delivered = deliveries(session, [n.id for n in notices])
    attached = attachments_of(session, [r.id for r in responses])
    return DecisionState(
        rule=cycle.decision_rule,
        quorum=cycle.decision_quorum,
        chair_id=cycle.chair_id,
        board_size=len(cycle.member_ids(Duty.BOARD_MEMBER)),
        recommendations=[
            RecommendationView(
                member_id=r.member_id,
                member=r.member.name,
                outcome=r.outcome,
                rationale=vault.open_field(r, "rationale"),
                finding_ids=[finding_of[x] for x in r.release_ids if x in finding_of],
                recorded_at=r.created_at,
            )
            for r in recommendations
        ],
        proposal=_decision_view(vault, proposal, finding_of) if proposal else None,
        final=_decision_view(vault, final, finding_of) if final else None,
        notices=[
            NoticeView(
                n.id,
                n.kind,
                n.decision_id,
                n.issued_at,
                n.response_due,
                n.fcra,
                delivered.get(n.id, Delivery()),
                n.delivered_at,
                n.delivered_via,
            )
            for n in notices
        ],
        responses=[_response_view(r, vault, candidate, attached.get(r.id, []), for_board=for_board) for r in responses],
        search_completed=candidate.search_completed_at is not None,
        paused=bool(relied & disputed),
    )


def _response_view(
    response: CandidateResponse,
    vault: CandidateVault,
    candidate: Candidate,
    attachment_ids: list[int],
    *,
    for_board: bool,
) -> ResponseView:
    text = vault.open_field(response, "text")
    return ResponseView(
        id=response.id,
        kind=response.kind,
        received_on=response.received_on,
        text=redaction.redact_free_text(text, candidate, vault) if for_board else text,
        finding_ids=list(response.finding_ids),
        closed_at=response.closed_at,
        online=response.recorded_by_id is None,
        attachment_ids=attachment_ids,
    )


def statuses_of(session: Session, listed: list[Candidate]) -> dict[int, str]:
    """:func:`status_label` of each candidate without opening any sealed text, in the same few
    queries however many are listed (the dashboard): the latest final decision and proposal,
    the current recommendations of board members, and the open disputes a proposal waits on."""
    ids = [c.id for c in listed]
    if not ids:
        return {}
    latest = _latest_decisions(session, ids, recorders=False)
    boards: dict[int, set[int]] = {}
    for c in listed:  # once per cycle, not per candidate
        if c.cycle_id not in boards:
            boards[c.cycle_id] = c.cycle.member_ids(Duty.BOARD_MEMBER)
    by_candidate = {c.id: c for c in listed}
    recommended: Counter[int] = Counter(
        candidate_id
        for candidate_id, member_id in session.execute(
            select(Recommendation.candidate_id, Recommendation.member_id).where(
                Recommendation.candidate_id.in_(ids), Recommendation.superseded_at.is_(None)
            )
        )
        if member_id in boards[by_candidate[candidate_id].cycle_id]
    )
    proposals = {
        c.id: latest[(c.id, DecisionStatus.PROPOSED)]
        for c in listed
        if (c.id, DecisionStatus.FINAL) not in latest and (c.id, DecisionStatus.PROPOSED) in latest
    }
    paused = _paused(session, proposals)
    return {
        c.id: status_label(
            final.outcome if (final := latest.get((c.id, DecisionStatus.FINAL))) else None,
            proposals[c.id].response_due if c.id in proposals else None,
            c.id in paused,
            recommended[c.id],
            len(boards[c.cycle_id]),
            c.search_completed_at is not None,
            proposed=c.id in proposals,
        )
        for c in listed
    }


def _paused(session: Session, proposals: dict[int, Decision]) -> set[int]:
    """The candidates whose proposal waits on an open dispute about a finding it relies on
    (:func:`open_disputes` for many proposals at once)."""
    if not proposals:
        return set()
    release_ids = {r for p in proposals.values() for r in p.release_ids}
    query = select(FindingRelease.id, FindingRelease.finding_id).where(FindingRelease.id.in_(release_ids))
    finding_of = {release_id: finding_id for release_id, finding_id in session.execute(query)}
    disputed: dict[int, set[int]] = {}
    for candidate_id, finding_ids in session.execute(
        select(CandidateResponse.candidate_id, CandidateResponse.finding_ids).where(
            CandidateResponse.candidate_id.in_(list(proposals)),
            CandidateResponse.kind == ResponseKind.DISPUTE,
            CandidateResponse.closed_at.is_(None),
        )
    ):
        disputed.setdefault(candidate_id, set()).update(int(f) for f in finding_ids)
    return {
        candidate_id
        for candidate_id, proposal in proposals.items()
        if disputed.get(candidate_id, set()) & {finding_of[r] for r in proposal.release_ids if r in finding_of}
    }


def status_of(session: Session, candidate: Candidate) -> str:
    """:func:`status_label` without opening any sealed text (one candidate)."""
    return statuses_of(session, [candidate])[candidate.id]
