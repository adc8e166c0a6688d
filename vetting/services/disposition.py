"""Disposition of a candidate's records by crypto-shredding (issue 15 point 3, RET-07).

A records officer (or administrator) proposes the disposition of a candidate past their
earliest disposition date; a second person approves it, and the approval carries it out:

- the candidate's data key is destroyed (``candidates.wrapped_key`` set to NULL). Every value
  sealed under it (each model's ``sealed`` fields: profile, e-mail, checklist notes, search log,
  findings, mentions, releases, validations, recommendations, decisions, questions, responses,
  EEO answers) and every file in the store can no longer be opened, by anyone, with any master key;
- the candidate's files (evidence, the signed consent, attachments to responses) are deleted from
  the store once the transaction has committed (before it, a rollback would leave a key with no
  files); a file the store fails to delete is unreadable anyway, and, its rows now being a disposed
  candidate's, ``vetting storage check --repair`` removes it as orphaned;
- so are the production bundles that list the candidate (job results, each sealed under its job's
  own key, which is destroyed with them): their download answers 409 ``disposed``;
- what is *not* sealed under that key is cleared: the outbox messages that carried the candidate's
  links hold the candidate's address and their text in clear (under no key at all), so their
  recipient, subject and body are overwritten;
- rows stay (ids, dates, statuses, categories, counts), so the audit chain, whose events never
  hold content, still verifies untouched, and the uniformity and adverse-impact reports still
  count the candidate from metadata (the latter as "no answer": the EEO answers are gone);
- the :class:`Disposition` row is the tombstone: code, cycle, class and citation, dates, proposer
  and approver, and counts and SHA-256 digests of what was destroyed.

Copies outside the database's current rows and the store keep what they hold until they are
themselves rotated out: database backups (which still hold the wrapped key), PostgreSQL's dead
tuples until a vacuum, and the ``.eml`` files of the folder mail transport (no SMTP configured).

Whether a candidate may be disposed is decided in one place, :func:`disposal_refusal`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_time, today, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, DomainError, Forbidden, NotFound, Refusal, SeparationOfDuties
from vetting.models import (
    Base,
    Candidate,
    CandidateLink,
    Consent,
    Cycle,
    Disposition,
    DispositionStatus,
    Evidence,
    Finding,
    MessageTemplate,
    OutboxMessage,
    ResponseAttachment,
    RetentionClass,
    User,
)
from vetting.pdf import Reports
from vetting.services import holds, jobs, users
from vetting.services.context import Security
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.retention import CandidateRetention, retention_for
from vetting.services.stored_files import delete_after_commit
from vetting.services.vault import DISPOSED, CandidateVault
from vetting.storage import EncryptedStore

#: What a redacted outbox message keeps (a recipient must look like an address).
_REDACTED_RECIPIENT = "disposed@invalid"


def sealed_models() -> Iterator[type[Any]]:
    """Every model that declares sealed values (a new one is covered without editing this file)."""
    for mapper in Base.registry.mappers:
        if hasattr(mapper.class_, "sealed"):
            yield mapper.class_


def rows_of(model: type[Any], candidate_id: int) -> Any:
    """SQL condition: ``model``'s rows that belong to the candidate (directly or through a finding)."""
    if model is Candidate:
        return Candidate.id == candidate_id
    if hasattr(model, "candidate_id"):
        return model.candidate_id == candidate_id
    if hasattr(model, "finding_id"):
        return model.finding_id.in_(select(Finding.id).where(Finding.candidate_id == candidate_id))
    raise TypeError(f"{model.__name__} declares sealed values but is tied to no candidate")


@dataclass(frozen=True)
class StoredCopy:
    """One of the candidate's files in the store: what the tombstone keeps of it."""

    kind: str
    storage_name: str
    sha256: str
    size: int


