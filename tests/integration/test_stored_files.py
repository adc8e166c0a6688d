"""Crash consistency of the encrypted store (issue 14, point 6), on the services and a real database.

Files are staged under a temporary name, published (renamed) only after their row is flushed
and removed on rollback; ``stored_files.check`` finds orphaned files, half-written files and
rows whose file is missing, and its repair removes only leftovers that no row names and that
are older than the in-flight guard. The audit log gets counts, never names.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.support import runtime_of
from tests.web.world import World, add_finding, build_world, item_ids, png, user_in
from vetting.clock import today
from vetting.crypto import DataKey
from vetting.models import AuditEvent, Candidate, Consent, Evidence, SignatureMethod
from vetting.services import findings, investigation, stored_files
from vetting.services.vault import CandidateVault
from vetting.storage import TEMP_SUFFIX, EncryptedStore, StoredFile


@dataclass
class Case:
    app: Flask
    world: World
    store: EncryptedStore
    finding_id: int


@pytest.fixture
def case(app: Flask, tmp_path: Path) -> Case:
    """A candidate with a signed form and a finding, whose files go to this test's own store."""
    world = build_world(app)
    store = EncryptedStore(tmp_path / "evidence")
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        investigation.record_consent(
            session,
            user_in(session, world.inv),
            rt.security,
            store,
            world.candidate_id,
            signed_on=today(),
            method=SignatureMethod.WET_INK,
            document=png("signed"),
        )
    finding_id = add_finding(app, world.inv, world.candidate_id, item_ids(app, world.cycle_id)[0])
    return Case(app, world, store, finding_id)


def upload(case: Case, content: bytes | None = None) -> Evidence:
    rt = runtime_of(case.app)
    with rt.db.transaction() as session:
        return findings.upload_evidence(
            session,
            user_in(session, case.world.inv),
            rt.security,
            case.store,
            case.finding_id,
            filename="shot.png",
            content=content or png("capture"),
        )


def check(case: Case, **options: object) -> stored_files.StorageCheck:
    with runtime_of(case.app).db.transaction() as session:
        return stored_files.check(session, None, case.store, **options)  # type: ignore[arg-type]


def files(store: EncryptedStore) -> set[str]:
    return {str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file()}


def data_key(case: Case) -> DataKey:
    rt = runtime_of(case.app)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, case.world.candidate_id)
        assert candidate is not None
        return CandidateVault(rt.security.keyring, candidate).key


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def storage_events(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.event.like("storage.%")).order_by(AuditEvent.seq)
        ).all()
        return [(r.event, json.loads(r.data)) for r in rows]


