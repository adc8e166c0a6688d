"""``vetting tokens create|list|revoke`` run as real subprocesses (issue 14 point 3).

The instance has no demo data: accounts are made with ``vetting users create`` (which leaves
them to enrol TOTP at first sign-in), and the enrolled one is marked enrolled the way the test
helpers do it, with a sealed TOTP seed.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import text

from tests.cli.conftest import VETTING, Instance, _new_instance, output_of
from vetting import create_app
from vetting.clock import utcnow
from vetting.config import load_settings
from vetting.security import totp
from vetting.services import users
from vetting.services.accounts import seal_totp_secret

ENROLLED = "enrolled@cli.test"
FRESH = "fresh@cli.test"
TOKEN_LINE = re.compile(r"^vt_[A-Za-z0-9_-]{40,}$")


def _app_for(instance: Instance) -> Flask:
    env = {"VETTING_DATABASE_URL": instance.database_url} if instance.pg else {}
    return create_app(load_settings(instance.path, env=env, testing=True))


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    inst = _new_instance(tmp_path_factory.mktemp("tokens-cli") / "instance")
    try:
        result = inst.run("init")
        assert result.returncode == 0, output_of(result)
        for email in (ENROLLED, FRESH):
            result = inst.run("users", "create", "--email", email, "--name", "Cli Person", "--role", "auditor")
            assert result.returncode == 0, output_of(result)
        app = _app_for(inst)
        try:
            rt = app.extensions["vetting"]
            with rt.db.transaction() as session:
                user = users.find_user_by_email(session, ENROLLED)
                assert user is not None
                seal_totp_secret(rt.security, user, totp.new_secret())
                user.totp_enrolled_at = utcnow()
        finally:
            app.extensions["vetting"].db.dispose()
        yield inst
    finally:
        inst.discard()


def _day_in(days: int) -> str:
    """The date ``days`` from now (the command ran a moment ago: a minute's slack covers midnight)."""
    return (datetime.now(UTC) + timedelta(days=days, seconds=-60)).strftime("%Y-%m-%d")


def _clean_failure(result: subprocess.CompletedProcess[str]) -> str:
    out = output_of(result)
    assert result.returncode != 0, out
    assert "Traceback" not in out, out
    return out


def _me(instance: Instance, token: str) -> tuple[int, dict[str, object]]:
    app = _app_for(instance)
    try:
        response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.get_json()
    finally:
        app.extensions["vetting"].db.dispose()


def _events(instance: Instance, event: str) -> list[dict[str, object]]:
    engine = instance.engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT data FROM audit_events WHERE event = :e ORDER BY seq"), {"e": event})
            return [json.loads(row[0]) for row in rows]
    finally:
        engine.dispose()


def _listing(instance: Instance, email: str) -> dict[str, list[str]]:
    """``vetting tokens list`` as {token id: [cells]} (columns split on runs of 2+ spaces)."""
    result = instance.run("tokens", "list", email)
    assert result.returncode == 0, output_of(result)
    lines = result.stdout.strip().splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "id",
        "name",
        "prefix",
        "created",
        "last used",
        "expires",
        "revoked",
        "status",
    ]
    return {cells[0]: cells for cells in (re.split(r"\s{2,}", line) for line in lines[1:])}


