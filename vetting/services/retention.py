"""The agency's retention schedule and each candidate's earliest disposition date (issue 15 point 1).

**Classes.** Each :class:`RetentionClass` has a period in days, a :class:`Trigger` and a citation.
The agency changes them as a proposal that a second person approves (RET-07,
:func:`vetting.policy.records_approval_refusal`); the newest approved version is in force, the
built-in :data:`DEFAULTS` until one is.

**Floors** the schedule cannot go below (refused naming the field): every class holding
candidate records keeps them at least 2 years (RET-01, 29 CFR 1602.31), the audit log at least
1 year (RET-06). Applied to each candidate whatever the schedule says: RET-01, 2 years from the
later of the latest record and the decision, and in a cycle in FCRA mode 5 years (RET-05).

**Trigger dates**, from what the models record (never a decrypted value):

- ``record_date``: the latest of the candidate's records: added, search closed, a search logged,
  a decision recorded, a notice issued, a response received, the self-identification submitted.
- ``final_decision``: the final decision's date. A candidate never decided (they withdrew, the
  cycle moved on) has none until the cycle closes; the close date then stands in for it. While
  the cycle is open and no decision is final there is **no date yet: the period has not started
  and the candidate is not due**.
- ``cycle_close``: the cycle's close date; none while it is open (not due).
- ``end_of_employment``: the product records no employment, so for a candidate the board advanced
  (a hire) there is **no date: kept until the agency's own process disposes of the file**; for
  everyone else the final decision's date as above (not hired: no employment to end).

A candidate's earliest disposition date is the latest of every class's and floor's end (the
audit-log class governs the chain, which disposition never touches, and the minimisation class
governs findings purged ahead of the file, :mod:`vetting.services.minimisation`, so neither is among them);
``None`` while a trigger has no date. The due list filters on these dates in SQL (each
"trigger + period <= today" is "trigger before a cutoff"), so a page is two statements whatever
the number of candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import local, start_of, today, utcnow
from vetting.errors import Conflict, Forbidden, NotFound, Refusal, ValidationFailed
from vetting.models import (
    Candidate,
    CandidateResponse,
    Cycle,
    Decision,
    DecisionStatus,
    Disposition,
    Notice,
    Outcome,
    RetentionClass,
    RetentionSchedule,
    ScheduleStatus,
    SearchLogEntry,
    Trigger,
    User,
)
from vetting.services import holds, self_identification
from vetting.services.paging import Key, Page, PageRequest, paginate

#: RET-01: personnel and hiring records, 2 years (29 CFR 1602.31); every candidate class.
EEO_FLOOR_DAYS: Final = 730
EEO_CITATION: Final = "RET-01: 29 CFR 1602.31 (2 years from the later of the record and the personnel action)"
#: RET-06: CJIS audit records, at least one year.
AUDIT_FLOOR_DAYS: Final = 365
AUDIT_CITATION: Final = "RET-06: CJIS Security Policy 5.4.7 (audit records at least 1 year)"
#: RET-05: FCRA, no express period; keep 5 years when a consumer reporting agency's report is used.
FCRA_DAYS: Final = 1826
FCRA_CITATION: Final = "RET-05: FCRA (15 U.S.C. 1681 et seq.), keep 5 years"
#: RET-11: what never reaches the board may go before the file, never below RET-01 (a record of the hiring).
MINIMISATION_CITATION: Final = (
    "RET-11: CA POST guidance (keep only suitability-relevant content); at least RET-01, 29 CFR 1602.31"
)
#: The longest period accepted (100 years): beyond it a typo, not a schedule.
MAX_DAYS: Final = 36_500
MAX_CITATION: Final = 500

#: The floor of each class: (days, citation).
FLOORS: Final[Mapping[RetentionClass, tuple[int, str]]] = {
    **{c: (EEO_FLOOR_DAYS, EEO_CITATION) for c in RetentionClass if c is not RetentionClass.AUDIT_LOG},
    RetentionClass.AUDIT_LOG: (AUDIT_FLOOR_DAYS, AUDIT_CITATION),
}

#: The classes that hold a candidate's records (a candidate's date is the latest of theirs).
CANDIDATE_CLASSES: Final = tuple(
    c for c in RetentionClass if c not in (RetentionClass.AUDIT_LOG, RetentionClass.MINIMISATION)
)


@dataclass(frozen=True)
class Entry:
    """One class of the schedule."""

    period_days: int
    trigger: Trigger
    citation: str

    def as_dict(self) -> dict[str, Any]:
        return {"period_days": self.period_days, "trigger": self.trigger.value, "citation": self.citation}


#: In force until the agency approves a schedule of its own: the floors, from the record date.
DEFAULTS: Final[Mapping[RetentionClass, Entry]] = {
    RetentionClass.CANDIDATE_FILE: Entry(EEO_FLOOR_DAYS, Trigger.FINAL_DECISION, EEO_CITATION),
    RetentionClass.EVIDENCE: Entry(EEO_FLOOR_DAYS, Trigger.FINAL_DECISION, EEO_CITATION),
    RetentionClass.SEARCH_LOG: Entry(EEO_FLOOR_DAYS, Trigger.FINAL_DECISION, EEO_CITATION),
    RetentionClass.EEO: Entry(EEO_FLOOR_DAYS, Trigger.RECORD_DATE, EEO_CITATION + "; RET-04 (UGESP records)"),
    RetentionClass.NOTICES: Entry(EEO_FLOOR_DAYS, Trigger.RECORD_DATE, EEO_CITATION),
    RetentionClass.AUDIT_LOG: Entry(AUDIT_FLOOR_DAYS, Trigger.RECORD_DATE, AUDIT_CITATION),
    RetentionClass.MINIMISATION: Entry(EEO_FLOOR_DAYS, Trigger.RECORD_DATE, MINIMISATION_CITATION),
}


@dataclass(frozen=True)
class Schedule:
    """The schedule in force: a version the agency approved (``id``), or the defaults (``id`` None)."""

    id: int | None
    entries: Mapping[RetentionClass, Entry]
    proposed_by_id: int | None = None
    approved_by_id: int | None = None
    approved_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {c.value: self.entries[c].as_dict() for c in RetentionClass}


@dataclass(frozen=True)
class ScheduleState:
    """What the schedule page shows: the schedule in force and the proposal awaiting approval."""

    current: Schedule
    pending: RetentionSchedule | None


def _schedule_of(row: RetentionSchedule) -> Schedule:
    # A version approved before a class existed keeps that class's defaults (its floor at least).
    entries = dict(DEFAULTS) | {
        RetentionClass(name): Entry(int(e["period_days"]), Trigger(e["trigger"]), str(e["citation"]))
        for name, e in row.entries.items()
    }
    return Schedule(row.id, entries, row.proposed_by_id, row.approved_by_id, row.approved_at)


def current_schedule(session: Session) -> Schedule:
    """The newest approved version, or :data:`DEFAULTS` (one statement)."""
    row = session.scalars(
        select(RetentionSchedule)
        .where(RetentionSchedule.status == ScheduleStatus.APPROVED)
        .order_by(RetentionSchedule.approved_at.desc(), RetentionSchedule.id.desc())
        .limit(1)
    ).first()
    return Schedule(None, DEFAULTS) if row is None else _schedule_of(row)


def _pending(session: Session) -> RetentionSchedule | None:
    return session.scalars(select(RetentionSchedule).where(RetentionSchedule.status == ScheduleStatus.PROPOSED)).first()


def _require_records(actor: User | None, action: policy.Action) -> None:
    """``None`` is the command line (whoever runs it holds the server); anyone else needs ``action``."""
    if actor is None:
        return
    refusal = policy.records_refusal(actor, action)
    if refusal is not None:
        raise Forbidden(refusal)


def schedule_state(session: Session, actor: User | None) -> ScheduleState:
    """The schedule in force and any pending proposal (records readers)."""
    _require_records(actor, policy.Action.RECORDS_READ)
    return ScheduleState(current_schedule(session), _pending(session))


def validate_entries(raw: Mapping[str, Any]) -> dict[RetentionClass, Entry]:
    """Every class, each at or above its floor; the first bad field is named (``classes.<class>.<field>``).

    :raises ValidationFailed: a class missing or unknown, a period below its floor (RET-01, RET-06)
        or above :data:`MAX_DAYS`, an unknown trigger, an empty citation.
    """
    unknown = sorted(set(raw) - {c.value for c in RetentionClass})
    if unknown:
        raise ValidationFailed(f"There is no retention class {unknown[0]!r}.", field=f"classes.{unknown[0]}")
    entries: dict[RetentionClass, Entry] = {}
    for cls in RetentionClass:
        where = f"classes.{cls.value}"
        given = raw.get(cls.value)
        if not isinstance(given, Mapping):
            raise ValidationFailed(f"Give the period, trigger and citation of {cls.label}.", field=where)
        period = given.get("period_days")
        if not isinstance(period, int) or isinstance(period, bool):
            raise ValidationFailed("The period is a whole number of days.", field=f"{where}.period_days")
        floor, floor_citation = FLOORS[cls]
        if period < floor:
            raise ValidationFailed(
                f"{cls.label}: {period} days is below the legal floor of {floor} days ({floor_citation}).",
                field=f"{where}.period_days",
            )
        if period > MAX_DAYS:
            raise ValidationFailed(f"At most {MAX_DAYS} days.", field=f"{where}.period_days")
        try:
            trigger = Trigger(str(given.get("trigger")))
        except ValueError:
            raise ValidationFailed(
                "The trigger is one of " + ", ".join(t.value for t in Trigger) + ".", field=f"{where}.trigger"
            ) from None
        citation = given.get("citation")
        if not isinstance(citation, str) or not citation.strip():
            raise ValidationFailed(
                "Cite the rule or schedule item this period comes from (RET-07).", field=f"{where}.citation"
            )
        if len(citation.strip()) > MAX_CITATION or "\x00" in citation:
            raise ValidationFailed(f"At most {MAX_CITATION} characters.", field=f"{where}.citation")
        entries[cls] = Entry(period, trigger, citation.strip())
    return entries


def propose_schedule(session: Session, actor: User, raw: Mapping[str, Any]) -> RetentionSchedule:
    """Propose a new schedule (a pending proposal is withdrawn: one awaits approval at a time)."""
    _require_records(actor, policy.Action.RETENTION_MANAGE)
    entries = validate_entries(raw)
    withdrawn = _pending(session)
    if withdrawn is not None:
        withdrawn.status = ScheduleStatus.WITHDRAWN
    row = RetentionSchedule(
        entries={c.value: e.as_dict() for c, e in entries.items()},
        status=ScheduleStatus.PROPOSED,
        proposed_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Event.RETENTION_SCHEDULE_PROPOSED,
        subject=row,
        replaces=withdrawn.id if withdrawn else None,
        periods={c.value: e.period_days for c, e in entries.items()},
    )
    return row


def approve_schedule(session: Session, actor: User, schedule_id: int) -> RetentionSchedule:
    """Approve a pending proposal: it is in force from now (RET-07: never by its proposer)."""
    _require_records(actor, policy.Action.RETENTION_MANAGE)
    row = session.get(RetentionSchedule, schedule_id)
    if row is None:
        raise NotFound("No such schedule proposal.")
    if row.status is not ScheduleStatus.PROPOSED:
        raise Conflict(f"This schedule is {row.status.value}, not awaiting approval.", code="not_pending")
    refusal = policy.records_approval_refusal(actor, policy.Action.RETENTION_MANAGE, row.proposed_by_id)
    if refusal == policy.SECOND_PERSON_REQUIRED:
        audited = Refusal.of(Event.RETENTION_SCHEDULE_REFUSED, actor, subject=row, code="second_person_required")
        raise Conflict(refusal, code="second_person_required", refusal=audited)
    if refusal is not None:
        raise Forbidden(refusal)
    # Validated again: the floors are code, and a proposal made under other floors must not slip in.
    validate_entries(row.entries)
    row.status = ScheduleStatus.APPROVED
    row.approved_by_id = actor.id
    row.approved_at = utcnow()
    record(session, actor, Event.RETENTION_SCHEDULE_APPROVED, subject=row, proposed_by=row.proposed_by_id)
    return row


# --- each candidate's dates ---------------------------------------------------------------------------


def _latest(column: Any, where: ColumnElement[bool]) -> Any:
    return select(func.max(column)).where(where).correlate(Candidate).scalar_subquery()


def _record_terms() -> list[Any]:
    """Every moment that can be a candidate's latest record (NULL when there is none of a kind)."""
    return [
        Candidate.created_at,
        Candidate.search_completed_at,
        _latest(SearchLogEntry.searched_at, SearchLogEntry.candidate_id == Candidate.id).label("last_search"),
        _latest(Decision.recorded_at, Decision.candidate_id == Candidate.id).label("last_decision"),
        _latest(Notice.issued_at, Notice.candidate_id == Candidate.id).label("last_notice"),
        _latest(CandidateResponse.recorded_at, CandidateResponse.candidate_id == Candidate.id).label("last_response"),
        # The EEO table is read only by its own services (UGESP isolation): its date comes from there.
        self_identification.submitted_at_of(Candidate.id).correlate(Candidate).label("last_eeo"),
    ]


