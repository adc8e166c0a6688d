"""Crash consistency of the encrypted store (issue 14, point 6), on the services and a real database,
against both backends (issue 17): the local folder and S3-compatible object storage (moto's server).

Files are staged under a temporary name, published only after their row is flushed and removed
on rollback; ``stored_files.check`` finds orphaned files, half-written files and rows whose file
is missing, and its repair removes only leftovers that no row names and that are older than the
in-flight guard. The audit log gets counts, never names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.integration.stores import Backend
from tests.support import runtime_of
from tests.web.world import World, add_finding, build_world, item_ids, png, user_in
from vetting.clock import today
from vetting.crypto import DataKey, DecryptionError
from vetting.models import AuditEvent, Candidate, Consent, Evidence, SignatureMethod
from vetting.services import findings, investigation, stored_files
from vetting.services.vault import CandidateVault
from vetting.storage import EncryptedStore, FileMissing, StorageError, StoredFile


@dataclass
class Case:
    app: Flask
    world: World
    backend: Backend
    finding_id: int

    @property
    def store(self) -> EncryptedStore:
        return self.backend.store  # type: ignore[no-any-return]


@pytest.fixture
def case(app: Flask, backend: Backend) -> Case:
    """A candidate with a signed form and a finding, whose files go to this test's own store."""
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
    return Case(app, world, backend, finding_id)


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


def files(case: Case) -> set[str]:
    return case.backend.files()


def row_names(case: Case) -> set[str]:
    with runtime_of(case.app).db.transaction() as session:
        names = set(session.scalars(select(Evidence.storage_name)))
        return names | set(session.scalars(select(Consent.document_storage_name)))


def data_key(case: Case) -> DataKey:
    rt = runtime_of(case.app)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, case.world.candidate_id)
        assert candidate is not None
        return CandidateVault(rt.security.keyring, candidate).key


def storage_events(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.event.like("storage.%")).order_by(AuditEvent.seq)
        ).all()
        return [(r.event, json.loads(r.data)) for r in rows]


def test_an_upload_is_staged_then_published_after_its_row_is_flushed(case: Case) -> None:
    steps: list[str] = []
    b = case.backend
    stage, publish = b.store.stage, b.store.publish

    def on_flush(_session: Session, _context: object) -> None:
        steps.append("flush")

    def staged(name: str, key: DataKey, plaintext: bytes, purpose: str) -> None:
        stage(name, key, plaintext, purpose)
        steps.append("stage")
        assert b.exists(b.temp(name))
        assert not b.exists(b.final(name))

    def published(name: str) -> None:
        steps.append("publish")
        publish(name)
        assert b.exists(b.final(name))
        assert not b.exists(b.temp(name))

    b.store.stage = staged
    b.store.publish = published
    event.listen(Session, "after_flush", on_flush)
    try:
        upload(case)
    finally:
        event.remove(Session, "after_flush", on_flush)
    assert "stage" in steps
    assert steps.index("publish") > steps.index("stage")
    assert "flush" in steps[: steps.index("publish")]
    assert files(case) == {b.final(name) for name in row_names(case)}
    result = check(case)
    assert (result.files, result.rows, result.leftovers, result.ok) == (2, 2, 0, True)


def test_a_round_trip_is_sealed_in_the_store(case: Case) -> None:
    """What the backend holds is the sealed blob (AES-GCM under the candidate's key), never the plaintext."""
    b, key = case.backend, data_key(case)
    plaintext = b"Candidate's post: a threat, word for word." * 20
    name = b.store.new_name()
    b.store.put(name, key, plaintext, "purpose-a")
    assert b.store.get(name, key, "purpose-a") == plaintext
    raw = b.raw(b.final(name))
    assert plaintext[:16] not in raw
    assert len(raw) > len(plaintext)
    assert key.open(raw, "purpose-a") == plaintext
    with pytest.raises(DecryptionError):
        b.store.get(name, key, "purpose-b")  # sealed for its purpose: another row's file does not open


def test_a_missing_file_and_a_bad_name_are_clear_errors(case: Case) -> None:
    b, key = case.backend, data_key(case)
    with pytest.raises(FileMissing, match="stored file is missing"):
        b.store.get(b.store.new_name(), key, "p")
    name = b.store.new_name()
    b.store.stage(name, key, b"staged only", "p")
    with pytest.raises(FileMissing, match="stored file is missing"):
        b.store.get(name, key, "p")  # a staged file is not there until it is published
    for bad in ("../" + name, name + "/x", "tmp", "", "AB" + name, name.replace(name[0], "g", 1)):
        with pytest.raises(StorageError, match="invalid storage name"):
            b.store.get(bad, key, "p")
        with pytest.raises(StorageError, match="invalid storage name"):
            b.store.stage(bad, key, b"x", "p")
        with pytest.raises(StorageError, match="invalid storage name"):
            b.store.delete(bad)
    b.store.delete(name)
    b.store.delete(name)  # nothing there is not an error
    assert b.temp(name) not in files(case)