def test_create_list_and_revoke_round_trip(instance: Instance) -> None:
    result = instance.run("tokens", "create", ENROLLED, "--name", "nightly export", "--days", "5")
    assert result.returncode == 0, output_of(result)
    lines = result.stdout.strip().splitlines()
    token = lines[-1].strip()  # the existing contract: the token is the last line
    assert TOKEN_LINE.match(token), result.stdout
    assert "nightly export" in lines[0]
    expires = _day_in(5)
    assert f"expires {expires}" in lines[0]
    token_id = re.search(r"Token (\d+)", lines[0])
    assert token_id is not None
    tid = token_id.group(1)

    status, body = _me(instance, token)
    assert status == 200
    assert body["email"] == ENROLLED

    row = _listing(instance, ENROLLED)[tid]
    assert row[1] == "nightly export"
    assert row[2] == token[:10]
    assert row[4] != "-"  # last used: the request above
    assert row[5].startswith(expires)
    assert row[6] == "-"
    assert row[7] == "active"
    assert token not in instance.run("tokens", "list", ENROLLED).stdout

    revoked = instance.run("tokens", "revoke", tid)
    assert revoked.returncode == 0, output_of(revoked)
    status, body = _me(instance, token)
    assert status == 401
    assert body["error"]["code"] == "token_revoked"
    row = _listing(instance, ENROLLED)[tid]
    assert row[6] != "-"
    assert row[7] == "revoked"

    again = _clean_failure(instance.run("tokens", "revoke", tid))
    assert "already revoked" in again
    assert "No such token" in _clean_failure(instance.run("tokens", "revoke", "999999"))
    assert "Traceback" not in output_of(instance.run("tokens", "revoke", "not-a-number"))

    created = [e for e in _events(instance, "token.created") if str(e["token_id"]) == tid]
    assert created == [{"token_id": int(tid), "prefix": token[:10], "days": 5}]
    assert [e for e in _events(instance, "token.revoked") if str(e["token_id"]) == tid] == [
        {"token_id": int(tid), "prefix": token[:10]}
    ]
    assert {"token_id": int(tid), "code": "token_revoked"} in _events(instance, "token.refused")


def test_an_account_without_a_second_factor_gets_no_token(instance: Instance) -> None:
    before = instance.scalar("SELECT COUNT(*) FROM api_tokens")
    out = _clean_failure(instance.run("tokens", "create", FRESH, "--name", "too early"))
    assert "second factor" in out
    assert not any(TOKEN_LINE.match(line.strip()) for line in out.splitlines())
    assert instance.scalar("SELECT COUNT(*) FROM api_tokens") == before
    assert {"code": "second_factor_required"} in _events(instance, "token.refused")
    assert "No API tokens" in instance.run("tokens", "list", FRESH).stdout


@pytest.mark.parametrize("days", ["0", "366", "-1"])
def test_a_lifetime_outside_1_to_365_days_is_refused_naming_it(instance: Instance, days: str) -> None:
    before = instance.scalar("SELECT COUNT(*) FROM api_tokens")
    out = _clean_failure(instance.run("tokens", "create", ENROLLED, "--days", days))
    assert "(days)" in out
    assert instance.scalar("SELECT COUNT(*) FROM api_tokens") == before


def test_the_default_lifetime_comes_from_vetting_token_days(instance: Instance) -> None:
    env = {**instance.env(), "VETTING_TOKEN_DAYS": "3"}
    result = subprocess.run(  # noqa: PLW1510 - asserted below
        [str(VETTING), "tokens", "create", ENROLLED], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, output_of(result)
    assert f"expires {_day_in(3)}" in result.stdout


def test_an_expired_token_answers_token_expired(instance: Instance) -> None:
    result = instance.run("tokens", "create", ENROLLED, "--days", "1")
    assert result.returncode == 0, output_of(result)
    token = result.stdout.strip().splitlines()[-1]
    engine = instance.engine()
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE api_tokens SET expires_at = :t WHERE prefix = :p"),
                {"t": datetime.now(UTC) - timedelta(seconds=1), "p": token[:10]},
            )
    finally:
        engine.dispose()
    status, body = _me(instance, token)
    assert status == 401
    assert body["error"]["code"] == "token_expired"
    tid = int(_prefix_id(instance, token))
    row = _listing(instance, ENROLLED)[str(tid)]
    assert row[7] == "expired"


def test_unknown_accounts_are_named(instance: Instance) -> None:
    for args in (("create", "nobody@cli.test"), ("list", "nobody@cli.test")):
        assert "No account for nobody@cli.test" in _clean_failure(instance.run("tokens", *args))


def _prefix_id(instance: Instance, token: str) -> object:
    return instance.scalar(f"SELECT id FROM api_tokens WHERE prefix = '{token[:10]}'")
