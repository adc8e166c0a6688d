"""Production bundles (issue 15 point 5, RET-08, RET-10): a candidate's record as a signed ZIP.

A records officer produces the case files of some candidates for a records request, a discovery
demand or a POST/commission inspection: per candidate a case-file PDF (consent, checklist and
search log, findings as released to the board or as recorded, validations, releases, decisions,
notices, responses, the chain of custody of each file), the native files, a redaction log by
exemption code, Bates numbers running across the bundle, and a manifest of every file's SHA-256
signed with the audit key (:mod:`vetting.audit.bundle`, checked by ``vetting production verify``).

Rules: records officers only, never of a cycle they searched or decided (``policy.records_refusal``,
R2 extended to records); a disposed candidate is refused (409 ``disposed``: nothing is left to
produce); a held candidate is produced (a hold preserves, RET-02/03, it does not forbid); each
candidate's raw content is opened once per bundle and audited with the production it serves
(issue 15 point 7: its job, purpose and version, and the reference's SHA-256: the reference's
text, which may name a person, stays on the job's row, as a hold's matter stays on the hold's).
The ``released`` version never carries redacted words: the log names each redacted span's axis
and rule under the exemption ``protected_class``, and the raw captures, which cannot be redacted,
are withheld from it and listed.
"""

from __future__ import annotations

import csv
import io
import mimetypes
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.bundle import MANIFEST_CSV, MANIFEST_JSON, file_entry, signed_manifest
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_time, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, Forbidden, NotFound, SeparationOfDuties, ValidationFailed
from vetting.models import (
    Candidate,
    CandidateResponse,
    Decision,
    Evidence,
    Finding,
    FindingRelease,
    ItemDecision,
    MentionResolution,
    Notice,
    User,
)
from vetting.models.base import MAX_ID
from vetting.pdf import Reports
from vetting.services import custody, findings, holds, investigation, records_requests, released, users
from vetting.services.context import Security
from vetting.services.vault import CandidateVault
from vetting.storage import EncryptedStore

PURPOSES: Final = {
    "records_request": "Public-records request (RET-10)",
    "discovery": "Discovery demand (RET-03)",
    "inspection": "POST/commission inspection (RET-08)",
}
VERSIONS: Final = {
    "released": "Findings as released to the board (redacted)",
    "recorded": "Findings as recorded (internal and legal use)",
}
#: The exemption code of a redacted protected-class span (issue 15 point 4's codes).
PROTECTED_CLASS: Final = "protected_class"
#: A raw capture withheld from the released version: it cannot be redacted.
CONFIDENTIAL_FILE: Final = "confidential_background_file"
MAX_CANDIDATES: Final = 500
MAX_REFERENCE: Final = 300
PREFIX_PATTERN: Final = re.compile(r"[A-Z][A-Z0-9-]{0,11}")
DEFAULT_PREFIX: Final = "VET"
BATES_DIGITS: Final = 6
#: Fixed member times: the same content makes the same ZIP.
_ZIP_TIME: Final = (2000, 1, 1, 0, 0, 0)

#: Told how many candidates are done, of how many.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Request:
    candidate_ids: list[int]
    purpose: str
    reference: str
    version: str
    prefix: str = DEFAULT_PREFIX
    #: The public-records request whose approved release this bundle is (``None``: none).
    records_request_id: int | None = None

    def parameters(self) -> dict[str, Any]:
        linked = {} if self.records_request_id is None else {"records_request_id": self.records_request_id}
        return {
            "candidate_ids": self.candidate_ids,
            "purpose": self.purpose,
            "reference": self.reference,
            "version": self.version,
            "prefix": self.prefix,
        } | linked


def _request_link(request_id: Any, purpose: str, version: str) -> int | None:
    """The records request a bundle is made for, checked: an id, the purpose records_request and
    the released version (RET-10: findings as recorded never go to the public)."""
    if request_id is None:
        return None
    if not isinstance(request_id, int) or isinstance(request_id, bool) or not 1 <= request_id <= MAX_ID:
        raise ValidationFailed(
            f"The records request is a whole number between 1 and {MAX_ID}.", field="records_request_id"
        )
    if purpose != "records_request":
        raise ValidationFailed("A bundle for a records request has the purpose records_request.", field="purpose")
    if version != "released":
        raise ValidationFailed(
            "A records request gets the released version: findings as recorded never go to the public (RET-10).",
            field="version",
        )
    return request_id


