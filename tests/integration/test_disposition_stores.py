"""Crypto-shredding against both store backends (issue 15 point 3): the local folder and S3 (moto).

The candidate's files leave the store only once the disposition's transaction has committed; a
rollback keeps both the key and the files; a file the store failed to delete can no longer be
opened and, its rows being a disposed candidate's, the storage check's repair removes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from tests.integration.stores import Backend
from tests.support import runtime_of
from tests.web.world import World, add_finding, build_world, item_ids, png, user_in
from vetting.clock import today
from vetting.crypto import DataKey
from vetting.errors import Conflict
from vetting.models import Candidate, SignatureMethod
from vetting.services import disposition, findings, investigation, stored_files
from vetting.services.vault import CandidateVault


@dataclass
class Case:
    app: Flask
    world: World
    backend: Backend


@pytest.fixture
def case(app: Flask, backend: Backend) -> Case:
    """A candidate with a signed form and one evidence file, in this test's own store."""
    world = build_world(app)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        investigation.record_consent(
            session,
            user_in(session, world.inv),
            rt.security,
            backend.store,
            world.candidate_id,
            signed_on=today(),
            method=SignatureMethod.WET_INK,
            document=png("signed"),
        )
    finding_id = add_finding(app, world.inv, world.candidate_id, item_ids(app, world.cycle_id)[0])
    with rt.db.transaction() as session:
        findings.upload_evidence(
            session,
            user_in(session, world.inv),
            rt.security,
            backend.store,
            finding_id,
            filename="shot.png",
            content=png("capture"),
        )
    return Case(app, world, backend)


def _names(case: Case) -> set[str]:
    with runtime_of(case.app).db.transaction() as session:
        return {f.storage_name for f in disposition.stored_files_of(session, case.world.candidate_id)}


def _key(case: Case) -> DataKey:
    rt = runtime_of(case.app)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, case.world.candidate_id)
        assert candidate is not None
        return CandidateVault(rt.security.keyring, candidate).key


def _shred(case: Case, *, then_fail: bool = False) -> None:
    rt = runtime_of(case.app)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, case.world.candidate_id)
        assert candidate is not None
        disposition.shred(session, rt.security, candidate, case.backend.store)
        if then_fail:
            raise RuntimeError("the transaction fails after the shredding")


def test_the_files_leave_the_store_after_the_commit_and_the_check_stays_clean(case: Case) -> None:
    names = _names(case)
    assert len(names) == 2
    present = case.backend.files()
    assert all(any(name in location for location in present) for name in names)
    _shred(case)
    assert not any(name in location for location in case.backend.files() for name in names)
    with runtime_of(case.app).db.transaction() as session:
        result = stored_files.check(session, None, case.backend.store)
    assert result.ok
    assert result.leftovers == 0


def test_a_rollback_keeps_the_key_and_the_files(case: Case) -> None:
    names = _names(case)
    with pytest.raises(RuntimeError):
        _shred(case, then_fail=True)
    _key(case)  # the data key is still there (a destroyed one is refused with candidate_erased)
    for name in names:
        assert any(name in location for location in case.backend.files())


def test_a_file_the_store_failed_to_delete_is_unreadable_and_repaired_as_orphaned(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _names(case)

    def refuse(name: str) -> None:
        raise OSError("the store is away")

    monkeypatch.setattr(case.backend.store, "delete", refuse)
    _shred(case)
    monkeypatch.undo()
    left = [location for location in case.backend.files() if any(name in location for name in names)]
    assert len(left) == 2
    # Nobody can open them any more: the application no longer holds their key.
    with pytest.raises(Conflict, match="disposed"):
        _key(case)
    with runtime_of(case.app).db.transaction() as session:
        result = stored_files.check(session, None, case.backend.store, repair="all", min_age=0)
    assert result.ok
    assert len(result.removed) == 2
    assert not any(name in location for location in case.backend.files() for name in names)
