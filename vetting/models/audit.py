"""The append-only, hash-chained audit log, its signed checkpoints and its verification markers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vetting.audit.chain import Checkpoint, EntryFields, StoredEntry, VerificationMarker
from vetting.models.base import AppendOnly, Base


class AuditEvent(AppendOnly, Base):
    __tablename__ = "audit_events"
    # The audit log's filters: events about one subject (a candidate, its findings, its files).
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    #: Position in the chain, 1-based and gap-free; assigned under a lock, not by the DB.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    #: Canonical JSON; never candidate content or secrets.
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    def fields(self) -> EntryFields:
        return EntryFields(
            seq=self.seq,
            occurred_at=self.occurred_at,
            actor_id=self.actor_id,
            event=self.event,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            data=self.data,
            prev_hash=self.prev_hash,
        )

    def stored(self) -> StoredEntry:
        return StoredEntry(self.fields(), self.entry_hash)


class AuditCheckpoint(AppendOnly, Base):
    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.seq, self.entry_hash, self.signed_at, self.key_id, self.signature)


class AuditVerification(AppendOnly, Base):
    """A chain check's signed marker: entries up to ``seq`` verified, so the next routine check
    starts after it (:mod:`vetting.audit.verification`)."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    #: Signed checkpoints at or below ``seq`` (what the check counted; the summary adds the new ones).
    checkpoints: Mapped[int] = mapped_column(Integer)
    verified_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))

    def marker(self) -> VerificationMarker:
        return VerificationMarker(
            self.seq, self.entry_hash, self.checkpoints, self.verified_at, self.key_id, self.signature
        )
