"""Demo data for the records officer (issue 15): a legal hold in force, a public-records request
answered to the end, and one candidate of a cycle closed years ago whose records were disposed of.
All through the services, by the demo's records officers and administrator; all content is fictional.

- **Hold**: the candidate who disputes a finding has filed a charge of discrimination; a records
  officer holds their file (RET-02, RET-03). Only that candidate: a hold on the position would also
  hold the open cycle's other candidates and stop their findings changing.
- **Request**: a reporter asks for the file of the first candidate with released findings; a records
  officer decides each item of the working copy under an exemption code, prepares the release, the
  second records officer approves it, and the first records that it went out (RET-10).
- **Disposition**: a cycle of the same position, opened and closed about three years ago (the clock
  is turned back while it is made, as if it had been used then), so its candidate is past the RET-01
  floor today; a records officer proposes its disposition and the administrator approves it (RET-07).
  The tombstone is the disposition's row; the certificate of destruction is made when downloaded.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetting.clock import today, turned_back
from vetting.models import (
    Candidate,
    CandidateResponse,
    Cycle,
    CycleStatus,
    Disposition,
    Finding,
    ItemDecision,
    LegalHold,
    RecordsRequest,
    ResponseKind,
    User,
)
from vetting.services import candidates, checklists, cycles, disposition, holds, records_requests
from vetting.services.context import Security
from vetting.storage import EncryptedStore

#: The cycle whose only candidate's records the demo disposes of.
PAST_CYCLE_TITLE = "2023 Recruit Class"
#: How long ago that cycle was opened, and how long it ran: its close is past the two years of RET-01.
PAST_OPENED = timedelta(days=1130)
PAST_RAN = timedelta(days=60)

HOLD_MATTER = "Charge of discrimination by a candidate not advanced"
HOLD_REFERENCE = "EEOC 846-2026-00412"
HOLD_REASON = (
    "The candidate disputes a finding and has filed a charge of discrimination: preserve their whole "
    "file until the charge is finally disposed of (RET-02, RET-03)."
)

REQUESTER = ("Jordan Reyes, The County Ledger", "jordan.reyes@example.org")
REQUEST_DESCRIPTION = (
    "Any records of the background investigation of a police officer applicant named in our earlier "
    "article, including the social-media search results relied on."
)


def load(
    session: Session,
    security: Security,
    store: EncryptedStore,
    cycle: Cycle,
    admin: User,
    officers: tuple[User, User],
    checklist_version_id: int,
) -> None:
    """Idempotent: each of the three is made once (found again by its matter, requester or cycle)."""
    _hold(session, cycle, officers[0])
    _request(session, security, cycle, officers)
    _disposed(session, security, store, admin, officers[0], checklist_version_id)


def _hold(session: Session, cycle: Cycle, officer: User) -> None:
    if session.scalar(select(LegalHold.id).where(LegalHold.reference == HOLD_REFERENCE)) is not None:
        return
    disputed = session.scalar(
        select(CandidateResponse.candidate_id)
        .join(Candidate, Candidate.id == CandidateResponse.candidate_id)
        .where(Candidate.cycle_id == cycle.id, CandidateResponse.kind == ResponseKind.DISPUTE)
        .order_by(CandidateResponse.id)
        .limit(1)
    )
    if disputed is None:
        return
    holds.place_hold(
        session,
        officer,
        holds.HoldInput(
            matter=HOLD_MATTER,
            reference=HOLD_REFERENCE,
            reason=HOLD_REASON,
            review_by=today() + timedelta(days=180),
            candidate_ids=[disputed],
        ),
    )


def _request(session: Session, security: Security, cycle: Cycle, officers: tuple[User, User]) -> None:
    if session.scalar(select(func.count()).select_from(RecordsRequest)):
        return
    asked = session.scalar(
        select(Finding.candidate_id)
        .join(Candidate, Candidate.id == Finding.candidate_id)
        .where(Candidate.cycle_id == cycle.id, Finding.current_release_id.is_not(None))
        .order_by(Finding.candidate_id)
        .limit(1)
    )
    if asked is None:
        return
    officer, second = officers
    settings = security.settings
    request = records_requests.log_request(
        session,
        officer,
        records_requests.RequestInput(
            requester_name=REQUESTER[0],
            requester_contact=REQUESTER[1],
            received_on=today() - timedelta(days=3),
            description=REQUEST_DESCRIPTION,
            candidate_ids=[asked],
        ),
        response_days=settings.records_request_days,
        default_statute=settings.records_statute,
    )
    copy = records_requests.working_copy(session, officer, security, request.id)
    for n, item in enumerate(copy.items):
        # The first finding goes out as the board read it (third parties already redacted); the
        # rest of the background file stays confidential.
        decision, code = (
            (ItemDecision.RELEASE_TEXT, "third_party_privacy")
            if n == 0
            else (ItemDecision.WITHHOLD, "confidential_background_file")
        )
        records_requests.set_exemption(session, officer, request.id, item.finding.release_id, decision.value, code)
    records_requests.prepare_release(session, officer, request.id)
    records_requests.approve_release(session, second, request.id)
    records_requests.record_release(session, officer, request.id)


def _disposed(
    session: Session, security: Security, store: EncryptedStore, admin: User, officer: User, checklist_version_id: int
) -> None:
    past = session.scalar(select(Cycle).where(Cycle.title == PAST_CYCLE_TITLE))
    if past is None:
        with turned_back(PAST_OPENED):
            past = cycles.create_cycle(
                session, admin, title=PAST_CYCLE_TITLE, position="Police Officer", blind_review=False
            )
            checklists.set_cycle_checklist(session, admin, past.id, checklist_version_id, 3)
            cycles.change_status(session, admin, past.id, CycleStatus.OPEN)
            candidates.add_candidate(
                session,
                admin,
                security,
                past.id,
                candidates.CandidateInput(
                    name="Morgan Ellery",
                    aliases=[],
                    handles=["@morgan.ellery"],
                    profile_urls=["https://www.linkedin.com/in/morgan-demo"],
                    region="Springfield, IL",
                ),
            )
        with turned_back(PAST_OPENED - PAST_RAN):
            cycles.change_status(session, admin, past.id, CycleStatus.CLOSED)
    candidate_id = session.scalar(select(Candidate.id).where(Candidate.cycle_id == past.id).limit(1))
    if candidate_id is None or session.scalar(select(Disposition.id).where(Disposition.candidate_id == candidate_id)):
        return
    proposed = disposition.propose(session, officer, candidate_id)
    disposition.approve(session, admin, security, store, proposed.id, results=None)  # no job has run yet
