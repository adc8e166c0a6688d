"""Minimisation (issue 15 point 3, RET-11): findings that never reach the board, purged early.

**What.** A finding may be minimised when it never reaches the board (:func:`reason`, one SQL
expression): refuted (a validation step of its current revision contradicts it, R7), withdrawn
by an investigator (R1), or of a category never reported (PC-03). A finding the board read (any
release) is not: what the board read is a record of its decision and stays with the candidate's
file (RET-01), and releases are append-only.

**When** (:func:`minimisation_of`, and :func:`due_condition` the same in SQL). Only once the cycle
is closed (RET-11: "when the case closes"; a closed cycle's findings can no longer change, so
nothing writes content back), and not before the latest of:

- the minimisation class's period from its trigger. Its record date is the finding's latest
  record (created, edited, withdrawn, a validation step, an evidence upload): the day it became
  refuted or withdrawn is among them, and a later record of it is still a record made in hiring.
  The other triggers are the candidate's (final decision, cycle close, end of employment for hires);
- RET-01: 2 years from the later of that record and the personnel action (the final decision, or
  the cycle's close for a candidate never decided): a finding never relied on is still a record
  made in hiring (29 CFR 1602.31 covers every such record, not only those used);
- RET-05: 5 years from that record in a cycle in FCRA mode (the finding was part of the report).

The candidate's file has the same floors, so minimisation comes first where the file waits
longer: a hire's file (kept until the end of employment) or an agency period above the floors.
Never on legal hold (RET-02: the queue leaves held candidates out, a proposal or approval is
refused with 409 ``legal_hold``), and never for a disposed candidate (nothing left to purge).

**Who.** A records officer proposes a batch (or one finding); a second person approves it
(RET-07, :func:`vetting.policy.records_approval_refusal`), never someone with a duty in a cycle
of the batch (R2 extended to records, :func:`vetting.policy.records_refusal`).

**What approval destroys** (:func:`purge`). The data key is the candidate's and still seals the
rest of their file, so the content is overwritten rather than its key destroyed:

- every sealed text of the finding and of the rows tied to it (validation notes, a board
  question) is replaced by :data:`MINIMISED` sealed under the same key, so each page that opens
  it reads the notice; the old ciphertexts leave the rows;
- its detector mentions (which name a protected class) and its evidence rows are deleted, and
  the evidence files removed from the store after the commit;
- what counts stays: the finding's row (ids, category, dates, revision), its validation steps'
  method and result, the search log. The uniformity report counts the same work, and the audit
  chain, which never holds content, verifies untouched;
- a tombstone per finding (:class:`~vetting.models.MinimisedFinding`): code, why, dates, class and
  citation, both people, counts per field, the SHA-256 of the destroyed ciphertexts and of each file.

Copies outside the current rows (database backups, dead tuples until a vacuum) keep the old
ciphertexts, which the candidate's key still opens: they go as the backups rotate, or with the
candidate's disposition, which destroys the key.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, case, delete, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, DomainError, Forbidden, NotFound, Refusal, SeparationOfDuties, ValidationFailed
from vetting.models import (
    NEVER_REPORTED,
    Candidate,
    Cycle,
    Evidence,
    Finding,
    FindingMention,
    FindingRelease,
    Minimisation,
    MinimisationReason,
    MinimisationStatus,
    MinimisedFinding,
    RetentionClass,
    Trigger,
    User,
    ValidationResult,
    ValidationStep,
)
from vetting.models.base import AppendOnly
from vetting.services import holds, jobs, users
from vetting.services.context import Security
from vetting.services.disposition import StoredCopy, sealed_models
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.retention import (
    EEO_CITATION,
    EEO_FLOOR_DAYS,
    FCRA_CITATION,
    FCRA_DAYS,
    WAITING,
    Schedule,
    current_schedule,
    decided_at,
    local_day,
    start_after,
    trigger_day,
    was_hired,
)
from vetting.services.stored_files import delete_after_commit
from vetting.services.vault import CandidateVault
from vetting.storage import EncryptedStore

#: What a minimised finding shows where its content was (sealed under the candidate's key).
MINIMISED: Final = "[minimised: destroyed under the retention schedule (RET-11)]"
#: The most findings one proposal holds (one page of the queue at its largest).
MAX_BATCH: Final = 200
#: Rows tied to a finding that are deleted rather than overwritten: the detector's marks (naming a
#: protected class) and the evidence, whose files go from the store.
_DELETED: Final = (Evidence, FindingMention)
_CLOSE_FIRST: Final = "the cycle to close (RET-11: findings are minimised once the case closes)"


# --- which findings, and when: one place ------------------------------------------------------------


def _refuted() -> ColumnElement[bool]:
    return exists().where(
        ValidationStep.finding_id == Finding.id,
        ValidationStep.revision == Finding.revision,
        ValidationStep.result == ValidationResult.CONTRADICTS,
    )


def reason() -> Any:
    """SQL: why the finding never reaches the board (a :class:`MinimisationReason` value), or NULL."""
    return case(
        (Finding.withdrawn_at.is_not(None), MinimisationReason.WITHDRAWN.value),
        (_refuted(), MinimisationReason.REFUTED.value),
        (Finding.category.in_(NEVER_REPORTED), MinimisationReason.NEVER_REPORTED.value),
        else_=None,
    ).label("reason")


def _released() -> Any:
    return exists().where(FindingRelease.finding_id == Finding.id).label("released")


def _latest(column: Any, where: ColumnElement[bool]) -> Any:
    return select(func.max(column)).where(where).correlate(Finding).scalar_subquery()


def _record_terms() -> list[Any]:
    """Every moment that can be the finding's latest record (NULL when there is none of a kind)."""
    return [
        Finding.created_at,
        Finding.updated_at,
        Finding.withdrawn_at,
        _latest(ValidationStep.recorded_at, ValidationStep.finding_id == Finding.id).label("last_validation"),
        _latest(Evidence.uploaded_at, Evidence.finding_id == Finding.id).label("last_evidence"),
    ]