def stored_files_of(session: Session, candidate_id: int) -> list[StoredCopy]:
    """The candidate's files in the store (three statements)."""
    files = [
        StoredCopy("evidence", name, digest, size)
        for name, digest, size in session.execute(
            select(Evidence.storage_name, Evidence.sha256, Evidence.size_bytes)
            .join(Finding, Finding.id == Evidence.finding_id)
            .where(Finding.candidate_id == candidate_id)
            .order_by(Evidence.id)
        )
    ]
    files += [
        StoredCopy("consent", name, digest, size)
        for name, digest, size in session.execute(
            select(Consent.document_storage_name, Consent.document_sha256, Consent.document_size).where(
                Consent.candidate_id == candidate_id
            )
        )
    ]
    files += [
        StoredCopy("response_attachment", name, digest, size)
        for name, digest, size in session.execute(
            select(ResponseAttachment.storage_name, ResponseAttachment.sha256, ResponseAttachment.size)
            .where(ResponseAttachment.candidate_id == candidate_id)
            .order_by(ResponseAttachment.id)
        )
    ]
    return files


def sealed_counts(session: Session, candidate_id: int) -> dict[str, int]:
    """How many sealed values of each ``table.field`` the candidate has (one statement per model)."""
    counts: dict[str, int] = {}
    for model in sealed_models():
        sealed: dict[str, Any] = dict(model.sealed)
        columns = [func.count(getattr(model, f"{name}_enc")).label(name) for name, s in sealed.items() if not s.stored]
        if not columns:
            continue
        row = session.execute(select(*columns).where(rows_of(model, candidate_id))).one()
        for name, n in zip([c.name for c in columns], row, strict=True):
            if n:
                counts[f"{model.__tablename__}.{name}"] = int(n)
    return counts


# --- whether a candidate may be disposed: the one place ------------------------------------------


def disposal_refusal(
    session: Session, candidate: Candidate, retention: CandidateRetention, actor: User | None = None
) -> Conflict | None:
    """Why ``candidate`` may not be disposed now, or ``None``: already disposed, not yet past its
    earliest disposition date (RET-01, RET-05, RET-07), or on legal hold (RET-02: ``legal_hold``)."""
    if candidate.wrapped_key is None:
        return Conflict("This candidate's records were disposed of already.", code="already_disposed")
    try:
        holds.require_not_held(session, [candidate.id], actor)  # with an actor, the refusal is audited
    except Conflict as held:
        return held
    if retention.due_on is None:
        return Conflict(
            f"Candidate {candidate.code} has no disposition date yet ({retention.waiting_for}).", code="not_due"
        )
    if retention.due_on > today():
        return Conflict(
            f"Candidate {candidate.code} must be kept until {retention.due_on:%d %B %Y} "
            f"({retention.retention_class}: {retention.citation}).",
            code="not_due",
        )
    return None


