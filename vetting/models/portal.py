"""The candidate's links (issue 16 point 1): one candidate, one purpose, an expiry, a hashed token.

The token itself is never stored, only its SHA-256. A spent, replaced or expired link keeps its
hash so that the refusal is audited with its reason; the candidate is refused with the same page
as for a guessed token, so nobody can tell by trying which tokens ever existed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vetting.audit.events import Subject
from vetting.crypto import Sealed, SealedFields
from vetting.models.base import Base, UTCDateTime, created_ts, intpk
from vetting.models.user import enum_column


class LinkPurpose(StrEnum):
    """What a link opens; each purpose is one act of the candidate (PRODUCT.md §2)."""

    CONSENT = "consent"
    NOTICE = "notice"
    RESPONSE = "response"
    SELF_IDENTIFICATION = "self_identification"

    @property
    def multi_open(self) -> bool:
        """A notice is read, downloaded and read again until it expires (the candidate keeps it and
        may answer from it); every other link is spent by the one act it exists for."""
        return self is LinkPurpose.NOTICE


class CandidateLink(Base):
    __tablename__ = "candidate_links"
    __table_args__ = (Index("ix_candidate_links_candidate_purpose", "candidate_id", "purpose"),)

    @property
    def audit_subject(self) -> Subject:
        return Subject("candidate_link", str(self.id))

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "link_purpose"))
    #: SHA-256 of the token.
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The notice a ``notice`` link delivers.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    issued_at: Mapped[created_ts]
    #: Who caused it (an investigator, an administrator, or the board member whose decision issued a notice).
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The message that carried it (none when the candidate has no address on file).
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_count: Mapped[int] = mapped_column(Integer, default=0)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def refusal(self, now: datetime) -> str | None:
        """Why the link no longer works ("spent", "replaced", "expired"), or ``None``."""
        if self.spent_at is not None:
            return "spent"
        if self.replaced_at is not None:
            return "replaced"
        if self.expires_at <= now:
            return "expired"
        return None

    def opened(self, now: datetime) -> None:
        self.first_opened_at = self.first_opened_at or now
        self.opened_count = (self.opened_count or 0) + 1

    def spend(self, now: datetime) -> None:
        self.spent_at = now

    def replace(self, now: datetime) -> None:
        self.replaced_at = now


class LinkFailure(Base):
    """A refused link (unknown, spent or expired), for the per-address limit shared by all workers."""

    __tablename__ = "candidate_link_failures"
    __table_args__ = (Index("ix_candidate_link_failures_ip_at", "ip", "occurred_at"),)

    id: Mapped[intpk]
    ip: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[created_ts]


class ResponseAttachment(Base):
    """A file the candidate sent with their answer online, sealed under their key in the store.

    Raw and unscreened, like evidence: the cycle's investigators open it (audited); the board
    learns only that it exists. No file name is kept (a name can carry content)."""

    __tablename__ = "response_attachments"
    sealed: ClassVar[SealedFields] = {"file": Sealed("response-attachment", stored=True)}

    id: Mapped[intpk]
    response_id: Mapped[int] = mapped_column(ForeignKey("candidate_responses.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    storage_name: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[created_ts]