def _proposal() -> Any:
    return (
        select(MinimisedFinding.minimisation_id)
        .where(MinimisedFinding.finding_id == Finding.id)
        .correlate(Finding)
        .scalar_subquery()
        .label("minimisation_id")
    )


def _status() -> Any:
    return (
        select(Minimisation.status)
        .join(MinimisedFinding, MinimisedFinding.minimisation_id == Minimisation.id)
        .where(MinimisedFinding.finding_id == Finding.id)
        .correlate(Finding)
        .scalar_subquery()
        .label("status")
    )


def _columns() -> Select[Any]:
    return (
        select(
            Finding.id,
            Finding.candidate_id,
            Candidate.code,
            Candidate.cycle_id,
            Cycle.title,
            Cycle.fcra_mode,
            Cycle.closed_at,
            reason(),
            _released(),
            Candidate.wrapped_key.is_(None).label("disposed"),
            *_record_terms(),
            decided_at(),
            was_hired(),
            _proposal(),
            _status(),
        )
        .join(Candidate, Candidate.id == Finding.candidate_id)
        .join(Cycle, Cycle.id == Candidate.cycle_id)
    )


@dataclass(frozen=True)
class FindingRetention:
    """One finding's minimisation: why it may go (``reason`` None: it is relevant and stays), the
    class or floor that ends last, its trigger date, the earliest date (None while ``waiting_for``),
    and the proposal it is in."""

    finding_id: int
    candidate_id: int
    code: str
    cycle_id: int
    cycle_title: str
    reason: MinimisationReason | None
    released: bool
    disposed: bool
    retention_class: str
    citation: str
    trigger_date: date | None
    due_on: date | None
    waiting_for: str | None
    minimisation_id: int | None
    status: MinimisationStatus | None

    @property
    def due(self) -> bool:
        return self.due_on is not None and self.due_on <= today() and self.status is None


