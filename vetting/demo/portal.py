"""Demo data for the candidate's side (issue 16 point 8): links e-mailed to candidates, and what the
candidates do with them, all through the same services a request uses.

The demo candidate follows the link in the message queued for them (as they would from their
mailbox), from a documentation address. Addresses are fictional (example.org). Nothing is done
when no agency name is configured: every message and form names the agency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.config import PROJECT_ROOT
from vetting.models import Candidate, LinkPurpose, OutboxMessage, ResponseKind, User
from vetting.pdf import Reports
from vetting.services import candidate_links
from vetting.services.candidate_links import LinkMailer
from vetting.services.context import Security
from vetting.services.link_guard import Refused
from vetting.storage import EncryptedStore

#: Where the demo candidates' browser is (TEST-NET-1, RFC 5737).
CANDIDATE_IP = "192.0.2.10"
#: ``make run`` serves here when no public address is configured.
LOCAL_URL = "http://127.0.0.1:5000"
#: The candidate's pages (vetting.web.candidate_portal and vetting.web.self_identification).
_PATHS = {LinkPurpose.SELF_IDENTIFICATION: "/self-identification/"}
_TOKEN = re.compile(r"/(?:c|self-identification)/([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class Portal:
    """What the demo needs to act on the candidate's side."""

    security: Security
    store: EncryptedStore
    reports: Reports
    agency: str
    mailer: LinkMailer


def portal(security: Security, store: EncryptedStore) -> Portal | None:
    """The candidate's side as the demo drives it, or ``None`` without an agency name."""
    agency = security.settings.agency_name
    if not agency:
        return None
    base = security.settings.public_url or LOCAL_URL

    def link_for(purpose: LinkPurpose, token: str) -> str:
        return f"{base}{_PATHS.get(purpose, '/c/')}{token}"

    return Portal(
        security,
        store,
        Reports(PROJECT_ROOT / "templates"),
        agency,
        LinkMailer(agency=agency, days=security.settings.link_days, link_for=link_for),
    )


def email_of(candidate: Candidate) -> str:
    return f"{candidate.code.lower()}@example.org"


def followed(session: Session, outbox_id: int | None) -> str:
    """The token in the message queued for the candidate: what they click."""
    assert outbox_id is not None, "the demo's links are e-mailed"
    body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.id == outbox_id))
    found = _TOKEN.search(body or "")
    assert found, "a candidate link message carries its link"
    return found.group(1)


def _opened(p: Portal, session: Session, token: str) -> candidate_links.LinkPage:
    page = candidate_links.open_link(session, p.security, p.reports, p.agency, token, CANDIDATE_IP)
    assert not isinstance(page, Refused), page
    return page


def sign_consent_online(p: Portal, session: Session, investigator: User, candidate: Candidate, name: str) -> None:
    """The investigator e-mails the consent link; the candidate reads the form and signs it
    electronically (FCRA-02: name, time, IP address and the form's hash on the sealed PDF)."""
    candidate_links.set_email(session, investigator, p.security, candidate.id, email_of(candidate))
    issued = candidate_links.issue(session, investigator, p.security, p.mailer, candidate.id, LinkPurpose.CONSENT)
    token = followed(session, issued.outbox_id)
    page = _opened(p, session, token)
    assert page.consent is not None
    signed = candidate_links.sign_consent(
        session,
        p.security,
        p.store,
        p.reports,
        p.agency,
        token,
        CANDIDATE_IP,
        name=name,
        agreed=True,
        form_sha256=page.consent.text_sha256,
    )
    assert not isinstance(signed, Refused), signed


def open_notice(p: Portal, session: Session, outbox_id: int | None) -> str:
    """The candidate opens the notice e-mailed to them (which delivers it: its window starts); the token."""
    token = followed(session, outbox_id)
    page = _opened(p, session, token)
    assert page.notice is not None
    return token


def dispute_online(p: Portal, session: Session, token: str, text: str, finding_ids: list[int]) -> None:
    """The candidate disputes findings of their notice through its link (FCRA-09: the proposal pauses)."""
    receipt = candidate_links.respond(
        session, p.security, p.store, token, CANDIDATE_IP, kind=ResponseKind.DISPUTE, text=text, finding_ids=finding_ids
    )
    assert not isinstance(receipt, Refused), receipt
