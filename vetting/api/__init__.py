"""The JSON API under /api/v1 (bearer tokens; CSRF-exempt because cookies are ignored).

One module per domain, as on the web side; each registers its routes on the single ``api``
blueprint of :mod:`vetting.api.registry` when imported, so endpoint names stay ``api.<view>``.
"""

from __future__ import annotations

from flask import Flask

from vetting.api import (
    admin,
    audit,
    board,
    board_rules,
    candidate_links,
    custody,
    cycles,
    decisions,
    holds,
    investigation,
    jobs,
    me,
    minimisation,
    productions,
    records_requests,
    registry,
    release,
    retention,
    self_identification,
)
from vetting.http import csrf

__all__ = [
    "admin",
    "audit",
    "board",
    "board_rules",
    "candidate_links",
    "custody",
    "cycles",
    "decisions",
    "holds",
    "init_app",
    "investigation",
    "jobs",
    "me",
    "minimisation",
    "productions",
    "records_requests",
    "release",
    "retention",
    "self_identification",
]


def init_app(app: Flask) -> None:
    csrf.exempt(registry.bp)
    app.register_blueprint(registry.bp)
