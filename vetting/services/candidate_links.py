"""The candidate's side (issue 16 points 1-4; PRODUCT.md §2): single-purpose links and what they open.

The candidate has no account. Staff issue a link for one candidate and one purpose (``consent``,
``notice``, ``response``, ``self_identification``); the board's decision issues a ``notice`` link
itself. The token (256 random bits) is shown once, in the e-mail queued through the outbox in the
same transaction, and stored only as its SHA-256. A new link for the same candidate and purpose
replaces the old one. Links expire (``link_days``, 14 by default).

Every opening is audited; so is every refusal (unknown, spent, replaced or expired: the candidate
gets the same page for all of them, so nobody can probe which tokens exist). Refusals count
against the caller's address like failed logins, and past the limit every link is refused to
that address for a while (:mod:`vetting.services.link_guard`, shared with the self-identification
form's own link). A refusal is *returned* (:class:`Refused`), not raised, so the request commits
its audit record and count.

A ``consent`` link is spent by the signature and a ``response`` link by the answer: each exists for
one act. A ``notice`` link may be opened again until it expires: the candidate reads the notice,
downloads it, comes back, and may answer from it once. Whatever a link opens is reached through
the link's own candidate and notice only, never an id from the request (one candidate's link never
shows another's documents).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import shown_date, shown_time, utcnow
from vetting.config import is_address
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import (
    Candidate,
    CandidateLink,
    CandidateResponse,
    Decision,
    LinkPurpose,
    Notice,
    NoticeKind,
    Outcome,
    ResponseAttachment,
    ResponseKind,
    SignatureMethod,
    User,
)
from vetting.pdf import Reports
from vetting.services import (
    candidates,
    decisions,
    holds,
    investigation,
    link_guard,
    mail,
    notice_delivery,
    notices,
    self_identification,
)
from vetting.services.context import Security
from vetting.services.investigation import ConsentForm
from vetting.services.link_guard import Refused
from vetting.services.notices import NoticeFinding
from vetting.services.stored_files import write_file
from vetting.services.vault import CandidateVault
from vetting.storage import EncryptedStore, sniff_content_type

#: The typed name must be at least this long (a name, not an initial).
MIN_SIGNED_NAME = 2
MAX_SIGNED_NAME = 200
#: Files the candidate may attach to an answer: how many, how large, which kinds.
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


@dataclass(frozen=True)
class LinkMailer:
    """What issuing needs from the request: the agency every message names, how long a link works,
    and the page address of a token (built by the web layer)."""

    agency: str | None
    days: int
    link_for: Callable[[LinkPurpose, str], str]


@dataclass(frozen=True)
class IssuedLink:
    candidate_id: int
    purpose: LinkPurpose
    expires_at: datetime
    #: The queued message (None: the candidate has no address on file, so staff deliver it).
    outbox_id: int | None
    #: Only when nothing was mailed: the link is for staff to hand over. Once mailed, staff never
    #: see it (they could otherwise sign as the candidate).
    url: str | None


# --- the candidate's address ----------------------------------------------------------------------


def candidate_email(security: Security, candidate: Candidate) -> str | None:
    return CandidateVault(security.keyring, candidate).open_optional_field(candidate, "email")


def _candidate_for_links(session: Session, actor: User, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    policy.require(actor, policy.Action.CANDIDATE_LINKS, candidate.cycle)
    return candidate


def _set_email(session: Session, actor: User, security: Security, candidate: Candidate, email: str) -> None:
    address = email.strip()
    if address and not is_address(address):
        raise ValidationFailed("Give one e-mail address, such as name@example.org.", field="email")
    vault = CandidateVault(security.keyring, candidate)
    on_file = vault.open_optional_field(candidate, "email")
    if on_file is not None and (address or None) != on_file:
        # Replacing or clearing the address destroys the one on file (RET-02); a first address, or
        # the same one given again (to issue a link to it), is allowed while the candidate is held.
        holds.require_not_held(session, [candidate.id], actor)
    vault.seal_field(candidate, "email", address or None)
    # Personal data: the event says that it changed, never what it is.
    record(session, actor, Event.CANDIDATE_EMAIL_SET, subject=candidate, cleared=not address)


def candidate_by_code(session: Session, actor: User, code: str, cycle_id: int | None = None) -> int:
    """The id of candidate ``code`` among the cycles ``actor`` can see (``cycle_id``: that cycle's);
    a code is unique within a cycle only, so one found in several cycles needs the cycle named."""
    query = select(Candidate).where(Candidate.code == code.strip())
    if cycle_id is not None:
        query = query.where(Candidate.cycle_id == cycle_id)
    found = [c for c in session.scalars(query.order_by(Candidate.id)) if policy.can_view_cycle(actor, c.cycle)]
    if not found:
        where = f" in cycle {cycle_id}" if cycle_id is not None else ""
        raise NotFound(f"No candidate {code}{where} that this account works on.", field="code")
    if len(found) > 1:
        cycles = ", ".join(str(c.cycle_id) for c in found)
        raise ValidationFailed(f"Candidate {code} is in cycles {cycles}: name the cycle.", field="cycle")
    return found[0].id


def set_email(session: Session, actor: User, security: Security, candidate_id: int, email: str) -> None:
    """Set (or with "" clear) the candidate's address, sealed under their key like the profile."""
    _set_email(session, actor, security, _candidate_for_links(session, actor, candidate_id), email)


# --- issuing ---------------------------------------------------------------------------------------


def issue(
    session: Session,
    actor: User,
    security: Security,
    mailer: LinkMailer,
    candidate_id: int,
    purpose: LinkPurpose,
    *,
    email: str | None = None,
) -> IssuedLink:
    """Issue the candidate's link for ``purpose`` (the older one dies) and e-mail it when an address
    is on file; ``email`` first sets that address."""
    candidate = _candidate_for_links(session, actor, candidate_id)
    if candidate.wrapped_key is None:
        raise Conflict("This candidate's data has been erased.", code="candidate_erased")
    if email is not None:
        _set_email(session, actor, security, candidate, email)
    notice = None
    if purpose is LinkPurpose.CONSENT:
        investigation.require_consent_open(candidate)
    elif purpose is LinkPurpose.NOTICE:
        notice = session.scalar(
            select(Notice).where(Notice.candidate_id == candidate.id).order_by(Notice.id.desc()).limit(1)
        )
        if notice is None:
            raise Conflict("No notice has been issued to this candidate.", code="no_notice")
    elif purpose is LinkPurpose.RESPONSE:
        if notices.pending_notice(session, candidate) is None:
            raise Conflict("No pre-decision notice is waiting for this candidate's answer.", code="no_pending_notice")
    else:
        return _self_identification(session, actor, security, mailer, candidate)
    return _issue(session, actor, security, mailer, candidate, purpose, notice)


def _self_identification(
    session: Session, actor: User, security: Security, mailer: LinkMailer, candidate: Candidate
) -> IssuedLink:
    """The EEO form keeps its own link, apart from the investigation (administrators only)."""
    invitation = self_identification.invite(session, actor, candidate.id, lifetime=timedelta(days=mailer.days))
    url = mailer.link_for(LinkPurpose.SELF_IDENTIFICATION, invitation.token)
    outbox_id = _mail(
        session, actor, security, mailer, candidate, LinkPurpose.SELF_IDENTIFICATION, url, invitation.expires_at
    )
    return IssuedLink(
        candidate.id, LinkPurpose.SELF_IDENTIFICATION, invitation.expires_at, outbox_id, None if outbox_id else url
    )


def _mail(
    session: Session,
    actor: User | None,
    security: Security,
    mailer: LinkMailer,
    candidate: Candidate,
    purpose: LinkPurpose,
    url: str,
    expires_at: datetime,
) -> int | None:
    address = candidate_email(security, candidate)
    if address is None:
        return None
    message = mail.CandidateLink(mail.LinkPurpose(purpose.value), url, shown_date(expires_at))
    return mail.queue(session, actor, address, message, mailer.agency)


def _issue(
    session: Session,
    actor: User | None,
    security: Security,
    mailer: LinkMailer,
    candidate: Candidate,
    purpose: LinkPurpose,
    notice: Notice | None,
    *,
    unnamed_agency_skips_mail: bool = False,
) -> IssuedLink:
    now = utcnow()
    live = session.scalars(
        select(CandidateLink).where(
            CandidateLink.candidate_id == candidate.id,
            CandidateLink.purpose == purpose,
            CandidateLink.spent_at.is_(None),
            CandidateLink.replaced_at.is_(None),
        )
    )
    for old in live:
        old.replace(now)
    token = secrets.token_urlsafe(32)
    link = CandidateLink(
        candidate_id=candidate.id,
        purpose=purpose,
        token_sha256=sha256_hex(token),
        notice_id=notice.id if notice else None,
        issued_at=now,
        issued_by_id=actor.id if actor else None,
        expires_at=now + timedelta(days=mailer.days),
        opened_count=0,
    )
    session.add(link)
    session.flush()
    url = mailer.link_for(purpose, token)
    outbox_id = None
    if mailer.agency or not unnamed_agency_skips_mail:
        outbox_id = _mail(session, actor, security, mailer, candidate, purpose, url, link.expires_at)
    link.outbox_id = outbox_id
    record(
        session,
        actor,
        Event.CANDIDATE_LINK_ISSUED,
        subject=candidate,
        link=link.id,
        purpose=purpose.value,
        notice=notice.id if notice else None,
        expires_at=link.expires_at.isoformat(),
        mailed=outbox_id is not None,
    )
    return IssuedLink(candidate.id, purpose, link.expires_at, outbox_id, None if outbox_id else url)


def decide(
    session: Session,
    actor: User,
    security: Security,
    mailer: LinkMailer,
    candidate_id: int,
    *,
    outcome: Outcome,
    rationale: str,
    finding_ids: list[int],
) -> tuple[Decision, IssuedLink | None]:
    """The board's decision (:func:`decisions.decide`); a notice it issues goes to the candidate by a
    ``notice`` link, e-mailed when an address is on file and the agency is named (issue 16 point 3)."""
    decision = decisions.decide(
        session, actor, security, candidate_id, outcome=outcome, rationale=rationale, finding_ids=finding_ids
    )
    notice = session.scalar(select(Notice).where(Notice.decision_id == decision.id))
    if notice is None:
        return decision, None
    candidate = session.get(Candidate, decision.candidate_id)
    assert candidate is not None
    return decision, _issue(
        session, actor, security, mailer, candidate, LinkPurpose.NOTICE, notice, unnamed_agency_skips_mail=True
    )


# --- the candidate's side: opening ---------------------------------------------------------------


def _admit(
    session: Session, security: Security, token: str, ip: str, act: str, *, lock: bool = False
) -> CandidateLink | Refused:
    """The live link behind ``token`` (audited as opened for ``act``), or the refusal (audited,
    counted against ``ip``)."""
    now = utcnow()
    limited = link_guard.blocked(session, security, ip, now)
    if limited is not None:
        return limited
    link = None
    if link_guard.usable_token(token):
        query = select(CandidateLink).where(CandidateLink.token_sha256 == sha256_hex(token))
        # Locked for an act: of two submissions racing with one link, the second finds it spent.
        link = session.scalar(query.with_for_update() if lock else query)
    reason = "unknown" if link is None else link.refusal(now)
    if link is None or reason is not None:
        return link_guard.refuse(
            session,
            now,
            ip,
            reason=reason or "unknown",
            act=act,
            purpose=link.purpose.value if link else None,
            candidate=session.get(Candidate, link.candidate_id) if link else None,
            link=link.id if link else None,
        )
    link.opened(now)
    candidate = session.get(Candidate, link.candidate_id)
    record(
        session,
        None,
        Event.CANDIDATE_LINK_OPENED,
        subject=candidate,
        link=link.id,
        purpose=link.purpose.value,
        act=act,
        ip=ip,
    )
    return link


def _candidate(session: Session, link: CandidateLink) -> Candidate:
    candidate = session.get(Candidate, link.candidate_id)
    assert candidate is not None
    return candidate


@dataclass(frozen=True)
class ConsentPage:
    form: ConsentForm
    #: The disclosure and authorization exactly as shown (and later signed), and its SHA-256.
    text_html: str
    text_sha256: str


@dataclass(frozen=True)
class NoticePage:
    kind: NoticeKind
    issued_on: date
    response_due: date | None
    fcra: bool
    cra_name: str | None
    cra_address: str | None
    cra_phone: str | None
    findings: list[NoticeFinding]
    #: The candidate may still answer through this link (a pending pre-decision notice, not yet answered).
    can_respond: bool


@dataclass(frozen=True)
class LinkPage:
    """What a live link opens: only its own candidate's documents."""

    purpose: LinkPurpose
    agency: str
    code: str
    expires_at: datetime
    consent: ConsentPage | None = None
    notice: NoticePage | None = None
    #: Findings a dispute may name (ids of the pending notice), with the notice's texts.
    disputable: list[NoticeFinding] = field(default_factory=list)


def _consent_page(security: Security, reports: Reports, agency: str, candidate: Candidate) -> ConsentPage:
    form = investigation.consent_form_of(security, agency, candidate)
    html = reports.html("_consent_text.html", **asdict(form))
    return ConsentPage(form, html, sha256_hex(html.encode()))


def _responded(session: Session, link: CandidateLink) -> bool:
    return (
        session.scalar(
            select(CandidateResponse.id).where(
                CandidateResponse.candidate_id == link.candidate_id,
                CandidateResponse.recorded_by_id.is_(None),
                CandidateResponse.recorded_at >= link.issued_at,
            )
        )
        is not None
    )


def _pending_for(session: Session, link: CandidateLink, candidate: Candidate) -> tuple[Decision, Notice] | None:
    """The pending pre-decision notice this link may answer: its own notice for a ``notice`` link."""
    pending = notices.pending_notice(session, candidate)
    if pending is None:
        return None
    if link.purpose is LinkPurpose.NOTICE and pending[1].id != link.notice_id:
        return None
    if link.purpose is LinkPurpose.NOTICE and _responded(session, link):
        return None
    return pending


def _notice_page(
    session: Session, security: Security, link: CandidateLink, candidate: Candidate
) -> tuple[NoticePage | None, list[NoticeFinding]]:
    pending = _pending_for(session, link, candidate)
    disputable: list[NoticeFinding] = []
    if pending is not None:
        disputable = [f for f in notices.notice_findings(session, security, pending[1], candidate) if not f.withdrawn]
    if link.notice_id is None:
        return None, disputable
    notice = session.get(Notice, link.notice_id)
    if notice is None or notice.candidate_id != candidate.id:
        raise NotFound("This link has no notice.")
    page = NoticePage(
        kind=notice.kind,
        issued_on=shown_date(notice.issued_at),
        response_due=notice.response_due,
        fcra=notice.fcra,
        cra_name=notice.cra_name,
        cra_address=notice.cra_address,
        cra_phone=notice.cra_phone,
        findings=notices.notice_findings(session, security, notice, candidate),
        can_respond=pending is not None,
    )
    return page, disputable


def open_link(
    session: Session, security: Security, reports: Reports, agency: str | None, token: str, ip: str
) -> LinkPage | Refused:
    """The page a link opens (audited), or why it cannot be used."""
    admitted = _admit(session, security, token, ip, "open")
    if isinstance(admitted, Refused):
        return admitted
    link = admitted
    candidate = _candidate(session, link)
    if not agency:
        # No document names a stand-in for the agency (see vetting.http.documents.agency_name).
        return Refused("This page is not available yet. Contact the agency that sent you the link.", 409)
    consent = notice = None
    disputable: list[NoticeFinding] = []
    # Whoever opens a notice's link has the notice: delivered, if the e-mail has not said so first.
    notice_delivery.opened(session, link, utcnow())
    if link.purpose is LinkPurpose.CONSENT:
        if candidate.consent is not None:
            return Refused("Your signature is already on record. There is nothing more to do here.", 409)
        consent = _consent_page(security, reports, agency, candidate)
    else:
        notice, disputable = _notice_page(session, security, link, candidate)
    return LinkPage(link.purpose, agency, candidate.code, link.expires_at, consent, notice, disputable)


# --- the candidate's side: acts --------------------------------------------------------------------


@dataclass(frozen=True)
class SignedConsent:
    signed_at: datetime
    document_sha256: str
    form_sha256: str


def sign_consent(
    session: Session,
    security: Security,
    store: EncryptedStore,
    reports: Reports,
    agency: str,
    token: str,
    ip: str,
    *,
    name: str,
    agreed: bool,
    form_sha256: str,
) -> SignedConsent | Refused:
    """The candidate's electronic signature (FCRA-02: name, time, IP address, the form's hash): a
    PDF of the form as shown with the signature, sealed and hashed like an uploaded form, recorded
    as the candidate's consent (method ``electronic``). Spends the link."""
    admitted = _admit(session, security, token, ip, "sign", lock=True)
    if isinstance(admitted, Refused):
        return admitted
    if admitted.purpose is not LinkPurpose.CONSENT:
        raise NotFound("This link is not for signing.")
    candidate = _candidate(session, admitted)
    investigation.require_consent_open(candidate)
    page = _consent_page(security, reports, agency, candidate)
    if form_sha256 != page.text_sha256:
        raise Conflict(
            "The form changed while you were reading it. Read it again below, then sign.", code="form_changed"
        )
    signed_name = " ".join(name.split())
    if not MIN_SIGNED_NAME <= len(signed_name) <= MAX_SIGNED_NAME:
        raise ValidationFailed("Type your full name to sign.", field="name")
    if not agreed:
        raise ValidationFailed("Tick the box to say that you have read and agree.", field="agree")
    now = utcnow()
    pdf = reports.render(
        "consent_signed.html",
        **asdict(page.form),
        signed_name=signed_name,
        signed_at=shown_time(now, "%Y-%m-%d %H:%M:%S %Z"),
        ip=ip,
        form_sha256=page.text_sha256,
    )
    consent = investigation.store_consent(
        session, None, security, store, candidate, shown_date(now), SignatureMethod.ELECTRONIC, pdf, "application/pdf"
    )
    admitted.spend(now)
    return SignedConsent(now, consent.document_sha256, page.text_sha256)


def notice_pdf(
    session: Session, security: Security, reports: Reports, agency: str, token: str, ip: str
) -> tuple[str, bytes] | Refused:
    """The candidate's own notice as a PDF (audited; the first download is shown to the board)."""
    admitted = _admit(session, security, token, ip, "download")
    if isinstance(admitted, Refused):
        return admitted
    if admitted.notice_id is None:
        raise NotFound("This link has no notice to download.")
    notice = session.get(Notice, admitted.notice_id)
    candidate = _candidate(session, admitted)
    if notice is None or notice.candidate_id != candidate.id:
        raise NotFound("This link has no notice.")
    notice_delivery.opened(session, admitted, utcnow())
    admitted.downloaded_at = admitted.downloaded_at or utcnow()
    record(session, None, Event.NOTICE_DOWNLOADED, subject=candidate, notice=notice.id, link=admitted.id, ip=ip)
    return notices.notice_pdf_for_candidate(session, security, reports, agency, notice, candidate)


@dataclass(frozen=True)
class Receipt:
    """What the candidate keeps: a reference, when, what kind, which findings, the text's hash."""

    reference: str
    received_at: datetime
    kind: ResponseKind
    finding_ids: list[int]
    text_sha256: str
    #: SHA-256 of each attached file, in the order sent.
    attachment_sha256: list[str] = field(default_factory=list)


def _attachment_problems(files: list[bytes]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"Attach at most {MAX_ATTACHMENTS} files.", field="attachments")
    for data in files:
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise ValidationFailed(
                f"Each file must be at most {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.", field="attachments"
            )
        if sniff_content_type(data[:64]) not in ATTACHMENT_TYPES:
            raise ValidationFailed("Attach PDF, PNG or JPEG files only.", field="attachments")


def _attach(
    session: Session, security: Security, store: EncryptedStore, candidate: Candidate, response_id: int, data: bytes
) -> ResponseAttachment:
    vault = CandidateVault(security.keyring, candidate)
    row = ResponseAttachment(
        response_id=response_id,
        candidate_id=candidate.id,
        storage_name=store.new_name(),
        sha256=sha256_hex(data),
        content_type=sniff_content_type(data[:64]) or "application/octet-stream",
        size=len(data),
    )
    session.add(row)
    session.flush()
    write_file(session, store, row.storage_name, vault.key, data, vault.file_purpose(row, "file"))
    return row


def respond(
    session: Session,
    security: Security,
    store: EncryptedStore,
    token: str,
    ip: str,
    *,
    kind: ResponseKind,
    text: str,
    finding_ids: list[int],
    attachments: list[bytes] | None = None,
) -> Receipt | Refused:
    """The candidate's answer to their pre-decision notice, through a ``response`` link or their
    ``notice`` link: the path an investigator's recording takes (notices.respond_online), so the
    board reads it redacted and a dispute pauses the proposal (FCRA-09, POL-06)."""
    admitted = _admit(session, security, token, ip, "respond", lock=True)
    if isinstance(admitted, Refused):
        return admitted
    if admitted.purpose not in (LinkPurpose.RESPONSE, LinkPurpose.NOTICE):
        raise NotFound("This link is not for answering.")
    candidate = _candidate(session, admitted)
    # Answering from the notice's own link proves the candidate has it.
    notice_delivery.opened(session, admitted, utcnow())
    if _pending_for(session, admitted, candidate) is None:
        raise Conflict("There is no notice waiting for your answer through this link.", code="no_pending_notice")
    files = [f for f in attachments or [] if f]
    _attachment_problems(files)
    response = notices.respond_online(session, security, candidate, kind, text, finding_ids)
    # Sealed and hashed like evidence; the board learns only that they exist.
    attached = [_attach(session, security, store, candidate, response.id, data) for data in files]
    if attached:
        record(
            session,
            None,
            Event.CANDIDATE_RESPONSE_ATTACHED,
            subject=candidate,
            response=response.id,
            sha256=[a.sha256 for a in attached],
        )
    if admitted.purpose is LinkPurpose.RESPONSE:
        admitted.spend(utcnow())
    return Receipt(
        reference=f"{candidate.code}-R{response.id}",
        received_at=response.recorded_at,
        kind=kind,
        finding_ids=list(response.finding_ids),
        text_sha256=sha256_hex(text.strip().encode()),
        attachment_sha256=[a.sha256 for a in attached],
    )


def attachment_file(
    session: Session, actor: User, security: Security, store: EncryptedStore, attachment_id: int
) -> tuple[bytes, str]:
    """A file the candidate attached, for the cycle's searchers (each opening audited, like evidence)."""
    row = session.get(ResponseAttachment, attachment_id)
    if row is None:
        raise NotFound("No such attachment.")
    candidate = candidates.get_for_work(session, actor, row.candidate_id)
    vault = CandidateVault(security.keyring, candidate)
    data = store.get(row.storage_name, vault.key, vault.file_purpose(row, "file"))
    record(session, actor, Event.CANDIDATE_ATTACHMENT_VIEWED, subject=candidate, attachment=row.id)
    return data, row.content_type
