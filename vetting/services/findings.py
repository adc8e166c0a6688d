"""Findings, their evidence files and their validation log (R7, SM-05, SM-06).

The text of a finding, its source URL and its evidence are candidate content: they are
encrypted under the candidate's data key and shown only to the cycle's searchers, or to
an auditor who states a reason (every such view is an audit event).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import today, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vetting.models import (
    REDACTED,
    SCREENED_FIELDS,
    Authorship,
    BehaviourCategory,
    Candidate,
    Evidence,
    Finding,
    IdentityBasis,
    MentionResolution,
    User,
    ValidationMethod,
    ValidationResult,
    ValidationStatus,
    ValidationStep,
)
from vetting.services import custody, holds, redaction
from vetting.services.candidates import get_for_work
from vetting.services.context import Security
from vetting.services.investigation import ChecklistItem, checklist_of
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.stored_files import write_file
from vetting.services.vault import CandidateVault
from vetting.storage import EncryptedStore, sniff_content_type

MAX_TEXT = 10_000
#: Stands in the reviewer's board-facing column for a mention not resolved yet.
UNRESOLVED = "[unresolved]"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/html", "multipart/related"}
)


@dataclass(frozen=True)
class FindingInput:
    item_id: int
    source_url: str
    platform: str
    content_date: date | None
    captured_at: datetime | None
    summary: str
    excerpt: str
    category: BehaviourCategory
    authorship: Authorship
    identity_basis: list[IdentityBasis]


def _validate(data: FindingInput) -> None:
    parts = urlsplit(data.source_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(data.source_url) > 2000:
        raise ValidationFailed("The source must be the web address where the content was found.", field="source_url")
    if not data.platform.strip() or len(data.platform) > 100:
        raise ValidationFailed("Name the platform or site (1–100 characters).", field="platform")
    if data.content_date is not None and data.content_date > today():
        raise ValidationFailed("The content date cannot be in the future.", field="content_date")
    if data.captured_at is not None and data.captured_at > utcnow():
        raise ValidationFailed("The capture time cannot be in the future.", field="captured_at")
    if not data.summary.strip():
        raise ValidationFailed("Summarise the finding in your own words.", field="summary")
    if not data.excerpt.strip():
        raise ValidationFailed("Quote the content verbatim in the excerpt.", field="excerpt")
    for name in ("summary", "excerpt"):
        if len(getattr(data, name)) > MAX_TEXT:
            raise ValidationFailed(f"The {name} must be at most {MAX_TEXT} characters.", field=name)
    if not data.identity_basis:
        raise ValidationFailed("Record which identifiers tie this content to the candidate.", field="identity_basis")


def _screened_texts(data: FindingInput) -> dict[str, str]:
    return {"platform": data.platform.strip(), "summary": data.summary.strip(), "excerpt": data.excerpt.strip()}


def _sealed_texts(data: FindingInput) -> dict[str, str | None]:
    return {"source_url": data.source_url.strip(), "summary": data.summary.strip(), "excerpt": data.excerpt.strip()}


def add_finding(session: Session, actor: User, security: Security, candidate_id: int, data: FindingInput) -> Finding:
    candidate = get_for_work(session, actor, candidate_id)
    candidate.require_consent()
    candidate.require_workable()
    item = candidate.checklist_item(data.item_id)
    _validate(data)
    finding = Finding(
        candidate_id=candidate.id,
        item_id=item.id,
        platform=data.platform.strip(),
        content_date=data.content_date,
        captured_at=data.captured_at or utcnow(),
        category=data.category,
        authorship=data.authorship,
        identity_basis=sorted({b.value for b in data.identity_basis}),
        created_by_id=actor.id,
    )
    vault = CandidateVault(security.keyring, candidate)
    vault.add_sealed(session, finding, **_sealed_texts(data))
    record(
        session,
        actor,
        Event.FINDING_CREATED,
        subject=finding,
        candidate_id=candidate.id,
        item_id=item.id,
        category=data.category.value,
    )
    redaction.screen_fields(session, actor, finding, vault, _screened_texts(data))
    return finding


def finding_for_work(session: Session, actor: User, finding_id: int, *, lock: bool = False) -> Finding:
    """A finding the actor works on as a searcher. ``lock`` for any change: concurrent edits,
    resolutions and releases of one finding then run one after another (PostgreSQL row lock;
    SQLite transactions are serial already)."""
    # "OF findings": PostgreSQL refuses to lock the outer-joined rows loaded with it.
    finding = session.get(Finding, finding_id, with_for_update={"of": Finding} if lock else None)
    if finding is None:
        raise NotFound("No such finding.")
    get_for_work(session, actor, finding.candidate_id)
    return finding


def update_finding(session: Session, actor: User, security: Security, finding_id: int, data: FindingInput) -> Finding:
    """Change a finding. Any change starts a new revision: earlier validation no longer counts (R7).
    The sealed text is overwritten, so a held candidate's finding never changes (RET-02)."""
    finding = finding_for_work(session, actor, finding_id, lock=True)
    holds.require_not_held(session, [finding.candidate_id], actor)
    candidate = finding.candidate
    candidate.require_workable()
    finding.require_not_withdrawn()
    item = candidate.checklist_item(data.item_id)
    _validate(data)
    vault = CandidateVault(security.keyring, candidate)
    before = view_of(finding, vault)
    after = {
        "item_id": item.id,
        "source_url": data.source_url.strip(),
        "platform": data.platform.strip(),
        "content_date": data.content_date,
        "summary": data.summary.strip(),
        "excerpt": data.excerpt.strip(),
        "category": data.category,
        "authorship": data.authorship,
        "identity_basis": sorted({b.value for b in data.identity_basis}),
    }
    current = {**{name: getattr(before, name) for name in after}, "identity_basis": finding.identity_basis}
    changed = sorted(name for name, value in after.items() if current[name] != value)
    if data.captured_at is not None and data.captured_at != finding.captured_at:
        finding.captured_at = data.captured_at
        changed.append("captured_at")
    if not changed:
        return finding
    finding.item_id = item.id
    finding.platform = data.platform.strip()
    finding.content_date = data.content_date
    finding.category = data.category
    finding.authorship = data.authorship
    finding.identity_basis = sorted({b.value for b in data.identity_basis})
    finding.updated_at = utcnow()
    finding.updated_by_id = actor.id
    finding.revision += 1
    for name, text in _sealed_texts(data).items():
        vault.seal_field(finding, name, text)
    session.flush()
    record(
        session,
        actor,
        Event.FINDING_UPDATED,
        subject=finding,
        fields=changed,
        revision=finding.revision,
        category=data.category.value,
    )
    redaction.screen_fields(session, actor, finding, vault, _screened_texts(data), before.screened_texts())
    redaction.withdraw_release(session, actor, finding, "edited")
    return finding


