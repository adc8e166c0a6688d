"""Chain of custody of each evidence file and of each signed consent form (issue 15 point 6).

RET-08 (an inspection-ready case file), SM-06 (evidence integrity: the hash at receipt and its
chain of custody) and Tulsa Policy 324 C.13 (investigators' work product is subject to chain of
custody, discovery and open-records laws). For one file: when it was received, by whom, its
SHA-256 at receipt and the capture's metadata; every opening, who made it, when, how the file
left (``mode``) and the stated reason; every production bundle it went into; its disposition.

The history is read from the audit chain, the file's row and the candidate's tombstone, never
from content: nothing is decrypted, so it reads the same after the candidate was disposed of
(crypto-shredding keeps the rows and the chain). The file's name and the finding's source URL
are sealed and stay so here: opening them is an opening of raw content, which is audited on the
finding's page, and a custody read writes nothing. Only its PDF is audited (``custody.pdf``, the
document's SHA-256), like every PDF the app hands out.

Steps: ``received``; ``downloaded`` (the web and the API hand a capture or a signed form over as
an attachment only, never inline: PRODUCT.md §4, so every opening is a download, and says so in
its event's ``mode``); ``opened`` (an opening recorded before openings named their mode);
``produced`` (its candidate's file went into a production bundle: the evidence as a native
file in the recorded version, withheld from the released one); ``disposal proposed`` and
``disposed`` (the data key destroyed and the file deleted from storage, RET-07); ``minimisation
proposed`` and ``minimised`` (its finding purged ahead of the candidate's file, RET-11: the
evidence's row is deleted with the file, and its history is then read from the chain's record of
the receipt and the finding's tombstone). Any other event about the file is shown under its own name.

Statements per request are constant in the number of events: one query reads every event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Protocol

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event, Subject
from vetting.audit.writer import append
from vetting.clock import shown_time, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Forbidden, NotFound
from vetting.models import (
    AuditEvent,
    Candidate,
    Consent,
    Cycle,
    Disposition,
    Evidence,
    Finding,
    Job,
    Minimisation,
    MinimisationStatus,
    MinimisedFinding,
    User,
)
from vetting.pdf import Reports
from vetting.services import users
from vetting.services.context import Security

#: How an opening handed the file over: as a download, never shown inline (PRODUCT.md §4). The
#: services that open evidence and signed forms record it in the event's ``mode``.
ATTACHMENT: Final = "attachment"

#: Each step of the history, by the event that records it.
STEPS: Final = {
    Event.EVIDENCE_UPLOADED.value: "received",
    Event.CONSENT_RECORDED.value: "received",
    Event.EVIDENCE_VIEWED.value: "downloaded",
    Event.CONSENT_DOCUMENT_VIEWED.value: "downloaded",
    Event.PRODUCTION_CONTENT_OPENED.value: "produced",
    Event.RECORDS_DISPOSITION_PROPOSED.value: "disposal proposed",
    Event.RECORDS_DISPOSED.value: "disposed",
    Event.RECORDS_MINIMISATION_PROPOSED.value: "minimisation proposed",
    Event.RECORDS_MINIMISED.value: "minimised",
}
#: A minimisation's events (about the minimisation): they belong to the files of its findings.
_MINIMISATION_EVENTS: Final = (Event.RECORDS_MINIMISATION_PROPOSED, Event.RECORDS_MINIMISED)
#: The candidate's events that belong to every one of their files' histories.
_CANDIDATE_EVENTS: Final = (
    Event.PRODUCTION_CONTENT_OPENED,
    Event.RECORDS_DISPOSITION_PROPOSED,
    Event.RECORDS_DISPOSED,
)
#: A production's job, as its events name it (``job-<id>``).
_JOB_PREFIX: Final = "job-"
#: What a file's sealed metadata says on the custody report.
SEALED_NOTE: Final = (
    "The file's name and the source URL are sealed under the candidate's key: they are read on the "
    "finding's page, where each opening is recorded."
)
DESTROYED_NOTE: Final = (
    "The file's name and the source URL were sealed under the candidate's key, destroyed at disposition."
)
MINIMISED_NOTE: Final = "The file's name and the source URL were purged with the finding's minimisation (RET-11)."
CONSENT_SEALED_NOTE: Final = "The signed form is sealed under the candidate's key: this history holds none of it."
CONSENT_DESTROYED_NOTE: Final = "The signed form was sealed under the candidate's key, destroyed at disposition."


class Capture(Protocol):
    """An evidence file as its history needs it: its row, or what the chain recorded of a deleted one."""

    @property
    def id(self) -> int: ...

    @property
    def finding_id(self) -> int: ...


@dataclass(frozen=True)
class _Removed:
    """An evidence file whose row was deleted (its finding minimised), from the receipt's event."""

    id: int
    finding_id: int
    event: AuditEvent


