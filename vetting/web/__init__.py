"""HTTP for people: the server-rendered pages (shared request machinery is :mod:`vetting.http`)."""

from __future__ import annotations

from flask import Flask

from vetting.web import (
    admin,
    audit,
    auth,
    board,
    board_work,
    candidate_links,
    candidate_portal,
    checklists,
    custody,
    holds,
    home,
    investigation,
    jobs,
    minimisation,
    production,
    records_requests,
    release,
    retention,
    self_identification,
    tokens,
)


def init_app(app: Flask) -> None:
    blueprints = (
        home.bp,
        auth.bp,
        admin.bp,
        audit.bp,
        checklists.bp,
        investigation.bp,
        release.bp,
        board.bp,
        board_work.bp,
        self_identification.bp,
        candidate_portal.bp,
        candidate_links.bp,
        tokens.bp,
        jobs.bp,
        retention.bp,
        holds.bp,
        production.bp,
        records_requests.bp,
        minimisation.bp,
        custody.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
