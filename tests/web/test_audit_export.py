"""The audit chain for an outside auditor (PRODUCT.md §4): the chain check, the JSON Lines export
and its standalone verifier, the command-line export, and the audit log's filters.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from tests.support import Clock, Person, login, runtime_of
from tests.web.helpers import db
from tests.web.world import (
    API,
    World,
    add_candidate,
    add_evidence,
    add_finding,
    bearer,
    build_world,
    error_of,
    record_consent,
    resolve,
    user_in,
)
from vetting.audit import writer
from vetting.audit.chain import canonical_json, public_key_pem
from vetting.audit.events import Event
from vetting.audit.export import main as verify_main
from vetting.cli import cli
from vetting.models import AuditCheckpoint, AuditEvent, Evidence, Finding
from vetting.services import audit_log, findings

PROJECT = Path(__file__).resolve().parents[2]
#: Runs the verifier with every application library made unimportable.
ISOLATED = (
    "import sys; [sys.modules.__setitem__(m, None) for m in ('flask', 'sqlalchemy', 'jinja2', 'argon2', "
    "'weasyprint', 'flask_login', 'flask_wtf', 'psycopg', 'alembic')]; "
    "from vetting.audit.export import main; sys.exit(main(sys.argv[1:]))"
)


def public_pem(app: Flask) -> str:
    return public_key_pem(runtime_of(app).settings.audit_signing_key.public_key())


def write_pem(app: Flask, tmp_path: Path) -> Path:
    path = tmp_path / "audit_signing_key.pub.pem"
    path.write_text(public_pem(app))
    return path


def events(app: Flask, name: str | None = None) -> list[AuditEvent]:
    with db(app) as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if name is not None:
            query = query.where(AuditEvent.event == name)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def newest_checkpoint(app: Flask) -> int:
    with db(app) as session:
        return session.scalar(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1)) or 0


def export_via_api(app: Flask, auditor: Person) -> bytes:
    response = app.test_client().get(f"{API}/audit/export", headers=bearer(app, auditor))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    content: bytes = response.data
    return content


def parsed(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines() if line.strip()]


def run_verifier(
    capsys: pytest.CaptureFixture[str], export: Path, public_key: Path | None = None
) -> tuple[int, str, str]:
    capsys.readouterr()
    args = [str(export)] + (["--public-key", str(public_key)] if public_key else [])
    code = verify_main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rewrite_line(content: bytes, index: int, change: Any) -> bytes:
    """``content`` with line ``index`` (0-based) parsed, changed in place by ``change``, written back."""
    lines = content.decode().splitlines(keepends=True)
    item = json.loads(lines[index])
    change(item)
    lines[index] = json.dumps(item, sort_keys=True, ensure_ascii=False) + "\n"
    return "".join(lines).encode()


def chain_world(app: Flask) -> World:
    """A world with a consented candidate, a resolved item and a finding with evidence, once viewed."""
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    evidence_id = add_evidence(app, world.inv, finding_id)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        findings.read_evidence(session, user_in(session, world.inv), rt.security, rt.store, evidence_id)
    return world


# --- 1. the chain check --------------------------------------------------------------------------


def test_auditor_verifies_the_chain(app: Flask) -> None:
    world = chain_world(app)
    headers = bearer(app, world.auditor)
    head = newest_checkpoint(app)
    response = app.test_client().get(f"{API}/audit/verify", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["broken_seq"] is None
    assert body["entries"] == head
    assert body["summary"].startswith("Audit chain OK")
    checkpoint = body["last_checkpoint"]
    assert checkpoint is not None
    assert checkpoint["seq"] == head
    with db(app) as session:
        stored = session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.seq == head))
        assert stored is not None
        assert (checkpoint["entry_hash"], checkpoint["key_id"]) == (stored.entry_hash, stored.key_id)
    assert body["public_key_pem"] == public_pem(app)
    verified = events(app, "audit.verified")
    assert len(verified) == 1
    assert verified[0].actor_id == world.auditor.id


# --- 2. the export and the standalone verifier ---------------------------------------------------


def test_export_verifies_with_the_standalone_verifier(
    app: Flask, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = chain_world(app)
    content = export_via_api(app, world.auditor)
    lines = parsed(content)
    header = lines[0]
    assert header["format"] == "vetting-audit-export/1"
    assert header["public_key_pem"] == public_pem(app)
    entries = [line for line in lines if line.get("kind") == "entry"]
    assert [e["seq"] for e in entries] == list(range(1, header["through_seq"] + 1))
    assert len(entries) > 10
    assert any(line.get("kind") == "checkpoint" for line in lines)

    export = tmp_path / "audit-export.jsonl"
    export.write_bytes(content)
    pem = write_pem(app, tmp_path)
    code, out, err = run_verifier(capsys, export, pem)
    assert code == 0, out + err
    assert "Audit chain OK" in out
    assert f"{len(entries)} entries" in out
    assert "taken from the file" not in out

    # Without the app's libraries: Python and the cryptography package are enough.
    for args in ([str(export), "--public-key", str(pem)], [str(export)]):
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-c", ISOLATED, *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=PROJECT,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Audit chain OK" in result.stdout
    assert "taken from the file" in result.stdout


def test_web_console_export_verifies_too(app: Flask, clock: Clock, tmp_path: Path) -> None:
    world = chain_world(app)
    web = app.test_client()
    login(web, world.auditor, clock)
    response = web.get("/audit/export.jsonl")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    key = web.get("/audit/public-key.pem")
    assert key.status_code == 200
    assert key.data.decode() == public_pem(app)
    export, pem = tmp_path / "web.jsonl", tmp_path / "key.pem"
    export.write_bytes(response.data)
    pem.write_bytes(key.data)
    assert verify_main([str(export), "--public-key", str(pem)]) == 0


# --- 3. tampering is found -----------------------------------------------------------------------


@pytest.fixture
def exported(app: Flask, tmp_path: Path) -> tuple[bytes, Path]:
    world = chain_world(app)
    return export_via_api(app, world.auditor), write_pem(app, tmp_path)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: e.update(event="user.deleted"), id="event"),
        pytest.param(lambda e: e.update(data=canonical_json({**json.loads(e["data"]), "x": 1})), id="data"),
        pytest.param(lambda e: e.update(actor_id=(e["actor_id"] or 0) + 1), id="actor"),
        pytest.param(lambda e: e.update(occurred_at=e["occurred_at"].replace("2026", "2025")), id="time"),
    ],
)
def test_an_altered_entry_is_named_with_its_line(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any
) -> None:
    content, pem = exported
    n = 5
    assert parsed(content)[n]["seq"] == n
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(rewrite_line(content, n, change))
    code, out, err = run_verifier(capsys, tampered, pem)
    assert code == 1, out + err
    assert f"BROKEN at entry {n} (line {n + 1})" in err
    assert "Audit chain OK" not in out + err


def test_an_altered_checkpoint_signature_is_named(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, pem = exported
    lines = parsed(content)
    index = next(i for i, line in enumerate(lines) if line.get("kind") == "checkpoint")
    checkpoint = lines[index]
    other = next(line for line in lines[index + 1 :] if line.get("kind") == "checkpoint")

    def swap(item: dict[str, Any]) -> None:
        item["signature"] = other["signature"]

    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(rewrite_line(content, index, swap))
    code, out, err = run_verifier(capsys, tampered, pem)
    assert code == 1, out + err
    assert f"checkpoint at entry {checkpoint['seq']} has a bad signature" in err


def test_a_deleted_last_entry_is_found(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, pem = exported
    lines = content.decode().splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if json.loads(line).get("kind") == "entry")
    last_seq = json.loads(lines[last])["seq"]
    del lines[last]
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines))
    code, out, err = run_verifier(capsys, tampered, pem)
    assert code == 1, out + err
    assert f"BROKEN at entry {last_seq}" in err
    assert "truncated" in err


def test_a_cut_that_also_drops_the_newest_checkpoint_is_found(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The remaining prefix is signed on its own; the header's entry count still gives the cut away."""
    content, pem = exported
    lines = content.decode().splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if json.loads(line).get("kind") == "entry")
    last_seq = json.loads(lines[last])["seq"]
    newest = max(i for i, line in enumerate(lines) if json.loads(line).get("kind") == "checkpoint")
    assert json.loads(lines[newest])["seq"] == last_seq
    kept = [line for i, line in enumerate(lines) if i not in (last, newest)]
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(kept))
    code, out, err = run_verifier(capsys, tampered, pem)
    assert code == 1, out + err
    assert f"BROKEN at entry {last_seq}" in err
    assert f"runs to entry {last_seq}" in err