@dataclass(frozen=True)
class EvidenceView:
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class ValidationView:
    id: int
    method: ValidationMethod
    result: ValidationResult
    notes: str
    recorded_by_id: int | None
    recorded_at: datetime
    #: False for a step that checked an earlier revision of the finding (it no longer counts).
    current: bool


@dataclass(frozen=True)
class FindingView:
    id: int
    candidate_id: int
    candidate_code: str
    item_id: int
    item_title: str
    source_url: str
    platform: str
    content_date: date | None
    captured_at: datetime
    summary: str
    excerpt: str
    category: BehaviourCategory
    authorship: Authorship
    identity_basis: list[IdentityBasis]
    identity_match_minimum: int
    revision: int
    validation_status: ValidationStatus
    evidence: list[EvidenceView]
    validations: list[ValidationView]
    mentions: list[redaction.MentionView]
    #: The revision the board reads, if any (None: nothing of this finding reaches the board).
    released_revision: int | None
    #: Withdrawn by an investigator: it never reaches the board (R1); the reason as written.
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
    #: Why the reader may not release it as its author (``policy.release_author_refusal``), if so.
    author_refusal: str | None = None
    #: Names of the people who resolved its mentions, by user id (the page says who decided).
    people: dict[int, str] = field(default_factory=dict)

    @property
    def identity_match_met(self) -> bool:
        return len(self.identity_basis) >= self.identity_match_minimum

    @property
    def open_mentions(self) -> int:
        return sum(1 for m in self.mentions if m.open)

    def screened_texts(self) -> dict[str, str]:
        return {name: self.text_of(name) for name in SCREENED_FIELDS}

    def text_of(self, field: str) -> str:
        return str(getattr(self, field))

    def redacted(self, field: str) -> str:
        """The board-facing text of ``field`` under the current resolutions."""
        return redaction.redact(self.text_of(field), redaction.redacted_spans(self.mentions, field))

    def segments(self, field: str) -> list[redaction.Segment]:
        return redaction.segments(self.text_of(field), self.mentions, field)

    def preview_parts(self, field: str) -> list[tuple[str, str | None]]:
        """What the board would read, for the reviewer, as (text, mark) parts: ``"redacted"`` for a
        redaction, ``"unresolved"`` for a mention nobody has decided yet, masked so its words never
        show as board-facing text before it is resolved (issue 18), ``None`` for plain text."""
        spans: list[tuple[int, int, bool]] = []
        for m in sorted((m for m in self.mentions if m.field == field), key=lambda m: (m.start, m.end)):
            if m.resolution is MentionResolution.NOT_PROTECTED:
                continue
            if spans and m.start <= spans[-1][1]:
                start, end, open_ = spans[-1]
                spans[-1] = (start, max(end, m.end), open_ or m.open)
            else:
                spans.append((m.start, m.end, m.open))
        text, at = self.text_of(field), 0
        parts: list[tuple[str, str | None]] = []
        for start, end, open_ in spans:
            if start > at:
                parts.append((text[at:start], None))
            parts.append((UNRESOLVED, "unresolved") if open_ else (REDACTED, "redacted"))
            at = end
        if at < len(text):
            parts.append((text[at:], None))
        return parts


