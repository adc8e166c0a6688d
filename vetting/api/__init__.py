"""The JSON API under /api/v1 (bearer tokens; CSRF-exempt because cookies are ignored)."""

from __future__ import annotations

from flask import Flask

from vetting.api import audit, board, board_rules, decisions, investigation, release, self_identification, views
from vetting.http import csrf

__all__ = [
    "audit",
    "board",
    "board_rules",
    "decisions",
    "init_app",
    "investigation",
    "release",
    "self_identification",
]


def init_app(app: Flask) -> None:
    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