def test_a_cut_at_a_checkpoint_with_its_header_edited_is_found(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14: the header is signed, so a cut that edits it to match an older checkpoint fails."""
    content, pem = exported
    lines = parsed(content)
    header = lines[0]
    assert header["signature"]
    assert header["through_hash"] == next(e["entry_hash"] for e in lines if e.get("seq") == header["through_seq"])
    older = sorted({line["seq"] for line in lines if line.get("kind") == "checkpoint"})[-3]
    kept = [line for line in lines[1:] if line["seq"] <= older]
    edited = {**header, "through_seq": older}
    edited["through_hash"] = next(e["entry_hash"] for e in kept if e.get("kind") == "entry" and e["seq"] == older)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in [edited, *kept]))
    for key in (pem, None):
        code, out, err = run_verifier(capsys, tampered, key)
        assert code == 1, out + err
        assert "BROKEN at its header (line 1)" in err
        assert "bad signature" in err
    # Dropping the signature as well makes it an unsigned header: refused unless asked for.
    del edited["signature"]
    tampered.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in [edited, *kept]))
    code, out, err = run_verifier(capsys, tampered, pem)
    assert code == 1, out + err
    assert "not signed" in err
    assert verify_main([str(tampered), "--public-key", str(pem), "--accept-unsigned-header"]) == 0
    assert "Warning: the header is not signed" in capsys.readouterr().out


def test_a_deleted_middle_entry_is_found(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, pem = exported
    lines = content.decode().splitlines(keepends=True)
    del lines[4]  # entry 4
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines))
    code, out, err = run_verifier(capsys, tampered, pem)
    assert code == 1, out + err
    assert "BROKEN at entry 4" in err
    assert "missing" in err


def test_another_public_key_fails(
    exported: tuple[bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, _ = exported
    export = tmp_path / "export.jsonl"
    export.write_bytes(content)
    stranger = tmp_path / "stranger.pem"
    stranger.write_text(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    code, out, err = run_verifier(capsys, export, stranger)
    assert code == 1, out + err
    assert "bad signature" in err
    assert "Audit chain OK" not in out


def test_a_file_that_is_not_an_export_is_refused_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], app: Flask
) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": "world"}\n')
    code, _, err = run_verifier(capsys, junk, write_pem(app, tmp_path))
    assert code == 2
    assert "line 1" in err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"format": "vetting-audit-export/1"}\nnot json\n')
    code, _, err = run_verifier(capsys, broken)
    assert code == 2
    assert "line 2" in err


# --- 4. the export is itself on the chain --------------------------------------------------------


def test_export_is_recorded_with_its_hash_and_stops_at_the_newest_checkpoint(app: Flask, tmp_path: Path) -> None:
    world = chain_world(app)
    headers = bearer(app, world.auditor)
    head = newest_checkpoint(app)
    response = app.test_client().get(f"{API}/audit/export", headers=headers)
    assert response.status_code == 200
    content = response.data
    assert f"audit-export-{head}.jsonl" in response.headers["Content-Disposition"]

    recorded = events(app, "audit.exported")
    assert len(recorded) == 1
    event = recorded[0]
    assert event.actor_id == world.auditor.id
    assert audit_log.event_data(event) == {"through_seq": head, "sha256": hashlib.sha256(content).hexdigest()}
    assert event.seq == head + 1
    lines = parsed(content)
    assert lines[0]["through_seq"] == head
    seqs = [line["seq"] for line in lines if line.get("kind") == "entry"]
    assert seqs == list(range(1, head + 1))
    assert "audit.exported" not in {line.get("event") for line in lines}
    # The export's own event is covered by the next export.
    later = parsed(export_via_api(app, world.auditor))
    assert any(line.get("event") == "audit.exported" and line["seq"] == event.seq for line in later)


def test_entries_after_the_newest_checkpoint_are_left_out(
    app: Flask, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unsigned tail (here: its checkpoints removed) is not exported, so the export still verifies."""
    world = chain_world(app)
    headers = bearer(app, world.auditor)
    with db(app) as session:
        seqs = list(session.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)))
        assert len(seqs) >= 3
        kept = seqs[-3]
        session.execute(text("DELETE FROM audit_checkpoints WHERE seq > :seq"), {"seq": kept})
    head = events(app)[-1].seq
    assert head > kept

    response = app.test_client().get(f"{API}/audit/export", headers=headers)
    assert response.status_code == 200
    lines = parsed(response.data)
    assert lines[0]["through_seq"] == kept
    assert [line["seq"] for line in lines if line.get("kind") == "entry"] == list(range(1, kept + 1))
    assert max(line["seq"] for line in lines if line.get("kind") == "checkpoint") == kept
    assert audit_log.event_data(events(app, "audit.exported")[0])["through_seq"] == kept

    export = tmp_path / "export.jsonl"
    export.write_bytes(response.data)
    code, out, err = run_verifier(capsys, export, write_pem(app, tmp_path))
    assert code == 0, out + err
    assert f"{kept} entries" in out


