"""Delivering the outbox (issue 16 point 5): SMTP when configured, else ``.eml`` files in ``instance/outbox/``.

:func:`deliver` is the queue's mail task: it claims the message (its own transaction), sends it,
and records the outcome (another transaction). Each message is sent once unless a worker dies
after the server took it and before ``sent`` commits: the claim then lapses
(:data:`vetting.services.mail.CLAIM_LEASE`) and the sweep hands the message over again, so it
is sent a second time, never lost. Such a resend carries the same ``Message-ID``, by which mail
clients drop the duplicate; a resend to the outbox folder overwrites the same file.

Failures are recorded with the exception's class and the SMTP code only: a server's answer may
quote the login, and nothing here names the password (``smtplib`` logs nothing unless asked).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError

from vetting.clock import utcnow
from vetting.config import Settings, SmtpServer
from vetting.models import OutboxStatus
from vetting.services import mail

if TYPE_CHECKING:
    from vetting.runtime import Runtime

log = logging.getLogger("vetting.mail")

#: Unconfigured, mail is written here, inside the instance folder.
OUTBOX_DIR = "outbox"
#: Seconds an SMTP connection may take to answer (far below the claim's lease).
SMTP_TIMEOUT = 30.0


class Transport(Protocol):
    @property
    def description(self) -> str:
        """Where mail goes, as the admin page and ``vetting mail test`` say it (never a password)."""
        ...

    def send(self, message: EmailMessage) -> None: ...


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer for its recipient): no retry."""


@dataclass(frozen=True)
class SmtpTransport:
    server: SmtpServer

    @property
    def description(self) -> str:
        return f"E-mail is sent through {self.server.display}."

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.server.cafile)

    def send(self, message: EmailMessage) -> None:
        server = self.server
        client: smtplib.SMTP
        if server.implicit_tls:
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT, context=self._tls())
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
        with client:
            client.ehlo()
            if not server.implicit_tls:
                if client.has_extn("starttls"):
                    client.starttls(context=self._tls())
                    client.ehlo()
                elif server.starttls_required:
                    raise smtplib.SMTPNotSupportedError("STARTTLS is required but the server does not offer it")
            if server.username is not None:
                client.login(server.username, server.password or "")
            try:
                client.send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:
                codes = [code for code, _ in refused.recipients.values()]
                if codes and all(code >= 500 for code in codes):
                    raise PermanentFailure(f"SMTP {codes[0]}: the recipient was refused") from refused
                raise


@dataclass(frozen=True)
class FolderTransport:
    """Writes each message to ``folder/outbox-<id>-<created>.eml`` atomically (a temporary file, then a rename)."""

    folder: Path

    @property
    def description(self) -> str:
        return f"E-mail is not sent: messages are written to {self.folder}"

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Named by the Message-ID: a resend replaces the file it wrote before.
        target = self.folder / f"{str(message['Message-ID']).strip('<>').partition('@')[0]}.eml"
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(message.as_bytes())
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def transport_for(settings: Settings) -> Transport:
    """The configured way out: SMTP, or the instance folder's ``outbox/``."""
    if settings.smtp is not None:
        return SmtpTransport(settings.smtp)
    return FolderTransport(settings.instance_path / OUTBOX_DIR)


def compose(claim: mail.Claim, sender: str) -> EmailMessage:
    """The message as it leaves. Its ``Message-ID`` follows from the row, so a resend after a crash
    is recognisably the same message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = claim.recipient
    message["Subject"] = claim.subject
    message["Date"] = format_datetime(utcnow())
    domain = sender.rpartition("@")[2]
    message["Message-ID"] = f"<outbox-{claim.id}-{claim.created_at:%Y%m%d%H%M%S}@{domain}>"
    message.set_content(claim.body)
    return message


def _error_text(error: BaseException) -> str:
    """What is kept of a failure: the class and the SMTP code, never the server's words."""
    if isinstance(error, PermanentFailure):
        return str(error)
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" (SMTP {code})" if isinstance(code, int) else "")


@dataclass(frozen=True)
class Delivery:
    """What one attempt did: the message's status afterwards, and why it failed."""

    status: OutboxStatus
    error: str | None = None


def deliver(rt: Runtime, message_id: int) -> Delivery | None:
    """Claim and send one message; what became of it, or ``None`` when another delivery holds it,
    it is not due, or it is finished."""
    with rt.db.transaction() as session:
        claim = mail.claim(session, message_id)
    if claim is None:
        return None
    try:
        transport_for(rt.settings).send(compose(claim, rt.settings.mail_from))
    except Exception as error:
        # Any failure counts as an attempt (a bug too): the attempts stay bounded by the maximum.
        text = _error_text(error)
        with rt.db.transaction() as session:
            outcome = mail.retry_or_fail(
                session,
                claim,
                text,
                max_attempts=rt.settings.mail_max_attempts,
                permanent=isinstance(error, PermanentFailure),
            )
        log.warning("mail %s: attempt %s failed (%s); now %s", message_id, claim.attempt, text, outcome)
        return Delivery(outcome, text) if outcome else None
    with rt.db.transaction() as session:
        if not mail.mark_sent(session, claim):
            log.warning("mail %s: attempt %s sent after its claim lapsed", message_id, claim.attempt)
            return None
    log.info("mail %s: sent (attempt %s)", message_id, claim.attempt)
    return Delivery(OutboxStatus.SENT)


def sweep(rt: Runtime) -> list[int]:
    """Hand the queue every message that is due: new ones never handed over, retries whose wait
    is over (also after the SMTP server was down), and those whose delivery died mid-way."""
    with rt.db.transaction() as session:
        found = mail.due(session)
    for message_id in found:
        rt.queue.enqueue_mail(message_id)
    return found


def sweep_quietly(rt: Runtime) -> None:
    """:func:`sweep` for the worker's sweep thread: a database or broker away is logged, not raised."""
    try:
        found = sweep(rt)
    except (SQLAlchemyError, OSError) as error:
        log.warning("mail sweep failed (%s)", type(error).__name__)
        return
    if found:
        log.info("mail sweep: %s message(s) handed to the queue", len(found))
