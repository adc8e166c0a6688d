"""Evidence: hashed on receipt, typed by content, encrypted at rest, rotated keys (SM-06).

SM-06 (chain of custody: SHA-256 on receipt, byte-identical download), PRODUCT.md §4
(candidate content is ciphertext at rest, in files and in every database column; a
master-key rotation rewraps data keys, never re-encrypts content, and survives a crash).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.support import Clock, login
from tests.web.helpers import db, snapshot
from tests.web.world import (
    API,
    World,
    add_candidate,
    bearer,
    build_world,
    consent_api,
    error_of,
    evidence_api,
    finding_api,
    png,
    record_consent,
    resolve_api,
    tiny_pdf,
)
from vetting import create_app
from vetting.config import MASTER_KEY_FILE, MASTER_KEY_NEXT_FILE, Settings, load_settings
from vetting.crypto import DecryptionError, Keyring
from vetting.instance import ensure_instance
from vetting.models import AuditEvent, Base, Candidate, User
from vetting.services import keys
from vetting.services.accounts import totp_purpose
from vetting.services.vault import wrapped_key_purpose


def runtime(app: Flask) -> Any:
    return app.extensions["vetting"]


def store_files(app: Flask) -> set[Path]:
    root = runtime(app).store.root
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def own_settings(settings: Settings, tmp_path: Path) -> Settings:
    """An instance folder of this test's own (keys, evidence), on the test database."""
    instance = tmp_path / "instance"
    ensure_instance(instance)
    return reload(instance, settings)


def reload(instance: Path, base: Settings) -> Settings:
    """Settings as a restarted process would read them from ``instance``."""
    return load_settings(
        instance, env={}, database_url=base.database_url, testing=True, password_hashing=base.password_hashing
    )


@pytest.fixture
def own_app(own_settings: Settings) -> Iterator[Flask]:
    application = create_app(own_settings)
    yield application
    runtime(application).db.dispose()


@pytest.fixture
def world(app: Flask) -> World:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    return world


def new_finding(app: Flask, client: FlaskClient, world: World, headers: dict[str, str]) -> int:
    response = finding_api(client, headers, world.candidate_id, world.items[0])
    assert response.status_code == 201, response.get_data(as_text=True)
    finding_id: int = response.get_json()["id"]
    return finding_id


# --- SM-06: hash on receipt, type by content ----------------------------------------------------


def test_upload_is_hashed_on_receipt_and_downloads_byte_identical(
    app: Flask, client: FlaskClient, clock: Clock, world: World
) -> None:
    """SM-06: the response's sha256 is the file's; the download is the same bytes, as an attachment."""
    headers = bearer(app, world.inv)
    finding_id = new_finding(app, client, world, headers)
    content = png("screenshot of the threatening post")
    response = evidence_api(client, headers, finding_id, content, "post 1 (capture).png")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert (body["content_type"], body["size_bytes"]) == ("image/png", len(content))

    response = client.get(f"{API}/evidence/{body['id']}", headers=headers)
    assert response.status_code == 200
    assert response.data == content
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "post%201%20%28capture%29.png" in disposition
    assert response.mimetype == "application/octet-stream"  # never rendered inline
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    finding = client.get(f"{API}/findings/{finding_id}", headers=headers).get_json()
    assert [(e["id"], e["sha256"], e["filename"]) for e in finding["evidence"]] == [
        (body["id"], body["sha256"], "post 1 (capture).png")
    ]
    viewed = [e for e in audit(app) if e.event == "evidence.viewed"]
    assert [(e.actor_id, e.subject_id) for e in viewed] == [(world.inv.id, str(body["id"]))]

    login(client, world.inv, clock)  # the web page's link gives the same bytes
    response = client.get(f"/evidence/{body['id']}")
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_downloads_are_sandboxed(app: Flask, client: FlaskClient, world: World) -> None:
    """An HTML capture opened by mistake must not run in the app's origin (CSP sandbox)."""
    headers = bearer(app, world.inv)
    finding_id = new_finding(app, client, world, headers)
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    evidence_id = evidence_api(client, headers, finding_id, html, "page.html").get_json()["id"]
    response = client.get(f"{API}/evidence/{evidence_id}", headers=headers)
    assert response.data == html
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"Just a note about the post, typed by hand.\n", "notes.txt"),
        (b"This is not really an image at all", "capture.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00 an executable", "capture.jpg"),
        (b"<script>alert(1)</script>", "page.html"),
        (b"", "empty.png"),
    ],
    ids=["text", "fake-png", "executable", "script-not-html", "empty"],
)
def test_files_are_typed_by_content_not_name(
    app: Flask, client: FlaskClient, world: World, content: bytes, filename: str
) -> None:
    """ASVS 12.2.1: a text file, or one whose name claims .png, is refused 422; nothing is stored."""
    headers = bearer(app, world.inv)
    finding_id = new_finding(app, client, world, headers)
    before, files = snapshot(app), store_files(app)
    response = evidence_api(client, headers, finding_id, content, filename)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert error_of(response)["field"] == "file"
    assert snapshot(app) == before
    assert store_files(app) == files


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (tiny_pdf("archived page"), "application/pdf"),
        (b"<!DOCTYPE html><html><body>archived</body></html>", "text/html"),
        (b"\xef\xbb\xbf  <html><body>with a BOM</body></html>", "text/html"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
    ],
    ids=["pdf", "html", "html-bom", "gif"],
)
def test_accepted_evidence_types(app: Flask, client: FlaskClient, world: World, content: bytes, kind: str) -> None:
    headers = bearer(app, world.inv)
    finding_id = new_finding(app, client, world, headers)
    response = evidence_api(client, headers, finding_id, content, "capture.bin")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["content_type"] == kind


