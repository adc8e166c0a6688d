"""The lawful-method catalogue (R5, POL-04, rules-legal.md §4.2), shipped as data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from vetting.errors import ValidationFailed


@dataclass(frozen=True)
class Technique:
    code: str
    status: str  # "approved" or "prohibited"
    name: str
    description: str
    basis: str
    flag: str | None = None

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@cache
def catalogue() -> tuple[Technique, ...]:
    raw = json.loads(resources.files("vetting.data").joinpath("techniques.json").read_text(encoding="utf-8"))
    return tuple(Technique(**t) for t in raw["techniques"])


def approved() -> list[Technique]:
    return [t for t in catalogue() if t.approved]


def prohibited() -> list[Technique]:
    return [t for t in catalogue() if not t.approved]


def by_code(code: str) -> Technique | None:
    return next((t for t in catalogue() if t.code == code.strip().upper()), None)


def require_approved(code: str, field: str = "technique") -> Technique:
    """The approved technique ``code``; a prohibited or unknown one is refused by name."""
    technique = by_code(code)
    if technique is None:
        choices = ", ".join(f"{t.code} ({t.name})" for t in approved())
        raise ValidationFailed(f"Unknown technique “{code}”. Approved techniques: {choices}.", field=field)
    if not technique.approved:
        raise ValidationFailed(
            f"{technique.code} “{technique.name}” is a prohibited search method and cannot be recorded: "
            f"{technique.description} (basis: {technique.basis}).",
            code="prohibited_technique",
            field=field,
        )
    return technique