def parse_request(params: dict[str, Any]) -> Request:
    """A production's parameters checked; each problem names its field."""
    known = {"candidate_ids", "purpose", "reference", "version", "prefix", "records_request_id"}
    if unknown := sorted(set(params) - known):
        raise ValidationFailed(f"A production takes {', '.join(sorted(known))}; not {unknown[0]}.", field=unknown[0])
    ids = params.get("candidate_ids")
    if not isinstance(ids, list) or not ids:
        raise ValidationFailed("List at least one candidate.", field="candidate_ids")
    if len(ids) > MAX_CANDIDATES:
        raise ValidationFailed(f"At most {MAX_CANDIDATES} candidates per bundle.", field="candidate_ids")
    for value in ids:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
            raise ValidationFailed(f"Candidate ids are whole numbers between 1 and {MAX_ID}.", field="candidate_ids")
    purpose = params.get("purpose")
    if purpose not in PURPOSES:
        raise ValidationFailed(f"The purpose is one of {', '.join(PURPOSES)}.", field="purpose")
    version = params.get("version")
    if version not in VERSIONS:
        raise ValidationFailed(f"The version is one of {', '.join(VERSIONS)}.", field="version")
    reference = params.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise ValidationFailed("Name the request or matter this production answers.", field="reference")
    reference = " ".join(reference.split())
    if len(reference) > MAX_REFERENCE:
        raise ValidationFailed(f"The reference has at most {MAX_REFERENCE} characters.", field="reference")
    prefix = params.get("prefix", DEFAULT_PREFIX)
    if not isinstance(prefix, str) or not PREFIX_PATTERN.fullmatch(prefix):
        raise ValidationFailed(
            "The Bates prefix is 1 to 12 capital letters, digits or hyphens, starting with a letter.", field="prefix"
        )
    request_id = _request_link(params.get("records_request_id"), purpose, version)
    return Request(list(dict.fromkeys(ids)), purpose, reference, version, prefix, request_id)


def _release_decisions(
    session: Session, actor: User, request: Request, listed: list[Candidate]
) -> dict[int, tuple[ItemDecision, str]] | None:
    """For a bundle of a records request: its approved release's decision on each item (release id
    → decision and exemption code); every candidate listed must be in the request's scope (422).
    ``None`` for a bundle of no request."""
    if request.records_request_id is None:
        return None
    scope = records_requests.production_scope(session, actor, request.records_request_id)
    outside = [c.code for c in listed if c.id not in scope.candidate_ids]
    if outside:
        raise ValidationFailed(
            f"Candidate {outside[0]} is not in the scope of request {scope.request_id} (or was disposed of).",
            field="candidate_ids",
        )
    return scope.decisions


def _candidates(session: Session, actor: User, request: Request) -> list[Candidate]:
    """The candidates in the order listed, each checked: it exists, the actor may produce its
    cycle's records, and it was not disposed of."""
    found = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(request.candidate_ids)))}
    out = []
    for candidate_id in request.candidate_ids:
        candidate = found.get(candidate_id)
        if candidate is None:
            raise NotFound(f"No candidate {candidate_id}.", field="candidate_ids")
        refusal = policy.records_refusal(actor, policy.Action.RECORDS_PRODUCE, candidate.cycle)
        if refusal == policy.FORBIDDEN:
            raise Forbidden(refusal)
        if refusal is not None:
            raise SeparationOfDuties(f"Candidate {candidate.code}: {refusal}")
        if candidate.wrapped_key is None:
            raise Conflict(
                f"Candidate {candidate.code} was disposed of under the retention schedule: nothing is left to "
                "produce (the certificate of destruction says what was destroyed).",
                code="disposed",
                field="candidate_ids",
            )
        out.append(candidate)
    return out