def minimisation_of(schedule: Schedule, row: Sequence[Any]) -> FindingRetention:
    """A finding's dates from one row of :func:`_columns` (no decryption, no statement)."""
    moments = [m for m in row[10:15] if m is not None]
    recorded = local_day(max(moments))
    assert recorded is not None  # created_at is never NULL
    decided, closed, hired = local_day(row[15]), local_day(row[6]), bool(row[16])
    entry = schedule.entries[RetentionClass.MINIMISATION]
    waiting = None if closed is not None else _CLOSE_FIRST
    ends: list[tuple[date, str, str, date]] = []
    action = decided or closed
    if action is not None:
        later = max(recorded, action)
        ends.append((later + timedelta(days=EEO_FLOOR_DAYS), "floor: RET-01", EEO_CITATION, later))
    if row[5]:
        ends.append((recorded + timedelta(days=FCRA_DAYS), "floor: RET-05", FCRA_CITATION, recorded))
    start = trigger_day(entry.trigger, recorded, decided, closed, hired)
    if start is None:
        waiting = waiting or f"{RetentionClass.MINIMISATION.label}: waiting for {WAITING[entry.trigger]}"
    else:
        ends.append(
            (start + timedelta(days=entry.period_days), RetentionClass.MINIMISATION.value, entry.citation, start)
        )
    due_on, chosen, citation, trigger_date = max(ends, key=lambda e: e[0]) if ends else (None, "", "", None)
    return FindingRetention(
        finding_id=row[0],
        candidate_id=row[1],
        code=row[2],
        cycle_id=row[3],
        cycle_title=row[4],
        reason=MinimisationReason(row[7]) if row[7] else None,
        released=bool(row[8]),
        disposed=bool(row[9]),
        retention_class=chosen or RetentionClass.MINIMISATION.value,
        citation=citation or entry.citation,
        trigger_date=trigger_date,
        due_on=None if waiting else due_on,
        waiting_for=waiting,
        minimisation_id=row[17],
        status=MinimisationStatus(row[18]) if row[18] else None,
    )


def due_condition(schedule: Schedule, on: date) -> ColumnElement[bool]:
    """SQL over :func:`_columns`: the finding's earliest minimisation date is on or before ``on``
    (the rules of :func:`minimisation_of`, each "start + period <= on" as "start before a cutoff")."""
    terms = _record_terms()
    action = func.coalesce(decided_at(), Cycle.closed_at)

    def recorded_before(moment: datetime) -> ColumnElement[bool]:
        return and_(*(or_(t.is_(None), t < moment) for t in terms))

    floor = start_after(on - timedelta(days=EEO_FLOOR_DAYS))
    conditions = [Cycle.closed_at.is_not(None), recorded_before(floor), action < floor]
    conditions.append(or_(Cycle.fcra_mode == false(), recorded_before(start_after(on - timedelta(days=FCRA_DAYS)))))
    entry = schedule.entries[RetentionClass.MINIMISATION]
    cutoff = start_after(on - timedelta(days=entry.period_days))
    if entry.trigger is Trigger.RECORD_DATE:
        conditions.append(recorded_before(cutoff))
    elif entry.trigger is Trigger.CYCLE_CLOSE:
        conditions.append(Cycle.closed_at < cutoff)
    elif entry.trigger is Trigger.FINAL_DECISION:
        conditions.append(action < cutoff)
    else:
        conditions.append(and_(was_hired() == false(), action < cutoff))
    return and_(*conditions)


def _minimisable() -> ColumnElement[bool]:
    """SQL: a finding of a kind that may go (never read by the board), of a candidate not disposed."""
    return and_(Candidate.wrapped_key.is_not(None), reason().is_not(None), not_(_released()))


def refusal_of(item: FindingRetention, proposal_id: int | None = None) -> Conflict | None:
    """Why ``item`` may not be minimised now (holds aside: :func:`holds.require_not_held`), or
    ``None``; ``proposal_id`` is the proposal being approved (its own findings are proposed)."""
    what = f"Finding {item.finding_id} (candidate {item.code})"
    if item.disposed:
        return Conflict(f"{what}: the candidate's records were disposed of already.", code="already_disposed")
    if item.status is MinimisationStatus.MINIMISED:
        return Conflict(f"{what} was minimised already.", code="already_minimised")
    if item.status is MinimisationStatus.PROPOSED and item.minimisation_id != proposal_id:
        return Conflict(
            f"{what} is in minimisation {item.minimisation_id} already, awaiting approval.", code="already_proposed"
        )
    if item.reason is None:
        return Conflict(
            f"{what} is neither refuted, withdrawn nor of a category never reported: it is relevant and "
            "stays with the candidate's file (RET-11).",
            code="not_minimisable",
        )
    if item.released:
        return Conflict(
            f"{what} was released to the board: what the board read is a record of its decision and "
            "stays with the candidate's file (RET-01).",
            code="not_minimisable",
        )
    if item.due_on is None:
        return Conflict(f"{what} is not due: waiting for {item.waiting_for}.", code="not_due")
    if item.due_on > today():
        return Conflict(
            f"{what} must be kept until {item.due_on:%d %B %Y} ({item.retention_class}: {item.citation}).",
            code="not_due",
        )
    return None


