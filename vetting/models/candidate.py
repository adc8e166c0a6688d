"""Candidates, their consent, checklist work, search log, findings, evidence, validation.

Candidate content (name, aliases, handles, queries, finding text, excerpts, evidence) is
stored only as ciphertext under the candidate's own data key (``wrapped_key``, wrapped by
the master key). Columns named ``*_enc`` hold such ciphertext; metadata that reveals no
content (dates, counts, codes, categories) stays in clear for reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.crypto import Sealed, SealedFields
from vetting.errors import Conflict, NotFound
from vetting.models.base import Base, created_ts, intpk
from vetting.models.checklist import ChecklistVersionItem
from vetting.models.cycle import Cycle, CycleStatus
from vetting.models.user import enum_column

if TYPE_CHECKING:
    from vetting.models.firewall import FindingMention, FindingRelease


class Candidate(Base):
    __tablename__ = "candidates"
    sealed: ClassVar[SealedFields] = {"profile": Sealed("profile"), "email": Sealed("email")}

    @property
    def audit_subject(self) -> Subject:
        return Subject("candidate", str(self.id))

    __table_args__ = (UniqueConstraint("cycle_id", "code", name="one_code_per_cycle"),)

    id: Mapped[intpk]
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    #: How boards and reports name the candidate in blind cycles ("C-007").
    code: Mapped[str] = mapped_column(String(16))
    #: Encrypted JSON: name, aliases, handles, profile URLs, region.
    profile_enc: Mapped[str] = mapped_column(Text)
    #: The data key, wrapped by the master key; NULL once crypto-shredded.
    wrapped_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_ts]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set when every checklist item is resolved and an investigator closes the search (R1).
    search_completed_at: Mapped[datetime | None]
    search_completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Encrypted: where the candidate's links are e-mailed (optional; issue 16).
    email_enc: Mapped[str | None] = mapped_column(Text)

    cycle: Mapped[Cycle] = relationship(lazy="joined")
    consent: Mapped[Consent | None] = relationship(back_populates="candidate", lazy="selectin")
    resolutions: Mapped[list[ItemResolution]] = relationship(back_populates="candidate", lazy="selectin")

    def require_consent(self) -> None:
        """No search work before the signed disclosure and authorization (FCRA-01/02 practice)."""
        if self.consent is None:
            raise Conflict(
                "Record the candidate's signed disclosure and authorization before any search work.",
                code="consent_required",
            )

    def require_cycle_not_closed(self) -> None:
        """Findings may still change after a search is closed (validation, redaction), not after the cycle is."""
        if self.cycle.status is CycleStatus.CLOSED:
            raise Conflict("The cycle is closed: its findings can no longer change.", code="cycle_not_open")

    def require_workable(self) -> None:
        """Search work happens only in an open cycle and until the candidate's search is closed."""
        if self.cycle.status is not CycleStatus.OPEN:
            raise Conflict(
                f"The cycle is {self.cycle.status.value}: search work happens only while it is open.",
                code="cycle_not_open",
            )
        if self.search_completed_at is not None:
            raise Conflict(
                "The search for this candidate is closed; its record can no longer change.", code="search_closed"
            )

    def checklist_item(self, item_id: int) -> ChecklistVersionItem:
        """An item of the cycle's frozen checklist (R6: no per-candidate items exist)."""
        version = self.cycle.checklist_version
        item = next((i for i in version.items if i.id == item_id), None) if version else None
        if item is None:
            raise NotFound("That item is not on this cycle's checklist.")
        return item

    def resolve_item(
        self, item: ChecklistVersionItem, status: ResolutionStatus, technique_code: str, by_id: int, at: datetime
    ) -> tuple[ItemResolution, ResolutionStatus | None]:
        """Resolve (or resolve again) one item with the searcher's attestation (R1, R5); returns the
        resolution and its previous status. Its sealed reason and notes are the caller's to set."""
        self.require_consent()
        self.require_workable()
        resolution = next((r for r in self.resolutions if r.item_id == item.id), None)
        previous = resolution.status if resolution else None
        if resolution is None:
            resolution = ItemResolution(candidate=self, item_id=item.id)
        resolution.status = status
        resolution.technique_code = technique_code
        resolution.attested = True
        resolution.resolved_by_id = by_id
        resolution.resolved_at = at
        return resolution, previous

    def complete_search(self, by_id: int, at: datetime, unsettled: Sequence[int] = ()) -> int:
        """Close the search once every checklist item is resolved and every finding is settled
        (``unsettled``: the ids of findings neither released nor withdrawn) (R1); returns the item count."""
        self.require_consent()
        self.require_workable()
        version = self.cycle.checklist_version
        assert version is not None  # an open cycle always has one (CHECK constraint)
        done = {r.item_id for r in self.resolutions}
        missing = [i for i in version.items if i.id not in done]
        if missing:
            raise Conflict(
                f"{len(missing)} checklist item(s) are not resolved yet: "
                + ", ".join(f"{i.position}. {i.title}" for i in missing[:5])
                + ". Every item must be resolved before the search can be closed (R1).",
                code="checklist_incomplete",
            )
        if unsettled:
            raise Conflict(
                "Finding "
                + ", ".join(str(f) for f in unsettled)
                + " is neither released to the board nor withdrawn: release or withdraw every finding "
                "before the search can be closed (R1).",
                code="findings_unsettled",
            )
        self.search_completed_at = at
        self.search_completed_by_id = by_id
        return len(version.items)


