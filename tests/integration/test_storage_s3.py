"""S3-compatible object storage as the store (issue 17, point 4), against moto's server on 127.0.0.1.

The backend-neutral behaviour (sealed round trip, missing files, staging and rollback, the check
and its repair) runs on both backends in ``test_stored_files.py``. Here: the setting itself, an
evidence upload through the API ending in the bucket, and ``vetting storage check`` and
``vetting serve``'s start-up check as real processes with the store in a bucket.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.integration.stores import S3Backend
from tests.support import runtime_of
from tests.web.world import API, bearer, build_world, evidence_api, finding_api, png, record_consent
from vetting import create_app
from vetting.config import CONFIG_FILE, ConfigError, ObjectStorage, Settings, load_settings
from vetting.crypto import DataKey
from vetting.instance import ensure_instance
from vetting.models import Consent, Evidence
from vetting.storage import StorageError
from vetting.storage.s3 import S3Store

VETTING = Path(sys.executable).with_name("vetting")
PREFIX = "agency/evidence"
#: Every wait of this module ends by itself.
DEADLINE = 60.0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://evidence-bucket", ObjectStorage("evidence-bucket", "")),
        ("s3://my.bucket-1/agency/evidence/", ObjectStorage("my.bucket-1", "agency/evidence")),
        (" s3://bucket//a//b ", ObjectStorage("bucket", "a/b")),
    ],
)
def test_a_storage_url_names_a_bucket_and_a_prefix(keys_dir: Path, url: str, expected: ObjectStorage) -> None:
    assert load_settings(keys_dir, env={"VETTING_STORAGE_URL": url}).object_storage == expected
    assert load_settings(keys_dir, env={}).object_storage is None  # unset: the instance folder, as before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://", "names no bucket"),
        ("s3:bucket", "names no bucket"),
        ("ftp://x", "must be s3://bucket/prefix"),
        ("/srv/evidence", "must be s3://bucket/prefix"),
        ("s3://AKIA:secret@bucket/p", "only a bucket and a prefix"),
        ("s3://bucket:9000/p", "only a bucket and a prefix"),
        ("s3://bucket/p?x=1", "only a bucket and a prefix"),
        ("s3://Bad_Bucket/p", "not a valid bucket name"),
        ("s3://ab/p", "not a valid bucket name"),
        ("s3://bucket/../other", "the prefix may hold only"),
        ("s3://bucket/a/./b", "the prefix may hold only"),
        ("s3://bucket/a b", "the prefix may hold only"),
    ],
)
def test_a_bad_storage_url_is_refused_at_start_naming_the_setting(keys_dir: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match="VETTING_STORAGE_URL") as raised:
        load_settings(keys_dir, env={"VETTING_STORAGE_URL": url})
    assert message in str(raised.value)


def test_the_setting_may_live_in_config_toml_and_the_environment_wins(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    ensure_instance(instance)
    (instance / CONFIG_FILE).write_text('storage_url = "s3://from-file/evidence"\n')
    assert load_settings(instance, env={}).object_storage == ObjectStorage("from-file", "evidence")
    env = {"VETTING_STORAGE_URL": "s3://from-env", "VETTING_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}
    assert load_settings(instance, env=env).object_storage == ObjectStorage("from-env", "", "http://127.0.0.1:9000")
    with pytest.raises(ConfigError, match="VETTING_S3_ENDPOINT_URL"):
        load_settings(instance, env=env | {"VETTING_S3_ENDPOINT_URL": "127.0.0.1:9000"})
    (instance / CONFIG_FILE).write_text('storage_url = "ftp://from-file"\n')
    with pytest.raises(ConfigError, match=r"storage_url in config\.toml"):
        load_settings(instance, env={})


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str, s3_bucket: str) -> Settings:
    """The test's settings, with the store in a fresh bucket (as ``VETTING_STORAGE_URL`` gives it)."""
    env = {"VETTING_STORAGE_URL": f"s3://{s3_bucket}/{PREFIX}", "VETTING_S3_ENDPOINT_URL": s3_endpoint}
    return load_settings(
        settings.instance_path,
        env=env,
        database_url=settings.database_url,
        testing=True,
        agency_name=settings.agency_name,
        password_hashing=settings.password_hashing,
    )


@pytest.fixture
def s3_app(s3_settings: Settings) -> Iterator[Flask]:
    application = create_app(s3_settings)
    yield application
    runtime_of(application).db.dispose()


def stored_names(app: Flask) -> set[str]:
    with runtime_of(app).db.transaction() as session:
        names = set(session.scalars(select(Evidence.storage_name)))
        return names | set(session.scalars(select(Consent.document_storage_name)))


def test_an_evidence_upload_through_the_api_ends_in_the_bucket_sealed(
    s3_app: Flask, s3_endpoint: str, s3_bucket: str, s3_settings: Settings
) -> None:
    store = runtime_of(s3_app).store
    assert isinstance(store, S3Store)
    assert store.description == f"s3://{s3_bucket}/{PREFIX}"
    bucket = S3Backend(s3_endpoint, s3_bucket, PREFIX)
    world = build_world(s3_app)
    record_consent(s3_app, world.inv, world.candidate_id)
    client = s3_app.test_client()
    headers = bearer(s3_app, world.inv)
    finding = finding_api(client, headers, world.candidate_id, world.items[0])
    assert finding.status_code == 201, finding.get_data(as_text=True)
    content = png("a screenshot only the app may read")
    response = evidence_api(client, headers, finding.get_json()["id"], content, "capture.png")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["sha256"] == hashlib.sha256(content).hexdigest()

    names = stored_names(s3_app)
    assert len(names) == 2  # the signed form and the evidence
    assert bucket.keys() == {f"{PREFIX}/{name[:2]}/{name}" for name in names}
    for name in names:
        raw = bucket.raw(bucket.final(name))
        assert content[:32] not in raw
        assert not raw.startswith(b"\x89PNG")
        assert not (s3_settings.instance_path / "evidence" / name[:2] / name).exists()  # nothing on disk

    download = client.get(f"{API}/evidence/{response.get_json()['id']}", headers=headers)
    assert download.status_code == 200
    assert download.data == content


