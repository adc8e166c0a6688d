"""Voluntary self-identification (sex, race/ethnicity) for adverse-impact monitoring.

UGESP (29 CFR 1607.4, rules-legal.md §6) asks employers to keep selection data by group;
the same law forbids using it to decide. So it lives in its own table, sealed under the
candidate's data key, written only through the candidate's own form and read only by the
aggregate report (:mod:`vetting.services.adverse_impact`). No investigator or board view
joins it. Crypto-shredding the candidate erases it with the rest.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vetting.crypto import Sealed, SealedFields
from vetting.models.base import Base, intpk


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"female": "Female", "male": "Male", "declined": "I do not wish to answer"}[self.value]


class RaceEthnicity(StrEnum):
    """The EEO-1 categories (29 CFR 1602.7, EEOC instructions)."""

    HISPANIC_LATINO = "hispanic_latino"
    WHITE = "white"
    BLACK = "black"
    ASIAN = "asian"
    PACIFIC_ISLANDER = "pacific_islander"
    AMERICAN_INDIAN = "american_indian"
    TWO_OR_MORE = "two_or_more"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return _RACE_LABELS[self]


_RACE_LABELS = {
    RaceEthnicity.HISPANIC_LATINO: "Hispanic or Latino",
    RaceEthnicity.WHITE: "White (not Hispanic or Latino)",
    RaceEthnicity.BLACK: "Black or African American (not Hispanic or Latino)",
    RaceEthnicity.ASIAN: "Asian (not Hispanic or Latino)",
    RaceEthnicity.PACIFIC_ISLANDER: "Native Hawaiian or Other Pacific Islander (not Hispanic or Latino)",
    RaceEthnicity.AMERICAN_INDIAN: "American Indian or Alaska Native (not Hispanic or Latino)",
    RaceEthnicity.TWO_OR_MORE: "Two or more races (not Hispanic or Latino)",
    RaceEthnicity.DECLINED: "I do not wish to answer",
}


class SelfIdentification(Base):
    """One candidate's invitation to self-identify and, once given, the sealed answers."""

    __tablename__ = "self_identifications"
    __table_args__ = (
        CheckConstraint("(submitted_at IS NULL) = (answers_enc IS NULL)", name="answers_iff_submitted"),
        CheckConstraint("submitted_at IS NULL OR token_sha256 IS NULL", name="token_spent_on_submit"),
    )
    sealed: ClassVar[SealedFields] = {"answers": Sealed("self-identification")}

    id: Mapped[intpk]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    #: SHA-256 of the one-time link's token; cleared when the form is submitted.
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    #: Sealed JSON {"sex": ..., "race_ethnicity": ...} under the candidate's data key.
    answers_enc: Mapped[str | None] = mapped_column(Text)