def decided_at() -> Any:
    """SQL, correlated to the candidate: the moment of its final decision (NULL: none yet)."""
    final = and_(Decision.candidate_id == Candidate.id, Decision.status == DecisionStatus.FINAL)
    return _latest(Decision.recorded_at, final).label("decided_at")


def was_hired() -> Any:
    """SQL, correlated to the candidate: whether the board's final decision advanced them (a hire)."""
    advanced = and_(
        Decision.candidate_id == Candidate.id,
        Decision.status == DecisionStatus.FINAL,
        Decision.outcome == Outcome.ADVANCE,
    )
    return exists().where(advanced).correlate(Candidate).label("hired")


def _disposition_status() -> Any:
    return (
        select(Disposition.status)
        .where(Disposition.candidate_id == Candidate.id)
        .correlate(Candidate)
        .scalar_subquery()
        .label("disposition")
    )


@dataclass(frozen=True)
class CandidateRetention:
    """One candidate's retention: the class (or floor) that ends last, its trigger date and the
    earliest disposition date (``None`` while a trigger has no date yet: ``waiting_for`` says which)."""

    candidate_id: int
    code: str
    cycle_id: int
    cycle_title: str
    retention_class: str
    citation: str
    trigger_date: date | None
    due_on: date | None
    waiting_for: str | None
    disposed: bool
    disposition: str | None

    @property
    def due(self) -> bool:
        return self.due_on is not None and self.due_on <= today() and not self.disposed


