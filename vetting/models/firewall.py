"""The protected-class firewall's records (R3, PC-01): detector mentions and released versions.

A mention is one span of a finding's text that the detector (or an investigator, by hand)
marked as protected-class information. It stays open until an investigator resolves it.
Which class was mentioned is itself protected information, so the axis, rule and the
matched words are sealed under the candidate's data key with the rest of the content.

A release is the immutable board-facing version of one revision of a finding, approved by
a second investigator: the redacted text and the facts the board sees, nothing more.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vetting.crypto import Sealed, SealedFields
from vetting.models.base import AppendOnly, Base, created_ts, intpk
from vetting.models.candidate import Authorship, BehaviourCategory
from vetting.models.user import enum_column

#: The finding fields that reach the board and are therefore screened.
SCREENED_FIELDS = ("platform", "summary", "excerpt")

#: What the board sees in place of a redacted span: never the axis (PRODUCT.md §3).
REDACTED = "[redacted]"


class MentionResolution(StrEnum):
    REDACT = "redact"
    NOT_PROTECTED = "not_protected"

    @property
    def label(self) -> str:
        return {"redact": "Redacted", "not_protected": "Not protected"}[self.value]


class MentionSource(StrEnum):
    DETECTOR = "detector"
    #: Marked by an investigator: words the detector missed (always redacted).
    MANUAL = "manual"


class FindingMention(Base):
    __tablename__ = "finding_mentions"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span_not_empty"),
        CheckConstraint(
            "resolution IS NULL OR (resolution = 'not_protected') = (reason_enc IS NOT NULL)",
            name="reason_iff_not_protected",
        ),
    )
    sealed: ClassVar[SealedFields] = {"detail": Sealed("mention-detail"), "reason": Sealed("mention-reason")}

    id: Mapped[intpk]
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    field: Mapped[str] = mapped_column(String(16))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    source: Mapped[MentionSource] = mapped_column(enum_column(MentionSource, "mention_source"))
    #: Sealed JSON: {"axis", "rule", "text"}.
    detail_enc: Mapped[str] = mapped_column(Text)
    resolution: Mapped[MentionResolution | None] = mapped_column(enum_column(MentionResolution, "mention_resolution"))
    reason_enc: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[created_ts]


class FindingRelease(AppendOnly, Base):
    """What the board reads of one revision of a finding (two-person release, R3, POL-02)."""

    __tablename__ = "finding_releases"
    __table_args__ = (UniqueConstraint("finding_id", "number", name="one_release_per_number"),)
    #: Bound to "<finding id>.<number>", known before the row is written.
    sealed: ClassVar[SealedFields] = {
        name: Sealed(f"release-{name}", record=("finding_id", "number")) for name in ("platform", "summary", "excerpt")
    }

    id: Mapped[intpk]
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    #: 1, 2, ... per finding. A revision is released again after its redactions change.
    number: Mapped[int] = mapped_column(Integer)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    #: Redacted text, sealed under the candidate's key like the raw text.
    platform_enc: Mapped[str] = mapped_column(Text)
    summary_enc: Mapped[str] = mapped_column(Text)
    excerpt_enc: Mapped[str] = mapped_column(Text)
    category: Mapped[BehaviourCategory] = mapped_column(enum_column(BehaviourCategory, "behaviour_category"))
    authorship: Mapped[Authorship] = mapped_column(enum_column(Authorship, "authorship"))
    content_date: Mapped[date | None] = mapped_column(Date)
    #: How many identifiers tie the content to the candidate, and how many the cycle asks for.
    identity_matches: Mapped[int] = mapped_column(Integer)
    identity_match_minimum: Mapped[int] = mapped_column(Integer)
    identity_basis: Mapped[list[str]] = mapped_column(JSON)
    #: SHA-256 of the raw fields the reviewer approved (ties the approval to what they saw).
    reviewed_sha256: Mapped[str] = mapped_column(String(64))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[created_ts]