def view_of(finding: Finding, vault: CandidateVault) -> FindingView:
    """The finding decrypted. One never screened (recorded before screening existed, until
    ``vetting findings screen-backfill`` runs) also lists, unsaved and open, what screening
    would find: that blocks its release (R3) without a read writing anything."""
    mentions = redaction.mention_views(finding, vault)
    source_url = vault.open_field(finding, "source_url")
    summary = vault.open_field(finding, "summary")
    excerpt = vault.open_field(finding, "excerpt")
    if finding.screened_at is None:
        texts = {"platform": finding.platform, "summary": summary, "excerpt": excerpt}
        mentions += redaction.unscreened_mentions(finding, vault, texts)
    return FindingView(
        id=finding.id,
        candidate_id=finding.candidate_id,
        candidate_code=finding.candidate.code,
        item_id=finding.item_id,
        item_title=finding.item.title,
        source_url=source_url,
        platform=finding.platform,
        content_date=finding.content_date,
        captured_at=finding.captured_at,
        summary=summary,
        excerpt=excerpt,
        category=finding.category,
        authorship=finding.authorship,
        identity_basis=[IdentityBasis(b) for b in finding.identity_basis],
        identity_match_minimum=finding.candidate.cycle.identity_match_minimum,
        revision=finding.revision,
        validation_status=finding.validation_status,
        evidence=[
            EvidenceView(
                e.id,
                vault.open_field(e, "filename"),
                e.content_type,
                e.size_bytes,
                e.sha256,
                e.uploaded_at,
            )
            for e in finding.evidence
        ],
        validations=[
            ValidationView(
                v.id,
                v.method,
                v.result,
                vault.open_field(v, "notes"),
                v.recorded_by_id,
                v.recorded_at,
                v.revision == finding.revision,
            )
            for v in finding.validations
        ],
        mentions=mentions,
        released_revision=finding.current_release.revision if finding.current_release else None,
        withdrawn_at=finding.withdrawn_at,
        withdrawal_reason=vault.open_optional_field(finding, "withdrawal_reason"),
    )


def get_finding(session: Session, actor: User, security: Security, finding_id: int) -> FindingView:
    """One finding, decrypted, for the cycle's searchers; the view is audited (§4)."""
    finding = finding_for_work(session, actor, finding_id)
    record(session, actor, Event.FINDING_VIEWED, subject=finding)
    view = view_of(finding, CandidateVault(security.keyring, finding.candidate))
    resolvers = {m.resolved_by_id for m in view.mentions if m.resolved_by_id is not None}
    people = (
        {row.id: row.name for row in session.execute(select(User.id, User.name).where(User.id.in_(resolvers)))}
        if resolvers
        else {}
    )
    return replace(view, author_refusal=policy.release_author_refusal(actor, finding), people=people)