class SignatureMethod(StrEnum):
    WET_INK = "wet_ink"
    ELECTRONIC = "electronic"

    @property
    def label(self) -> str:
        return {"wet_ink": "Signed on paper (scanned)", "electronic": "Electronic signature"}[self.value]


class Consent(Base):
    """The candidate's signed disclosure and authorization: no search work before it."""

    __tablename__ = "consents"
    sealed: ClassVar[SealedFields] = {"document": Sealed("consent-document", stored=True)}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    signed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[SignatureMethod] = mapped_column(enum_column(SignatureMethod, "signature_method"))
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_storage_name: Mapped[str] = mapped_column(String(64))
    document_content_type: Mapped[str] = mapped_column(String(64))
    document_size: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]

    candidate: Mapped[Candidate] = relationship(back_populates="consent")


class ResolutionStatus(StrEnum):
    COMPLETED = "completed"
    NO_RESULTS = "no_results"
    UNABLE = "unable"

    @property
    def label(self) -> str:
        return {"completed": "Completed", "no_results": "No results", "unable": "Unable to complete"}[self.value]


class ItemResolution(Base):
    """How one checklist item was worked for one candidate, with the searcher's attestation (R5)."""

    __tablename__ = "item_resolutions"
    __table_args__ = (
        UniqueConstraint("candidate_id", "item_id", name="one_resolution_per_item"),
        CheckConstraint("attested", name="attested"),
        CheckConstraint("(status = 'unable') = (reason_enc IS NOT NULL)", name="reason_iff_unable"),
    )
    sealed: ClassVar[SealedFields] = {"reason": Sealed("resolution-reason"), "notes": Sealed("resolution-notes")}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_version_items.id"), index=True)
    status: Mapped[ResolutionStatus] = mapped_column(enum_column(ResolutionStatus, "resolution_status"))
    technique_code: Mapped[str] = mapped_column(String(8))
    attested: Mapped[bool] = mapped_column(Boolean)
    reason_enc: Mapped[str | None] = mapped_column(Text)
    notes_enc: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime]

    candidate: Mapped[Candidate] = relationship(back_populates="resolutions")
    item: Mapped[ChecklistVersionItem] = relationship(lazy="joined")


class SearchLogEntry(Base):
    """One search made for a checklist item; searches with no hits count too (R6, R7)."""

    __tablename__ = "search_log"
    __table_args__ = (CheckConstraint("result_count >= 0", name="result_count_not_negative"),)
    sealed: ClassVar[SealedFields] = {"query": Sealed("search-query"), "source": Sealed("search-source")}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_version_items.id"), index=True)
    query_enc: Mapped[str] = mapped_column(Text)
    #: Where the search was run; sealed like the query, as it may name the candidate's page.
    source_enc: Mapped[str] = mapped_column(Text)
    searched_at: Mapped[datetime]
    result_count: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CandidateWork(Base):
    """What one person did for one candidate, counted: a read model of the uniformity report
    (R6, issue 17), whose medians and tallies read these rows, one or two per candidate, instead
    of every search and resolution of the cycle. Rebuilt from the candidate's own rows in the
    transaction that writes them (:func:`vetting.services.work.refresh`); it holds no text.
    "On the checklist" means an item of the cycle's pinned version. Work on any other version's
    items is found from the rows themselves (indexed by item), so a stray written behind the
    app's back still shows."""

    __tablename__ = "candidate_work"
    __table_args__ = (UniqueConstraint("candidate_id", "user_id", name="one_work_row_per_person"),)

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    #: Who searched or resolved (``None`` for rows whose author was not recorded).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    searches: Mapped[int] = mapped_column(Integer)
    first_search_at: Mapped[datetime | None]
    last_search_at: Mapped[datetime | None]
    resolutions: Mapped[int] = mapped_column(Integer)
    unable: Mapped[int] = mapped_column(Integer)
    resolved_on_checklist: Mapped[int] = mapped_column(Integer)
    unable_on_checklist: Mapped[int] = mapped_column(Integer)