def check_request(session: Session, actor: User, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a production job, checked before it is queued (403, 409 ``disposed``, 422)."""
    if not policy.can(actor, policy.Action.RECORDS_PRODUCE):
        raise Forbidden(policy.FORBIDDEN)
    request = parse_request(params)
    _release_decisions(session, actor, request, _candidates(session, actor, request))
    return request.parameters()


# --- what the case file shows (primitives only: the template gets no ORM object) ---------------


@dataclass(frozen=True)
class NativeFile:
    label: str
    path: str | None
    sha256: str
    size: int
    received: str
    custody: list[custody.Line]
    withheld: str | None = None


@dataclass(frozen=True)
class FindingLine:
    ref: str
    item: str
    category: str
    platform: str
    content_date: str
    summary: str
    excerpt: str
    status: str
    source_url: str = ""
    validations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CaseFile:
    code: str
    cycle: str
    consent: str
    held_by: list[str]
    items: list[tuple[str, str, str, list[str]]]
    findings: list[FindingLine]
    releases: list[str]
    decisions: list[str]
    notices: list[str]
    responses: list[str]
    files: list[NativeFile]


@dataclass(frozen=True)
class Redaction:
    candidate: str
    finding_id: int
    field: str
    start: int
    end: int
    axis: str
    rule: str
    exemption: str


def _when(moment: Any) -> str:
    return shown_time(moment, "%Y-%m-%d %H:%M") if moment is not None else ""


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type) or ".bin"


@dataclass
class _Candidate:
    case: CaseFile
    natives: list[tuple[str, bytes]]
    redactions: list[Redaction]


def _collect(
    session: Session,
    security: Security,
    store: EncryptedStore,
    candidate: Candidate,
    request: Request,
    names: dict[int, str],
    release_items: dict[int, tuple[ItemDecision, str]] | None = None,
) -> _Candidate:
    """One candidate's case file and native files; ``release_items``: the records request's release,
    whose withheld (or undecided) findings are left out and logged under their exemption code."""
    vault = CandidateVault(security.keyring, candidate)
    code = candidate.code
    recorded = request.version == "recorded"
    views = findings.views_of(session, security, candidate)
    evidence = list(
        session.scalars(
            select(Evidence).join(Finding).where(Finding.candidate_id == candidate.id).order_by(Evidence.id)
        )
    )
    # The chain of custody of each file (Tulsa Policy 324 C.13, RET-08), from the audit chain.
    lines = custody.histories(session, candidate.id, evidence, names)
    natives: list[tuple[str, bytes]] = []
    files: list[NativeFile] = []
    redactions: list[Redaction] = []
    consent = candidate.consent
    if consent is not None:
        content = store.get(consent.document_storage_name, vault.key, vault.file_purpose(consent, "document"))
        if sha256_hex(content) != consent.document_sha256:
            raise Conflict(f"Candidate {code}: the consent document does not match its hash.", code="integrity_failed")
        path = f"native/{code}/consent{_extension(consent.document_content_type)}"
        natives.append((path, content))
        files.append(
            NativeFile(
                "Signed consent",
                path,
                consent.document_sha256,
                consent.document_size,
                _when(consent.recorded_at),
                lines["consent"],
            )
        )
    for row in evidence:
        history = lines[f"evidence:{row.id}"]
        if recorded:
            content = store.get(row.storage_name, vault.key, vault.file_purpose(row, "content"))
            if sha256_hex(content) != row.sha256:
                raise Conflict(f"Candidate {code}: evidence {row.id} does not match its hash.", code="integrity_failed")
            path = f"native/{code}/evidence-{row.id}{_extension(row.content_type)}"
            natives.append((path, content))
            files.append(
                NativeFile(
                    f"Evidence {row.id} (finding {row.finding_id})",
                    path,
                    row.sha256,
                    row.size_bytes,
                    _when(row.uploaded_at),
                    history,
                )
            )
        else:
            files.append(
                NativeFile(
                    f"Evidence {row.id} (finding {row.finding_id})",
                    None,
                    row.sha256,
                    row.size_bytes,
                    _when(row.uploaded_at),
                    history,
                    withheld=CONFIDENTIAL_FILE,
                )
            )
            redactions.append(
                Redaction(
                    code, row.finding_id, f"evidence {row.id}", 0, row.size_bytes, "", "raw capture", CONFIDENTIAL_FILE
                )
            )
    if recorded:
        finding_lines = [
            FindingLine(
                f"F-{v.id}",
                v.item_title,
                v.category.value,
                v.platform,
                v.content_date.isoformat() if v.content_date else "",
                v.summary,
                v.excerpt,
                f"{v.validation_status.value}" + (" · withdrawn" if v.withdrawn_at else ""),
                source_url=v.source_url,
                validations=[_validation(val, names) for val in v.validations],
            )
            for v in views
        ]
    else:
        by_id = {v.id: v for v in views}
        finding_lines = []
        for b in released.released_findings(session, security, candidate):
            decided = None if release_items is None else release_items.get(b.release_id)
            if release_items is not None and (decided is None or decided[0] is ItemDecision.WITHHOLD):
                withheld = decided[1] if decided is not None else CONFIDENTIAL_FILE
                redactions.append(
                    Redaction(code, b.finding_id, "finding", 0, 0, "", "withheld from the release", withheld)
                )
                continue
            view = by_id[b.finding_id]
            finding_lines.append(
                FindingLine(
                    f"F-{b.finding_id}",
                    b.item_title,
                    b.category.value,
                    b.platform,
                    b.content_date.isoformat() if b.content_date else "",
                    b.summary,
                    b.excerpt,
                    b.validation_status.value + (" · disputed by the candidate" if b.disputed else ""),
                    validations=[
                        f"{_when(val.recorded_at)} {val.method.value}: {val.result.value}"
                        for val in view.validations
                        if val.current
                    ],
                )
            )
            for m in view.mentions:
                if m.resolution is MentionResolution.REDACT:
                    redactions.append(
                        Redaction(code, b.finding_id, m.field, m.start, m.end, m.axis, m.rule, PROTECTED_CLASS)
                    )
    releases = [
        f"{_when(r.released_at)} finding F-{r.finding_id} revision {r.revision} released by "
        f"{names.get(r.released_by_id or 0, 'unknown')}"
        for r in session.scalars(
            select(FindingRelease).where(FindingRelease.candidate_id == candidate.id).order_by(FindingRelease.id)
        )
    ]
    decisions = [
        f"{_when(d.recorded_at)} {d.status.value} {d.outcome.value} by {names.get(d.recorded_by_id, 'unknown')}"
        + (f" (withdrawn {_when(d.withdrawn_at)})" if d.withdrawn_at else "")
        + f": {vault.open_field(d, 'rationale')}"
        for d in session.scalars(select(Decision).where(Decision.candidate_id == candidate.id).order_by(Decision.id))
    ]
    notices = [
        f"{_when(n.issued_at)} {n.kind.value} notice issued by {names.get(n.issued_by_id, 'unknown')}"
        + (f"; delivered {_when(n.delivered_at)}" if n.delivered_at else "; not delivered")
        + (f"; response due {n.response_due.isoformat()}" if n.response_due else "")
        for n in session.scalars(select(Notice).where(Notice.candidate_id == candidate.id).order_by(Notice.id))
    ]
    responses = [
        f"{r.received_on.isoformat()} {r.kind.value} on findings {', '.join(f'F-{i}' for i in r.finding_ids) or 'none'}"
        + (f"; closed {_when(r.closed_at)}" if r.closed_at else "")
        + (f": {vault.open_field(r, 'text')}" if recorded else " (the text as written is in the recorded version)")
        for r in session.scalars(
            select(CandidateResponse)
            .where(CandidateResponse.candidate_id == candidate.id)
            .order_by(CandidateResponse.id)
        )
    ]
    items = [
        (
            view.item.title,
            view.status.value if view.status else "open",
            _when(view.resolved_at),
            [f"{_when(s.searched_at)} {s.source}: {s.query} ({s.result_count} results)" for s in view.searches],
        )
        for view in investigation.checklist_items(session, security, candidate)
    ]
    signed = f"Signed {consent.signed_on.isoformat()} ({consent.method.value})" if consent else "No consent on record"
    case = CaseFile(
        code,
        candidate.cycle.title,
        signed,
        holds.matters_holding(session, candidate.id),
        items,
        finding_lines,
        releases,
        decisions,
        notices,
        responses,
        files,
    )
    return _Candidate(case, natives, redactions)


def _validation(val: findings.ValidationView, names: dict[int, str]) -> str:
    who = names.get(val.recorded_by_id or 0, "unknown")
    earlier = "" if val.current else " (earlier revision)"
    return f"{_when(val.recorded_at)} {val.method.value}: {val.result.value} ({who}){earlier}. {val.notes}"


def bates_css(prefix: str, start: int) -> str:
    """The page numbers of one document: ``PREFIX-000041`` on from ``start`` (the prefix is checked
    against :data:`PREFIX_PATTERN`, so it is safe inside a CSS string). A user stylesheet: its
    ``!important`` wins over the report's own page counter. The ``bates`` counter style (six
    digits, :data:`BATES_DIGITS`) is in the template's ``production.css``."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError("a Bates prefix is checked before it reaches a stylesheet")
    return (
        f'@page {{ @bottom-right {{ content: "{prefix}-" counter(page, bates) !important; }} }}\n'
        f"@page :first {{ counter-reset: page {int(start)} !important; }}\n"
    )