def local_day(moment: datetime | None) -> date | None:
    """The agency's day of ``moment`` (None stays None)."""
    return local(moment).date() if moment is not None else None


def trigger_day(
    trigger: Trigger, recorded: date, decided: date | None, closed: date | None, hired: bool
) -> date | None:
    """The day a class's period starts (the module's trigger rules), or None while it has no date."""
    if trigger is Trigger.RECORD_DATE:
        return recorded
    if trigger is Trigger.CYCLE_CLOSE:
        return closed
    if trigger is Trigger.END_OF_EMPLOYMENT and hired:
        return None
    return decided or closed


#: What a trigger with no date yet waits for, as the lists say it.
WAITING = {
    Trigger.CYCLE_CLOSE: "the cycle to close",
    Trigger.FINAL_DECISION: "a final decision or the cycle's close",
    Trigger.END_OF_EMPLOYMENT: "the end of employment (not recorded by this product)",
}


def retention_of(schedule: Schedule, row: Sequence[Any]) -> CandidateRetention:
    """A candidate's dates from one row of :func:`_columns` (no decryption, no statement)."""
    moments = [m for m in row[6:13] if m is not None]
    recorded = local_day(max(moments))
    assert recorded is not None  # created_at is never NULL
    decided, closed, hired = local_day(row[13]), local_day(row[5]), bool(row[14])
    ends: list[tuple[date, str, str, date]] = [
        (recorded + timedelta(days=EEO_FLOOR_DAYS), "floor: RET-01", EEO_CITATION, recorded)
    ]
    if row[4]:
        ends.append((recorded + timedelta(days=FCRA_DAYS), "floor: RET-05", FCRA_CITATION, recorded))
    waiting: str | None = None
    for cls in CANDIDATE_CLASSES:
        entry = schedule.entries[cls]
        start = trigger_day(entry.trigger, recorded, decided, closed, hired)
        if start is None:
            waiting = waiting or f"{cls.label}: waiting for {WAITING[entry.trigger]}"
            continue
        ends.append((start + timedelta(days=entry.period_days), cls.value, entry.citation, start))
    due_on, chosen, citation, trigger_date = max(ends, key=lambda e: e[0])
    return CandidateRetention(
        candidate_id=row[0],
        code=row[1],
        cycle_id=row[2],
        cycle_title=row[3],
        retention_class=chosen,
        citation=citation,
        trigger_date=trigger_date,
        due_on=None if waiting else due_on,
        waiting_for=waiting,
        disposed=bool(row[15]),
        disposition=row[16],
    )