def _candidate(session: Session, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("No such candidate.")
    return candidate


def refused(refusal: str, actor: User, candidate: Candidate, **data: Any) -> DomainError:
    """The error of a records refusal: 403 without the permission; otherwise 409, audited
    (``records.disposition_refused``): ``second_person_required`` for the proposer (RET-07),
    ``separation_of_duties`` for someone with a duty in the cycle (R2 extended to records)."""
    if refusal == policy.FORBIDDEN:
        return Forbidden(refusal)
    code = "second_person_required" if refusal == policy.SECOND_PERSON_REQUIRED else SeparationOfDuties.code
    audited = Refusal.of(Event.RECORDS_DISPOSITION_REFUSED, actor, subject=candidate, code=code, **data)
    return Conflict(refusal, code=code, refusal=audited)


def _require(actor: User, candidate: Candidate) -> None:
    refusal = policy.records_refusal(actor, policy.Action.RECORDS_DISPOSE, candidate.cycle)
    if refusal is not None:
        raise refused(refusal, actor, candidate)


def propose(session: Session, actor: User, candidate_id: int) -> Disposition:
    """Propose the disposition of a candidate past their date (a second person approves it)."""
    candidate = _candidate(session, candidate_id)
    _require(actor, candidate)
    schedule, retention = retention_for(session, candidate.id)
    refusal = disposal_refusal(session, candidate, retention, actor)
    if refusal is not None:
        raise refusal
    if session.scalar(select(Disposition.id).where(Disposition.candidate_id == candidate.id)) is not None:
        raise Conflict("This candidate's disposition is proposed already.", code="already_proposed")
    assert retention.trigger_date is not None  # a due candidate has both dates
    assert retention.due_on is not None
    row = Disposition(
        candidate_id=candidate.id,
        cycle_id=candidate.cycle_id,
        candidate_code=candidate.code,
        status=DispositionStatus.PROPOSED,
        retention_class=retention.retention_class,
        trigger_date=retention.trigger_date,
        due_on=retention.due_on,
        schedule_id=schedule.id,
        citation=retention.citation,
        proposed_by_id=actor.id,
        files_deleted=0,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        Event.RECORDS_DISPOSITION_PROPOSED,
        subject=candidate,
        disposition=row.id,
        retention_class=row.retention_class,
        due_on=row.due_on.isoformat(),
    )
    return row


def get(session: Session, actor: User, disposition_id: int) -> Disposition:
    """One disposition (records readers)."""
    refusal = policy.records_refusal(actor, policy.Action.RECORDS_READ)
    if refusal is not None:
        raise Forbidden(refusal)
    row = session.get(Disposition, disposition_id)
    if row is None:
        raise NotFound("No such disposition.")
    return row


def dispositions_page(session: Session, actor: User, page: PageRequest, status: str | None) -> Page[Disposition]:
    """Dispositions, newest first; ``status`` ("proposed", "disposed") filters (two statements)."""
    refusal = policy.records_refusal(actor, policy.Action.RECORDS_READ)
    if refusal is not None:
        raise Forbidden(refusal)
    query = select(Disposition)
    if status is not None:
        query = query.where(Disposition.status == DispositionStatus(status))
    return paginate(
        session, query, [Key(Disposition.id, descending=True)], page, name=f"dispositions/{status or 'all'}"
    )


@dataclass(frozen=True)
class Certificate:
    """What the certificate of destruction states: codes, dates, names of the approvers, counts and digests."""

    disposition_id: int
    candidate_id: int
    code: str
    cycle_id: int
    cycle_title: str
    retention_class: str
    citation: str
    schedule_id: int | None
    trigger_date: str
    due_on: str
    proposed_at: str
    proposed_by: str
    disposed_at: str
    approved_by: str
    key_sha256: str
    sealed: list[tuple[str, int]]
    files: list[tuple[str, str, int]]
    outbox_redacted: int


def certificate_pdf(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, disposition_id: int
) -> tuple[str, bytes]:
    """The certificate of destruction of a carried-out disposition (file name, PDF); its SHA-256 is
    audited in the same transaction (409 ``not_disposed`` while it awaits approval)."""
    row = get(session, actor, disposition_id)
    if row.status is not DispositionStatus.DISPOSED or row.destroyed is None or row.disposed_at is None:
        raise Conflict(
            "The disposition has not been carried out: there is nothing to certify yet.", code="not_disposed"
        )
    names = users.names(session)
    cycle = session.get(Cycle, row.cycle_id)
    destroyed = row.destroyed
    certificate = Certificate(
        disposition_id=row.id,
        candidate_id=row.candidate_id,
        code=row.candidate_code,
        cycle_id=row.cycle_id,
        cycle_title=cycle.title if cycle else "",
        retention_class=row.retention_class,
        citation=row.citation,
        schedule_id=row.schedule_id,
        trigger_date=row.trigger_date.isoformat(),
        due_on=row.due_on.isoformat(),
        proposed_at=shown_time(row.proposed_at, "%Y-%m-%d %H:%M"),
        proposed_by=names.get(row.proposed_by_id, "unknown"),
        disposed_at=shown_time(row.disposed_at, "%Y-%m-%d %H:%M"),
        approved_by=names.get(row.approved_by_id, "unknown") if row.approved_by_id else "unknown",
        key_sha256=str(destroyed["key_sha256"]),
        sealed=sorted((str(k), int(v)) for k, v in destroyed["sealed"].items()),
        files=[(str(f["kind"]), str(f["sha256"]), int(f["size"])) for f in destroyed["files"]],
        outbox_redacted=int(destroyed.get("outbox_redacted", 0)),
    )
    pdf = reports.render(
        "destruction_certificate.html",
        c=certificate,
        agency=agency,
        generated_at=shown_time(utcnow(), "%Y-%m-%d %H:%M"),
        generated_by=actor.name,
    )
    record(
        session,
        actor,
        Event.RECORDS_CERTIFICATE_PDF,
        subject=row,
        candidate=row.candidate_id,
        sha256=sha256_hex(pdf),
        bytes=len(pdf),
    )
    return f"certificate-of-destruction-{row.candidate_code}.pdf", pdf


@dataclass(frozen=True)
class DispositionDetail:
    """A disposition as its page shows it: the row, who proposed and approved it, and why the
    reader may not approve it (``None``: they may)."""

    row: Disposition
    proposed_by: str
    approved_by: str | None
    approval_refusal: str | None


def detail(session: Session, actor: User, disposition_id: int) -> DispositionDetail:
    """One disposition with its people's names (records readers)."""
    row = get(session, actor, disposition_id)
    names = users.names(session)
    return DispositionDetail(
        row,
        names.get(row.proposed_by_id, "unknown"),
        names.get(row.approved_by_id, "unknown") if row.approved_by_id else None,
        approval_refusal(session, actor, row),
    )


@dataclass(frozen=True)
class Tombstone:
    """What is left of a disposed candidate, for whoever follows an old link to them: the
    disposition row (codes, dates, class and citation, counts and digests), the cycle's title,
    the two people's names, and whether the reader may download the certificate of destruction."""

    row: Disposition
    cycle_title: str
    proposed_by: str
    approved_by: str
    certificate: bool

    @property
    def class_label(self) -> str:
        """The retention class as people read it (its stored name if no longer a class)."""
        try:
            return RetentionClass(self.row.retention_class).label
        except ValueError:
            return self.row.retention_class


def tombstone(session: Session, actor: User, candidate_id: int) -> Tombstone:
    """The tombstone of a disposed candidate (two statements; nothing is opened: there is no key).

    Readers of the cycle and records readers (:func:`policy.can_read_tombstone`); to anyone else
    the candidate does not exist (404), as on the candidate's own pages."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or not policy.can_read_tombstone(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    row = session.scalar(
        select(Disposition).where(
            Disposition.candidate_id == candidate_id, Disposition.status == DispositionStatus.DISPOSED
        )
    )
    if row is None or row.approved_by_id is None:
        raise NotFound(f"Candidate {candidate.code}'s records have not been disposed of.", code="not_disposed")
    names = users.names(session)
    return Tombstone(
        row,
        candidate.cycle.title,
        names.get(row.proposed_by_id, "unknown"),
        names.get(row.approved_by_id, "unknown"),
        policy.can(actor, policy.Action.RECORDS_READ),
    )


def approval_refusal(session: Session, actor: User, row: Disposition) -> str | None:
    """Why ``actor`` may not approve ``row`` (for the page to say before anyone presses), or ``None``."""
    cycle = session.get(Cycle, row.cycle_id)
    return policy.records_approval_refusal(actor, policy.Action.RECORDS_DISPOSE, row.proposed_by_id, cycle)


def approve(
    session: Session,
    actor: User,
    security: Security,
    store: EncryptedStore,
    disposition_id: int,
    *,
    results: EncryptedStore | None,
) -> Disposition:
    """Approve a proposed disposition and carry it out (see the module), with the production
    bundles that hold the candidate (their files in the job store ``results``, see
    :func:`jobs.destroy_results`). Never by its proposer (409 ``second_person_required``); refused
    like a proposal if the candidate is no longer due or is now held (the check is made again at
    approval)."""
    # Locked (PostgreSQL): of two approvals at once, the second waits and finds it carried out.
    row = session.get(Disposition, disposition_id, with_for_update=True)
    if row is None:
        raise NotFound("No such disposition.")
    candidate = _candidate(session, row.candidate_id)
    refusal = policy.records_approval_refusal(actor, policy.Action.RECORDS_DISPOSE, row.proposed_by_id, candidate.cycle)
    if refusal is not None:
        raise refused(refusal, actor, candidate, disposition=row.id)
    if row.status is not DispositionStatus.PROPOSED:
        raise Conflict("This disposition was carried out already.", code="already_disposed")
    _, retention = retention_for(session, candidate.id)
    blocked = disposal_refusal(session, candidate, retention, actor)
    if blocked is not None:
        raise blocked
    destroyed = shred(session, security, candidate, store)
    bundles = jobs.destroy_results(session, results, [candidate.id], f"disposition {row.id}")
    destroyed["files"] += [bundle.tombstone() for bundle in bundles]
    if bundles:
        destroyed["file_counts"]["job_result"] = len(bundles)
    row.status = DispositionStatus.DISPOSED
    row.approved_by_id = actor.id
    row.disposed_at = utcnow()
    row.destroyed = destroyed
    row.files_deleted = len(destroyed["files"])
    record(
        session,
        actor,
        Event.RECORDS_DISPOSED,
        subject=candidate,
        disposition=row.id,
        proposed_by=row.proposed_by_id,
        retention_class=row.retention_class,
        sealed_values=sum(destroyed["sealed"].values()),
        files=row.files_deleted,
        key_sha256=destroyed["key_sha256"],
    )
    return row


def _messages_to(session: Session, security: Security, candidate: Candidate) -> list[int]:
    """The outbox messages that carried the candidate's links: those its link rows name, and the
    link messages sent to its address (the EEO form's link has no link row), opened for the last time."""
    carried = select(CandidateLink.outbox_id).where(
        CandidateLink.candidate_id == candidate.id, CandidateLink.outbox_id.is_not(None)
    )
    to_them: ColumnElement[bool] = OutboxMessage.id.in_(carried)
    address = CandidateVault(security.keyring, candidate).open_optional_field(candidate, "email")
    if address:
        sent = (OutboxMessage.recipient == address) & (OutboxMessage.template == MessageTemplate.CANDIDATE_LINK)
        to_them = or_(to_them, sent)
    return list(session.scalars(select(OutboxMessage.id).where(to_them)))


def shred(session: Session, security: Security, candidate: Candidate, store: EncryptedStore) -> dict[str, Any]:
    """Destroy the candidate's data key, clear what is theirs in clear, and delete their files
    once the transaction commits; returns the tombstone's counts and digests."""
    assert candidate.wrapped_key is not None
    files = stored_files_of(session, candidate.id)
    counts = sealed_counts(session, candidate.id)
    key_digest = sha256_hex(candidate.wrapped_key)
    messages = _messages_to(session, security, candidate)
    if messages:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(messages))
            .values(recipient=_REDACTED_RECIPIENT, subject=DISPOSED, body="")
            .execution_options(synchronize_session="fetch")
        )
    candidate.wrapped_key = None
    session.flush()
    # A file left behind is unreadable; its rows being a disposed candidate's, the check's repair removes it.
    delete_after_commit(session, store, [f.storage_name for f in files])
    by_kind = Counter(f.kind for f in files)
    return {
        "key_sha256": key_digest,
        "sealed": counts,
        "files": [{"kind": f.kind, "sha256": f.sha256, "size": f.size} for f in files],
        "file_counts": dict(by_kind),
        "outbox_redacted": len(messages),
    }
