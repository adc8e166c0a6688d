"""Adverse-impact monitoring for auditors: selection rates by self-identified group (UGESP).

The only reader of :class:`SelfIdentification`. It opens each answer to count it and
returns nothing but aggregates: per group, how many were considered and selected, the
rate, the impact ratio against the highest-rate group, the four-fifths flag and Fisher's
exact test; groups under the configured minimum are suppressed (rules-legal.md §6).

Rates are computed over candidates with a final board decision only (selected = advanced):
counting the undecided as "not selected" raised the four-fifths flag on a cycle still in
progress (issue 18). The board's decision is the cycle's only selection step, so the cycle
overall and the internet screening are the same figures; the report says how many candidates
have no final decision yet and are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.models import Candidate, Decision, DecisionStatus, Outcome, RaceEthnicity, SelfIdentification, Sex, User
from vetting.selection_rates import FOUR_FIFTHS, Counts, GroupRate, compare, tally
from vetting.services.context import Security
from vetting.services.cycles import get_cycle
from vetting.services.self_identification import Answers, open_answers
from vetting.services.vault import CandidateVault


@dataclass(frozen=True)
class StepReport:
    step: str
    label: str
    groups: list[GroupRate]

    @property
    def flagged(self) -> list[GroupRate]:
        return [g for g in self.groups if g.four_fifths_flag]


@dataclass(frozen=True)
class AxisReport:
    axis: str
    label: str
    steps: list[StepReport]
    #: Decided candidates not in any group shown: no answer on this axis (declined, never
    #: answered, erased) or in a suppressed group. One number for both, so that a suppressed
    #: group's size cannot be worked out from the candidate count (complementary suppression).
    not_shown: int


@dataclass(frozen=True)
class AdverseImpactReport:
    cycle_id: int
    cycle_title: str
    candidates: int
    answered: int
    minimum: int
    axes: list[AxisReport]
    #: Candidates of the cycle without a final decision: not counted in any rate.
    undecided: int = 0
    four_fifths: float = FOUR_FIFTHS

    @property
    def flags(self) -> list[tuple[AxisReport, StepReport, GroupRate]]:
        return [(a, s, g) for a in self.axes for s in a.steps for g in s.flagged]

    @property
    def significant(self) -> bool:
        """Some flagged group's difference is also statistically significant."""
        return any(g.significant for _, _, g in self.flags)


_AXES: tuple[tuple[str, str, Callable[[Answers], str | None]], ...] = (
    ("sex", "Sex", lambda a: None if a.sex is Sex.DECLINED else a.sex.label),
    (
        "race_ethnicity",
        "Race and ethnicity",
        lambda a: None if a.race_ethnicity is RaceEthnicity.DECLINED else a.race_ethnicity.label,
    ),
)


def _group_order(axis: str) -> list[str]:
    members = Sex if axis == "sex" else RaceEthnicity
    return [m.label for m in members if m.value != "declined"]


def _ordered(counts: dict[str, Counts], order: list[str]) -> dict[str, Counts]:
    """Groups in the form's order, so every report lists them alike."""
    return {g: counts[g] for g in sorted(counts, key=lambda g: order.index(g) if g in order else len(order))}


def report(session: Session, actor: User, security: Security, cycle_id: int, minimum: int) -> AdverseImpactReport:
    """Aggregate selection rates for one cycle; the view is audited."""
    policy.require(actor, policy.Action.AUDIT_READ)
    cycle = get_cycle(session, actor, cycle_id)
    in_cycle = select(Candidate.id).where(Candidate.cycle_id == cycle.id)
    candidates = session.scalar(select(func.count()).select_from(in_cycle.subquery())) or 0
    final = select(Decision.candidate_id, Decision.outcome).where(
        Decision.candidate_id.in_(in_cycle), Decision.status == DecisionStatus.FINAL
    )
    finals = dict(session.execute(final).all())
    # Only the candidates who answered, without the checklist work a candidate loads with it:
    # each one's answers are sealed under its own key, opened here and counted, never kept.
    answered = (
        select(Candidate, SelfIdentification)
        .join(SelfIdentification, SelfIdentification.candidate_id == Candidate.id)
        .where(
            Candidate.cycle_id == cycle.id,
            Candidate.wrapped_key.is_not(None),
            SelfIdentification.answers_enc.is_not(None),
        )
        .options(lazyload(Candidate.resolutions), lazyload(Candidate.consent))
        .order_by(Candidate.id)
    )
    answers: dict[int, Answers] = {}
    for candidate, row in session.execute(answered):
        opened = open_answers(CandidateVault(security.keyring, candidate), row)
        if opened is not None:
            answers[candidate.id] = opened
    axes = []
    for axis, label, group_of in _AXES:
        grouped = [(cid, group_of(a)) for cid, a in answers.items()]
        known = [(cid, g) for cid, g in grouped if g is not None]
        order = _group_order(axis)
        decided = [(cid, g) for cid, g in known if cid in finals]
        groups = compare(
            _ordered(tally((g, True, finals[cid] is Outcome.ADVANCE) for cid, g in decided), order), minimum
        )
        steps = [StepReport("screening", "Board decision (candidates with a final decision)", groups)]
        shown = sum(g.counts.considered for g in groups if g.counts is not None)
        axes.append(AxisReport(axis, label, steps, len(finals) - shown))
    record(session, actor, Event.ADVERSE_IMPACT_VIEWED, subject=cycle, minimum=minimum)
    return AdverseImpactReport(
        cycle.id, cycle.title, candidates, len(answers), minimum, axes, undecided=candidates - len(finals)
    )
