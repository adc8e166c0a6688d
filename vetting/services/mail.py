"""E-mail through the outbox (issue 16 point 5).

:func:`queue` puts a message in the outbox in the caller's transaction, so a message exists
exactly when the change that causes it commits; the caller hands its id to the task queue after
the commit (``rt.queue.offer_mail``), and the worker's sweep hands over any it did not. A message
is made only from a template below, whose typed parameters are a link, a purpose and a date: no
free text reaches a message, so no candidate content beyond a link and the agency's name can.

The worker's side (:func:`claim`, :func:`mark_sent`, :func:`retry_or_fail`, :func:`due`) moves a
message through its states with the model's guarded updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

from sqlalchemy import CursorResult, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from vetting import policy
from vetting.audit.events import Event, Subject
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.config import AGENCY_NAME_MISSING, is_address
from vetting.errors import DomainError, Forbidden, ValidationFailed
from vetting.models import MessageTemplate, OutboxMessage, OutboxStatus, ReminderKind, User
from vetting.models.outbox import MAX_ERROR, MAX_SUBJECT
from vetting.models.reminder import needs_action
from vetting.services import notice_delivery
from vetting.services.paging import Key, Page, PageRequest, paginate

#: The longest link a message carries.
MAX_LINK = 2000
#: Waits between attempts: 1, 2, 4 … minutes, never more than an hour.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
#: How long a claim holds before another delivery may take the message (its worker died). Far
#: longer than a send may take (the SMTP timeout), so a slow send is never taken over.
CLAIM_LEASE = timedelta(minutes=10)


class LinkPurpose(StrEnum):
    CONSENT = "consent"
    NOTICE = "notice"
    RESPONSE = "response"
    SELF_IDENTIFICATION = "self_identification"


_PURPOSE_TEXT = {
    LinkPurpose.CONSENT: ("Please review and sign a form", "review and sign the disclosure and authorization form"),
    LinkPurpose.NOTICE: ("A notice for you", "read a notice about your application"),
    LinkPurpose.RESPONSE: ("You may respond", "send your response"),
    LinkPurpose.SELF_IDENTIFICATION: ("Optional: a voluntary survey", "answer a voluntary self-identification survey"),
}


@dataclass(frozen=True)
class TestMessage:
    """``vetting mail test``: says only that the configured path works."""

    template: ClassVar[MessageTemplate] = MessageTemplate.TEST

    def render(self, agency: str) -> tuple[str, str]:
        return (
            f"{agency}: test message",
            f"This is a test message from the background-investigation system of {agency}.\n"
            "It was sent to check that e-mail leaves the system. No action is needed.\n",
        )


@dataclass(frozen=True)
class CandidateLink:
    """A single-purpose link for a candidate: the link, what it is for, and when it expires."""

    template: ClassVar[MessageTemplate] = MessageTemplate.CANDIDATE_LINK
    purpose: LinkPurpose
    url: str
    expires_on: date

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if (
            parts.scheme not in {"https", "http"}
            or not parts.hostname
            or parts.username is not None
            or parts.fragment
            or len(self.url) > MAX_LINK
            or any(ch.isspace() or not ch.isprintable() for ch in self.url)
        ):
            raise ValidationFailed("The link must be an absolute http(s) address without spaces.", field="url")

    def render(self, agency: str) -> tuple[str, str]:
        title, act = _PURPOSE_TEXT[self.purpose]
        return (
            f"{agency}: {title}",
            f"{agency} asks you to {act}.\n\n"
            f"Open this link:\n{self.url}\n\n"
            f"The link is for you alone, works for one purpose and expires at the end of "
            f"{self.expires_on:%d %B %Y}. If you did not expect this message, contact {agency}.\n",
        )


@dataclass(frozen=True)
class DigestLine:
    """One line of a reminder digest: a fixed phrase with a count, and the page to act on."""

    kind: ReminderKind
    count: int
    days: int
    #: A path on the application ("/board/cycles/3?waiting=1"), never free text.
    path: str

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or any(ch.isspace() or not ch.isprintable() for ch in self.path):
            raise ValidationFailed("A digest link must be a path on the application.", field="path")


@dataclass(frozen=True)
class ReminderDigest:
    """A person's daily list of what needs their action (issue 16 point 6): counts and links only,
    never a candidate's name or content. Links are absolute under ``base_url`` when one is set."""

    template: ClassVar[MessageTemplate] = MessageTemplate.REMINDER_DIGEST
    day: date
    lines: tuple[DigestLine, ...]
    base_url: str | None = None

    def render(self, agency: str) -> tuple[str, str]:
        total = sum(line.count for line in self.lines)
        base = (self.base_url or "").rstrip("/")
        listed = "".join(f"- {line.kind.phrase(line.count, line.days)}:\n  {base}{line.path}\n" for line in self.lines)
        where = "" if base else "The links are pages of the vetting application; sign in to open them.\n"
        return (
            f"{agency}: {needs_action(total)} ({self.day:%d %b %Y})",
            f"Your background-investigation work at {agency} on {self.day:%d %B %Y}:\n\n{listed}\n{where}"
            "You can turn this daily message off on your account page.\n",
        )


Message = TestMessage | CandidateLink | ReminderDigest


@dataclass(frozen=True)
class OutboxView:
    id: int
    template: MessageTemplate
    recipient: str
    subject: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    caused_by_id: int | None

    @classmethod
    def of(cls, row: OutboxMessage) -> OutboxView:
        return cls(
            id=row.id,
            template=row.template,
            recipient=row.recipient,
            subject=row.subject,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
            caused_by_id=row.caused_by_id,
        )


