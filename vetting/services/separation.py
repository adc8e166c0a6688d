"""The separation-of-duties report (R2, POL-01): per cycle, who searched and who decided.

Two proofs that no person held both duties, and the refusals that show the rule at work:

- *by assignment*: every investigator and board assignment ever made in the cycle, ended
  ones included (the database allows one duty per person per cycle);
- *by action*: everyone who recorded searches, resolutions, findings or releases, against
  everyone who recommended or decided. This one does not trust the assignment table;
- *refused attempts*: audited refusals to give a person the other duty, and refusals of a
  release by the finding's own author or editor (the second-person rule, R3): both rules
  and their codes are :mod:`vetting.policy`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.models import (
    AuditEvent,
    Candidate,
    Cycle,
    Decision,
    Duty,
    Finding,
    FindingRelease,
    ItemResolution,
    Recommendation,
    SearchLogEntry,
    User,
)
from vetting.services import audit_log, users
from vetting.services.cycles import get_cycle, list_cycles


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    since: datetime
    ended: datetime | None


@dataclass(frozen=True)
class Refusal:
    seq: int
    at: datetime
    actor: str
    what: str


@dataclass(frozen=True)
class CycleSeparation:
    cycle_id: int
    title: str
    status: str
    investigators: list[Member]
    board: list[Member]
    overlap_assigned: list[str]
    searched_by: list[str]
    decided_by: list[str]
    overlap_acted: list[str]
    refusals: list[Refusal]

    @property
    def holds(self) -> bool:
        return not self.overlap_assigned and not self.overlap_acted


def _ids(session: Session, query: Select[Any]) -> set[int]:
    return {i for i in session.scalars(query) if i is not None}


def _of_cycle(session: Session, cycle: Cycle, names: dict[int, str]) -> CycleSeparation:
    members: dict[Duty, list[Member]] = {Duty.INVESTIGATOR: [], Duty.BOARD_MEMBER: []}
    for a in cycle.assignments:
        members[a.duty].append(Member(a.user_id, names.get(a.user_id, str(a.user_id)), a.created_at, a.ended_at))
    overlap = {m.user_id for m in members[Duty.INVESTIGATOR]} & {m.user_id for m in members[Duty.BOARD_MEMBER]}
    candidates = select(Candidate.id).where(Candidate.cycle_id == cycle.id)
    findings = select(Finding.id).where(Finding.candidate_id.in_(candidates))
    searchers: set[int] = set()
    for query in (
        select(SearchLogEntry.recorded_by_id).where(SearchLogEntry.candidate_id.in_(candidates)),
        select(ItemResolution.resolved_by_id).where(ItemResolution.candidate_id.in_(candidates)),
        select(Finding.created_by_id).where(Finding.candidate_id.in_(candidates)),
        select(FindingRelease.released_by_id).where(FindingRelease.finding_id.in_(findings)),
    ):
        searchers |= _ids(session, query)
    deciders = _ids(session, select(Recommendation.member_id).where(Recommendation.candidate_id.in_(candidates)))
    deciders |= _ids(session, select(Decision.recorded_by_id).where(Decision.candidate_id.in_(candidates)))
    refusals = []
    events = session.scalars(
        select(AuditEvent)
        .where(
            ((AuditEvent.event == Event.ASSIGNMENT_REFUSED) & (AuditEvent.subject_id == str(cycle.id)))
            | (
                (AuditEvent.event == Event.FINDING_RELEASE_REFUSED)
                & AuditEvent.subject_id.in_(
                    select(cast(Finding.id, String)).where(Finding.candidate_id.in_(candidates))
                )
            )
        )
        .order_by(AuditEvent.seq)
    )
    for e in events:
        data = audit_log.event_data(e)
        actor = names.get(e.actor_id, "system") if e.actor_id else "system"
        if e.event == Event.ASSIGNMENT_REFUSED:
            who = names.get(data.get("user_id", 0), f"user {data.get('user_id')}")
            tense = "was" if data.get("ended") else "is"
            what = f"Refused to make {who} {_duty(data)}: {tense} {_duty(data, 'held')} here."
            if data.get("records"):  # R2 extended: they handled the cycle's records (policy.records_duty_refusal)
                what = f"Refused to make {who} {_duty(data)}: handled this cycle's records."
            refusals.append(Refusal(e.seq, e.occurred_at, actor, what))
        elif policy.SECOND_PERSON_CODES & set(data.get("codes", [])):
            what = (
                f"Refused release of finding {e.subject_id} by its own author or editor: "
                "a second investigator must release it."
            )
            refusals.append(Refusal(e.seq, e.occurred_at, actor, what))
    return CycleSeparation(
        cycle.id,
        cycle.title,
        cycle.status.value,
        members[Duty.INVESTIGATOR],
        members[Duty.BOARD_MEMBER],
        sorted(names.get(u, str(u)) for u in overlap),
        sorted(names.get(u, str(u)) for u in searchers),
        sorted(names.get(u, str(u)) for u in deciders),
        sorted(names.get(u, str(u)) for u in searchers & deciders),
        refusals,
    )


def _duty(data: dict[str, object], key: str = "requested") -> str:
    return "an investigator" if data.get(key) == Duty.INVESTIGATOR.value else "a board member"


def report(session: Session, actor: User, cycle_id: int | None = None) -> list[CycleSeparation]:
    """Every cycle (or one), for auditors; the view is audited."""
    policy.require(actor, policy.Action.AUDIT_READ)
    cycles = [get_cycle(session, actor, cycle_id)] if cycle_id is not None else list_cycles(session, actor)
    names = users.names(session)
    result = [_of_cycle(session, c, names) for c in cycles]
    record(
        session,
        actor,
        Event.SEPARATION_VIEWED,
        subject=cycles[0] if cycle_id is not None else None,
        cycles=len(result),
        holds=all(r.holds for r in result),
    )
    return result
