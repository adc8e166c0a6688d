"""Findings recorded before screening existed: a read never screens them, the back-fill does (R3).

Runs on SQLite, and on PostgreSQL when VETTING_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tests.support import runtime_of
from tests.web.world import World, add_finding, build_world, record_consent, user_in
from vetting.audit.events import Event
from vetting.cli import findings_screen_backfill
from vetting.models import AuditEvent, Finding, FindingMention
from vetting.services import findings

#: Two detector hits (pregnancy, religion) and a threat.
SUMMARY = "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour."


@pytest.fixture
def world(app: Flask) -> World:
    w = build_world(app)
    record_consent(app, w.inv, w.candidate_id)
    return w


def _unscreen(app: Flask, finding_id: int) -> None:
    """Make the finding look as one saved before the detector ran on saves."""
    with runtime_of(app).db.transaction() as session:
        session.execute(delete(FindingMention).where(FindingMention.finding_id == finding_id))
        session.execute(update(Finding).where(Finding.id == finding_id).values(screened_at=None))


def _state(session: Session, finding_id: int) -> tuple[object, int, int]:
    finding = session.get(Finding, finding_id)
    assert finding is not None
    mentions = session.scalar(
        select(func.count()).select_from(FindingMention).where(FindingMention.finding_id == finding_id)
    )
    screened = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.event == Event.FINDING_SCREENED)
    )
    return finding.screened_at, mentions or 0, screened or 0


def test_reading_a_never_screened_finding_writes_nothing_and_shows_open_mentions(app: Flask, world: World) -> None:
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    _unscreen(app, finding_id)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        before = _state(session, finding_id)
    with rt.db.transaction() as session:
        view = findings.get_finding(session, user_in(session, world.inv), rt.security, finding_id)
    with rt.db.transaction() as session:
        assert _state(session, finding_id) == before
    assert before[:2] == (None, 0)
    assert view.open_mentions >= 2
    assert all(m.id == 0 for m in view.mentions)


def test_the_backfill_command_screens_every_never_screened_finding_once_audited(app: Flask, world: World) -> None:
    stale = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    fresh = add_finding(app, world.inv, world.candidate_id, world.items[1], summary=SUMMARY)
    _unscreen(app, stale)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        fresh_before = _state(session, fresh)
        events_before = _state(session, stale)[2]

    result = app.test_cli_runner().invoke(findings_screen_backfill)
    assert result.exit_code == 0, result.output
    assert "Screened 1 finding(s)" in result.output

    with rt.db.transaction() as session:
        screened_at, mentions, events = _state(session, stale)
        assert screened_at is not None
        assert mentions >= 2
        assert events == events_before + 1
        assert _state(session, fresh)[:2] == fresh_before[:2]
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == Event.FINDING_SCREENED).order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None
        assert (event.actor_id, event.subject_type, event.subject_id) == (None, "finding", str(stale))
        view = findings.get_finding(session, user_in(session, world.inv), rt.security, stale)
        assert view.open_mentions >= 2
        assert all(m.id != 0 for m in view.mentions)

    again = app.test_cli_runner().invoke(findings_screen_backfill)
    assert again.exit_code == 0, again.output
    assert "Screened 0 finding(s)" in again.output