# --- reading ----------------------------------------------------------------------------------------


def _require_reader(actor: User | None) -> None:
    """``None`` is the command line (whoever runs it holds the server); anyone else reads records."""
    if actor is not None:
        refusal = policy.records_refusal(actor, policy.Action.RECORDS_READ)
        if refusal is not None:
            raise Forbidden(refusal)


def findings_page(
    session: Session, actor: User | None, page: PageRequest, *, due_only: bool, cycle_id: int | None = None
) -> Page[FindingRetention]:
    """Findings that may be minimised, with their dates and proposal, by id; with ``due_only``,
    only those past their date, in no proposal and on no legal hold (RET-02). Three statements."""
    _require_reader(actor)
    schedule = current_schedule(session)
    query = _columns().where(_minimisable())
    if cycle_id is not None:
        query = query.where(Candidate.cycle_id == cycle_id)
    name = "minimisation/findings"
    if due_only:
        query = query.where(
            due_condition(schedule, today()),
            ~exists().where(MinimisedFinding.finding_id == Finding.id),
            Candidate.id.not_in(holds.held_candidate_ids()),
        )
        name = "minimisation/due"
    rows = paginate(session, query, [Key(Finding.id)], page, name=name)
    return rows.map(lambda r: minimisation_of(schedule, r))


def minimisations_page(
    session: Session, actor: User | None, page: PageRequest, status: str | None
) -> Page[Minimisation]:
    """Minimisations, newest first; ``status`` ("proposed", "minimised") filters (two statements)."""
    _require_reader(actor)
    query = select(Minimisation)
    if status is not None:
        query = query.where(Minimisation.status == MinimisationStatus(status))
    return paginate(
        session, query, [Key(Minimisation.id, descending=True)], page, name=f"minimisations/{status or 'all'}"
    )


@dataclass(frozen=True)
class MinimisationDetail:
    """A minimisation as its page shows it: the row, its findings (tombstones once carried out),
    who proposed and approved it, and why the reader may not approve it (``None``: they may)."""

    row: Minimisation
    findings: list[MinimisedFinding]
    proposed_by: str
    approved_by: str | None
    approval_refusal: str | None

    @property
    def files_deleted(self) -> int:
        return sum(f.files_deleted for f in self.findings)


def get(session: Session, actor: User | None, minimisation_id: int) -> Minimisation:
    """One minimisation (records readers)."""
    _require_reader(actor)
    row = session.get(Minimisation, minimisation_id)
    if row is None:
        raise NotFound("No such minimisation.")
    return row


def _cycles(session: Session, members: Iterable[MinimisedFinding]) -> list[Cycle]:
    return list(session.scalars(select(Cycle).where(Cycle.id.in_({m.cycle_id for m in members})).order_by(Cycle.id)))


def _approval_refusal(actor: User, row: Minimisation, cycles: Sequence[Cycle]) -> str | None:
    for cycle in (None, *cycles):
        refusal = policy.records_approval_refusal(actor, policy.Action.RECORDS_DISPOSE, row.proposed_by_id, cycle)
        if refusal is not None:
            return refusal
    return None


def detail(session: Session, actor: User, minimisation_id: int) -> MinimisationDetail:
    """One minimisation with its findings and people's names (records readers; four statements)."""
    row = get(session, actor, minimisation_id)
    members = list(row.findings)
    names = users.names(session)
    refusal = _approval_refusal(actor, row, _cycles(session, members))
    return MinimisationDetail(
        row,
        members,
        names.get(row.proposed_by_id, "unknown"),
        names.get(row.approved_by_id, "unknown") if row.approved_by_id else None,
        refusal,
    )


# --- proposing and approving ------------------------------------------------------------------------


def refused(refusal: str, actor: User, subject: Finding | Minimisation, **data: Any) -> DomainError:
    """The error of a records refusal: 403 without the permission; otherwise 409, audited
    (``records.minimisation_refused``): ``second_person_required`` for the proposer (RET-07),
    ``separation_of_duties`` for someone with a duty in a cycle of the batch (R2)."""
    if refusal == policy.FORBIDDEN:
        return Forbidden(refusal)
    code = "second_person_required" if refusal == policy.SECOND_PERSON_REQUIRED else SeparationOfDuties.code
    audited = Refusal.of(Event.RECORDS_MINIMISATION_REFUSED, actor, subject=subject, code=code, **data)
    return Conflict(refusal, code=code, refusal=audited)