class BehaviourCategory(StrEnum):
    """PRODUCT.md §3: what may be reported, and what never is."""

    VIOLENCE = "violence_threats"
    BIAS_HATE = "bias_hate"
    ILLEGAL = "illegal_activity"
    SEXUAL = "sexual_misconduct"
    DISHONESTY = "dishonesty"
    CONFIDENTIAL = "confidential_disclosure"
    RECKLESS = "reckless_conduct"
    POSITIVE = "positive_mitigating"
    # Never reported to the board: recorded only so the exposure is documented (PC-03).
    PROTECTED_TRAIT = "protected_trait"
    PROTECTED_ACTIVITY = "protected_activity"
    POLITICAL_SPEECH = "political_speech"
    LAWFUL_OFF_DUTY = "lawful_off_duty"

    @property
    def reportable(self) -> bool:
        return self not in NEVER_REPORTED

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


NEVER_REPORTED = frozenset(
    {
        BehaviourCategory.PROTECTED_TRAIT,
        BehaviourCategory.PROTECTED_ACTIVITY,
        BehaviourCategory.POLITICAL_SPEECH,
        BehaviourCategory.LAWFUL_OFF_DUTY,
    }
)

_CATEGORY_LABELS = {
    BehaviourCategory.VIOLENCE: "Violence or threats",
    BehaviourCategory.BIAS_HATE: "Bias or hate",
    BehaviourCategory.ILLEGAL: "Illegal activity",
    BehaviourCategory.SEXUAL: "Sexual misconduct or explicit content",
    BehaviourCategory.DISHONESTY: "Dishonesty",
    BehaviourCategory.CONFIDENTIAL: "Disclosure of confidential information",
    BehaviourCategory.RECKLESS: "Reckless conduct",
    BehaviourCategory.POSITIVE: "Positive or mitigating information",
    BehaviourCategory.PROTECTED_TRAIT: "Candidate's protected trait (never reported)",
    BehaviourCategory.PROTECTED_ACTIVITY: "Protected activity (never reported)",
    BehaviourCategory.POLITICAL_SPEECH: "Lawful political speech (never reported)",
    BehaviourCategory.LAWFUL_OFF_DUTY: "Lawful off-duty conduct (never reported)",
}


class Authorship(StrEnum):
    AUTHORED = "authored"
    TAGGED = "tagged"
    SHARED = "shared"

    @property
    def label(self) -> str:
        return {"authored": "Candidate authored it", "tagged": "Candidate was tagged", "shared": "Candidate shared it"}[
            self.value
        ]


class IdentityBasis(StrEnum):
    """Identifiers that tie an account or post to the candidate (SM-05, POL-06)."""

    NAME = "name"
    PHOTO = "photo"
    LOCATION = "location"
    EMPLOYER_SCHOOL = "employer_school"
    LISTED_HANDLE = "listed_handle"
    CONTACT_DETAILS = "contact_details"
    RELATIONSHIPS = "relationships"
    DATE_OF_BIRTH = "date_of_birth"

    @property
    def label(self) -> str:
        return {
            "name": "Name",
            "photo": "Photo matches",
            "location": "Location",
            "employer_school": "Employer or school",
            "listed_handle": "Handle the candidate listed",
            "contact_details": "Contact details",
            "relationships": "Known relatives or associates",
            "date_of_birth": "Date of birth (from documents)",
        }[self.value]