def test_an_unusable_bucket_is_a_clear_error(
    s3_endpoint: str, s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operation and S3's error code, as a StorageError the commands report (never a traceback)."""
    store = S3Store("no-such-bucket", "p", endpoint_url=s3_endpoint)
    with pytest.raises(StorageError, match=r"object storage: listing failed \(NoSuchBucket\)"):
        list(store.scan())
    nobody = S3Store("no-such-bucket", "p", endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageError, match=r"object storage: upload failed \(EndpointConnectionError\)"):
        nobody.put(nobody.new_name(), DataKey(DataKey.generate()), b"x", "p")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    anonymous = S3Store("no-such-bucket", "p", endpoint_url=s3_endpoint)
    with pytest.raises(StorageError, match=r"object storage: download failed \(NoCredentialsError\)"):
        anonymous.get(anonymous.new_name(), DataKey(DataKey.generate()), "p")


# --- the command line, as real processes -------------------------------------------------------------


def cli_env(settings: Settings, s3_env: dict[str, str], url: str, endpoint: str) -> dict[str, str]:
    """The environment of a ``vetting`` process on this test's database with the store in a bucket.

    The endpoint comes from boto3's own ``AWS_ENDPOINT_URL`` here (``VETTING_S3_ENDPOINT_URL`` in the API test).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VETTING_", "AWS_"))}
    return (
        env
        | s3_env
        | {
            "VETTING_INSTANCE_PATH": str(settings.instance_path),
            "VETTING_DATABASE_URL": settings.database_url,
            "VETTING_AGENCY_NAME": "Test Police Department",
            "VETTING_STORAGE_URL": url,
            "AWS_ENDPOINT_URL": endpoint,
            "PYTHONUNBUFFERED": "1",
        }
    )


def vetting(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: PLW1510 - callers assert on the exit code
        [str(VETTING), *args], env=env, capture_output=True, text=True, timeout=DEADLINE
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def serve_until_checked(env: dict[str, str], log: Path) -> str:
    """Start ``vetting serve``, wait for its storage check's line, stop it; return its output."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [str(VETTING), "serve", "--host", "127.0.0.1", "--port", str(free_port()), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + DEADLINE
        while "Storage check" not in log.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=DEADLINE)
    return log.read_text()


def test_storage_check_and_serve_work_with_the_store_in_a_bucket(
    s3_app: Flask, s3_settings: Settings, s3_endpoint: str, s3_bucket: str, s3_env: dict[str, str], tmp_path: Path
) -> None:
    world = build_world(s3_app)
    record_consent(s3_app, world.inv, world.candidate_id)
    (name,) = stored_names(s3_app)
    bucket = S3Backend(s3_endpoint, s3_bucket, PREFIX)
    store = bucket.store
    key = DataKey(DataKey.generate())  # any key: the check reads names and ages, never content
    orphan, half = store.new_name(), store.new_name()
    store.put(orphan, key, b"orphaned", "p")  # a crash between the publish and the commit
    store.stage(half, key, b"half", "p")  # a crash before the publish
    env = cli_env(s3_settings, s3_env, f"s3://{s3_bucket}/{PREFIX}", s3_endpoint)

    result = vetting(env, "storage", "check")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert f"Store: s3://{s3_bucket}/{PREFIX}" in out
    assert f"  {bucket.final(orphan)}  " in out
    assert f"  {bucket.temp(half)}  " in out
    assert "3 stored file(s) checked against 1 row(s): 1 orphaned, 1 half-written, 0 row(s) with a missing file" in out

    result = vetting(env, "storage", "check", "--repair", "--older-than", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "removed 2." in result.stdout
    assert bucket.files() == {bucket.final(name)}

    # `vetting serve` checks the bucket at start-up, removing half-written objects older than a minute.
    store.stage(half, key, b"half", "p")
    log = serve_until_checked(env, tmp_path / "serve.log")
    assert "Storage check: 2 stored file(s) checked against 1 row(s): 0 orphaned, 1 half-written" in log
    assert "removed 0, left 1 younger than 60 s." in log

    bucket.unlink(bucket.final(name))  # a row whose object is missing fails the check
    result = vetting(env, "storage", "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"({name})" in result.stderr

    gone = env | {"VETTING_STORAGE_URL": "s3://no-such-bucket/x"}
    result = vetting(gone, "storage", "check")
    assert result.returncode == 1
    assert "The store could not be read: object storage: listing failed (NoSuchBucket)" in result.stderr
    log = serve_until_checked(gone, tmp_path / "serve-gone.log")
    assert "Storage check failed: object storage: listing failed (NoSuchBucket)" in log


@pytest.mark.parametrize(("url", "command"), [("s3://", ("storage", "check")), ("ftp://x", ("serve",))])
def test_the_commands_refuse_a_bad_storage_url_naming_the_setting(
    settings: Settings, s3_env: dict[str, str], url: str, command: tuple[str, ...]
) -> None:
    env = cli_env(settings, s3_env, url, "http://127.0.0.1:9")
    result = vetting(env, *command, *(("--port", str(free_port())) if command == ("serve",) else ()))
    assert result.returncode != 0, result.stdout
    assert "VETTING_STORAGE_URL" in result.stderr
    assert "Serving on" not in result.stdout
