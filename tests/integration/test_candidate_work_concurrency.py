"""Investigators resolving items of one candidate at the same moment (issue 17): every resolution
is kept and the uniformity read model counts them all. Its rebuild locks the candidate's row
``FOR NO KEY UPDATE``: a plain ``FOR UPDATE`` deadlocked on PostgreSQL against the key-share lock
each transaction's new rows hold on the candidate."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import select

from tests.support import runtime_of
from tests.web.world import build_world, record_consent, resolve
from vetting.models import CandidateWork, ItemResolution
from vetting.services import work

ITEMS = 8


def test_resolutions_of_one_candidate_at_once_are_all_kept_and_counted(app: Flask) -> None:
    world = build_world(app, items=ITEMS)
    record_consent(app, world.inv, world.candidate_id)
    errors: list[BaseException] = []
    start = threading.Barrier(ITEMS)

    def resolve_one(item: int) -> None:
        try:
            start.wait()
            resolve(app, world.inv, world.candidate_id, item)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=resolve_one, args=(item,)) for item in world.items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with runtime_of(app).db.transaction() as session:
        resolved = session.scalars(
            select(ItemResolution.item_id).where(ItemResolution.candidate_id == world.candidate_id)
        )
        assert sorted(resolved) == sorted(world.items)
        kept = [
            (row.user_id, row.searches, row.resolutions, row.resolved_on_checklist)
            for row in session.scalars(select(CandidateWork).where(CandidateWork.candidate_id == world.candidate_id))
        ]
        assert kept == [(world.inv.id, ITEMS, ITEMS, ITEMS)]
        expected = work.rows_of(session, world.candidate_id, world.items)
        assert [(r["user_id"], r["searches"], r["resolutions"], r["resolved_on_checklist"]) for r in expected] == kept
