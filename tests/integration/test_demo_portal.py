"""The demo shows the candidate's side (issue 16 point 8), made through the services: a consent signed
electronically through an e-mailed link, a pre-decision notice delivered and opened, a dispute the
candidate sent online naming a finding (the proposal paused), and reminder digests in the outbox.
Loading the demo again adds none of them twice; the audit chain verifies.
"""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import func, select

from tests.integration.test_demo_investigation import load
from tests.support import runtime_of
from vetting.models import (
    AuditEvent,
    Base,
    Candidate,
    CandidateLink,
    CandidateResponse,
    Consent,
    MessageTemplate,
    Notice,
    NoticeKind,
    OutboxMessage,
    ResponseKind,
    SignatureMethod,
)
from vetting.models.board import NoticeDelivery
from vetting.services import audit_log, decisions, notices

COUNTED: tuple[type[Base], ...] = (Consent, CandidateLink, Notice, CandidateResponse, OutboxMessage, AuditEvent)


def _counts(app: Flask) -> dict[str, int]:
    with runtime_of(app).db.transaction() as session:
        counted = {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED}
    counted.pop("AuditEvent")  # loading again is itself audited (designations checked, etc.)
    return counted


def test_the_demo_shows_the_candidates_side(app: Flask) -> None:
    load(app)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        # A consent signed through a link: no staff member recorded it, the link is spent.
        (signed,) = session.scalars(select(Consent).where(Consent.method == SignatureMethod.ELECTRONIC)).all()
        assert signed.recorded_by_id is None
        consent_link = session.scalar(
            select(CandidateLink).where(
                CandidateLink.purpose == "consent", CandidateLink.candidate_id == signed.candidate_id
            )
        )
        assert consent_link is not None
        assert consent_link.spent_at is not None
        assert consent_link.outbox_id is not None  # e-mailed
        # Pre-decision notices delivered by e-mailed link and opened: their windows run.
        pre = session.scalars(select(Notice).where(Notice.kind == NoticeKind.PRE_DECISION)).all()
        assert len(pre) == 2
        for notice in pre:
            assert notice.delivered_via is NoticeDelivery.LINK
            assert notice.response_due is not None
            link = session.scalar(select(CandidateLink).where(CandidateLink.notice_id == notice.id))
            assert link is not None
            assert link.first_opened_at is not None
            assert link.outbox_id is not None
        # A dispute the candidate sent online, naming a finding of their notice: the proposal waits.
        (dispute,) = session.scalars(select(CandidateResponse)).all()
        assert dispute.kind is ResponseKind.DISPUTE
        assert dispute.recorded_by_id is None
        notice = session.get(Notice, dispute.notice_id)
        assert notice is not None
        candidate = session.get(Candidate, notice.candidate_id)
        assert candidate is not None
        proposal = decisions.pending_proposal(session, candidate)
        assert proposal is not None
        assert dispute.finding_ids
        assert set(dispute.finding_ids) <= set(notices.noticed_findings(session, proposal))
        assert decisions.status_of(session, candidate) == "Paused: the candidate disputes findings"
        # Reminder digests queued in the outbox, with counts and links only.
        digests = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == MessageTemplate.REMINDER_DIGEST)
        ).all()
        assert digests
        assert any("response window" in d.body.lower() for d in digests)
        delivered = session.scalars(select(AuditEvent).where(AuditEvent.event == "notice.delivered")).all()
        assert {json.loads(e.data)["via"] for e in delivered} == {"link"}
        result = audit_log.verify(session, rt.settings.audit_signing_key.public_key())
        assert result.ok, result.summary()


def test_loading_the_demo_again_adds_nothing_on_the_candidates_side(app: Flask) -> None:
    load(app)
    first = _counts(app)
    load(app)
    assert _counts(app) == first
