"""The JSON API under /api/v1 (bearer tokens; CSRF-exempt because cookies are ignored)."""

from __future__ import annotations

from flask import Flask

from vetting.api import board, board_rules, decisions, investigation, release, views

__all__ = ["board", "board_rules", "decisions", "init_app", "investigation", "release"]


def init_app(app: Flask) -> None:
    from vetting.web import csrf

    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