# --- 5. the command line -------------------------------------------------------------------------


def test_cli_audit_export_writes_a_file_that_verifies(
    app: Flask, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain_world(app)
    head = newest_checkpoint(app)
    output = tmp_path / "cli-export.jsonl"
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["audit", "export", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert output.is_file()
    assert f"audit-export-{head}.jsonl" in result.output
    content = output.read_bytes()
    code, out, err = run_verifier(capsys, output, write_pem(app, tmp_path))
    assert code == 0, out + err
    assert "Audit chain OK" in out

    recorded = events(app, "audit.exported")
    assert len(recorded) == 1
    assert recorded[0].actor_id is None
    assert audit_log.event_data(recorded[0]) == {"through_seq": head, "sha256": hashlib.sha256(content).hexdigest()}

    # Without -o the file goes to standard output; the chain still verifies afterwards.
    result = runner.invoke(cli, ["audit", "export"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["through_seq"] == head + 1
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit chain OK" in result.output


# --- 6. filtering the audit log ------------------------------------------------------------------


def at(clock: Clock, moment: datetime) -> None:
    clock.now = moment


#: The event the markers record (nothing else in the world records it).
MARKER = Event.HOLIDAY_ADDED


def marker(app: Flask) -> int:
    """Record one event at the clock's time; its seq (given at the commit)."""
    with db(app) as session:
        entry = writer.record(session, None, MARKER)
    return entry.seq


def api_events(client: FlaskClient, headers: dict[str, str], **query: object) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit/events", query_string={"limit": 500, **query}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    found: list[dict[str, Any]] = response.get_json()["events"]
    return found


SEQ_RE = re.compile(r"<tr>\s*<td>(\d+)</td>")


def web_seqs(client: FlaskClient, **query: object) -> list[int]:
    response = client.get("/audit", query_string=query)
    assert response.status_code == 200, response.status_code
    return [int(s) for s in SEQ_RE.findall(response.get_data(as_text=True))]


def test_events_about_one_candidate_its_findings_and_evidence(app: Flask, clock: Clock) -> None:
    world = chain_world(app)
    other = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    record_consent(app, world.inv, other)
    other_finding = add_finding(app, world.inv, other, world.items[0])
    with db(app) as session:
        found_ids = set(session.scalars(select(Finding.id).where(Finding.candidate_id == world.candidate_id)))
        evidence_ids = session.scalars(select(Evidence.id).where(Evidence.finding_id.in_(found_ids)))
        subjects = {
            ("candidate", str(world.candidate_id)),
            *(("finding", str(f)) for f in found_ids),
            *(("evidence", str(e)) for e in evidence_ids),
        }
    assert {t for t, _ in subjects} == {"candidate", "finding", "evidence"}

    client, headers = app.test_client(), bearer(app, world.auditor)
    found = api_events(client, headers, candidate_id=world.candidate_id)
    expected = [e.seq for e in reversed(events(app)) if (e.subject_type, e.subject_id) in subjects]  # newest first
    assert [e["seq"] for e in found] == expected
    assert {e["subject_type"] for e in found} == {"candidate", "finding", "evidence"}
    assert all((e["subject_type"], e["subject_id"]) in subjects for e in found)
    assert ("finding", str(other_finding)) not in {(e["subject_type"], e["subject_id"]) for e in found}

    theirs = api_events(client, headers, candidate_id=other)
    assert theirs
    assert not {e["seq"] for e in theirs} & set(expected)

    web = app.test_client()
    login(web, world.auditor, clock)
    assert web_seqs(web, candidate_id=world.candidate_id) == expected


def test_events_between_whole_days_and_by_actor(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    day = datetime(2026, 11, 10, tzinfo=UTC)
    at(clock, day - timedelta(microseconds=1))
    before = marker(app)
    at(clock, day)
    first = marker(app)
    clock.advance(hours=12)
    middle = marker(app)
    at(clock, day + timedelta(days=1) - timedelta(microseconds=1))
    last = marker(app)
    at(clock, day + timedelta(days=1))
    after = marker(app)
    clock.advance(days=2)

    client, headers = app.test_client(), bearer(app, world.auditor)

    def seqs(**query: object) -> list[int]:
        return [e["seq"] for e in api_events(client, headers, **query) if e["event"] == MARKER]

    assert seqs(since="2026-11-10", until="2026-11-10") == [last, middle, first]
    assert seqs(since="2026-11-11") == [after]
    assert seqs(until="2026-11-09") == [before]
    assert seqs(since="2026-11-09", until="2026-11-11") == [after, last, middle, first, before]
    assert seqs(since="2026-11-12") == []
    # Everything before the day (the world was built on 2 November) is excluded from since=.
    assert all(e["seq"] >= first for e in api_events(client, headers, since="2026-11-10"))

    mine = api_events(client, headers, actor_id=world.admin.id)
    assert mine
    assert all(e["actor_id"] == world.admin.id for e in mine)
    assert {e["seq"] for e in mine} == {e.seq for e in events(app) if e.actor_id == world.admin.id}
    both = api_events(client, headers, actor_id=world.inv.id, since="2026-11-10")
    assert both == []

    for name, value in (("since", "2026-13-01"), ("until", "yesterday"), ("since", "10/11/2026")):
        response = client.get(f"{API}/audit/events", query_string={name: value}, headers=headers)
        assert response.status_code == 422, (name, value)
        assert error_of(response)["field"] == name
    response = client.get(f"{API}/audit/events", query_string={"actor_id": "me"}, headers=headers)
    assert response.status_code == 422
    assert error_of(response)["field"] == "actor_id"

    web = app.test_client()
    login(web, world.auditor, clock)
    window = [e for e in web_seqs(web, since="2026-11-10", until="2026-11-10") if e in {first, middle, last, before}]
    assert window == [last, middle, first]
    assert set(web_seqs(web, since="2026-11-10", until="2026-11-10")) == {first, middle, last}
    assert set(web_seqs(web, actor_id=world.admin.id)) == {e["seq"] for e in mine}
    assert web.get("/audit", query_string={"since": "2026-13-01"}).status_code == 422


# --- 7. only auditors ----------------------------------------------------------------------------


def test_non_auditors_cannot_export_or_verify(app: Flask, clock: Clock) -> None:
    world = chain_world(app)
    client = app.test_client()
    for person in (world.admin, world.inv, world.board, world.outsider):
        headers = bearer(app, person)
        for path in ("/audit/export", "/audit/verify", "/audit/events"):
            response = client.get(f"{API}{path}", headers=headers)
            assert response.status_code == 403, (person.email, path, response.status_code)
            assert error_of(response)["code"]
    assert events(app, "audit.exported") == []
    assert events(app, "audit.verified") == []
    for person in (world.admin, world.board):
        web = app.test_client()
        login(web, person, clock)
        for path in ("/audit/export.jsonl", "/audit/public-key.pem", "/audit"):
            assert web.get(path).status_code == 403, (person.email, path)
    assert events(app, "audit.exported") == []
