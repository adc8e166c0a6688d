"""Production bundles (issue 15 point 5, RET-08): made through the API as a job, checked with
``vetting production verify``; one byte changed in any file, an edited manifest, a missing or an
extra file each fail naming it; records officers only; a disposed candidate is refused."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import Clock, Person, csrf_from, login, make_user, runtime_of
from tests.web.board_world import PROTECTED_SUMMARY, build_board_world
from tests.web.records_world import production_form
from tests.web.world import API, add_candidate, add_evidence, bearer, error_of, user_in
from vetting.audit.bundle import MANIFEST_JSON, check_bundle
from vetting.audit.chain import public_key_pem
from vetting.config import Settings
from vetting.models import AuditEvent, Candidate, Duty, Finding, Role
from vetting.services import access_review, cycles, holds

PROTECTED_WORDS = ("baby shower", "St. Mary")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the instance folder's is shared by the whole run)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


@pytest.fixture
def officer(app: Flask) -> Person:
    return make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")


def _body(candidate_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "candidate_ids": [candidate_id],
        "purpose": "discovery",
        "reference": "Doe v. City, No. 26-cv-0141",
        "version": "recorded",
        "prefix": "VET",
        **overrides,
    }


def _produce(app: Flask, client: FlaskClient, person: Person, body: dict[str, Any]) -> bytes:
    runtime_of(app).queue.immediate = True
    headers = bearer(app, person)
    started = client.post(f"{API}/productions", json=body, headers=headers)
    assert started.status_code == 202, started.get_json()
    job = started.get_json()
    status = client.get(job["status_url"], headers=headers).get_json()
    assert status["status"] == "done", status
    result = client.get(status["result"]["url"], headers=headers)
    assert result.status_code == 200
    assert result.mimetype == "application/zip"
    return result.data


def _verify(path: Path, key: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command as an outside party runs it (the console script's entry, no app)."""
    args = [sys.executable, "-c", "from vetting.entry import main; main()", "production", "verify", str(path)]
    if key:
        args += ["--public-key", str(key)]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def _rewrite(bundle: bytes, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = change.get(info.filename, src.read(info.filename))
            if content is not None:
                dst.writestr(info.filename, content)
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def test_a_bundle_verifies_and_one_byte_changed_in_any_file_names_that_file(
    app: Flask, client: FlaskClient, officer: Person, tmp_path: Path
) -> None:
    bw = build_board_world(app, complete_search=False)
    finding_id = bw.findings[1]
    add_evidence(app, bw.world.inv, finding_id)
    bundle = _produce(app, client, officer, _body(bw.world.candidate_id))
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    key = tmp_path / "audit.pub.pem"
    key.write_text(public_key_pem(runtime_of(app).settings.audit_signing_key.public_key()))

    ok = _verify(path, key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Production bundle OK" in ok.stdout

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read(MANIFEST_JSON))
    code = manifest["candidates"][0]
    assert f"case-files/{code}.pdf" in names
    assert any(n.startswith(f"native/{code}/consent") for n in names)
    assert any(n.startswith(f"native/{code}/evidence-") for n in names)
    assert {"redaction-log.csv", "manifest.csv", MANIFEST_JSON} <= set(names)
    # Every member but the manifest itself is listed with its hash.
    assert sorted(f["path"] for f in manifest["files"]) == sorted(n for n in names if n != MANIFEST_JSON)
    # Bates numbers run on: the case file starts at 1 and the next file follows its last page.
    files = {f["path"]: f for f in manifest["files"]}
    assert files[f"case-files/{code}.pdf"]["bates_first"] == "VET-000001"
    last = int(files[f"case-files/{code}.pdf"]["bates_last"].removeprefix("VET-"))
    natives = sorted((f for f in manifest["files"] if f["path"].startswith("native/")), key=lambda f: f["bates_first"])
    assert natives[0]["bates_first"] == f"VET-{last + 1:06d}"

    for member in (n for n in names if n != MANIFEST_JSON):
        with zipfile.ZipFile(path) as archive:
            content = bytearray(archive.read(member))
        content[len(content) // 2] ^= 0x01
        broken = tmp_path / "broken.zip"
        broken.write_bytes(_rewrite(bundle, {member: bytes(content)}))
        check = check_bundle(broken)
        assert not check.ok, member
        assert check.broken == member, check.summary()
    result = _verify(broken, key)
    assert result.returncode == 1
    assert f"BROKEN at {member}" in result.stdout

    # A file dropped, and one slipped in, are named too.
    dropped = tmp_path / "dropped.zip"
    dropped.write_bytes(_rewrite(bundle, {"redaction-log.csv": None}))
    assert check_bundle(dropped).broken == "redaction-log.csv"
    extra = tmp_path / "extra.zip"
    extra.write_bytes(_rewrite(bundle, {}, add={"native/extra.txt": b"added later"}))
    assert check_bundle(extra).broken == "native/extra.txt"


def test_an_edited_manifest_fails_its_signature(
    app: Flask, client: FlaskClient, officer: Person, tmp_path: Path
) -> None:
    bw = build_board_world(app)
    bundle = _produce(app, client, officer, _body(bw.world.candidate_id))
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        manifest = json.loads(archive.read(MANIFEST_JSON))
        pdf_name = next(n for n in archive.namelist() if n.endswith(".pdf"))
        forged_pdf = archive.read(pdf_name) + b"%"
    # The forger changes a file and writes its new hash into the manifest: the signature no longer holds.
    entry = next(f for f in manifest["files"] if f["path"] == pdf_name)
    entry["sha256"] = __import__("hashlib").sha256(forged_pdf).hexdigest()
    entry["bytes"] = len(forged_pdf)
    forged = tmp_path / "forged.zip"
    forged.write_bytes(_rewrite(bundle, {pdf_name: forged_pdf, MANIFEST_JSON: json.dumps(manifest).encode()}))
    result = _verify(forged)
    assert result.returncode == 1
    assert f"BROKEN at {MANIFEST_JSON}: the signature does not match" in result.stdout
    # Signed with another key: refused when the agency's published key is given.
    other = tmp_path / "other.pub.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other.write_text(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    good = tmp_path / "good.zip"
    good.write_bytes(bundle)
    assert _verify(good).returncode == 0
    assert _verify(good, other).returncode == 1


def test_the_released_version_redacts_logs_by_exemption_and_withholds_raw_captures(
    app: Flask, client: FlaskClient, officer: Person, tmp_path: Path
) -> None:
    bw = build_board_world(app, complete_search=False)
    add_evidence(app, bw.world.inv, bw.findings[0])
    bundle = _produce(app, client, officer, _body(bw.world.candidate_id, version="released", prefix="PRA-26"))
    path = tmp_path / "released.zip"
    path.write_bytes(bundle)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        log = archive.read("redaction-log.csv").decode()
        pdf = next(archive.read(n) for n in names if n.endswith(".pdf"))
    assert not any("evidence-" in n for n in names)
    assert "protected_class" in log
    assert "confidential_background_file" in log
    text = _pdftotext(pdf, tmp_path)
    assert "PRA-26-000001" in text
    assert "[redacted]" in text
    for words in PROTECTED_WORDS:
        assert words not in log
        assert words not in text
    assert check_bundle(path).ok
    # The recorded version is the finding as written.
    recorded = _pdftotext(
        next(
            zipfile.ZipFile(io.BytesIO(_produce(app, client, officer, _body(bw.world.candidate_id)))).read(n)
            for n in names
            if n.endswith(".pdf")
        ),
        tmp_path,
    )
    assert " ".join(PROTECTED_SUMMARY.split()[:4]) in " ".join(recorded.split())


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "case.pdf"
    source.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout


def test_every_opening_is_audited_with_the_production(app: Flask, client: FlaskClient, officer: Person) -> None:
    bw = build_board_world(app)
    _produce(app, client, officer, _body(bw.world.candidate_id))
    with runtime_of(app).db.transaction() as session:
        opened = session.scalars(select(AuditEvent).where(AuditEvent.event == "production.content_opened")).all()
        made = session.scalars(select(AuditEvent).where(AuditEvent.event == "production.made")).all()
        assert [e.subject_id for e in opened] == [str(bw.world.candidate_id)]
        data = json.loads(opened[0].data)
        assert data["production"].startswith("job-")
        assert data["purpose"] == "discovery"
        assert "Doe" not in opened[0].data  # the reference's text stays on the job; its hash is audited
        assert json.loads(made[0].data)["production"] == data["production"]
    # The access review names the production as the opening's reason.
    with runtime_of(app).db.transaction() as session:
        auditor = user_in(session, bw.world.auditor)
        reasons = [view.reason or "" for view in access_review.review(session, auditor).views]
    assert any(r.startswith(f"production {data['production']} (Discovery demand") for r in reasons), reasons


def test_only_records_officers_produce_and_never_a_disposed_candidate(
    app: Flask, client: FlaskClient, officer: Person
) -> None:
    bw = build_board_world(app)
    for person in (bw.world.admin, bw.world.inv, bw.world.board, bw.world.auditor, bw.second):
        answer = client.post(f"{API}/productions", json=_body(bw.world.candidate_id), headers=bearer(app, person))
        assert answer.status_code == 403, person
    headers = bearer(app, officer)
    bad = client.post(f"{API}/productions", json=_body(bw.world.candidate_id, purpose="curiosity"), headers=headers)
    assert bad.status_code == 422
    assert "purpose" in json.dumps(error_of(bad))
    # A records officer who sat on the cycle's board may not produce its records (R2 extended).
    both = make_user(app, "both@x.test", Role.BOARD_MEMBER, Role.RECORDS_OFFICER, name="Bo Both")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, bw.world.admin), bw.world.cycle_id, both.id, Duty.BOARD_MEMBER)
    refused = client.post(f"{API}/productions", json=_body(bw.world.candidate_id), headers=bearer(app, both))
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "separation_of_duties"
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, bw.world.candidate_id)
        assert candidate is not None
        candidate.wrapped_key = None  # what disposition leaves
        assert session.scalar(select(Finding.id).limit(1)) is not None
    disposed = client.post(f"{API}/productions", json=_body(bw.world.candidate_id), headers=headers)
    assert disposed.status_code == 409
    assert error_of(disposed)["code"] == "disposed"


