"""Checklist templates and their immutable published versions (R6, POL-05)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vetting.audit.events import Subject
from vetting.models.base import AppendOnly, Base, created_ts, intpk, str200


class ChecklistTemplate(Base):
    """What an agency searches for a kind of position; edited as a draft, then published."""

    __tablename__ = "checklist_templates"

    @property
    def audit_subject(self) -> Subject:
        return Subject("checklist_template", str(self.id))

    id: Mapped[intpk]
    name: Mapped[str200]
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_ts]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    draft_items: Mapped[list[ChecklistDraftItem]] = relationship(
        back_populates="template", order_by="ChecklistDraftItem.position", cascade="all, delete-orphan", lazy="selectin"
    )
    versions: Mapped[list[ChecklistVersion]] = relationship(
        back_populates="template", order_by="ChecklistVersion.number", lazy="selectin"
    )

    @property
    def latest_version(self) -> ChecklistVersion | None:
        return self.versions[-1] if self.versions else None


class ChecklistDraftItem(Base):
    __tablename__ = "checklist_draft_items"

    id: Mapped[intpk]
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str200]
    source: Mapped[str200]
    technique_code: Mapped[str] = mapped_column(String(8))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    guidance: Mapped[str] = mapped_column(Text, default="")

    template: Mapped[ChecklistTemplate] = relationship(back_populates="draft_items")


class ChecklistVersion(AppendOnly, Base):
    """A published, frozen checklist. Rows here and in its items are never changed."""

    __tablename__ = "checklist_versions"

    @property
    def audit_subject(self) -> Subject:
        return Subject("checklist_version", str(self.id))

    __table_args__ = (UniqueConstraint("template_id", "number", name="one_number_per_template"),)

    id: Mapped[intpk]
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: SHA-256 of the canonical JSON of the items: auditors compare versions by it.
    content_hash: Mapped[str] = mapped_column(String(64))

    template: Mapped[ChecklistTemplate] = relationship(back_populates="versions")
    items: Mapped[list[ChecklistVersionItem]] = relationship(
        back_populates="version", order_by="ChecklistVersionItem.position", lazy="selectin"
    )

    @property
    def label(self) -> str:
        return f"{self.template.name} v{self.number}"


class ChecklistVersionItem(AppendOnly, Base):
    __tablename__ = "checklist_version_items"
    __table_args__ = (UniqueConstraint("version_id", "position", name="one_item_per_position"),)

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str200]
    source: Mapped[str200]
    technique_code: Mapped[str] = mapped_column(String(8))
    required: Mapped[bool] = mapped_column(Boolean)
    guidance: Mapped[str] = mapped_column(Text)

    version: Mapped[ChecklistVersion] = relationship(back_populates="items")