@dataclass(frozen=True)
class Production:
    """A production bundle a file went into (the reference's text for records readers only: it may
    name a person, and the chain keeps its SHA-256)."""

    production: str
    purpose: str
    version: str
    reference_sha256: str
    reference: str | None
    #: Whether the file itself is in the bundle (a raw capture is withheld from the released version).
    in_bundle: bool


@dataclass(frozen=True)
class Line:
    """One step of a file's history."""

    seq: int
    at: datetime
    step: str
    actor_id: int | None
    who: str
    reason: str | None = None
    mode: str | None = None
    sha256: str | None = None
    production: Production | None = None
    disposition: int | None = None
    minimisation: int | None = None

    @property
    def when(self) -> str:
        return shown_time(self.at, "%Y-%m-%d %H:%M")

    @property
    def note(self) -> str:
        """The step's details in a few words (the tables' last column)."""
        if self.production is not None:
            p = self.production
            held = "" if p.in_bundle else "; the file itself withheld"
            return f"production {p.production} ({p.purpose}, {p.version} version{held})"
        if self.disposition is not None:
            return f"disposition {self.disposition}"
        if self.minimisation is not None:
            return f"minimisation {self.minimisation}"
        parts = []
        if self.mode:
            parts.append(f"as an {self.mode}" if self.mode == ATTACHMENT else f"mode {self.mode}")
        if self.reason:
            parts.append(f"reason: {self.reason}")
        if self.sha256:
            parts.append(f"SHA-256 at receipt {self.sha256}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Received:
    """The file as received: its row's clear metadata (the capture's, for evidence)."""

    at: datetime
    by_id: int | None
    by: str
    sha256: str
    size_bytes: int
    content_type: str
    #: Whether the audit chain's record of the receipt holds the same SHA-256 as the row.
    matches_chain: bool
    captured_at: datetime | None = None
    platform: str | None = None
    signed_on: date | None = None
    method: str | None = None


@dataclass(frozen=True)
class DispositionState:
    """The tombstone of the file's disposal, as far as this file goes: the candidate's disposition
    (``kind`` ``disposition``) or its finding's minimisation (``minimisation``, RET-11)."""

    kind: str
    id: int
    status: str
    retention_class: str
    citation: str
    proposed_at: datetime
    disposed_at: datetime | None
    approved_by: str | None
    #: Whether the tombstone lists this file (by its SHA-256) among the files deleted from storage.
    file_deleted: bool


@dataclass(frozen=True)
class Custody:
    """A file's chain of custody: ``kind`` is ``evidence`` (``file_id`` the evidence's id) or
    ``consent`` (``file_id`` the candidate's)."""

    kind: str
    file_id: int
    candidate_id: int
    candidate_code: str
    cycle_id: int
    finding_id: int | None
    received: Received
    sealed_note: str
    lines: list[Line]
    disposition: DispositionState | None
    productions: list[Production] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.kind == "evidence":
            return f"Evidence file {self.file_id} (finding {self.finding_id}, candidate {self.candidate_code})"
        return f"Signed consent form of candidate {self.candidate_code}"


# --- the history, for one file or for every file of a candidate (the production's case file) -----


def _events(
    session: Session, candidate_id: int, evidence: Sequence[Capture], consent: bool, minimisations: Iterable[int]
) -> list[AuditEvent]:
    """Every event of these files' histories, in the chain's order (one statement)."""
    about = [
        and_(AuditEvent.subject_type == "evidence", AuditEvent.subject_id.in_([str(e.id) for e in evidence])),
        # Evidence is received under its finding: the upload's event names the evidence in its data.
        and_(
            AuditEvent.subject_type == "finding",
            AuditEvent.subject_id.in_({str(e.finding_id) for e in evidence}),
            AuditEvent.event == Event.EVIDENCE_UPLOADED,
        ),
    ]
    candidate_events = [*_CANDIDATE_EVENTS]
    if consent:
        candidate_events += [Event.CONSENT_RECORDED, Event.CONSENT_DOCUMENT_VIEWED]
    about.append(
        and_(
            AuditEvent.subject_type == "candidate",
            AuditEvent.subject_id == str(candidate_id),
            AuditEvent.event.in_(candidate_events),
        )
    )
    about.append(
        and_(
            AuditEvent.subject_type == "minimisation",
            AuditEvent.subject_id.in_([str(i) for i in minimisations]),
            AuditEvent.event.in_(_MINIMISATION_EVENTS),
        )
    )
    return list(session.scalars(select(AuditEvent).where(or_(*about)).order_by(AuditEvent.seq)))


def _references(session: Session, events: Iterable[AuditEvent]) -> dict[str, str]:
    """The references of the productions these events name, from their jobs' rows (one statement)."""
    ids = set()
    for event in events:
        if event.event == Event.PRODUCTION_CONTENT_OPENED:
            name = str(json.loads(event.data or "{}").get("production", ""))
            if name.startswith(_JOB_PREFIX) and name[len(_JOB_PREFIX) :].isdigit():
                ids.add(int(name[len(_JOB_PREFIX) :]))
    if not ids:
        return {}
    rows = session.execute(select(Job.id, Job.parameters).where(Job.id.in_(ids)))
    return {f"{_JOB_PREFIX}{job_id}": str(params.get("reference", "")) for job_id, params in rows}


def _who(names: dict[int, str], actor_id: int | None, step: str, kind: str) -> str:
    if actor_id is not None:
        return names.get(actor_id, f"user {actor_id}")
    if kind == "consent" and step == "received":
        return "the candidate (electronic signature through their link)"
    return "system"


def _minimisations(session: Session, finding_ids: Iterable[int]) -> dict[int, tuple[MinimisedFinding, Minimisation]]:
    """The minimisation each of these findings is in, with its tombstone (one statement)."""
    rows = session.execute(
        select(MinimisedFinding, Minimisation)
        .join(Minimisation, Minimisation.id == MinimisedFinding.minimisation_id)
        .where(MinimisedFinding.finding_id.in_(set(finding_ids)))
    )
    return {member.finding_id: (member, row) for member, row in rows}


def histories(
    session: Session,
    candidate_id: int,
    evidence: Sequence[Capture],
    names: dict[int, str],
    *,
    consent: bool = True,
    references: bool = False,
) -> dict[str, list[Line]]:
    """The lines of each file's history by file (``evidence:<id>``, ``consent``), read from the
    audit chain in one statement (and one more for the productions' references when
    ``references``: the caller's reader may see them). A production or a disposition belongs to
    every file of the candidate: it took the whole file; a minimisation to the files of its findings
    (one more statement)."""
    minimised = {f: m.id for f, (_, m) in _minimisations(session, [e.finding_id for e in evidence]).items()}
    events = _events(session, candidate_id, evidence, consent, set(minimised.values()))
    refs = _references(session, events) if references else {}
    out: dict[str, list[Line]] = {f"evidence:{e.id}": [] for e in evidence}
    if consent:
        out["consent"] = []
    for event in events:
        data: dict[str, Any] = json.loads(event.data) if event.data else {}
        step = STEPS.get(event.event, event.event)
        if step == "downloaded" and data.get("mode") is None:
            step = "opened"  # recorded before openings said how the file left
        if event.subject_type == "finding":
            key = f"evidence:{data.get('evidence_id')}"
            if key not in out:  # another file of the same finding
                continue
            targets = [key]
        elif event.subject_type == "evidence":
            targets = [f"evidence:{event.subject_id}"]
        elif event.event in (Event.CONSENT_RECORDED, Event.CONSENT_DOCUMENT_VIEWED):
            targets = ["consent"]
        elif event.subject_type == "minimisation":
            targets = [f"evidence:{e.id}" for e in evidence if str(minimised.get(e.finding_id)) == event.subject_id]
        else:
            targets = list(out)
        for key in targets:
            production = None
            if event.event == Event.PRODUCTION_CONTENT_OPENED:
                name = str(data.get("production", ""))
                production = Production(
                    production=name,
                    purpose=str(data.get("purpose", "")),
                    version=str(data.get("version", "")),
                    reference_sha256=str(data.get("reference_sha256", "")),
                    reference=refs.get(name),
                    # The released version withholds raw captures; the signed form is always in it.
                    in_bundle=key == "consent" or data.get("version") == "recorded",
                )
            kind = "consent" if key == "consent" else "evidence"
            out[key].append(
                Line(
                    seq=event.seq,
                    at=event.occurred_at,
                    step=step,
                    actor_id=event.actor_id,
                    who=_who(names, event.actor_id, step, kind),
                    reason=None if production else data.get("reason"),
                    mode=data.get("mode"),
                    sha256=data.get("sha256") if step == "received" else None,
                    production=production,
                    disposition=data.get("disposition"),
                    minimisation=int(event.subject_id or 0) if event.subject_type == "minimisation" else None,
                )
            )
    return out


# --- one file, for the page, the API and the PDF ---------------------------------------------


def _require(actor: User, cycle: Cycle, missing: str) -> None:
    """The custody rule (``policy.can_read_custody``): 404 where the reader does not see the cycle
    (another cycle's investigator), 403 where they do but may not read (the cycle's board)."""
    if policy.can(actor, policy.Action.CUSTODY_READ, cycle):
        return
    if not policy.can_view_cycle(actor, cycle):
        raise NotFound(missing)
    raise Forbidden(policy.FORBIDDEN)


def _disposal(
    session: Session, candidate_id: int, finding_id: int | None, sha256: str, names: dict[int, str]
) -> DispositionState | None:
    """What ended the file's keeping, or is proposed to: its finding's minimisation once carried out
    (the file went then), else the candidate's disposition, else a proposed minimisation."""
    minimised = _minimisations(session, [finding_id]).get(finding_id) if finding_id is not None else None
    if minimised is not None and minimised[1].status is MinimisationStatus.MINIMISED:
        return _minimised_state(minimised, sha256, names)
    row = session.scalar(select(Disposition).where(Disposition.candidate_id == candidate_id))
    if row is not None:
        return DispositionState(
            kind="disposition",
            id=row.id,
            status=row.status.value,
            retention_class=row.retention_class,
            citation=row.citation,
            proposed_at=row.proposed_at,
            disposed_at=row.disposed_at,
            approved_by=names.get(row.approved_by_id, "unknown") if row.approved_by_id else None,
            file_deleted=_lists(row.destroyed, sha256),
        )
    return _minimised_state(minimised, sha256, names) if minimised is not None else None


def _lists(destroyed: dict[str, Any] | None, sha256: str) -> bool:
    """Whether a tombstone lists a deleted file with this SHA-256."""
    return any(f.get("sha256") == sha256 for f in (destroyed or {}).get("files", []))


def _minimised_state(
    minimised: tuple[MinimisedFinding, Minimisation], sha256: str, names: dict[int, str]
) -> DispositionState:
    member, row = minimised
    return DispositionState(
        kind="minimisation",
        id=row.id,
        status=row.status.value,
        retention_class="minimisation",
        citation=row.citation,
        proposed_at=row.proposed_at,
        disposed_at=row.minimised_at,
        approved_by=names.get(row.approved_by_id, "unknown") if row.approved_by_id else None,
        file_deleted=_lists(member.destroyed, sha256),
    )


def _chain_sha256(lines: Sequence[Line]) -> str | None:
    return next((line.sha256 for line in lines if line.step == "received"), None)


def _sealed_note(kind: str, *, disposed: bool) -> str:
    if kind == "consent":
        return CONSENT_DESTROYED_NOTE if disposed else CONSENT_SEALED_NOTE
    return DESTROYED_NOTE if disposed else SEALED_NOTE


def _custody(
    session: Session,
    *,
    kind: str,
    file_id: int,
    candidate: Candidate,
    evidence: Capture | None,
    received: Received,
    sealed_note: str | None = None,
    lines: list[Line],
    names: dict[int, str],
) -> Custody:
    return Custody(
        kind=kind,
        file_id=file_id,
        candidate_id=candidate.id,
        candidate_code=candidate.code,
        cycle_id=candidate.cycle_id,
        finding_id=evidence.finding_id if evidence else None,
        received=received,
        sealed_note=sealed_note or _sealed_note(kind, disposed=candidate.wrapped_key is None),
        lines=lines,
        disposition=_disposal(session, candidate.id, evidence.finding_id if evidence else None, received.sha256, names),
        productions=[line.production for line in lines if line.production is not None],
    )


def _removed(session: Session, evidence_id: int) -> _Removed | None:
    """A deleted evidence file (its finding minimised, RET-11), from the chain's record of its
    receipt: the upload's event, about the finding, names the file in its data (canonical JSON,
    sorted keys, so ``"evidence_id":<id>,`` is followed by ``"sha256"``; one statement)."""
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.event == Event.EVIDENCE_UPLOADED,
            AuditEvent.subject_type == "finding",
            AuditEvent.data.contains(f'"evidence_id":{int(evidence_id)},', autoescape=True),
        )
    )
    if event is None or not (event.subject_id or "").isdigit():
        return None
    return _Removed(evidence_id, int(event.subject_id or 0), event)


