"""Finished jobs' files in the shared store (issue 17 point 2): the instance folder's ``evidence/``
or the S3 bucket, under the store's ``jobs`` folder, so a server on another machine downloads what
any worker wrote. Sealed under the job's own data key, as before; ``vetting storage check`` passes
over them (they are named by ``jobs`` rows, not evidence rows), and a rolled-back finish leaves none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.stores import Backend, LocalBackend, S3Backend
from tests.support import runtime_of
from tests.web.world import API, bearer, build_world
from vetting import create_app
from vetting.config import ObjectStorage, Settings
from vetting.models import Job, JobKind, User
from vetting.runtime import EVIDENCE_DIR
from vetting.services import jobs, stored_files
from vetting.storage import JOBS_FOLDER

PREFIX = "agency/evidence"


@pytest.fixture(params=["local", "s3"])
def settings(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Settings:
    """The instance folder's store, or a bucket of this test's own on the moto server."""
    settings = settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    if request.param == "local":
        return settings
    bucket, endpoint = request.getfixturevalue("s3_bucket"), request.getfixturevalue("s3_endpoint")
    return settings.with_overrides(object_storage=ObjectStorage(bucket, PREFIX, endpoint))


def backend_of(settings: Settings) -> Backend:
    """The evidence store's own root, reached around the app (the folder, or the bucket's prefix)."""
    where = settings.object_storage
    if where is None:
        return LocalBackend(settings.instance_path / EVIDENCE_DIR)
    assert where.endpoint_url is not None
    return S3Backend(where.endpoint_url, where.bucket, where.prefix)


def _job(app: Flask, job_id: int) -> Job:
    with runtime_of(app).db.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_a_result_is_sealed_in_the_shared_store_and_read_by_another_server(
    app: Flask, client: FlaskClient, settings: Settings
) -> None:
    world = build_world(app)
    auditor = bearer(app, world.auditor)
    runtime_of(app).queue.immediate = True
    started = client.post(f"{API}/audit/cycles/{world.cycle_id}/uniformity-csv-jobs", headers=auditor).get_json()
    direct = client.get(f"{API}/audit/cycles/{world.cycle_id}/uniformity.csv", headers=auditor).data
    job = _job(app, started["id"])
    assert job.result_file is not None

    raw = backend_of(settings)
    location = f"{JOBS_FOLDER}/{job.result_file[:2]}/{job.result_file}"
    assert raw.exists(location)
    sealed = raw.raw(location)
    header = direct.removeprefix(b"\xef\xbb\xbf").split(b"\r\n")[0]
    assert header.startswith(b"candidate,")
    assert header not in sealed  # never the plaintext

    other = create_app(settings)  # a second server: same database and store, its own runtime
    try:
        download = other.test_client().get(f"{API}/jobs/{job.id}/result", headers=bearer(other, world.auditor))
        assert download.status_code == 200
        assert download.data == direct
    finally:
        runtime_of(other).db.dispose()


def test_the_storage_check_passes_over_job_results(app: Flask, client: FlaskClient, settings: Settings) -> None:
    world = build_world(app)
    runtime_of(app).queue.immediate = True
    client.post(f"{API}/audit/export-jobs", headers=bearer(app, world.auditor))
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        found = stored_files.check(session, None, rt.store, repair="all", min_age=0)
    listed = (*found.orphaned, *found.half_written, *found.unrecognised, *found.removed)
    assert [f.location for f in listed if f.location.startswith(f"{JOBS_FOLDER}/")] == []
    with rt.db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        [job] = session.query(Job).all()
        _name, _type, content = jobs.job_result(session, auditor, rt.security.keyring, rt.queue.results, job.id)
    assert content.startswith(b'{"')


class Rollback(Exception):
    pass


def results(raw: Backend) -> set[str]:
    return {f for f in raw.files() if f.startswith(f"{JOBS_FOLDER}/")}


def test_a_finish_that_rolls_back_leaves_no_file(app: Flask, settings: Settings) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        job_id = jobs.start_job(session, auditor, JobKind.AUDIT_EXPORT).id
    with rt.db.transaction() as session:
        claim = jobs.claim(session, job_id, stale_before=_job(app, job_id).created_at)
    assert claim is not None
    raw = backend_of(settings)
    before = results(raw)
    published: set[str] = set()

    def finish_then_fail() -> None:
        with rt.db.transaction() as session:
            assert jobs.finish(session, rt.security.keyring, rt.queue.results, claim, "x.jsonl", b"{}\n")
            published.update(results(raw) - before)
            raise Rollback

    with pytest.raises(Rollback):
        finish_then_fail()
    assert len(published) == 1
    assert results(raw) == before
    assert _job(app, job_id).result_file is None
