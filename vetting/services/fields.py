"""Checks shared by services: each names the field at fault."""

from __future__ import annotations

from vetting.errors import ValidationFailed


def text(value: str, field: str, label: str, *, limit: int = 200, required: bool = True) -> str:
    """``value`` stripped; refused when empty (if required) or longer than ``limit``."""
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{label} is required.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{label} must be at most {limit} characters.", field=field)
    return value


def split_list(value: str | None) -> list[str]:
    """A ``;``-separated list as typed in a form or CSV cell, without blanks."""
    return [part.strip() for part in (value or "").split(";") if part.strip()]
