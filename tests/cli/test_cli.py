"""The ``vetting`` console script, run as a real subprocess against a real instance folder."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.cli.conftest import VETTING, Instance, copy_instance, output_of, run_vetting
from vetting import create_app
from vetting.audit.chain import EntryFields
from vetting.config import (
    AUDIT_KEY_FILE,
    AUDIT_PUBLIC_KEY_FILE,
    MASTER_KEY_FILE,
    SECRET_KEY_FILE,
    load_settings,
)
from vetting.migrate import alembic_config
from vetting.models import AuditCheckpoint, AuditEvent
from vetting.services import tokens, users

SECRET_FILES = (SECRET_KEY_FILE, MASTER_KEY_FILE, AUDIT_KEY_FILE)
KEY_FILES = (*SECRET_FILES, AUDIT_PUBLIC_KEY_FILE)
DEMO_EMAILS = (
    "admin@demo.test",
    "inv1@demo.test",
    "inv2@demo.test",
    "board1@demo.test",
    "board2@demo.test",
    "board3@demo.test",
    "auditor@demo.test",
    "records@demo.test",
    "records2@demo.test",
)
DEMO_PASSWORD = "demo-vetting-2026"
BROKEN_RE = re.compile(r"BROKEN at entry (\d+)")


def _counts(instance: Instance) -> dict[str, object]:
    return {
        table: instance.scalar(f"SELECT COUNT(*) FROM {table}")
        for table in ("users", "user_roles", "cycles", "assignments", "sensitive_designations", "audit_events")
    }


def _demo_secrets(output: str) -> dict[str, str]:
    found = dict(re.findall(r"^\s+(\S+@demo\.test)\s+\S+\s+([A-Z2-7]{16,})\s*$", output, flags=re.MULTILINE))
    assert set(found) == set(DEMO_EMAILS), output
    return found


def _assert_clean_failure(result: subprocess.CompletedProcess[str]) -> str:
    out = output_of(result)
    assert result.returncode != 0, out
    assert "Traceback" not in out, out
    return out


# --- init -------------------------------------------------------------------------------


def test_init_creates_the_keys_private_and_is_idempotent(instance: Instance) -> None:
    for name in KEY_FILES:
        assert (instance.path / name).is_file(), name
        assert f"created {instance.path / name}" in instance.outputs["init"].stdout
    for name in SECRET_FILES:
        mode = stat.S_IMODE((instance.path / name).stat().st_mode)
        assert mode == 0o600, f"{name} has mode {oct(mode)}"
    before = {name: (instance.path / name).read_bytes() for name in KEY_FILES}
    users_before = instance.scalar("SELECT COUNT(*) FROM users")

    again = instance.run("init")

    assert again.returncode == 0, output_of(again)
    assert "created " not in again.stdout, again.stdout
    assert {name: (instance.path / name).read_bytes() for name in KEY_FILES} == before
    for name in SECRET_FILES:
        assert stat.S_IMODE((instance.path / name).stat().st_mode) == 0o600
    # The second init migrates (a no-op) and leaves the data alone.
    assert instance.scalar("SELECT COUNT(*) FROM users") == users_before
    head = ScriptDirectory.from_config(alembic_config(instance.database_url)).get_current_head()
    assert instance.scalar("SELECT version_num FROM alembic_version") == head


def _uninitialised_env(instance: Instance, tmp_path: Path) -> dict[str, str]:
    return {**instance.env(), "VETTING_INSTANCE_PATH": str(tmp_path / "not-initialised")}


def test_a_command_before_init_says_to_run_init(instance: Instance, tmp_path: Path) -> None:
    result = run_vetting(_uninitialised_env(instance, tmp_path), tmp_path, "demo")
    out = _assert_clean_failure(result)
    assert "vetting init" in out
    assert not (tmp_path / "not-initialised").exists()


def test_help_before_init_shows_no_traceback(instance: Instance, tmp_path: Path) -> None:
    result = run_vetting(_uninitialised_env(instance, tmp_path), tmp_path, "--help")
    assert result.returncode == 0
    assert "init" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr


def _fresh_env(instance: Instance, path: Path) -> dict[str, str]:
    """A new instance folder with no agency name in the environment."""
    env = {**instance.env(), "VETTING_INSTANCE_PATH": str(path)}
    del env["VETTING_AGENCY_NAME"]
    return env


def _init(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``vetting init`` with no terminal on stdin (as in a deploy script)."""
    return subprocess.run(  # noqa: PLW1510 - callers assert on the exit code
        [str(VETTING), "init", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_without_an_agency_name_and_no_terminal_says_how_to_give_one(instance: Instance, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    result = _init(_fresh_env(instance, folder), tmp_path)
    out = _assert_clean_failure(result)
    assert "--agency-name" in out
    assert "VETTING_AGENCY_NAME" in out
    assert not folder.exists()  # nothing half-made


def test_init_saves_the_agency_name_and_keeps_it(instance: Instance, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    env = _fresh_env(instance, folder)
    first = _init(env, tmp_path, "--agency-name", "  Springfield   Police Department ")
    assert first.returncode == 0, output_of(first)
    assert "Agency name saved" in first.stdout
    assert load_settings(folder, env={}).agency_name == "Springfield Police Department"
    # Later inits (a deploy script, make run's default) keep the configured name.
    for args in ((), ("--default-agency-name", "Demo Police Department")):
        again = _init(env, tmp_path, *args)
        assert again.returncode == 0, output_of(again)
        assert "Agency name saved" not in again.stdout
        assert load_settings(folder, env={}).agency_name == "Springfield Police Department"
    # Naming it again replaces the name and leaves the rest of config.toml as it was.
    config = folder / "config.toml"
    config.write_text(config.read_text() + 'login_banner = "Authorized use only."\n')
    renamed = _init(env, tmp_path, "--agency-name", 'Shelby County "North" Sheriff')
    assert renamed.returncode == 0, output_of(renamed)
    settings = load_settings(folder, env={})
    assert settings.agency_name == 'Shelby County "North" Sheriff'
    assert settings.login_banner == "Authorized use only."
    assert config.read_text().count("agency_name =") == 1
    refused = _init(env, tmp_path, "--agency-name", "   ")
    assert "agency name is empty" in _assert_clean_failure(refused)


def test_init_asks_for_the_agency_name_at_a_terminal(instance: Instance, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    terminal, child = os.openpty()
    try:
        process = subprocess.Popen(
            [str(VETTING), "init"],
            env=_fresh_env(instance, folder),
            cwd=tmp_path,
            stdin=child,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(child)
        os.write(terminal, b"Riverside Police Department\n")
        out, err = process.communicate(timeout=120)
    finally:
        os.close(terminal)
    assert process.returncode == 0, out + err
    assert "Agency name" in out
    assert load_settings(folder, env={}).agency_name == "Riverside Police Department"


def test_an_instance_from_before_the_agency_name_still_starts(instance: Instance, tmp_path: Path) -> None:
    """Keys but no agency name: the app starts (documents are refused until it is set, tests/web)."""
    env = {"VETTING_DATABASE_URL": instance.database_url} if instance.pg else {}
    assert not (instance.path / "config.toml").exists()
    settings = load_settings(instance.path, env=env, testing=True)
    assert settings.agency_name is None
    assert create_app(settings).test_client().get("/healthz").status_code == 200


# --- demo, totp, tokens -------------------------------------------------------------------


def test_demo_prints_every_account_and_the_password(instance: Instance) -> None:
    out = instance.outputs["demo"].stdout
    for email in DEMO_EMAILS:
        assert email in out
    assert DEMO_PASSWORD in out
    _demo_secrets(out)


def test_demo_is_idempotent(instance: Instance) -> None:
    before = _counts(instance)
    assert before["users"] == len(DEMO_EMAILS)
    assert before["assignments"] == 5
    assert before["cycles"] == 2  # the open cycle, and the 2023 one whose candidate was disposed of

    again = instance.run("demo")

    assert again.returncode == 0, output_of(again)
    assert _counts(instance) == before
    # The same accounts, with the same authenticator secrets: nothing was re-created.
    assert _demo_secrets(again.stdout) == _demo_secrets(instance.outputs["demo"].stdout)


def test_totp_prints_the_current_code(instance: Instance) -> None:
    secret = _demo_secrets(instance.outputs["demo"].stdout)["inv1@demo.test"]
    start = datetime.now(UTC)
    result = instance.run("totp", "inv1@demo.test")
    end = datetime.now(UTC)
    assert result.returncode == 0, output_of(result)
    code = result.stdout.strip()
    assert re.fullmatch(r"\d{6}", code), result.stdout
    totp = pyotp.TOTP(secret)
    valid = {totp.at(start + timedelta(seconds=s)) for s in range(0, int((end - start).total_seconds()) + 31, 30)}
    valid.add(totp.at(end))
    assert code in valid


def _app_for(instance: Instance) -> Flask:
    env = {"VETTING_DATABASE_URL": instance.database_url} if instance.pg else {}
    return create_app(load_settings(instance.path, env=env, testing=True))


def test_tokens_create_prints_a_working_token_last(instance: Instance) -> None:
    result = instance.run("tokens", "create", "auditor@demo.test")
    assert result.returncode == 0, output_of(result)
    token = result.stdout.strip().splitlines()[-1].strip()

    app = _app_for(instance)
    try:
        client = app.test_client()
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["email"] == "auditor@demo.test"
        assert response.get_json()["roles"] == ["auditor"]
        wrong = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token[:-2]}xx"})
        assert wrong.status_code == 401
    finally:
        app.extensions["vetting"].db.dispose()


def test_api_me_of_a_demo_investigator_lists_the_demo_cycle(instance: Instance) -> None:
    app = _app_for(instance)
    try:
        rt = app.extensions["vetting"]
        with rt.db.transaction() as session:
            user = users.find_user_by_email(session, "inv1@demo.test")
            assert user is not None
            token = tokens.create_token(session, None, user)
        response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.status_code
        assert [a["cycle_title"] for a in response.get_json()["assignments"]] == ["Police Officer Recruit"]
    finally:
        app.extensions["vetting"].db.dispose()


# --- users create -------------------------------------------------------------------------


def test_users_create_with_an_invalid_email_names_the_field_and_writes_nothing(instance: Instance) -> None:
    before = _counts(instance)
    result = instance.run("users", "create", "--email", "not-an-email", "--name", "Nia Newcomer", "--role", "admin")
    out = _assert_clean_failure(result)
    assert "(email)" in out, out
    assert _counts(instance) == before


def test_users_create_refuses_an_auditor_with_another_role(instance: Instance) -> None:
    before = _counts(instance)
    args = ("--email", "aud2@demo.test", "--name", "Second Auditor", "--role", "auditor", "--role", "admin")
    result = instance.run("users", "create", *args)
    out = _assert_clean_failure(result)
    assert "auditor" in out.lower(), out
    assert "roles" in out, out
    assert _counts(instance) == before
    assert instance.scalar("SELECT COUNT(*) FROM users WHERE email = 'aud2@demo.test'") == 0


# --- audit verify -------------------------------------------------------------------------


def test_audit_verify_passes_on_the_demo_database(instance: Instance) -> None:
    entries = instance.scalar("SELECT COUNT(*) FROM audit_events")  # the check is recorded after them
    result = instance.run("audit", "verify")
    assert result.returncode == 0, output_of(result)
    assert f"Audit chain OK: {entries} entries" in result.stdout


def _pick(seqs: list[int], where: str) -> int:
    return {"first": seqs[0], "middle": seqs[len(seqs) // 2], "last": seqs[-1]}[where]


def _rewrite_with_valid_hash(session: Session, seq: int) -> None:
    """Change an entry and store a hash that matches its new content (a careful forger)."""
    entry = session.get(AuditEvent, seq)
    assert entry is not None
    fields = entry.fields()
    forged = EntryFields(**{**fields.__dict__, "event": "user.forged"})
    session.execute(
        text("UPDATE audit_events SET event = :event, entry_hash = :hash WHERE seq = :seq"),
        {"event": forged.event, "hash": forged.compute_hash(), "seq": seq},
    )


TAMPERS = {
    "data": "UPDATE audit_events SET data = :json WHERE seq = :seq",
    "event": "UPDATE audit_events SET event = 'user.deleted' WHERE seq = :seq",
    "subject": "UPDATE audit_events SET subject_id = '999' WHERE seq = :seq",
    "seq": "UPDATE audit_events SET seq = seq + 100000 WHERE seq = :seq",
    "checkpoint": "UPDATE audit_checkpoints SET entry_hash = :zeros WHERE seq = :seq",
}
#: (which entry, how): one plain SQL UPDATE of one audit row each. "seq" renumbers the entry;
#: "rehashed" also stores a hash that matches the new content (a careful forger); "checkpoint"
#: alters the signed checkpoint at that entry instead.
TAMPER_CASES = [
    ("first", "data"),
    ("middle", "event"),
    ("last", "subject"),
    ("middle", "seq"),
    ("middle", "rehashed"),
    ("last", "rehashed"),
    ("last", "checkpoint"),
]


def _tamper(instance: Instance, where: str, how: str) -> int:
    """Alter one audit row of ``instance`` with plain SQL; return the entry number it concerns."""
    engine = instance.engine()
    try:
        with Session(engine) as session, session.begin():
            seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
            assert len(seqs) >= 10
            seq = _pick(seqs, where)
            if how == "rehashed":
                _rewrite_with_valid_hash(session, seq)
            else:
                if how == "checkpoint":
                    assert session.scalar(select(AuditCheckpoint.id).where(AuditCheckpoint.seq == seq)) is not None
                params = {"seq": seq, "zeros": "0" * 64, "json": '{"tampered":true}'}
                updated = session.execute(text(TAMPERS[how]), params)
                assert updated.rowcount == 1
    finally:
        engine.dispose()
    return seq


@pytest.fixture(scope="module")
def tamper_runs(
    instance: Instance, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], tuple[int, subprocess.CompletedProcess[str]]]]:
    """Each case on its own copy of the demo instance; the ``audit verify`` runs go side by side."""
    copies: list[Instance] = []
    started: dict[tuple[str, str], tuple[int, subprocess.Popen[str]]] = {}
    try:
        for where, how in TAMPER_CASES:
            copy = copy_instance(instance, tmp_path_factory.mktemp("tampered") / "instance")
            copies.append(copy)
            seq = _tamper(copy, where, how)
            # --full: a routine check trusts what an earlier one verified (its marker).
            started[(where, how)] = (seq, copy.start("audit", "verify", "--full"))
        runs = {}
        for key, (seq, process) in started.items():
            stdout, stderr = process.communicate(timeout=120)
            runs[key] = (seq, subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
        yield runs
    finally:
        for _seq, process in started.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
        for copy in copies:
            copy.discard()


@pytest.mark.parametrize(("where", "how"), TAMPER_CASES, ids=[f"{w}-{h}" for w, h in TAMPER_CASES])
def test_audit_verify_names_the_entry_after_a_plain_sql_update(
    tamper_runs: dict[tuple[str, str], tuple[int, subprocess.CompletedProcess[str]]], where: str, how: str
) -> None:
    seq, result = tamper_runs[(where, how)]
    out = _assert_clean_failure(result)
    match = BROKEN_RE.search(out)
    assert match, out
    assert int(match.group(1)) == seq, out
    assert f"entry {seq}" in out