@dataclass(frozen=True)
class FindingEditor:
    """What the edit form needs: the finding and the items it may be filed under."""

    finding: FindingView
    items: list[ChecklistItem]


def editor(session: Session, actor: User, security: Security, finding_id: int) -> FindingEditor:
    """The finding decrypted for its edit form; the view is audited (§4)."""
    finding = finding_for_work(session, actor, finding_id)
    record(session, actor, Event.FINDING_VIEWED, subject=finding)
    return FindingEditor(
        view_of(finding, CandidateVault(security.keyring, finding.candidate)), checklist_of(finding.candidate)
    )


def screen_backfill(session: Session, security: Security) -> int:
    """Screen every finding never screened (recorded before screening existed), as the system;
    each screening is audited. Returns how many were screened (R3: none reaches the board
    unscreened). Findings of erased candidates have no text left to screen."""
    rows = session.scalars(
        select(Finding)
        .join(Candidate, Candidate.id == Finding.candidate_id)
        .where(Finding.screened_at.is_(None), Candidate.wrapped_key.is_not(None))
        .order_by(Finding.id)
    ).all()
    for finding in rows:
        vault = CandidateVault(security.keyring, finding.candidate)
        texts = {
            "platform": finding.platform,
            "summary": vault.open_field(finding, "summary"),
            "excerpt": vault.open_field(finding, "excerpt"),
        }
        redaction.screen_fields(session, None, finding, vault, texts)
    return len(rows)


def findings_of(
    session: Session, actor: User, security: Security, candidate_id: int, page: PageRequest | None = None
) -> Page[FindingView]:
    """One page of the candidate's findings in the order recorded, decrypted; the view is audited (§4)."""
    candidate = get_for_work(session, actor, candidate_id)
    record(session, actor, Event.CANDIDATE_FINDINGS_VIEWED, subject=candidate)
    vault = CandidateVault(security.keyring, candidate)
    rows = paginate(
        session,
        # The candidate is loaded already: joining it again would load its eager collections again.
        select(Finding).where(Finding.candidate_id == candidate.id).options(lazyload(Finding.candidate)),
        [Key(Finding.id)],
        page or PageRequest(),
        name=f"findings/{candidate.id}",
    )
    return rows.map(lambda f: view_of(f, vault))


def views_of(
    session: Session, security: Security, candidate: Candidate, reader: User | None = None
) -> list[FindingView]:
    """The candidate's findings, decrypted; the caller has checked access and audits the view.
    With ``reader``, each says whether the reader wrote it (and so cannot release it)."""
    vault = CandidateVault(security.keyring, candidate)
    rows = session.scalars(
        select(Finding)
        .where(Finding.candidate_id == candidate.id)
        .order_by(Finding.id)
        .options(lazyload(Finding.candidate))  # loaded already (see findings_of)
    )
    return [
        replace(view_of(f, vault), author_refusal=policy.release_author_refusal(reader, f) if reader else None)
        for f in rows
    ]


def resolve_mention(
    session: Session,
    actor: User,
    security: Security,
    finding_id: int,
    mention_id: int,
    resolution: MentionResolution,
    reason: str | None,
) -> Finding:
    """An investigator of the cycle resolves one detector mention (R3). A decision already taken is
    not changed while the candidate is on legal hold (it would overwrite its sealed reason; RET-02)."""
    finding = finding_for_work(session, actor, finding_id, lock=True)
    finding.require_not_withdrawn()
    if any(m.id == mention_id and m.resolution is not None for m in finding.mentions):
        holds.require_not_held(session, [finding.candidate_id], actor)
    redaction.resolve(
        session, actor, CandidateVault(security.keyring, finding.candidate), finding, mention_id, resolution, reason
    )
    return finding


def redact_words(session: Session, actor: User, security: Security, finding_id: int, field: str, words: str) -> Finding:
    """Redact words the detector missed, in every place they occur in one field (R3). Refused while
    the candidate is on legal hold (409 ``legal_hold``, RET-02): a redaction rewrites the screened
    text and withdraws the board's release."""
    finding = finding_for_work(session, actor, finding_id, lock=True)
    finding.require_not_withdrawn()
    holds.require_not_held(session, [finding.candidate_id], actor)
    vault = CandidateVault(security.keyring, finding.candidate)
    texts = view_of(finding, vault).screened_texts()
    redaction.redact_words(session, actor, vault, finding, field, words, texts)
    return finding


