"""Everything a searcher sees of one candidate on one page, read and audited once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.models import Candidate, SignatureMethod, User
from vetting.services import candidates, findings, holds, investigation, notices
from vetting.services.candidates import CycleHeading
from vetting.services.context import Security
from vetting.services.vault import CandidateVault, Profile, read_profile


@dataclass(frozen=True)
class ConsentRecord:
    signed_on: date
    method: SignatureMethod
    document_sha256: str


@dataclass(frozen=True)
class CandidateHeading:
    """The candidate's row as the page shows it (no content: that is ``profile``)."""

    id: int
    code: str
    cycle_id: int
    cycle: CycleHeading
    consent: ConsentRecord | None
    search_completed_at: datetime | None

    @classmethod
    def of(cls, candidate: Candidate) -> CandidateHeading:
        consent = candidate.consent
        return cls(
            id=candidate.id,
            code=candidate.code,
            cycle_id=candidate.cycle_id,
            cycle=CycleHeading.of(candidate.cycle),
            consent=ConsentRecord(consent.signed_on, consent.method, consent.document_sha256) if consent else None,
            search_completed_at=candidate.search_completed_at,
        )


@dataclass(frozen=True)
class CandidateFile:
    candidate: CandidateHeading
    summary: candidates.CandidateSummary
    profile: Profile
    items: list[investigation.ItemView]
    findings: list[findings.FindingView]
    #: Questions, decision, notices and the candidate's answers (issue 5).
    board: notices.InvestigatorView
    #: The matters of the legal holds in force on the candidate (RET-02): their record stays as it is.
    held_by: list[str]


def open_file(session: Session, actor: User, security: Security, candidate_id: int) -> CandidateFile:
    """The candidate's profile, checklist, search log and findings; one audit event (§4)."""
    candidate = candidates.get_for_work(session, actor, candidate_id)
    record(session, actor, Event.CANDIDATE_VIEWED, subject=candidate)
    return CandidateFile(
        candidate=CandidateHeading.of(candidate),
        summary=candidates.summarise(session, actor, security, candidate),
        profile=read_profile(CandidateVault(security.keyring, candidate), candidate),
        items=investigation.checklist_items(session, security, candidate),
        findings=findings.views_of(session, security, candidate, actor),
        board=notices.for_investigators(session, actor, security, candidate.id),
        held_by=holds.matters_holding(session, candidate.id),
    )
