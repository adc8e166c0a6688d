"""The searcher's work on one candidate: consent, checklist items, search log, completion.

R1 (every candidate gets the cycle's checklist, and cannot move on until every item is
resolved), R5 (only approved techniques, attestation per item, no searches for medical,
genetic or protected-class information: PC-02), R6 (the items are the cycle's frozen
version, never per-candidate edits).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, NotFound, Refusal, ValidationFailed
from vetting.models import (
    Candidate,
    ChecklistVersionItem,
    Consent,
    ItemResolution,
    ResolutionStatus,
    SearchLogEntry,
    SignatureMethod,
    User,
)
from vetting.screening.search_terms import prohibited_terms
from vetting.services import custody, fields, holds, techniques, work
from vetting.services.candidates import get_for_work, unsettled_findings
from vetting.services.context import Security
from vetting.services.stored_files import write_file
from vetting.services.techniques import Technique
from vetting.services.vault import CandidateVault, read_profile
from vetting.storage import EncryptedStore, sniff_content_type

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_QUERY = 500
MAX_NOTES = 5000
MAX_SEARCHES = 50
MAX_RESULT_COUNT = 10_000_000
CONSENT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def record_consent(
    session: Session,
    actor: User,
    security: Security,
    store: EncryptedStore,
    candidate_id: int,
    *,
    signed_on: date,
    method: SignatureMethod,
    document: bytes,
) -> Consent:
    """Store the signed form (encrypted, hashed) and open the candidate for search work."""
    candidate = get_for_work(session, actor, candidate_id)
    require_consent_open(candidate)
    if signed_on > today():
        raise ValidationFailed("The signature date cannot be in the future.", field="signed_on")
    fields.day_between(signed_on, fields.FIRST_DAY, today(), "signed_on", "The signature date")
    if not document:
        raise ValidationFailed("Upload the signed form.", field="document")
    if len(document) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(
            f"The signed form must be at most {MAX_DOCUMENT_BYTES // 1024 // 1024} MB.", field="document"
        )
    content_type = sniff_content_type(document[:64])
    if content_type not in CONSENT_TYPES:
        raise ValidationFailed("The signed form must be a PDF, PNG or JPEG file.", field="document")
    return store_consent(session, actor, security, store, candidate, signed_on, method, document, content_type)


def require_consent_open(candidate: Candidate) -> None:
    """Consent may be recorded once, while the candidate's search can still start."""
    candidate.require_workable()
    if candidate.consent is not None:
        raise Conflict("Consent is already recorded for this candidate.", code="consent_recorded")


def store_consent(
    session: Session,
    actor: User | None,
    security: Security,
    store: EncryptedStore,
    candidate: Candidate,
    signed_on: date,
    method: SignatureMethod,
    document: bytes,
    content_type: str,
) -> Consent:
    """Seal and hash the signed form and record it as the candidate's consent (audited); ``actor``
    is ``None`` when the candidate signed electronically through their link (issue 16)."""
    vault = CandidateVault(security.keyring, candidate)
    storage_name = store.new_name()
    consent = Consent(
        candidate_id=candidate.id,
        signed_on=signed_on,
        method=method,
        document_sha256=sha256_hex(document),
        document_storage_name=storage_name,
        document_content_type=content_type,
        document_size=len(document),
        recorded_by_id=actor.id if actor else None,
    )
    session.add(consent)
    session.flush()
    write_file(session, store, storage_name, vault.key, document, vault.file_purpose(consent, "document"))
    candidate.consent = consent
    record(
        session,
        actor,
        Event.CONSENT_RECORDED,
        subject=candidate,
        signed_on=signed_on.isoformat(),
        method=method.value,
        sha256=consent.document_sha256,
    )
    return consent


@dataclass(frozen=True)
class SearchInput:
    query: str
    source: str
    result_count: int
    searched_at: datetime | None = None


@dataclass(frozen=True)
class ResolutionInput:
    status: ResolutionStatus
    technique_code: str
    attestation: bool
    searches: list[SearchInput]
    notes: str = ""
    reason: str = ""


ATTESTATION_TEXT = (
    "I used only the approved technique recorded here, viewed only content open to the public without "
    "interacting with the candidate or anyone else, and did not search for medical, genetic or "
    "protected-class information."
)