def add_validation(
    session: Session,
    actor: User,
    security: Security,
    finding_id: int,
    *,
    method: ValidationMethod,
    result: ValidationResult,
    notes: str,
) -> ValidationStep:
    """Append a validation step; the finding's status follows from the log (R7).

    Allowed after the search is closed (a candidate's dispute can reopen validation), not
    after the cycle is.
    """
    finding = finding_for_work(session, actor, finding_id, lock=True)
    finding.candidate.require_cycle_not_closed()
    finding.require_not_withdrawn()
    notes = notes.strip()
    if not notes:
        raise ValidationFailed("Describe what you checked and what it showed.", field="notes")
    if len(notes) > MAX_TEXT:
        raise ValidationFailed(f"Notes must be at most {MAX_TEXT} characters.", field="notes")
    step = ValidationStep(
        finding_id=finding.id, method=method, result=result, revision=finding.revision, recorded_by_id=actor.id
    )
    CandidateVault(security.keyring, finding.candidate).add_sealed(session, step, notes=notes)
    finding.validations.append(step)
    session.flush()
    record(
        session,
        actor,
        Event.FINDING_VALIDATION_ADDED,
        subject=finding,
        method=method.value,
        result=result.value,
        status=finding.validation_status.value,
    )
    if finding.validation_status is ValidationStatus.REFUTED:
        redaction.withdraw_release(session, actor, finding, "refuted")
    return step


def upload_evidence(
    session: Session,
    actor: User,
    security: Security,
    store: EncryptedStore,
    finding_id: int,
    *,
    filename: str,
    content: bytes,
) -> Evidence:
    """Hash on receipt, check the type by content, seal under the candidate's key (SM-06)."""
    finding = finding_for_work(session, actor, finding_id)
    finding.candidate.require_workable()
    finding.require_not_withdrawn()
    if not content:
        raise ValidationFailed("The file is empty.", field="file")
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ValidationFailed(f"Evidence files must be at most {MAX_EVIDENCE_BYTES // 1024 // 1024} MB.", field="file")
    content_type = sniff_content_type(content[:512])
    if content_type not in EVIDENCE_TYPES:
        raise ValidationFailed(
            "Only screenshots (PNG, JPEG, GIF, WebP), PDF files and HTML or MHTML page archives are accepted; "
            "the type is read from the file's content, not its name.",
            field="file",
        )
    vault = CandidateVault(security.keyring, finding.candidate)
    evidence = Evidence(
        finding_id=finding.id,
        content_type=content_type,
        size_bytes=len(content),
        sha256=sha256_hex(content),
        storage_name=store.new_name(),
        uploaded_by_id=actor.id,
    )
    vault.add_sealed(session, evidence, filename=(filename or "evidence").strip()[:255])
    finding.evidence.append(evidence)
    write_file(session, store, evidence.storage_name, vault.key, content, vault.file_purpose(evidence, "content"))
    record(
        session,
        actor,
        Event.EVIDENCE_UPLOADED,
        subject=finding,
        evidence_id=evidence.id,
        sha256=evidence.sha256,
        size=evidence.size_bytes,
        content_type=content_type,
    )
    return evidence


def read_evidence(
    session: Session,
    actor: User,
    security: Security,
    store: EncryptedStore,
    evidence_id: int,
    reason: str | None = None,
) -> tuple[Evidence, str, bytes]:
    """The decrypted file, for the cycle's searchers or an auditor stating a reason; audited."""
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound("No such evidence file.")
    candidate: Candidate = evidence.finding.candidate
    if not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such evidence file.")
    if not policy.can_open_raw_content(actor, candidate.cycle, reason):
        if policy.role_allows(actor, policy.Action.AUDIT_READ):
            raise ValidationFailed(
                policy.reason_refusal(reason) or "State why you need to open this file; the reason is recorded.",
                field="reason",
            )
        if policy.role_allows(actor, policy.Action.INVESTIGATE):
            policy.require(actor, policy.Action.INVESTIGATE, candidate.cycle)
        raise Forbidden("Evidence files are open only to the cycle's investigators.")
    vault = CandidateVault(security.keyring, candidate)
    content = store.get(evidence.storage_name, vault.key, vault.file_purpose(evidence, "content"))
    if sha256_hex(content) != evidence.sha256:
        raise Conflict("The stored file does not match the hash taken on receipt.", code="integrity_failed")
    record(
        session,
        actor,
        Event.EVIDENCE_VIEWED,
        subject=evidence,
        finding_id=evidence.finding_id,
        reason=reason.strip() if reason else None,
        # How the file left, for its chain of custody: the web and the API only ever hand it over
        # as an attachment (PRODUCT.md §4).
        mode=custody.ATTACHMENT,
    )
    return evidence, vault.open_field(evidence, "filename"), content