def _columns() -> Select[Any]:
    return select(
        Candidate.id,
        Candidate.code,
        Candidate.cycle_id,
        Cycle.title,
        Cycle.fcra_mode,
        Cycle.closed_at,
        *_record_terms(),
        decided_at(),
        was_hired(),
        Candidate.wrapped_key.is_(None).label("wrapped_key_gone"),
        _disposition_status(),
    ).join(Cycle, Cycle.id == Candidate.cycle_id)


def start_after(day: date) -> datetime:
    """The first moment of the agency's day after ``day`` (a trigger on ``day`` is before it)."""
    return start_of(day + timedelta(days=1))


def due_condition(schedule: Schedule, on: date) -> ColumnElement[bool]:
    """SQL: the candidate's earliest disposition date is on or before ``on`` (see the module's rules)."""
    fcra = select(Cycle.fcra_mode).where(Cycle.id == Candidate.cycle_id).correlate(Candidate).scalar_subquery()
    closed = select(Cycle.closed_at).where(Cycle.id == Candidate.cycle_id).correlate(Candidate).scalar_subquery()
    decided = decided_at()
    hired = was_hired()
    terms = _record_terms()

    def recorded_before(moment: datetime) -> ColumnElement[bool]:
        return and_(*(or_(t.is_(None), t < moment) for t in terms))

    def decided_before(moment: datetime) -> ColumnElement[bool]:
        return or_(
            and_(decided.is_not(None), decided < moment),
            and_(decided.is_(None), closed.is_not(None), closed < moment),
        )

    conditions = [recorded_before(start_after(on - timedelta(days=EEO_FLOOR_DAYS)))]
    conditions.append(or_(fcra == false(), recorded_before(start_after(on - timedelta(days=FCRA_DAYS)))))
    for cls in CANDIDATE_CLASSES:
        entry = schedule.entries[cls]
        cutoff = start_after(on - timedelta(days=entry.period_days))
        if entry.trigger is Trigger.RECORD_DATE:
            conditions.append(recorded_before(cutoff))
        elif entry.trigger is Trigger.CYCLE_CLOSE:
            conditions.append(and_(closed.is_not(None), closed < cutoff))
        elif entry.trigger is Trigger.FINAL_DECISION:
            conditions.append(decided_before(cutoff))
        else:
            conditions.append(and_(hired == false(), decided_before(cutoff)))
    return and_(true(), *conditions)


