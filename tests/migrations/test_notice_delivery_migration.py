"""Migration a5c9d0e1f2b3 (issue 16 point 3) on a database with a board's proposal in it.

A downgrade gives a proposal still waiting for its notice's delivery a window of its business days
from the downgrade's day (the old schema requires a due date on every proposal); the upgrade takes
each notice issued before it as delivered when issued, so no window already given moves.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.support import runtime_of
from tests.web.board_world import build_board_world
from tests.web.world import API, bearer
from vetting.business_days import add_business_days
from vetting.migrate import downgrade, upgrade

BEFORE, REVISION = "b6d0e1f2a3c4", "a5c9d0e1f2b3"
CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."


def test_a_waiting_proposal_survives_the_downgrade_and_the_upgrade_keeps_its_window(
    app: Flask, client: FlaskClient
) -> None:
    bw = build_board_world(app)
    chair = bearer(app, bw.chair)
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]}
    base = f"{API}/board/candidates/{bw.world.candidate_id}"
    assert client.post(f"{base}/recommendations", json=body, headers=chair).status_code == 201
    proposed = client.post(f"{base}/decisions", json=body, headers=chair)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    assert proposed.get_json()["response_due"] is None
    rt = runtime_of(app)
    url = rt.settings.database_url
    rt.db.dispose()
    engine = create_engine(url, poolclass=NullPool)
    try:
        downgrade(url, BEFORE)
        with engine.connect() as conn:
            due = conn.execute(text("SELECT response_due FROM decisions WHERE status = 'proposed'")).scalar_one()
        expected = add_business_days(datetime.now(UTC).date(), 5, set())
        assert str(due) == expected.isoformat()
        upgrade(url, REVISION)
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT issued_at, delivered_at, delivered_via, issued_by_id, delivered_by_id FROM notices")
            ).one()
        assert row.delivered_at == row.issued_at
        assert (row.delivered_via, row.delivered_by_id) == ("hand", row.issued_by_id)
    finally:
        upgrade(url)  # the shared PostgreSQL template stays at head for the next test
        engine.dispose()
