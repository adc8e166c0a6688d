"""E-mail waiting to leave, and what became of it (issue 16 point 5).

A message is queued in the transaction of the change that causes it, so it exists exactly when
the change does. A delivery claims it by a guarded update (``queued`` → ``sending``, under a new
attempt number, with a lease in ``next_attempt_at``); only the attempt holding the claim may
settle it (``sent``, back to ``queued`` for a retry, or ``failed``). Two workers handed the same
message therefore send it once. The body is rendered from a fixed template at queue time and
holds no candidate content beyond a link and the agency's name.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, Integer, String, Text, or_, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import Update

from vetting.audit.events import Subject
from vetting.models.base import Base, created_ts, intpk
from vetting.models.user import enum_column

#: The longest last error kept (a class name and an SMTP code, never a server's whole answer).
MAX_ERROR = 200
MAX_SUBJECT = 200


class MessageTemplate(StrEnum):
    """Which fixed template made a message: the only kinds of mail the application sends."""

    #: ``vetting mail test``: proves the configured path works.
    TEST = "test"
    #: A single-purpose link for a candidate (issue 16 point 1).
    CANDIDATE_LINK = "candidate_link"
    #: A person's daily list of what needs their action: counts and links (issue 16 point 6).
    REMINDER_DIGEST = "reminder_digest"


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    #: Claimed by a delivery; ``next_attempt_at`` is when the claim lapses if its worker died.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (OutboxStatus.SENT, OutboxStatus.FAILED)


#: The transitions a delivery makes, each one guarded UPDATE below (a lapsed ``sending`` claim is
#: claimed afresh, as a queued message is).
TRANSITIONS: dict[OutboxStatus, frozenset[OutboxStatus]] = {
    OutboxStatus.QUEUED: frozenset({OutboxStatus.SENDING}),
    OutboxStatus.SENDING: frozenset({OutboxStatus.SENT, OutboxStatus.QUEUED, OutboxStatus.FAILED}),
    OutboxStatus.SENT: frozenset(),
    OutboxStatus.FAILED: frozenset(),
}


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_iff_sent_at"),
        CheckConstraint("(status IN ('queued', 'sending')) = (next_attempt_at IS NOT NULL)", name="due_iff_pending"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sweep looks for pending messages that are due.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    @property
    def audit_subject(self) -> Subject:
        return Subject("outbox", str(self.id))

    id: Mapped[intpk]
    template: Mapped[MessageTemplate] = mapped_column(enum_column(MessageTemplate, "message_template"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, "outbox_status"))
    #: Raised by each claim: the attempt number that may settle the message.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When a queued message is due, or when a sending one's claim lapses; ``None`` once finished.
    next_attempt_at: Mapped[datetime | None]
    #: Why the last attempt failed: an exception's class and an SMTP code, never a secret.
    last_error: Mapped[str | None] = mapped_column(String(MAX_ERROR))
    created_at: Mapped[created_ts]
    sent_at: Mapped[datetime | None]
    #: Who caused the message (``None``: the command line).
    caused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    # --- the delivery's transitions: guarded updates, so a lost race changes no row -------------

    @staticmethod
    def claimable(now: datetime) -> ColumnElement[bool]:
        """Due and not held: queued and due, or sending under a claim that lapsed (its worker died
        between claiming and settling; the message may then be sent again, once per such crash)."""
        pending = or_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.status == OutboxStatus.SENDING)
        return pending & (OutboxMessage.next_attempt_at <= now)

    @classmethod
    def claim(cls, message_id: int, now: datetime, lapses_at: datetime) -> Update:
        """queued (or lapsed sending) → sending, under the next attempt number."""
        return (
            update(cls)
            .where(cls.id == message_id, cls.claimable(now))
            .values(status=OutboxStatus.SENDING, attempts=cls.attempts + 1, next_attempt_at=lapses_at)
        )

    @classmethod
    def settle(cls, message_id: int, attempt: int, status: OutboxStatus, **values: Any) -> Update:
        """sending → ``status``, only for the attempt that holds the claim."""
        assert status in TRANSITIONS[OutboxStatus.SENDING], status
        held = (cls.id == message_id) & (cls.attempts == attempt) & (cls.status == OutboxStatus.SENDING)
        return update(cls).where(held).values(status=status, **values)