def evidence_custody(session: Session, actor: User, evidence_id: int) -> Custody:
    """The chain of custody of one evidence file (records readers, the cycle's investigators; 404
    for a file of a cycle the reader does not see), also once its row was deleted with its
    finding's minimisation. Writes nothing."""
    row = session.get(Evidence, evidence_id)
    capture: Capture | None = row if row is not None else _removed(session, evidence_id)
    finding = session.get(Finding, capture.finding_id) if capture is not None else None
    if capture is None or finding is None:
        raise NotFound("No such evidence file.")
    candidate = finding.candidate
    _require(actor, candidate.cycle, "No such evidence file.")
    names = users.names(session)
    lines = histories(
        session,
        candidate.id,
        [capture],
        names,
        consent=False,
        references=policy.can(actor, policy.Action.RECORDS_READ),
    )[f"evidence:{capture.id}"]
    chain = _chain_sha256(lines)
    if row is not None:
        received = Received(
            at=row.uploaded_at,
            by_id=row.uploaded_by_id,
            by=_who(names, row.uploaded_by_id, "received", "evidence"),
            sha256=row.sha256,
            size_bytes=row.size_bytes,
            content_type=row.content_type,
            matches_chain=chain == row.sha256,
            captured_at=finding.captured_at,
            platform=finding.platform,
        )
    else:
        assert isinstance(capture, _Removed)
        upload, data = capture.event, json.loads(capture.event.data or "{}")
        received = Received(
            at=upload.occurred_at,
            by_id=upload.actor_id,
            by=_who(names, upload.actor_id, "received", "evidence"),
            sha256=str(data.get("sha256", "")),
            size_bytes=int(data.get("size", 0)),
            content_type=str(data.get("content_type", "")),
            matches_chain=True,  # read from the chain itself: the row is gone
            captured_at=finding.captured_at,
            platform=finding.platform,
        )
    return _custody(
        session,
        kind="evidence",
        file_id=capture.id,
        candidate=candidate,
        evidence=capture,
        received=received,
        lines=lines,
        names=names,
        sealed_note=MINIMISED_NOTE if row is None else None,
    )