def checked_ids(finding_ids: Iterable[int]) -> list[int]:
    """1 to :data:`MAX_BATCH` distinct finding ids, in the order given (else refused naming ``finding_ids``)."""
    ids = list(dict.fromkeys(finding_ids))
    if not ids:
        raise ValidationFailed("Choose at least one finding.", field="finding_ids")
    if len(ids) > MAX_BATCH:
        raise ValidationFailed(f"At most {MAX_BATCH} findings in one proposal.", field="finding_ids")
    if any(not 1 <= i <= 2**31 - 1 for i in ids):
        raise ValidationFailed("Each finding is named by its id, a positive number.", field="finding_ids")
    return ids


def _checked(
    session: Session, actor: User, ids: Sequence[int], proposal: Minimisation | None = None
) -> tuple[Schedule, list[FindingRetention]]:
    """Each finding's dates, refused like a proposal (not found, a duty in its cycle, a legal hold,
    not minimisable or not due): the checks of proposing, made again at approval."""
    schedule = current_schedule(session)
    found = {r[0]: minimisation_of(schedule, r) for r in session.execute(_columns().where(Finding.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"No such finding: {missing[0]}.")
    items = [found[i] for i in ids]
    if proposal is None:
        cycles = session.scalars(select(Cycle).where(Cycle.id.in_({i.cycle_id for i in items})).order_by(Cycle.id))
        for cycle in cycles:
            refusal = policy.records_refusal(actor, policy.Action.RECORDS_DISPOSE, cycle)
            if refusal is not None:
                first = session.get(Finding, next(i.finding_id for i in items if i.cycle_id == cycle.id))
                assert first is not None
                raise refused(refusal, actor, first)
    holds.require_not_held(session, [i.candidate_id for i in items], actor)  # audited (RET-02)
    for item in items:
        conflict = refusal_of(item, proposal.id if proposal else None)
        if conflict is not None:
            raise conflict
    return schedule, items


def propose(session: Session, actor: User, finding_ids: Iterable[int]) -> Minimisation:
    """Propose minimising a batch of due findings (a second person approves it); all or none."""
    refusal = policy.records_refusal(actor, policy.Action.RECORDS_DISPOSE)
    if refusal is not None:
        raise Forbidden(refusal)
    ids = checked_ids(finding_ids)
    schedule, items = _checked(session, actor, ids)
    row = Minimisation(
        status=MinimisationStatus.PROPOSED,
        schedule_id=schedule.id,
        citation=schedule.entries[RetentionClass.MINIMISATION].citation,
        proposed_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    for item in items:
        assert item.reason is not None  # a due item has its reason and dates
        assert item.trigger_date is not None
        assert item.due_on is not None
        row.findings.append(
            MinimisedFinding(
                finding_id=item.finding_id,
                candidate_id=item.candidate_id,
                cycle_id=item.cycle_id,
                candidate_code=item.code,
                reason=item.reason,
                trigger_date=item.trigger_date,
                due_on=item.due_on,
                files_deleted=0,
            )
        )
    session.flush()
    record(
        session,
        actor,
        Event.RECORDS_MINIMISATION_PROPOSED,
        subject=row,
        findings=ids,
        candidates=sorted({i.candidate_id for i in items}),
    )
    return row


def propose_due(session: Session, actor: User, cycle_id: int | None = None) -> Minimisation | None:
    """Propose the first :data:`MAX_BATCH` findings due (the command line's ``--due``); ``None``
    when none is (four statements before the proposal's own)."""
    due = findings_page(session, actor, PageRequest(limit=MAX_BATCH), due_only=True, cycle_id=cycle_id)
    if not due.items:
        return None
    return propose(session, actor, [f.finding_id for f in due.items])


def approve(
    session: Session,
    actor: User,
    security: Security,
    store: EncryptedStore,
    minimisation_id: int,
    *,
    results: EncryptedStore | None,
) -> Minimisation:
    """Approve a proposed minimisation and carry it out (see the module), with the production
    bundles holding the findings as recorded of a member's candidate (their files in the job store
    ``results``, see :func:`jobs.destroy_results`; each counted on the first member it held). Never by its proposer
    (409 ``second_person_required``); refused like a proposal if a finding is now held (409
    ``legal_hold``) or no longer minimisable (the checks are made again at approval)."""
    # Locked (PostgreSQL): of two approvals at once, the second waits and finds it carried out.
    row = session.get(Minimisation, minimisation_id, with_for_update=True)
    if row is None:
        raise NotFound("No such minimisation.")
    members = list(row.findings)
    refusal = _approval_refusal(actor, row, _cycles(session, members))
    if refusal is not None:
        raise refused(refusal, actor, row, minimisation=row.id)
    if row.status is not MinimisationStatus.PROPOSED:
        raise Conflict("This minimisation was carried out already.", code="already_minimised")
    _checked(session, actor, [m.finding_id for m in members], row)
    destroyed = purge(session, security, store, [m.finding_id for m in members])
    bundles = jobs.destroy_results(
        session, results, {m.candidate_id for m in members}, f"minimisation {row.id}", recorded_only=True
    )
    for member in members:
        held = [b for b in bundles if member.candidate_id in b.candidate_ids]
        bundles = [b for b in bundles if b not in held]
        member.destroyed = {
            **destroyed[member.finding_id],
            "files": destroyed[member.finding_id]["files"] + [b.tombstone() for b in held],
        }
        member.files_deleted = len(member.destroyed["files"])
    row.status = MinimisationStatus.MINIMISED
    row.approved_by_id = actor.id
    row.minimised_at = utcnow()
    record(
        session,
        actor,
        Event.RECORDS_MINIMISED,
        subject=row,
        proposed_by=row.proposed_by_id,
        findings=[m.finding_id for m in members],
        sealed_values=sum(sum(d["sealed"].values()) for d in destroyed.values()),
        files=sum(m.files_deleted for m in members),
    )
    return row


def _tied_models() -> list[type[Any]]:
    """The models with sealed values tied to a finding (a new one is covered without editing this)."""
    return [m for m in sealed_models() if hasattr(m, "finding_id")]


def purge(session: Session, security: Security, store: EncryptedStore, finding_ids: Sequence[int]) -> dict[int, Any]:
    """Destroy the content of ``finding_ids`` (see the module) and delete their evidence files once
    the transaction commits; returns each finding's tombstone (counts and digests). A fixed number
    of statements to read, whatever the number of findings."""
    findings = list(session.scalars(select(Finding).where(Finding.id.in_(finding_ids)).order_by(Finding.id)))
    vaults = {f.candidate_id: CandidateVault(security.keyring, f.candidate) for f in findings}
    tied: list[Any] = [*findings]
    for model in _tied_models():
        if issubclass(model, AppendOnly):
            continue  # a release is never overwritten: a finding with one is never minimisable
        tied.extend(session.scalars(select(model).where(model.finding_id.in_(finding_ids)).order_by(model.id)))
    values: dict[int, list[tuple[str, str]]] = {f.id: [] for f in findings}
    files: dict[int, list[StoredCopy]] = {f.id: [] for f in findings}
    candidate_of = {f.id: f.candidate_id for f in findings}
    for row in tied:
        finding_id = row.id if isinstance(row, Finding) else row.finding_id
        for name, sealed in type(row).sealed.items():
            token = None if sealed.stored else getattr(row, f"{name}_enc")
            if token is None:
                continue
            values[finding_id].append((f"{type(row).__tablename__}.{name}#{row.id}", token))
            if not isinstance(row, _DELETED):
                vaults[candidate_of[finding_id]].seal_field(row, name, MINIMISED)
        if isinstance(row, Evidence):
            files[finding_id].append(StoredCopy("evidence", row.storage_name, row.sha256, row.size_bytes))
    session.flush()
    for model in _DELETED:
        session.execute(
            delete(model).where(model.finding_id.in_(finding_ids)), execution_options={"synchronize_session": False}
        )
    for row in tied:
        if isinstance(row, _DELETED):
            session.expunge(row)
    for finding in findings:
        session.expire(finding, ["evidence", "mentions"])
    delete_after_commit(session, store, [f.storage_name for copies in files.values() for f in copies])
    return {
        f.id: {
            "sealed": dict(Counter(name.split("#")[0] for name, _ in values[f.id])),
            "sealed_sha256": sha256_hex(json.dumps(sorted(values[f.id]), separators=(",", ":")).encode()),
            "files": [{"kind": c.kind, "sha256": c.sha256, "size": c.size} for c in files[f.id]],
        }
        for f in findings
    }
