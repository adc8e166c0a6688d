"""Query-string arguments read the same way by the pages and the API."""

from __future__ import annotations

from datetime import date

from flask import request

from vetting.errors import ValidationFailed


def date_arg(name: str) -> date | None:
    """A ``YYYY-MM-DD`` query parameter, or a 422 naming it."""
    raw = request.args.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise ValidationFailed(f"{name}: use a date such as 2026-11-21.", field=name) from exc