def test_tampered_store_file_is_not_served(app: Flask, client: FlaskClient, world: World) -> None:
    """The stored file is authenticated ciphertext: a changed byte is refused, never served."""
    headers = bearer(app, world.inv)
    finding_id = new_finding(app, client, world, headers)
    files = store_files(app)
    evidence_id = evidence_api(client, headers, finding_id, png(), "x.png").get_json()["id"]
    (stored,) = store_files(app) - files
    raw = bytearray(stored.read_bytes())
    raw[-1] ^= 0x01
    stored.write_bytes(bytes(raw))
    with pytest.raises(DecryptionError):  # the app is in testing mode: unexpected errors propagate
        client.get(f"{API}/evidence/{evidence_id}", headers=headers)


# --- PRODUCT.md §4: nothing in clear at rest ------------------------------------------------------


def database_text(app: Flask) -> str:
    """Every value of every row of every table, as text (works on SQLite and PostgreSQL)."""
    parts: list[str] = []
    with db(app) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_candidate_content_never_rests_in_clear(own_app: Flask, tmp_path: Path) -> None:
    """Evidence, file names, the signed form, queries, findings: ciphertext in files and in every column."""
    app, client = own_app, own_app.test_client()
    marker = f"MARKER-XYZ-{secrets.token_hex(4)}"
    world = build_world(app)
    cid = add_candidate(app, world.inv, world.cycle_id, "Morgan Marker", aliases=[f"Alias {marker}"])
    headers = bearer(app, world.inv)
    document = tiny_pdf(f"Signed consent {marker}")
    assert consent_api(client, headers, cid, document=document, filename=f"{marker}.pdf").status_code == 201
    searches = [{"query": f'"Morgan Marker" {marker}', "source": "Search engine", "result_count": 1}]
    assert resolve_api(client, headers, cid, world.items[0], searches=searches).status_code == 200
    reason = f"Blocked for {marker}"
    response = resolve_api(client, headers, cid, world.items[1], status="unable", searches=[], reason=reason)
    assert response.status_code == 200
    response = finding_api(
        client,
        headers,
        cid,
        world.items[0],
        summary=f"Summary {marker}",
        excerpt=f"Excerpt {marker}",
        source_url=f"https://social.example/{marker}",
    )
    finding_id = response.get_json()["id"]
    html = f"<!doctype html><html><body><p>{marker}</p></body></html>".encode()
    pdf = tiny_pdf(f"Capture {marker}")
    uploads = [
        evidence_api(client, headers, finding_id, html, f"{marker}.html"),
        evidence_api(client, headers, finding_id, pdf, f"{marker}.pdf"),
    ]
    assert [r.status_code for r in uploads] == [201, 201]
    response = client.post(
        f"{API}/findings/{finding_id}/validations",
        json={"method": "other", "result": "corroborates", "notes": f"Notes {marker}"},
        headers=headers,
    )
    assert response.status_code == 201

    # The content is all there, for the cycle's searcher...
    assert client.get(f"{API}/evidence/{uploads[0].get_json()['id']}", headers=headers).data == html
    assert marker in client.get(f"{API}/findings/{finding_id}", headers=headers).get_data(as_text=True)
    # ...and nowhere in clear: not in the instance folder (keys, evidence store)...
    instance = runtime(app).settings.instance_path
    assert files_containing(instance, marker.encode()) == []
    # ...not in the database files (SQLite: the file, its WAL and shared memory)...
    url = make_url(runtime(app).settings.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        database_files = list(Path(url.database).parent.glob(Path(url.database).name + "*"))
        assert database_files
        assert [p for p in database_files if marker.encode() in p.read_bytes()] == []
    # ...and not in any column of any table (the audit log included).
    text = database_text(app)
    assert "Morgan Marker" in client.get(f"{API}/candidates/{cid}", headers=headers).get_data(as_text=True)
    assert marker not in text
    assert "Morgan Marker" not in text


# --- master-key rotation ------------------------------------------------------------------------


def audit(app: Flask) -> list[AuditEvent]:
    with db(app) as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def content_setup(app: Flask) -> tuple[World, dict[str, str], int, bytes]:
    """A world with one evidence file; returns it with the searcher's headers."""
    client = app.test_client()
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    headers = bearer(app, world.inv)
    finding_id = new_finding(app, client, world, headers)
    content = png("evidence before the rotation")
    response = evidence_api(client, headers, finding_id, content, "before.png")
    assert response.status_code == 201
    evidence_id: int = response.get_json()["id"]
    return world, headers, evidence_id, content


def check_everything_readable(
    app: Flask, world: World, headers: dict[str, str], evidence_id: int, content: bytes, clock: Clock
) -> None:
    client = app.test_client()
    response = client.get(f"{API}/evidence/{evidence_id}", headers=headers)
    assert response.status_code == 200
    assert response.data == content
    response = client.get(f"{API}/candidates/{world.candidate_id}", headers=headers)
    assert response.get_json()["name"] == "Casey Candidate"
    login(client, world.inv, clock)  # TOTP seeds are readable under the new key
    assert client.get(f"/candidates/{world.candidate_id}").status_code == 200


def test_keys_rotate_cli_rewraps_and_everything_still_works(
    own_app: Flask, own_settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRODUCT.md §4: `vetting keys rotate` swaps the master key; evidence and TOTP logins survive."""
    world, headers, evidence_id, content = content_setup(own_app)
    instance = own_settings.instance_path
    old_key = own_settings.master_key
    runtime(own_app).db.dispose()

    monkeypatch.setenv("VETTING_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("VETTING_DATABASE_URL", own_settings.database_url)
    monkeypatch.delenv("VETTING_MASTER_KEY", raising=False)
    from vetting.cli import cli

    result = CliRunner().invoke(cli, ["keys", "rotate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "candidate data keys" in result.output
    assert not (instance / MASTER_KEY_NEXT_FILE).exists()

    restarted_settings = reload(instance, own_settings)
    assert restarted_settings.master_key != old_key
    assert restarted_settings.master_key_next is None
    restarted = create_app(restarted_settings)
    try:
        check_everything_readable(restarted, world, headers, evidence_id, content, clock)
        rotated = [e for e in audit(restarted) if e.event == "keys.rotated"]
        assert len(rotated) == 1
        assert '"data_keys":1' in rotated[0].data
        with db(restarted) as session:
            candidate = session.get(Candidate, world.candidate_id)
            assert candidate is not None
            assert candidate.wrapped_key is not None
            with pytest.raises(DecryptionError):  # the old key opens nothing any more
                Keyring(old_key).decrypt(candidate.wrapped_key, wrapped_key_purpose(candidate.id))
            user = session.get(User, world.inv.id)
            assert user is not None
            assert user.totp_secret_encrypted is not None
            assert not user.totp_secret_encrypted.startswith(f"v1:{Keyring(old_key).key_id}:")
    finally:
        runtime(restarted).db.dispose()


def test_a_crash_between_rewrap_and_finish_leaves_everything_readable_and_resumes(
    own_app: Flask, own_settings: Settings, clock: Clock
) -> None:
    """Rotation step 2 committed, step 3 never ran: master_key.next is loaded and opens the rewrapped keys."""
    world, headers, evidence_id, content = content_setup(own_app)
    instance = own_settings.instance_path
    old_master = (instance / MASTER_KEY_FILE).read_bytes()
    new_key = keys.prepare_next_key(instance)
    with db(own_app) as session:
        result = keys.rewrap_all(session, runtime(own_app).security.keyring, new_key)
    assert result.data_keys == 1
    assert result.totp_seeds == 5
    runtime(own_app).db.dispose()
    # ... the process dies here: finish() never runs.

    crashed_settings = reload(instance, own_settings)
    assert crashed_settings.master_key_next == new_key
    assert (instance / MASTER_KEY_FILE).read_bytes() == old_master
    crashed = create_app(crashed_settings)
    try:
        check_everything_readable(crashed, world, headers, evidence_id, content, clock)
        # Work goes on meanwhile: a candidate added now is wrapped under the still-active old key.
        later = add_candidate(crashed, world.inv, world.cycle_id, "Lee Later")
        # Resuming reuses the same next key and rewraps what is left.
        assert keys.prepare_next_key(instance) == new_key
        with db(crashed) as session:
            resumed = keys.rewrap_all(session, runtime(crashed).security.keyring, new_key)
        assert (resumed.data_keys, resumed.totp_seeds) == (1, 0)
        keys.finish(instance)
    finally:
        runtime(crashed).db.dispose()

    finished = create_app(reload(instance, own_settings))
    try:
        assert runtime(finished).settings.master_key == new_key
        check_everything_readable(finished, world, headers, evidence_id, content, clock)
        response = finished.test_client().get(f"{API}/candidates/{later}", headers=headers)
        assert response.get_json()["name"] == "Lee Later"
    finally:
        runtime(finished).db.dispose()


def test_a_candidate_added_by_a_running_server_during_rotation_stays_readable(
    own_app: Flask, own_settings: Settings, clock: Clock
) -> None:
    world, headers, _evidence_id, _content = content_setup(own_app)
    instance = own_settings.instance_path
    new_key = keys.prepare_next_key(instance)  # `vetting keys rotate` runs in another process...
    with db(own_app) as session:
        keys.rewrap_all(session, Keyring(own_settings.master_key), new_key)
    keys.finish(instance)
    late = add_candidate(own_app, world.inv, world.cycle_id, "Rita Running")  # ...while the server works on
    runtime(own_app).db.dispose()

    restarted = create_app(reload(instance, own_settings))
    try:
        response = restarted.test_client().get(f"{API}/candidates/{late}", headers=headers)
        assert response.status_code == 200
        assert response.get_json()["name"] == "Rita Running"
    finally:
        runtime(restarted).db.dispose()


def test_totp_purpose_is_bound() -> None:
    """A wrapped data key cannot be passed off as a TOTP seed (purpose-bound ciphertext)."""
    keyring = Keyring(secrets.token_bytes(32))
    token = keyring.encrypt(b"k" * 32, wrapped_key_purpose(1))
    with pytest.raises(DecryptionError):
        keyring.decrypt(token, totp_purpose(1))


def multipart(fields: dict[str, str], file_field: str, content: bytes, filename: str) -> tuple[bytes, str]:
    """A multipart body built by hand: the test client spools large generated bodies to a file it never closes."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_upload_limits_are_per_route(app: Flask, client: FlaskClient) -> None:
    """Evidence may exceed the app-wide 1 MB body limit; a signed form above 10 MB is refused 413."""
    world = build_world(app)
    headers = bearer(app, world.inv)
    assert consent_api(client, headers, world.candidate_id).status_code == 201
    finding_id = new_finding(app, client, world, headers)
    big_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024)
    body, content_type = multipart({}, "file", big_png, "large.png")
    response = client.post(
        f"{API}/findings/{finding_id}/evidence", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["size_bytes"] == len(big_png)

    other = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    before = snapshot(app)
    too_big = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    body, content_type = multipart({"signed_on": "2026-10-01", "method": "wet_ink"}, "document", too_big, "scan.pdf")
    response = client.post(f"{API}/candidates/{other}/consent", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert snapshot(app) == before