def consent_custody(session: Session, actor: User, candidate_id: int) -> Custody:
    """The chain of custody of a candidate's signed consent form (as :func:`evidence_custody`;
    404 when none was recorded)."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("No such candidate.")
    _require(actor, candidate.cycle, "No such candidate.")
    consent: Consent | None = candidate.consent
    if consent is None:
        raise NotFound("No consent is recorded for this candidate.")
    names = users.names(session)
    lines = histories(session, candidate.id, [], names, references=policy.can(actor, policy.Action.RECORDS_READ))[
        "consent"
    ]
    received = Received(
        at=consent.recorded_at,
        by_id=consent.recorded_by_id,
        by=_who(names, consent.recorded_by_id, "received", "consent"),
        sha256=consent.document_sha256,
        size_bytes=consent.document_size,
        content_type=consent.document_content_type,
        matches_chain=_chain_sha256(lines) == consent.document_sha256,
        signed_on=consent.signed_on,
        method=consent.method.value,
    )
    return _custody(
        session,
        kind="consent",
        file_id=candidate.id,
        candidate=candidate,
        evidence=None,
        received=received,
        lines=lines,
        names=names,
    )


def _pdf(session: Session, actor: User, reports: Reports, agency: str, custody: Custody) -> tuple[str, bytes]:
    now = utcnow()
    pdf = reports.render(
        "custody.html",
        c=custody,
        agency=agency,
        generated_at=shown_time(now, "%Y-%m-%d %H:%M"),
        generated_by=actor.name,
    )
    # About the file (a deleted capture's id too) or, for a signed form, its candidate.
    subject = (
        Subject("evidence", str(custody.file_id))
        if custody.kind == "evidence"
        else Subject("candidate", str(custody.candidate_id))
    )
    append(
        session,
        actor.id,
        Event.CUSTODY_PDF,
        subject,
        {"file": custody.kind, "sha256": sha256_hex(pdf), "bytes": len(pdf)},
    )
    name = f"evidence-{custody.file_id}" if custody.kind == "evidence" else f"consent-{custody.candidate_code}"
    return f"custody-{name}.pdf", pdf


def evidence_custody_pdf(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, evidence_id: int
) -> tuple[str, bytes]:
    """The chain of custody of an evidence file as a PDF (file name, bytes); its SHA-256 is
    audited in the same transaction (``custody.pdf``). ``security`` is unused: nothing is
    decrypted, but every audited PDF takes the same arguments."""
    return _pdf(session, actor, reports, agency, evidence_custody(session, actor, evidence_id))


def consent_custody_pdf(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, candidate_id: int
) -> tuple[str, bytes]:
    """The chain of custody of a candidate's signed consent form as an audited PDF."""
    return _pdf(session, actor, reports, agency, consent_custody(session, actor, candidate_id))


