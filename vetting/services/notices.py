"""Notices to the candidate and the candidate's response (FCRA-06, FCRA-08, FCRA-09, POL-06).

A notice lists the findings a decision relies on as released, redacted text only: what the
board read is what the candidate is told. The candidate has no account: an investigator of
the cycle records what they sent back, or the candidate sends it online through their link
(issue 16). A dispute sends the named findings back to the
investigators: the decision waits until each has a validation step recorded after the
dispute and an investigator closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_date, shown_time, today, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import (
    Candidate,
    CandidateResponse,
    Decision,
    Finding,
    FindingRelease,
    Notice,
    NoticeKind,
    ResponseKind,
    User,
    ValidationStep,
)
from vetting.pdf import Reports
from vetting.services import candidates, decisions, questions
from vetting.services.context import Security
from vetting.services.decisions import MAX_TEXT, finding_ids_of, pending_proposal
from vetting.services.released import disputed_findings, open_release
from vetting.services.vault import CandidateVault, read_profile

MAX_RESPONSE = 20_000
MIN_NOTES = 10


@dataclass(frozen=True)
class NoticeFinding:
    finding_id: int
    category: str
    content_date: date | None
    platform: str
    summary: str
    excerpt: str
    #: Named in the candidate's open dispute (R7): marked until re-validated and closed.
    disputed: bool = False
    #: Withdrawn by the investigators since the notice was issued: its text is no longer shown.
    withdrawn: bool = False


def _released_texts(
    session: Session, vault: CandidateVault, candidate_id: int, release_ids: list[int]
) -> list[NoticeFinding]:
    rows = {r.id: r for r in session.scalars(select(FindingRelease).where(FindingRelease.id.in_(release_ids or [0])))}
    finding_ids = {r.finding_id for r in rows.values()}
    withdrawn = set(
        session.scalars(select(Finding.id).where(Finding.id.in_(finding_ids), Finding.withdrawn_at.is_not(None)))
    )
    disputed = disputed_findings(session, [candidate_id])
    out = []
    for release_id in release_ids:
        release = rows[release_id]
        if release.finding_id in withdrawn:
            out.append(
                NoticeFinding(
                    finding_id=release.finding_id,
                    category=release.category.label,
                    content_date=release.content_date,
                    platform="",
                    summary="",
                    excerpt="",
                    withdrawn=True,
                )
            )
            continue
        text = open_release(vault, release)
        out.append(
            NoticeFinding(
                finding_id=release.finding_id,
                category=release.category.label,
                content_date=release.content_date,
                platform=text.platform,
                summary=text.summary,
                excerpt=text.excerpt,
                disputed=release.finding_id in disputed,
            )
        )
    return out


def notice_findings(session: Session, security: Security, notice: Notice, candidate: Candidate) -> list[NoticeFinding]:
    """What ``notice`` lists, as the PDF shows it (the caller checked access: the candidate's link)."""
    decision = session.get(Decision, notice.decision_id)
    assert decision is not None
    return _released_texts(session, CandidateVault(security.keyring, candidate), candidate.id, decision.release_ids)


def notice_pdf(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, notice_id: int
) -> tuple[str, bytes]:
    """A notice as a PDF (file name, bytes); its SHA-256 is audited in the same transaction."""
    notice, candidate = _notice(session, actor, notice_id)
    if not policy.can_read_notices(actor, candidate.cycle):
        raise NotFound("No such notice.")
    return _render(session, actor, security, reports, agency, notice, candidate)


def notice_pdf_for_audit(
    session: Session, actor: User, security: Security, reports: Reports, agency: str, notice_id: int, reason: str
) -> tuple[str, bytes]:
    """A notice as a PDF for an auditor who states a reason: the view (``notice.raw_viewed``, with
    the reason) and the rendering's SHA-256 are audited in the same transaction. Auditors only."""
    policy.require(actor, policy.Action.AUDIT_READ)
    notice, candidate = _notice(session, actor, notice_id)
    if not policy.can_open_raw_content(actor, candidate.cycle, reason):
        raise ValidationFailed(
            "State why you need to open this notice (a purpose, such as a review or complaint number); "
            "the reason is recorded.",
            field="reason",
        )
    record(session, actor, Event.NOTICE_RAW_VIEWED, subject=candidate, notice=notice.id, reason=reason.strip())
    return _render(session, actor, security, reports, agency, notice, candidate)


@dataclass(frozen=True)
class NoticeOutline:
    """A notice as an auditor reaches it before stating a reason: which, to whom (by code), when."""

    id: int
    kind: NoticeKind
    candidate_id: int
    candidate_code: str
    issued_at: datetime


def outline_for_audit(session: Session, actor: User, notice_id: int) -> NoticeOutline:
    """Facts of a notice for an auditor, no content opened (nothing to audit). Auditors only."""
    policy.require(actor, policy.Action.AUDIT_READ)
    notice, candidate = _notice(session, actor, notice_id)
    return NoticeOutline(notice.id, notice.kind, candidate.id, candidate.code, notice.issued_at)


def _notice(session: Session, actor: User, notice_id: int) -> tuple[Notice, Candidate]:
    notice = session.get(Notice, notice_id)
    candidate = session.get(Candidate, notice.candidate_id) if notice else None
    if notice is None or candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such notice.")
    return notice, candidate


def notice_pdf_for_candidate(
    session: Session, security: Security, reports: Reports, agency: str, notice: Notice, candidate: Candidate
) -> tuple[str, bytes]:
    """The candidate's own notice, downloaded through their link (the caller checked the link);
    audited like every rendering, with no actor."""
    return _render(session, None, security, reports, agency, notice, candidate)


def _render(
    session: Session,
    actor: User | None,
    security: Security,
    reports: Reports,
    agency: str,
    notice: Notice,
    candidate: Candidate,
) -> tuple[str, bytes]:
    decision = session.get(Decision, notice.decision_id)
    assert decision is not None
    vault = CandidateVault(security.keyring, candidate)
    addressee = candidate.code
    # The candidate reads their own name; staff only where the cycle lets them (R3).
    if actor is None or policy.can_see_candidate_name(actor, candidate.cycle):
        addressee = f"{read_profile(vault, candidate).name} ({candidate.code})"
    pdf = reports.render(
        "notice.html",
        notice=notice,
        NoticeKind=NoticeKind,
        agency=agency,
        position=candidate.cycle.position,
        cycle_title=candidate.cycle.title,
        addressee=addressee,
        findings=_released_texts(session, vault, candidate.id, decision.release_ids),
        issued_on=shown_date(notice.issued_at),
        generated_at=shown_time(utcnow(), "%Y-%m-%d %H:%M"),
        generated_by=actor.name if actor else "the candidate's link",
    )
    record(
        session,
        actor,
        Event.NOTICE_RENDERED,
        subject=candidate,
        notice=notice.id,
        kind=notice.kind.value,
        sha256=sha256_hex(pdf),
        bytes=len(pdf),
    )
    return f"{notice.kind.value.replace('_', '-')}-notice-{candidate.code}.pdf", pdf


def record_response(
    session: Session,
    actor: User,
    security: Security,
    candidate_id: int,
    *,
    kind: ResponseKind,
    text: str,
    received_on: date,
    finding_ids: list[int],
) -> CandidateResponse:
    """Record what the candidate sent back to the pre-decision notice (an investigator of the
    cycle does this: the candidate's words may carry protected information)."""
    candidate = candidates.get_for_work(session, actor, candidate_id)
    return _respond(session, actor, security, candidate, kind, text, received_on, finding_ids)


def respond_online(
    session: Session, security: Security, candidate: Candidate, kind: ResponseKind, text: str, finding_ids: list[int]
) -> CandidateResponse:
    """The candidate's own answer sent through their link (issue 16 point 4; the caller checked
    the link): the same checks, sealing and audit as one an investigator records, received today.
    The board reads it through the same firewall (decisions._response_view)."""
    return _respond(session, None, security, candidate, kind, text, today(), finding_ids)


def pending_notice(session: Session, candidate: Candidate) -> tuple[Decision, Notice] | None:
    """The proposal waiting on the candidate's answer and its pre-decision notice, if any."""
    proposal = pending_proposal(session, candidate)
    if proposal is None:
        return None
    notice = session.scalar(
        select(Notice).where(Notice.decision_id == proposal.id, Notice.kind == NoticeKind.PRE_DECISION)
    )
    assert notice is not None
    return proposal, notice


def noticed_findings(session: Session, proposal: Decision) -> list[int]:
    """The findings a pre-decision notice lists: the only ones a dispute may name."""
    return finding_ids_of(session, proposal.release_ids)


def _respond(
    session: Session,
    actor: User | None,
    security: Security,
    candidate: Candidate,
    kind: ResponseKind,
    text: str,
    received_on: date,
    finding_ids: list[int],
) -> CandidateResponse:
    session.refresh(candidate, with_for_update={"of": Candidate})
    pending = pending_notice(session, candidate)
    if pending is None:
        raise Conflict("No pre-decision notice is waiting for this candidate's answer.", code="no_pending_notice")
    proposal, notice = pending
    issued_on = shown_date(notice.issued_at)
    if not issued_on <= received_on <= today():
        raise ValidationFailed(
            f"The date received must be between the notice's date ({issued_on.isoformat()}) and today.",
            field="received_on",
        )
    text = text.strip()
    if not text:
        raise ValidationFailed("Record what the candidate wrote or said.", field="text")
    if len(text) > MAX_RESPONSE:
        raise ValidationFailed(f"The response must be at most {MAX_RESPONSE} characters.", field="text")
    noticed = noticed_findings(session, proposal)
    disputed = list(dict.fromkeys(finding_ids))
    if kind is ResponseKind.DISPUTE:
        if not disputed:
            raise ValidationFailed("Name the findings the candidate disputes.", field="finding_ids")
        stray = [f for f in disputed if f not in noticed]
        if stray:
            raise ValidationFailed(
                f"Finding {stray[0]} is not in the notice; the notice lists "
                + ", ".join(str(f) for f in noticed)
                + ".",
                field="finding_ids",
            )
    elif disputed:
        raise ValidationFailed("Only a dispute names findings.", field="finding_ids")
    response = CandidateVault(security.keyring, candidate).add_sealed(
        session,
        CandidateResponse(
            candidate_id=candidate.id,
            notice_id=notice.id,
            kind=kind,
            received_on=received_on,
            finding_ids=disputed,
            recorded_by_id=actor.id if actor else None,
        ),
        text=text,
    )
    record(
        session,
        actor,
        Event.CANDIDATE_RESPONSE_RECORDED,
        subject=candidate,
        response=response.id,
        kind=kind.value,
        notice=notice.id,
        findings=disputed,
        **({"online": True} if actor is None else {}),
    )
    return response


def candidate_of_response(session: Session, response_id: int) -> int:
    """The candidate a response belongs to (for pages that show it); access is checked by the action."""
    candidate_id = session.scalar(select(CandidateResponse.candidate_id).where(CandidateResponse.id == response_id))
    if candidate_id is None:
        raise NotFound("No such response.")
    return candidate_id


def close_dispute(session: Session, actor: User, security: Security, response_id: int, notes: str) -> CandidateResponse:
    """Close a dispute once every disputed finding has been validated again since it came in.
    A finding refuted on re-validation leaves the board's view and cannot carry the decision."""
    response = session.get(CandidateResponse, response_id, with_for_update={"of": CandidateResponse})
    if response is None:
        raise NotFound("No such response.")
    candidate = candidates.get_for_work(session, actor, response.candidate_id)
    response.require_open_dispute()
    notes = notes.strip()
    if len(notes) < MIN_NOTES or len(notes) > MAX_TEXT:
        raise ValidationFailed(f"Say what re-validation showed ({MIN_NOTES} to {MAX_TEXT} characters).", field="notes")
    pending = [
        f
        for f in response.finding_ids
        if session.scalar(
            select(ValidationStep.id).where(
                ValidationStep.finding_id == f, ValidationStep.recorded_at >= response.recorded_at
            )
        )
        is None
    ]
    if pending:
        raise Conflict(
            "Record a validation step on finding " + ", ".join(str(f) for f in pending) + " after the dispute "
            "came in before closing it (POL-06).",
            code="revalidation_required",
        )
    sealed = CandidateVault(security.keyring, candidate).sealed(response, "closing_notes", notes)
    response.close(actor.id, utcnow(), sealed)
    statuses = {
        str(f.id): f.validation_status.value
        for f in session.scalars(select(Finding).where(Finding.id.in_(response.finding_ids)))
    }
    record(
        session,
        actor,
        Event.CANDIDATE_DISPUTE_CLOSED,
        subject=candidate,
        response=response.id,
        validation_status=statuses,
    )
    return response


@dataclass(frozen=True)
class OpenDispute:
    response_id: int
    candidate_id: int
    candidate_code: str
    cycle_title: str
    received_on: date
    finding_ids: list[int]


def open_disputes_for(session: Session, actor: User) -> list[OpenDispute]:
    """Disputes waiting on re-validation in the cycles the actor searches in."""
    if not policy.can(actor, policy.Action.INVESTIGATE):
        return []
    rows = session.scalars(
        select(CandidateResponse)
        .where(CandidateResponse.kind == ResponseKind.DISPUTE, CandidateResponse.closed_at.is_(None))
        .order_by(CandidateResponse.received_on, CandidateResponse.id)
    )
    out = []
    for r in rows:
        candidate = session.get(Candidate, r.candidate_id)
        assert candidate is not None
        if not policy.can(actor, policy.Action.INVESTIGATE, candidate.cycle):
            continue
        out.append(OpenDispute(r.id, candidate.id, candidate.code, candidate.cycle.title, r.received_on, r.finding_ids))
    return out


@dataclass(frozen=True)
class InvestigatorView:
    state: decisions.DecisionState
    questions: list[questions.QuestionView]


def for_investigators(session: Session, actor: User, security: Security, candidate_id: int) -> InvestigatorView:
    """The board side of a candidate as the cycle's searchers see it: the candidate's words
    as written, answers before approval. Each read applies the searchers' gate."""
    return InvestigatorView(
        state=decisions.investigator_state(session, actor, security, candidate_id),
        questions=questions.investigator_questions(session, actor, security, candidate_id),
    )