def queue(session: Session, actor: User | None, recipient: str, message: Message, agency: str | None) -> int:
    """Put ``message`` for ``recipient`` in the outbox, due now, in the caller's transaction
    (audited with its id and template); the id, to hand to the task queue after the commit.

    ``actor`` is who caused it (``None``: the command line); the caller's own service has checked
    that they may cause it. ``agency`` is the configured agency name, which every message names."""
    if not agency:
        raise DomainError(AGENCY_NAME_MISSING, code="agency_name_missing")
    address = recipient.strip()
    if not is_address(address):
        raise ValidationFailed("The recipient must be one e-mail address.", field="recipient")
    subject, body = message.render(agency)
    row = OutboxMessage(
        template=message.template,
        recipient=address,
        subject=subject[:MAX_SUBJECT],
        body=body,
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        caused_by_id=actor.id if actor else None,
    )
    session.add(row)
    session.flush()
    record(session, actor, Event.MAIL_QUEUED, subject=row, template=message.template.value)
    return row.id


def _require_outbox_reader(actor: User | None) -> None:
    """Administrators, and the command line (``None``: whoever runs it holds the server)."""
    if actor is not None and not policy.can(actor, policy.Action.OUTBOX_READ):
        raise Forbidden(policy.FORBIDDEN)


def list_outbox(session: Session, actor: User | None, page: PageRequest, status: str = "") -> Page[OutboxView]:
    """The outbox, newest first, a page at a time in the database (administrators, the command
    line); ``status`` keeps only messages in that state ("" for all)."""
    _require_outbox_reader(actor)
    query = select(OutboxMessage)
    if status:
        if status not in set(OutboxStatus):
            raise ValidationFailed(f"status: one of {', '.join(OutboxStatus)}.", field="status")
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    found = paginate(
        session, query, [Key(OutboxMessage.id, int, descending=True)], page, name=f"outbox:{status or 'all'}"
    )
    return found.map(OutboxView.of)


def outbox_counts(session: Session, actor: User | None) -> dict[OutboxStatus, int]:
    """How many messages are in each state (every state listed, zero included), in one query."""
    _require_outbox_reader(actor)
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    counted = {status: count for status, count in session.execute(query)}
    return {status: counted.get(status, 0) for status in OutboxStatus}


# --- the worker's side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One attempt's hold on a message, with what it sends."""

    id: int
    attempt: int
    recipient: str
    subject: str
    body: str
    created_at: datetime

    @property
    def audit_subject(self) -> Subject:
        return Subject("outbox", str(self.id))


def _changed(session: Session, statement: Update) -> bool:
    result = cast(CursorResult[Any], session.execute(statement.execution_options(synchronize_session=False)))
    return result.rowcount == 1


def claim(session: Session, message_id: int) -> Claim | None:
    """Take ``message_id`` for one attempt if it is due and no live claim holds it; ``None`` when
    another delivery holds it, it is not due yet, or it is finished."""
    now = utcnow()
    if not _changed(session, OutboxMessage.claim(message_id, now, now + CLAIM_LEASE)):
        return None
    row = session.execute(
        select(
            OutboxMessage.attempts,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.created_at,
        ).where(OutboxMessage.id == message_id)
    ).one()
    return Claim(message_id, row.attempts, row.recipient, row.subject, row.body, row.created_at)


def mark_sent(session: Session, claim: Claim) -> bool:
    """Record the message sent (audited), if this attempt still holds it. A message carrying a
    notice's link delivers the notice in the same transaction: its response window starts."""
    now = utcnow()
    if not _changed(
        session,
        OutboxMessage.settle(claim.id, claim.attempt, OutboxStatus.SENT, sent_at=now, next_attempt_at=None),
    ):
        return False
    record(session, None, Event.MAIL_SENT, subject=claim, attempt=claim.attempt)
    notice_delivery.mailed(session, claim.id, now)
    return True


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (1-based): 1, 2, 4 … minutes, at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** min(attempt - 1, 16))
    return min(wait, LONGEST_RETRY)


def retry_or_fail(
    session: Session, claim: Claim, error: str, *, max_attempts: int, permanent: bool = False
) -> OutboxStatus | None:
    """After a failed attempt: queued again after :func:`backoff`, or ``failed`` when the error is
    permanent or the attempts are spent (audited either way); ``None`` if the claim was lost."""
    error = error[:MAX_ERROR]
    if permanent or claim.attempt >= max_attempts:
        settled = OutboxMessage.settle(
            claim.id, claim.attempt, OutboxStatus.FAILED, last_error=error, next_attempt_at=None
        )
        outcome, event = OutboxStatus.FAILED, Event.MAIL_FAILED
    else:
        later = utcnow() + backoff(claim.attempt)
        settled = OutboxMessage.settle(
            claim.id, claim.attempt, OutboxStatus.QUEUED, last_error=error, next_attempt_at=later
        )
        outcome, event = OutboxStatus.QUEUED, Event.MAIL_DEFERRED
    if not _changed(session, settled):
        return None
    record(session, None, event, subject=claim, attempt=claim.attempt, error=error)
    return outcome


def due(session: Session) -> list[int]:
    """Messages a delivery should take now: queued and due, or held by a claim that lapsed."""
    query = select(OutboxMessage.id).where(OutboxMessage.claimable(utcnow())).order_by(OutboxMessage.id)
    return list(session.scalars(query))