def test_a_rollback_removes_the_file_whether_staged_or_published(case: Case) -> None:
    before = files(case)
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
            published.append(len(files(case)) - len(before))  # published, not yet committed
            raise RuntimeError("the request failed after the upload")

    with pytest.raises(RuntimeError, match="failed after the upload"):
        upload_then_fail()
    assert published == [1]
    assert files(case) == before

    staged: list[str] = []

    def failing_publish(name: str) -> None:
        staged.extend(f for f in files(case) if f == case.backend.temp(name))
        raise OSError("disk full")

    case.backend.store.publish = failing_publish
    with pytest.raises(OSError, match="disk full"):
        upload(case)
    assert len(staged) == 1
    assert files(case) == before  # the staged (temporary) file went too
    with rt.db.transaction() as session:
        assert session.scalar(select(Evidence.id)) is None


def test_the_check_finds_orphaned_half_written_and_missing_and_repairs_only_leftovers(case: Case) -> None:
    b = case.backend
    evidence = upload(case)
    key = data_key(case)
    orphan, half = (b.store.new_name() for _ in range(2))
    b.store.put(orphan, key, b"orphaned", "p")  # a crash between the publish and the commit
    b.store.stage(half, key, b"half", "p")  # a crash before the publish
    # A row whose final file is missing but whose temporary one is there: never removed.
    name = evidence.storage_name
    b.move(b.final(name), b.temp(name))
    b.write("README", b"not ours")

    result = check(case)
    assert [f.name for f in result.orphaned] == [orphan]
    assert [(f.name, f.location) for f in result.half_written] == [(half, b.temp(half))]
    assert [(m.kind, m.row_id) for m in result.missing] == [("evidence", evidence.id)]
    assert [f.name for f in result.unrecognised] == ["README"]
    assert not result.ok
    assert result.removed == []

    # Young files may belong to an upload in flight: the repair leaves them.
    result = check(case, repair="all")
    assert result.removed == []
    assert {f.name for f in result.too_young} == {orphan, half}
    assert "left 2 younger than 60 s" in result.summary()
    assert {b.final(orphan), b.temp(half)} <= files(case)

    b.age_all(120)
    result = check(case, repair="half-written")
    assert [(f.kind, f.name) for f in result.removed] == [("temp", half)]
    assert b.temp(half) not in files(case)
    result = check(case, repair="all")
    assert [(f.kind, f.name) for f in result.removed] == [("final", orphan)]
    assert b.final(orphan) not in files(case)
    assert b.exists(b.temp(name))
    assert b.exists("README")

    b.move(b.temp(name), b.final(name))
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
    case.backend.age_all(120)
    real_rows = stored_files._rows
    monkeypatch.setattr(stored_files, "_rows", lambda session: {})  # the row committed after the first read
    result = check(case, repair="all")
    assert name in {f.name for f in result.orphaned}
    assert result.removed == []
    monkeypatch.setattr(stored_files, "_rows", real_rows)
    assert check(case).ok


def test_a_missing_consent_form_and_an_empty_store(case: Case) -> None:
    with runtime_of(case.app).db.transaction() as session:
        consent = session.scalars(select(Consent)).one()
        consent_id, name = consent.id, consent.document_storage_name
    case.backend.unlink(case.backend.final(name))
    result = check(case)
    assert [(m.kind, m.row_id, m.name) for m in result.missing] == [("consent", consent_id, name)]

    with runtime_of(case.app).db.transaction() as session:
        result = stored_files.check(session, None, case.backend.empty(), repair="all")
    assert (result.files, result.rows, len(result.missing)) == (0, 1, 1)


def test_progress_is_reported_on_long_runs(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_files, "PROGRESS_EVERY", 1)
    seen: list[int] = []
    check(case, progress=seen.append)
    assert seen == [1]


def test_only_the_store_s_own_files_are_removed_and_only_where_found(case: Case) -> None:
    b = case.backend
    b.write("x/y", b"not ours")
    with pytest.raises(StorageError, match="only the store's own files"):
        b.store.remove(StoredFile("other", "x/y", "x/y", 0, 1000.0))
    name = b.store.new_name()
    b.store.put(name, data_key(case), b"kept", "p")
    with pytest.raises(StorageError, match="outside the store"):  # a location that is not the name's own
        b.store.remove(StoredFile("final", name, "x/y", 0, 1000.0))
    assert b.exists("x/y")
    assert b.store.remove(StoredFile("final", name, b.final(name), 0, 1000.0))
    assert not b.store.remove(StoredFile("final", name, b.final(name), 0, 1000.0))  # gone already