#: A withdrawal's reason says why in a few words (it is sealed, and the board never reads it).
MIN_WITHDRAWAL_WORDS = 3
MIN_WITHDRAWAL_REASON = 15


def withdraw_finding(session: Session, actor: User, security: Security, finding_id: int, reason: str) -> Finding:
    """Withdraw a finding, stating why: it never reaches the board, its current release (if any)
    is withdrawn with it, and it can no longer be released, edited or withdrawn again (R1, issue 14).

    The cycle's investigators only, until the cycle is closed; also after the search is
    closed (a dispute can show a finding was wrong). Audited, the reason sealed. Never while the
    candidate is on legal hold: the record stays as the matter found it (RET-02)."""
    finding = finding_for_work(session, actor, finding_id, lock=True)
    holds.require_not_held(session, [finding.candidate_id], actor)
    finding.candidate.require_cycle_not_closed()
    finding.require_not_withdrawn()
    reason = reason.strip()
    if len(reason) < MIN_WITHDRAWAL_REASON or len(reason.split()) < MIN_WITHDRAWAL_WORDS:
        raise ValidationFailed(
            f"Say why the finding is withdrawn in a few words (at least {MIN_WITHDRAWAL_WORDS} words, "
            f"{MIN_WITHDRAWAL_REASON} characters).",
            field="reason",
        )
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(f"The reason must be at most {MAX_TEXT} characters.", field="reason")
    vault = CandidateVault(security.keyring, finding.candidate)
    finding.withdraw(actor.id, utcnow(), vault.sealed(finding, "withdrawal_reason", reason))
    release_id = finding.current_release_id
    redaction.withdraw_release(session, actor, finding, "withdrawn")
    session.flush()
    record(
        session,
        actor,
        Event.FINDING_WITHDRAWN,
        subject=finding,
        candidate_id=finding.candidate_id,
        release_id=release_id,
    )
    return finding


@dataclass(frozen=True)
class AuditedFinding:
    """A finding as an auditor reaches it from the drill-down: facts only, and the raw text
    (``raw``) once a reason is stated, which is audited like an evidence view."""

    id: int
    candidate_id: int
    candidate_code: str
    category: BehaviourCategory
    validation_status: ValidationStatus
    released: bool
    withdrawn_at: datetime | None
    raw: FindingView | None = None


def for_auditor(
    session: Session, actor: User, security: Security, finding_id: int, reason: str | None = None
) -> AuditedFinding:
    """A finding for an auditor; with a stated reason, its raw text (``finding.raw_viewed``, the
    reason recorded). Auditors only; others get 403, unknown findings 404."""
    policy.require(actor, policy.Action.AUDIT_READ)
    finding = session.get(Finding, finding_id)
    if finding is None or not policy.can_view_cycle(actor, finding.candidate.cycle):
        raise NotFound("No such finding.")
    raw = None
    if reason is not None:
        if not policy.can_open_raw_content(actor, finding.candidate.cycle, reason):
            raise ValidationFailed(
                "State why you need the finding's raw text (a purpose, such as a review or complaint number); "
                "the reason is recorded.",
                field="reason",
            )
        raw = view_of(finding, CandidateVault(security.keyring, finding.candidate))
        record(
            session,
            actor,
            Event.FINDING_RAW_VIEWED,
            subject=finding,
            candidate_id=finding.candidate_id,
            reason=reason.strip(),
        )
    return AuditedFinding(
        id=finding.id,
        candidate_id=finding.candidate_id,
        candidate_code=finding.candidate.code,
        category=finding.category,
        validation_status=finding.validation_status,
        released=finding.current_release_id is not None,
        withdrawn_at=finding.withdrawn_at,
        raw=raw,
    )