class ResolutionRefused(ValidationFailed):
    """Every problem with a resolution, found in one pass so a form shows them together
    (issue 18). The error's own message, field and code are the first problem the audit
    records (a refused search), or else the first problem."""

    def __init__(self, problems: list[ValidationFailed]) -> None:
        first = next((p for p in problems if p.refusal is not None), problems[0])
        super().__init__(first.message, code=first.code, field=first.field, refusal=first.refusal)
        self.problems = problems


def _search_problems(searches: list[SearchInput]) -> Iterator[ValidationFailed]:
    if len(searches) > MAX_SEARCHES:
        yield ValidationFailed(f"At most {MAX_SEARCHES} searches per item.", field="searches")
        return
    for n, search in enumerate(searches):
        prefix = f"searches[{n}]"
        query = search.query.strip()
        if not query:
            yield ValidationFailed("Each search needs the query as typed.", field=f"{prefix}.query")
        if len(query) > MAX_QUERY:
            yield ValidationFailed(f"A query must be at most {MAX_QUERY} characters.", field=f"{prefix}.query")
        if not search.source.strip() or len(search.source) > 200:
            yield ValidationFailed("Each search needs where it was run (1–200 characters).", field=f"{prefix}.source")
        if not 0 <= search.result_count <= MAX_RESULT_COUNT:
            yield ValidationFailed(
                f"The number of results must be between 0 and {MAX_RESULT_COUNT:,}.", field=f"{prefix}.result_count"
            )
        if search.searched_at is not None and search.searched_at > utcnow():
            yield ValidationFailed("A search cannot be in the future.", field=f"{prefix}.searched_at")


def _protected_search_problems(
    candidate: Candidate, actor: User, item: ChecklistVersionItem, searches: list[SearchInput], identifiers: list[str]
) -> Iterator[ValidationFailed]:
    """PC-02: neither the query nor where it was run may target protected information."""
    for n, search in enumerate(searches):
        for part in ("query", "source"):
            hits = prohibited_terms(getattr(search, part), identifiers)
            if not hits:
                continue
            terms = ", ".join(f"“{h.term}” ({h.axis_label})" for h in hits)
            yield ValidationFailed(
                f"This search was refused: it pairs the candidate with {terms}. Searching for medical, genetic or "
                "protected-class information about a candidate is a prohibited request (GINA, rule PC-02). "
                "Search for the candidate's name, aliases, handles and conduct instead. Nothing was saved.",
                code="prohibited_search",
                field=f"searches[{n}].{part}",
                refusal=Refusal.of(
                    Event.SEARCH_REFUSED,
                    actor,
                    subject=candidate,
                    item_id=item.id,
                    axes=sorted({h.axis for h in hits}),
                    rule="PC-02",
                    code="prohibited_search",
                ),
            )


def _approved_technique(candidate: Candidate, actor: User, item: ChecklistVersionItem, code: str) -> Technique:
    """R5: only approved techniques; an attempt to record a prohibited one is audited."""
    try:
        return techniques.require_approved(code)
    except ValidationFailed as error:
        if error.code != "prohibited_technique":
            raise
        refusal = Refusal.of(
            Event.TECHNIQUE_REFUSED,
            actor,
            subject=candidate,
            item_id=item.id,
            technique=code.strip().upper(),
            rule="POL-04",
            code=error.code,
        )
        raise ValidationFailed(error.message, code=error.code, field=error.field, refusal=refusal) from error


def _resolution_problems(
    item: ChecklistVersionItem, technique: Technique, data: ResolutionInput
) -> Iterator[ValidationFailed]:
    """R5 (attestation, searches logged, notes for provenance) and R6 (a deviation needs a reason)."""
    if not data.attestation:
        yield ValidationFailed("Confirm the attestation: " + ATTESTATION_TEXT, field="attestation")
    reason = data.reason.strip()
    if data.status is ResolutionStatus.UNABLE and not reason:
        yield ValidationFailed("Say why the item could not be completed.", field="reason")
    if data.status is not ResolutionStatus.UNABLE and not data.searches:
        yield ValidationFailed("Log the searches you ran, including those with no results.", field="searches")
    if technique.flag == "provenance" and not data.notes.strip():
        yield ValidationFailed(
            f"{technique.code} needs notes on how the material arrived and that it was not solicited.", field="notes"
        )
    elif technique.code != item.technique_code and not data.notes.strip():
        yield ValidationFailed(
            f"The checklist plans {item.technique_code} for this item and you recorded {technique.code}: "
            "say why in the notes. Deviations from the cycle's checklist need a written reason (R6).",
            field="notes",
        )
    if len(data.notes) > MAX_NOTES or len(reason) > MAX_NOTES:
        yield ValidationFailed(f"Notes must be at most {MAX_NOTES} characters.", field="notes")