class ValidationStatus(StrEnum):
    UNVERIFIED = "unverified"
    CORROBORATED = "corroborated"
    REFUTED = "refuted"


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawal_reason_enc IS NULL)", name="withdrawal_has_reason"),
    )
    sealed: ClassVar[SealedFields] = {
        "source_url": Sealed("finding-source-url"),
        "summary": Sealed("finding-summary"),
        "excerpt": Sealed("finding-excerpt"),
        "withdrawal_reason": Sealed("finding-withdrawal-reason"),
    }

    @property
    def audit_subject(self) -> Subject:
        return Subject("finding", str(self.id))

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_version_items.id"))
    source_url_enc: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(100))
    content_date: Mapped[date | None] = mapped_column(Date)
    captured_at: Mapped[datetime]
    summary_enc: Mapped[str] = mapped_column(Text)
    excerpt_enc: Mapped[str] = mapped_column(Text)
    category: Mapped[BehaviourCategory] = mapped_column(enum_column(BehaviourCategory, "behaviour_category"))
    authorship: Mapped[Authorship] = mapped_column(enum_column(Authorship, "authorship"))
    #: Sorted list of :class:`IdentityBasis` values.
    identity_basis: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]
    updated_at: Mapped[created_ts]
    #: Raised by every edit; validation steps count only for the revision they checked (R7).
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    #: Who last changed the finding: like its author, they cannot release it (R3, two persons).
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the text was last screened by the detector; NULL for findings recorded before
    #: screening existed, until ``vetting findings screen-backfill`` screens them (R3).
    screened_at: Mapped[datetime | None]
    #: The release the board reads; cleared by any edit or change of redaction (R3).
    current_release_id: Mapped[int | None] = mapped_column(
        ForeignKey("finding_releases.id", use_alter=True, name="fk_findings_current_release_id_finding_releases")
    )
    #: Withdrawn by an investigator (R1, issue 14): never reaches the board; the reason is sealed.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason_enc: Mapped[str | None] = mapped_column(Text)

    candidate: Mapped[Candidate] = relationship(lazy="joined")
    item: Mapped[ChecklistVersionItem] = relationship(lazy="joined")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="finding", order_by="Evidence.id", lazy="selectin")
    validations: Mapped[list[ValidationStep]] = relationship(
        back_populates="finding", order_by="ValidationStep.id", lazy="selectin"
    )
    mentions: Mapped[list[FindingMention]] = relationship(
        order_by="(FindingMention.field, FindingMention.start_offset, FindingMention.id)",
        lazy="selectin",
        cascade="all, delete-orphan",
    )
    current_release: Mapped[FindingRelease | None] = relationship(
        foreign_keys=[current_release_id], post_update=True, lazy="selectin"
    )

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def require_not_withdrawn(self) -> None:
        """A withdrawn finding is closed: never released, edited or withdrawn again (R1, issue 14)."""
        if self.withdrawn_at is not None:
            raise Conflict(
                "This finding was withdrawn: it never reaches the board and can no longer change.",
                code="finding_withdrawn",
            )

    def withdraw(self, by_id: int, at: datetime, reason_enc: str) -> None:
        """Withdraw the finding with its sealed reason; the caller withdraws its current release."""
        self.require_not_withdrawn()
        self.withdrawn_at = at
        self.withdrawn_by_id = by_id
        self.withdrawal_reason_enc = reason_enc

    @property
    def current_validations(self) -> list[ValidationStep]:
        """The steps that checked this revision of the finding."""
        return [v for v in self.validations if v.revision == self.revision]

    @property
    def validation_status(self) -> ValidationStatus:
        """Derived, never stored: any contradiction refutes (R7: refuted never reaches the board)."""
        results = {v.result for v in self.current_validations}
        if ValidationResult.CONTRADICTS in results:
            return ValidationStatus.REFUTED
        if ValidationResult.CORROBORATES in results:
            return ValidationStatus.CORROBORATED
        return ValidationStatus.UNVERIFIED


class Evidence(Base):
    """A capture (screenshot, PDF, HTML archive), encrypted at rest outside the web root."""

    __tablename__ = "evidence"
    sealed: ClassVar[SealedFields] = {
        "filename": Sealed("evidence-filename"),
        "content": Sealed("evidence", stored=True),
    }

    @property
    def audit_subject(self) -> Subject:
        return Subject("evidence", str(self.id))

    id: Mapped[intpk]
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    filename_enc: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of the file as received (chain of custody, SM-06).
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[created_ts]

    finding: Mapped[Finding] = relationship(back_populates="evidence")


class ValidationMethod(StrEnum):
    OFFICIAL_RECORD = "official_record"
    SECOND_SOURCE = "second_source"
    IDENTITY_CHECK = "identity_check"
    ARCHIVE_COMPARISON = "archive_comparison"
    CANDIDATE_STATEMENT = "candidate_statement"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "official_record": "Checked against an official record",
            "second_source": "Independent second source",
            "identity_check": "Identity re-checked",
            "archive_comparison": "Compared with an archived copy",
            "candidate_statement": "Candidate's own statement",
            "other": "Other (described in notes)",
        }[self.value]


class ValidationResult(StrEnum):
    CORROBORATES = "corroborates"
    CONTRADICTS = "contradicts"
    INCONCLUSIVE = "inconclusive"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ValidationStep(Base):
    __tablename__ = "validation_steps"
    sealed: ClassVar[SealedFields] = {"notes": Sealed("validation-notes")}

    id: Mapped[intpk]
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    method: Mapped[ValidationMethod] = mapped_column(enum_column(ValidationMethod, "validation_method"))
    result: Mapped[ValidationResult] = mapped_column(enum_column(ValidationResult, "validation_result"))
    notes_enc: Mapped[str] = mapped_column(Text)
    #: The finding's revision this step checked.
    revision: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_ts]

    finding: Mapped[Finding] = relationship(back_populates="validations")