def test_an_upload_is_staged_then_published_after_its_row_is_flushed(case: Case) -> None:
    steps: list[str] = []
    stage, publish = case.store.stage, case.store.publish

    def on_flush(_session: Session, _context: object) -> None:
        steps.append("flush")

    def staged(name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        stage(name, key, plaintext, purpose)
        path = case.store.root / name[:2] / name
        steps.append("stage")
        assert Path(f"{path}{TEMP_SUFFIX}").is_file()
        assert not path.exists()

    def published(name: str) -> None:
        steps.append("publish")
        publish(name)
        assert (case.store.root / name[:2] / name).is_file()

    case.store.stage = staged  # type: ignore[method-assign]
    case.store.publish = published  # type: ignore[method-assign]
    event.listen(Session, "after_flush", on_flush)
    try:
        evidence = upload(case)
    finally:
        event.remove(Session, "after_flush", on_flush)
    assert "stage" in steps
    assert steps.index("publish") > steps.index("stage")
    assert "flush" in steps[: steps.index("publish")]
    name = evidence.storage_name
    assert files(case.store) >= {f"{name[:2]}/{name}"}
    assert not any(f.endswith(TEMP_SUFFIX) for f in files(case.store))
    result = check(case)
    assert (result.files, result.rows, result.leftovers, result.ok) == (2, 2, 0, True)


def test_a_rollback_removes_the_file_whether_staged_or_published(case: Case) -> None:
    before = files(case.store)
    rt = runtime_of(case.app)
    published: list[int] = []

    def upload_then_fail() -> None:
        with rt.db.transaction() as session:
            findings.upload_evidence(
                session,
                user_in(session, case.world.inv),
                rt.security,
                case.store,
                case.finding_id,
                filename="shot.png",
                content=png("capture"),
            )
            published.append(len(files(case.store)) - len(before))  # published, not yet committed
            raise RuntimeError("the request failed after the upload")

    with pytest.raises(RuntimeError, match="failed after the upload"):
        upload_then_fail()
    assert published == [1]
    assert files(case.store) == before

    def failing_publish(name: str) -> None:
        raise OSError("disk full")

    case.store.publish = failing_publish  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk full"):
        upload(case)
    assert files(case.store) == before  # the staged (temporary) file went too
    with rt.db.transaction() as session:
        assert session.scalar(select(Evidence.id)) is None


def test_the_check_finds_orphaned_half_written_and_missing_and_repairs_only_leftovers(case: Case) -> None:
    evidence = upload(case)
    key = data_key(case)
    orphan, half, pointed = (case.store.new_name() for _ in range(3))
    case.store.put(orphan, key, b"orphaned", "p")  # a crash between the rename and the commit
    case.store.stage(half, key, b"half", "p")  # a crash before the rename
    # A row whose final file is missing but whose temporary one is there: never removed.
    name = evidence.storage_name
    final = case.store.root / name[:2] / name
    os.replace(final, Path(f"{final}{TEMP_SUFFIX}"))
    stray = case.store.root / "README"
    stray.write_text("not ours")

    result = check(case)
    assert [f.name for f in result.orphaned] == [orphan]
    assert [f.name for f in result.half_written] == [half]
    assert [(m.kind, m.row_id) for m in result.missing] == [("evidence", evidence.id)]
    assert [f.name for f in result.unrecognised] == ["README"]
    assert not result.ok
    assert result.removed == []

    # Young files may belong to an upload in flight: the repair leaves them.
    result = check(case, repair="all")
    assert result.removed == []
    assert {f.name for f in result.too_young} == {orphan, half}
    assert "left 2 younger than 60 s" in result.summary()

    for path in case.store.root.rglob("*"):
        age(path, 120)
    result = check(case, repair="half-written")
    assert [(f.kind, f.name) for f in result.removed] == [("temp", half)]
    result = check(case, repair="all")
    assert [(f.kind, f.name) for f in result.removed] == [("final", orphan)]
    assert Path(f"{final}{TEMP_SUFFIX}").is_file()
    assert stray.is_file()

    os.replace(Path(f"{final}{TEMP_SUFFIX}"), final)
    result = check(case, repair="all", min_age=0)
    assert (result.ok, result.leftovers, result.removed, result.files) == (True, 0, [], 3)

    events = storage_events(case.app)
    assert [e for e, _ in events].count("storage.checked") == 5
    assert [(e, d) for e, d in events if e == "storage.repaired"] == [
        ("storage.repaired", {"orphaned_removed": 0, "half_written_removed": 1, "left_too_young": 0}),
        ("storage.repaired", {"orphaned_removed": 1, "half_written_removed": 0, "left_too_young": 0}),
    ]
    assert events[0][1] == {
        "files": 5,
        "rows": 2,
        "orphaned": 1,
        "half_written": 1,
        "missing": 1,
        "unrecognised": 1,
        "repair": "none",
    }
    text = json.dumps(events)
    assert not any(n in text for n in (orphan, half, name))


def test_the_repair_never_removes_a_file_a_row_names_by_the_time_it_removes(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that looked orphaned at the listing but whose upload committed since is kept."""
    evidence = upload(case)
    name = evidence.storage_name
    age(case.store.root / name[:2] / name, 120)
    real_rows = stored_files._rows
    monkeypatch.setattr(stored_files, "_rows", lambda session: {})  # the row committed after the first read
    result = check(case, repair="all")
    assert name in {f.name for f in result.orphaned}
    assert result.removed == []
    monkeypatch.setattr(stored_files, "_rows", real_rows)
    assert check(case).ok


def test_a_missing_consent_form_and_an_empty_store(case: Case, tmp_path: Path) -> None:
    with runtime_of(case.app).db.transaction() as session:
        consent = session.scalars(select(Consent)).one()
        consent_id, name = consent.id, consent.document_storage_name
    (case.store.root / name[:2] / name).unlink()
    result = check(case)
    assert [(m.kind, m.row_id, m.name) for m in result.missing] == [("consent", consent_id, name)]

    empty = EncryptedStore(tmp_path / "nothing-yet")
    with runtime_of(case.app).db.transaction() as session:
        result = stored_files.check(session, None, empty, repair="all")
    assert (result.files, result.rows, len(result.missing)) == (0, 1, 1)


def test_progress_is_reported_on_long_runs(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_files, "PROGRESS_EVERY", 1)
    seen: list[int] = []
    check(case, progress=seen.append)
    assert seen == [1]


def test_stored_file_of_another_kind_is_never_removed(case: Case) -> None:
    other = StoredFile("other", "x/y", case.store.root / "x" / "y", 0, 1000.0)
    with pytest.raises(ValueError, match="only the store's own files"):
        case.store.remove(other)