def resolve_item(
    session: Session, actor: User, security: Security, candidate_id: int, item_id: int, data: ResolutionInput
) -> ItemResolution:
    """Resolve one checklist item with its searches and the searcher's attestation (R1, R5, R6, PC-02).
    Resolving an item again overwrites its status and sealed notes: never for a held candidate (RET-02)."""
    candidate = get_for_work(session, actor, candidate_id)
    if any(r.item_id == item_id for r in candidate.resolutions):
        holds.require_not_held(session, [candidate.id], actor)
    candidate.require_consent()
    candidate.require_workable()
    item = candidate.checklist_item(item_id)
    technique = _approved_technique(candidate, actor, item, data.technique_code)
    vault = CandidateVault(security.keyring, candidate)
    problems = [
        *_resolution_problems(item, technique, data),
        *_search_problems(data.searches),
        *_protected_search_problems(
            candidate, actor, item, data.searches, read_profile(vault, candidate).identifiers()
        ),
    ]
    if problems:
        raise ResolutionRefused(problems)

    resolution, previous = candidate.resolve_item(item, data.status, technique.code, actor.id, utcnow())
    vault.add_sealed(
        session,
        resolution,
        reason=data.reason.strip() if data.status is ResolutionStatus.UNABLE else None,
        notes=data.notes.strip() or None,
    )
    for search in data.searches:
        entry = SearchLogEntry(
            candidate_id=candidate.id,
            item_id=item.id,
            searched_at=search.searched_at or utcnow(),
            result_count=search.result_count,
            recorded_by_id=actor.id,
        )
        vault.add_sealed(session, entry, query=search.query.strip(), source=search.source.strip())
    work.refresh(session, candidate)
    record(
        session,
        actor,
        Event.CHECKLIST_ITEM_RESOLVED,
        subject=candidate,
        item_id=item.id,
        status=data.status.value,
        previous=previous.value if previous else None,
        technique=technique.code,
        deviation=technique.code != item.technique_code,
        searches=len(data.searches),
        attested=True,
    )
    return resolution


def resolve_item_and_view(
    session: Session, actor: User, security: Security, candidate_id: int, item_id: int, data: ResolutionInput
) -> ItemView:
    """:func:`resolve_item`, then the item as resolved with its search log, for an answer that
    shows it: only that item's searches are opened, and the opening is audited like any view of
    the checklist (§4)."""
    resolve_item(session, actor, security, candidate_id, item_id, data)
    candidate = get_for_work(session, actor, candidate_id)
    record(session, actor, Event.CANDIDATE_CHECKLIST_VIEWED, subject=candidate)
    return checklist_items(session, security, candidate, only=item_id)[0]


def complete_search(session: Session, actor: User, candidate_id: int) -> Candidate:
    """Close the search: only when every item of the cycle's checklist is resolved and every
    finding is released or withdrawn (R1: nothing is left half-way to the board)."""
    candidate = get_for_work(session, actor, candidate_id)
    unsettled = unsettled_findings(session, candidate.id)
    items = candidate.complete_search(actor.id, utcnow(), unsettled)
    record(session, actor, Event.CANDIDATE_SEARCH_COMPLETED, subject=candidate, items=items)
    return candidate


@dataclass(frozen=True)
class SearchView:
    id: int
    item_id: int
    query: str
    source: str
    searched_at: datetime
    result_count: int


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the cycle's frozen checklist, as pages and reports show it."""

    id: int
    position: int
    title: str
    source: str
    technique_code: str
    required: bool
    guidance: str

    @classmethod
    def of(cls, item: ChecklistVersionItem) -> ChecklistItem:
        return cls(item.id, item.position, item.title, item.source, item.technique_code, item.required, item.guidance)


@dataclass(frozen=True)
class ItemView:
    item: ChecklistItem
    status: ResolutionStatus | None
    technique_code: str | None
    notes: str | None
    reason: str | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    searches: list[SearchView]


def items_of(session: Session, actor: User, candidate_id: int) -> list[ChecklistItem]:
    """The items of the candidate's cycle checklist (no candidate content)."""
    return checklist_of(get_for_work(session, actor, candidate_id))