@dataclass(frozen=True)
class FileEntry:
    """One of a candidate's files, as the list of their chains of custody shows it."""

    kind: str
    evidence_id: int | None
    finding_id: int | None
    content_type: str
    size_bytes: int
    sha256: str
    received_at: datetime
    #: The capture's row was deleted with its finding's minimisation (RET-11); its history remains.
    removed: bool = False


@dataclass(frozen=True)
class CandidateFiles:
    candidate_id: int
    candidate_code: str
    cycle_id: int
    disposed: bool
    files: list[FileEntry]


def candidate_files(session: Session, actor: User, candidate_id: int) -> CandidateFiles:
    """A candidate's signed consent form and evidence files, each to its chain of custody (the
    custody rule; clear metadata only, so it reads the same after disposition), and the captures
    whose rows a minimisation deleted, from the chain's records of their receipt. Writes nothing."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("No such candidate.")
    _require(actor, candidate.cycle, "No such candidate.")
    files = []
    consent = candidate.consent
    if consent is not None:
        files.append(
            FileEntry(
                "consent",
                None,
                None,
                consent.document_content_type,
                consent.document_size,
                consent.document_sha256,
                consent.recorded_at,
            )
        )
    rows = session.scalars(
        select(Evidence)
        .join(Finding, Finding.id == Evidence.finding_id)
        .where(Finding.candidate_id == candidate.id)
        .order_by(Evidence.id)
    )
    captures = [
        FileEntry("evidence", e.id, e.finding_id, e.content_type, e.size_bytes, e.sha256, e.uploaded_at) for e in rows
    ]
    present = {f.evidence_id for f in captures}
    uploads = session.scalars(
        select(AuditEvent).where(
            AuditEvent.event == Event.EVIDENCE_UPLOADED,
            AuditEvent.subject_type == "finding",
            AuditEvent.subject_id.in_(select(cast(Finding.id, String)).where(Finding.candidate_id == candidate.id)),
        )
    )
    for upload in uploads:
        data = json.loads(upload.data or "{}")
        evidence_id = data.get("evidence_id")
        if isinstance(evidence_id, int) and evidence_id not in present:
            captures.append(
                FileEntry(
                    "evidence",
                    evidence_id,
                    int(upload.subject_id or 0),
                    str(data.get("content_type", "")),
                    int(data.get("size", 0)),
                    str(data.get("sha256", "")),
                    upload.occurred_at,
                    removed=True,
                )
            )
    files += sorted(captures, key=lambda f: f.evidence_id or 0)
    return CandidateFiles(candidate.id, candidate.code, candidate.cycle_id, candidate.wrapped_key is None, files)
