"""The uniformity report's read model (``candidate_work``, issue 17, R6): what the app keeps in
the transaction that resolves an item is what the migration c4e5f6a7b8d9 computes from the rows
themselves, through re-resolving an item by another investigator and an item marked unable."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.support import runtime_of
from tests.web.world import add_candidate, add_investigator, bearer, build_world, record_consent, resolve_api
from vetting.migrate import downgrade, upgrade

BEFORE = "b3d4e5f6a7c8"
COLUMNS = (
    "candidate_id, user_id, searches, first_search_at, last_search_at, resolutions, unable, "
    "resolved_on_checklist, unable_on_checklist"
)
UNABLE = {"status": "unable", "reason": "The court portal was down all week."}


def _rows(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            query = f"SELECT {COLUMNS} FROM candidate_work ORDER BY candidate_id, user_id"  # noqa: S608
            return [tuple(r) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


def test_the_read_model_counts_each_persons_work_and_the_migration_computes_the_same(
    app: Flask, client: FlaskClient
) -> None:
    world = build_world(app, items=3)
    second = add_investigator(app, world)
    other = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    first_inv, second_inv = bearer(app, world.inv), bearer(app, second)
    for cid in (world.candidate_id, other):
        record_consent(app, world.inv, cid)
    two_searches = [
        {"query": '"Pat Example"', "source": "Search engine", "result_count": 0},
        {"query": "Pat Example Hattiesburg", "source": "News archive", "result_count": 2},
    ]
    item_a, item_b, item_c = world.items
    assert resolve_api(client, first_inv, world.candidate_id, item_a, searches=two_searches).status_code == 200
    assert resolve_api(client, first_inv, world.candidate_id, item_b).status_code == 200
    # The second investigator takes item B over and cannot complete it: the first keeps only A's
    # resolution, and every search stays with whoever ran it.
    assert resolve_api(client, second_inv, world.candidate_id, item_b, **UNABLE).status_code == 200
    assert resolve_api(client, second_inv, other, item_c).status_code == 200

    url = runtime_of(app).settings.database_url
    kept = _rows(url)
    users = {world.inv.id: "first", second.id: "second"}
    counts = {(cid, users[uid]): tuple(rest[:1]) + tuple(rest[3:]) for cid, uid, *rest in kept}
    # (searches, resolutions, unable, on the checklist, unable on the checklist)
    assert counts == {
        (world.candidate_id, "first"): (3, 2 - 1, 0, 1, 0),
        (world.candidate_id, "second"): (1, 1, 1, 1, 1),
        (other, "second"): (1, 1, 0, 1, 0),
    }
    first_row = next(r for r in kept if r[0] == world.candidate_id and r[1] == world.inv.id)
    assert first_row[3] is not None
    assert first_row[4] is not None
    assert first_row[3] <= first_row[4]

    runtime_of(app).db.dispose()
    try:
        downgrade(url, BEFORE)
        upgrade(url)
        assert _rows(url) == kept
    finally:
        upgrade(url)  # the shared PostgreSQL template stays at head for the next test