def checklist_of(candidate: Candidate) -> list[ChecklistItem]:
    version = candidate.cycle.checklist_version
    return [ChecklistItem.of(i) for i in version.items] if version else []


def checklist_view(
    session: Session, actor: User, security: Security, candidate_id: int
) -> tuple[Candidate, list[ItemView]]:
    """The candidate's checklist with resolutions and decrypted search log, for searchers."""
    candidate = get_for_work(session, actor, candidate_id)
    record(session, actor, Event.CANDIDATE_CHECKLIST_VIEWED, subject=candidate)
    return candidate, checklist_items(session, security, candidate)


def checklist_items(
    session: Session, security: Security, candidate: Candidate, *, only: int | None = None
) -> list[ItemView]:
    """The decrypted checklist and search log (``only``: of that item alone); the caller has
    checked access and audits the view."""
    vault = CandidateVault(security.keyring, candidate)
    version = candidate.cycle.checklist_version
    resolutions = {r.item_id: r for r in candidate.resolutions}
    searches: dict[int, list[SearchView]] = {}
    logged = select(SearchLogEntry).where(SearchLogEntry.candidate_id == candidate.id)
    if only is not None:
        logged = logged.where(SearchLogEntry.item_id == only)
    for entry in session.scalars(logged.order_by(SearchLogEntry.searched_at)):
        searches.setdefault(entry.item_id, []).append(
            SearchView(
                entry.id,
                entry.item_id,
                vault.open_field(entry, "query"),
                vault.open_field(entry, "source"),
                entry.searched_at,
                entry.result_count,
            )
        )
    views = []
    for item in version.items if version else []:
        if only is not None and item.id != only:
            continue
        r = resolutions.get(item.id)
        views.append(
            ItemView(
                item=ChecklistItem.of(item),
                status=r.status if r else None,
                technique_code=r.technique_code if r else None,
                notes=vault.open_optional_field(r, "notes") if r else None,
                reason=vault.open_optional_field(r, "reason") if r else None,
                resolved_at=r.resolved_at if r else None,
                resolved_by_id=r.resolved_by_id if r else None,
                searches=searches.get(item.id, []),
            )
        )
    return views


@dataclass(frozen=True)
class ConsentForm:
    """What the printed disclosure and authorization shows (primitives only)."""

    agency: str
    position: str
    code: str
    name: str
    generated_on: str
    #: The cycle's findings come from a consumer reporting agency: the disclosure is the FCRA's
    #: stand-alone one (FCRA-01), naming that agency.
    fcra: bool = False
    cra_name: str | None = None


def consent_form(session: Session, actor: User, security: Security, agency: str, candidate_id: int) -> ConsentForm:
    """The data for the candidate's stand-alone disclosure and authorization form."""
    candidate = get_for_work(session, actor, candidate_id)
    record(session, actor, Event.CONSENT_FORM_GENERATED, subject=candidate)
    return consent_form_of(security, agency, candidate)


def consent_form_of(security: Security, agency: str, candidate: Candidate) -> ConsentForm:
    """The form of ``candidate`` (whose access the caller checked): the same for the PDF and the
    candidate's page, so what the candidate signs online is what the paper shows."""
    profile = read_profile(CandidateVault(security.keyring, candidate), candidate)
    cycle = candidate.cycle
    return ConsentForm(
        agency,
        cycle.position,
        candidate.code,
        profile.name,
        today().isoformat(),
        fcra=cycle.fcra_mode,
        cra_name=cycle.cra_name if cycle.fcra_mode else None,
    )


def consent_document(
    session: Session, actor: User, security: Security, store: EncryptedStore, candidate_id: int
) -> tuple[bytes, str]:
    """The signed form, for the cycle's searchers (each view is audited)."""
    candidate = get_for_work(session, actor, candidate_id)
    consent = candidate.consent
    if consent is None:
        raise NotFound("No consent is recorded for this candidate.")
    vault = CandidateVault(security.keyring, candidate)
    data = store.get(consent.document_storage_name, vault.key, vault.file_purpose(consent, "document"))
    # Handed over as an attachment only (PRODUCT.md §4): its chain of custody says so.
    record(session, actor, Event.CONSENT_DOCUMENT_VIEWED, subject=candidate, mode=custody.ATTACHMENT)
    return data, consent.document_content_type