def candidates_page(
    session: Session, actor: User | None, page: PageRequest, *, due_only: bool, cycle_id: int | None = None
) -> Page[CandidateRetention]:
    """Candidates with their class, trigger date and earliest disposition date, by id; with
    ``due_only``, only those past it, not disposed and on no legal hold (RET-02). Three statements."""
    _require_records(actor, policy.Action.RECORDS_READ)
    schedule = current_schedule(session)
    query = _columns()
    if cycle_id is not None:
        query = query.where(Candidate.cycle_id == cycle_id)
    name = "retention/candidates"
    if due_only:
        query = query.where(
            Candidate.wrapped_key.is_not(None),
            due_condition(schedule, today()),
            Candidate.id.not_in(holds.held_candidate_ids()),
        )
        name = "retention/due"
    rows = paginate(session, query, [Key(Candidate.id)], page, name=name)
    return rows.map(lambda r: retention_of(schedule, r))


def retention_for(session: Session, candidate_id: int) -> tuple[Schedule, CandidateRetention]:
    """One candidate's dates under the schedule in force (for the disposition service)."""
    schedule = current_schedule(session)
    row = session.execute(_columns().where(Candidate.id == candidate_id)).first()
    if row is None:
        raise NotFound("No such candidate.")
    return schedule, retention_of(schedule, row)
