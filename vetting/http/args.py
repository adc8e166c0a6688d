"""Query-string arguments read the same way by the pages and the API."""

from __future__ import annotations

from datetime import date

from flask import request

from vetting.errors import ValidationFailed
from vetting.services.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest


def date_arg(name: str) -> date | None:
    """A ``YYYY-MM-DD`` query parameter, or a 422 naming it."""
    raw = request.args.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise ValidationFailed(f"{name}: use a date such as 2026-11-21.", field=name) from exc


def page_args(prefix: str = "") -> PageRequest:
    """``?limit=`` (1 to 200, 50 by default) and ``?cursor=`` of a paginated list, or a 422 naming
    the one at fault; a cursor is checked against its list by the service. ``prefix`` tells apart
    the lists of a page that shows several (``?reviews_cursor=``)."""
    name = f"{prefix}limit"
    raw = (request.args.get(name) or "").strip()
    limit = DEFAULT_LIMIT
    if raw:
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise ValidationFailed(f"{name}: a whole number from 1 to {MAX_LIMIT}.", field=name)
        limit = int(raw)
    field = f"{prefix}cursor"
    return PageRequest(limit=limit, cursor=request.args.get(field) or None, field=field)