def test_a_held_candidate_is_produced_and_bates_numbers_run_on_across_case_files(
    app: Flask, client: FlaskClient, officer: Person, tmp_path: Path
) -> None:
    """A hold preserves records, it does not forbid producing them (RET-02/03); the second case
    file's first page follows the first file's last Bates number."""
    bw = build_board_world(app)
    other = add_candidate(app, bw.world.admin, bw.world.cycle_id, "Olga Other")
    with runtime_of(app).db.transaction() as session:
        holds.place_hold(
            session,
            user_in(session, officer),
            holds.HoldInput("Doe v. City", "26-cv-0141", "A charge was filed", candidate_ids=[bw.world.candidate_id]),
        )
    bundle = _produce(app, client, officer, _body(bw.world.candidate_id, candidate_ids=[bw.world.candidate_id, other]))
    path = tmp_path / "two.zip"
    path.write_bytes(bundle)
    assert check_bundle(path).ok
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST_JSON))
        numbered = [f for f in manifest["files"] if f["bates_first"]]
        first_pdf = archive.read(numbered[0]["path"])
    assert numbered[0]["path"].startswith("case-files/")
    assert "Doe v. City" in _pdftotext(first_pdf, tmp_path)  # the hold is stated on the case file
    for before, after in itertools.pairwise(numbered):
        assert int(after["bates_first"][4:]) == int(before["bates_last"][4:]) + 1, (before, after)
    second = next(f for f in numbered if f["path"].startswith("case-files/") and f is not numbered[0])
    assert f"VET-{int(second['bates_first'][4:]):06d}" in _pdftotext(
        zipfile.ZipFile(path).read(second["path"]), tmp_path
    )
    assert manifest["bates_pages"] == int(numbered[-1]["bates_last"][4:])


def test_the_page_starts_a_bundle_and_lists_it(app: Flask, client: FlaskClient, officer: Person, clock: Clock) -> None:
    bw = build_board_world(app)
    runtime_of(app).queue.immediate = True
    login(client, officer, clock)
    page = client.get("/productions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Prepare the bundle" in text
    assert 'href="/productions"' in client.get("/retention").get_data(as_text=True)
    bad = client.post(
        "/productions",
        data={**production_form(bw.world.candidate_id), "candidate_ids": "C-1", "csrf_token": csrf_from(text)},
    )
    assert bad.status_code == 422
    assert "whole numbers" in bad.get_data(as_text=True)
    started = client.post(
        "/productions", data={**production_form(bw.world.candidate_id), "csrf_token": csrf_from(text)}
    )
    assert started.status_code == 303
    status = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Production bundle" in status
    listed = client.get("/productions").get_data(as_text=True)
    assert "records_request" in listed
    assert "done" in listed
    for person in (bw.world.admin, bw.world.inv, bw.world.board, bw.world.auditor):
        other = FlaskClient(app, app.response_class)
        login(other, person, clock)
        assert other.get("/productions").status_code == 403, person