def _bates(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{BATES_DIGITS}d}"


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def make(
    session: Session,
    actor: User,
    security: Security,
    store: EncryptedStore,
    reports: Reports,
    signing_key: Ed25519PrivateKey,
    agency: str,
    production: str,
    params: dict[str, Any],
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """The bundle (file name, ZIP bytes) for ``params`` as ``actor``; ``production`` names it in
    the audit events (a job's ``job-<id>``). Policy is checked again here, as of now."""
    if not policy.can(actor, policy.Action.RECORDS_PRODUCE):
        raise Forbidden(policy.FORBIDDEN)
    request = parse_request(params)
    listed = _candidates(session, actor, request)
    release_items = _release_decisions(session, actor, request, listed)
    serves = "" if request.records_request_id is None else f", records request {request.records_request_id}"
    names = users.names(session)
    generated = _when(utcnow())
    members: list[tuple[str, bytes, str, str]] = []  # path, content, first and last Bates numbers
    redactions: list[Redaction] = []
    number = 1
    for done, candidate in enumerate(listed):
        # Opening the raw content is audited with what it serves (issue 15 point 7).
        record(
            session,
            actor,
            Event.PRODUCTION_CONTENT_OPENED,
            subject=candidate,
            production=production,
            purpose=request.purpose,
            version=request.version,
            reference_sha256=sha256_hex(request.reference.encode()),
            # What the access review shows as the opening's reason: the production it served.
            reason=f"production {production} ({PURPOSES[request.purpose]}, {request.version} version{serves})",
            **({} if request.records_request_id is None else {"records_request": request.records_request_id}),
        )
        collected = _collect(session, security, store, candidate, request, names, release_items)
        pdf, pages = reports.render_counted(
            "production_case_file.html",
            c=collected.case,
            agency=agency,
            purpose=PURPOSES[request.purpose],
            version=VERSIONS[request.version],
            reference=request.reference,
            production=production,
            generated_at=generated,
            generated_by=actor.name,
            css=bates_css(request.prefix, number),
        )
        members.append(
            (
                f"case-files/{candidate.code}.pdf",
                pdf,
                _bates(request.prefix, number),
                _bates(request.prefix, number + pages - 1),
            )
        )
        number += pages
        for path, content in collected.natives:
            # A native file is one Bates number, as a slip sheet would carry.
            members.append((path, content, _bates(request.prefix, number), _bates(request.prefix, number)))
            number += 1
        redactions += collected.redactions
        if progress:
            progress(done + 1, len(listed))
    log = [["candidate", "finding", "field", "start", "end", "axis", "rule", "exemption"]] + [
        [r.candidate, f"F-{r.finding_id}", r.field, r.start, r.end, r.axis, r.rule, r.exemption] for r in redactions
    ]
    members.append(("redaction-log.csv", _csv(log), "", ""))
    files = [
        file_entry(path, content) | {"bates_first": first, "bates_last": last} for path, content, first, last in members
    ]
    manifest_csv = _csv(
        [["path", "sha256", "bytes", "bates_first", "bates_last"]]
        + [[f["path"], f["sha256"], f["bytes"], f["bates_first"], f["bates_last"]] for f in files]
    )
    files.append(file_entry(MANIFEST_CSV, manifest_csv) | {"bates_first": "", "bates_last": ""})
    manifest = signed_manifest(
        {
            "production": production,
            "purpose": request.purpose,
            "version": request.version,
            "reference": request.reference,
            **({} if request.records_request_id is None else {"records_request_id": request.records_request_id}),
            "agency": agency,
            "candidates": [c.code for c in listed],
            "bates_prefix": request.prefix,
            "bates_pages": number - 1,
            "created_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_by": actor.name,
            "files": files,
        },
        signing_key,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in [(m[0], m[1]) for m in members] + [
            (MANIFEST_CSV, manifest_csv),
            (MANIFEST_JSON, manifest),
        ]:
            archive.writestr(zipfile.ZipInfo(path, _ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    bundle = buffer.getvalue()
    record(
        session,
        actor,
        Event.PRODUCTION_MADE,
        subject=None,
        production=production,
        purpose=request.purpose,
        version=request.version,
        reference_sha256=sha256_hex(request.reference.encode()),
        **({} if request.records_request_id is None else {"records_request": request.records_request_id}),
        candidates=[c.id for c in listed],
        files=len(files) + 1,
        pages=number - 1,
        manifest_sha256=sha256_hex(manifest),
        sha256=sha256_hex(bundle),
    )
    return f"production-{production}.zip", bundle
