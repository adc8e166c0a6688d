"""The outbox as the administrator sees it (issue 16 point 5): the admin page says where mail
goes, the outbox page and ``GET /api/v1/admin/outbox`` list every message newest first, a page
at a time, with failures and why; nobody else may read it; ``vetting mail test`` sends one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from tests.integration.smtp import HOST, SmtpServer
from tests.support import Clock, api_headers, login, make_user, runtime_of
from vetting import create_app
from vetting.cli import cli
from vetting.config import Settings, parse_smtp_url
from vetting.jobs import mail as delivery
from vetting.models import OutboxStatus, Role
from vetting.runtime import Runtime
from vetting.services import mail

AGENCY = "Test Police Department"
PASSWORD = "s3cret-smtp-password"


def _queue(rt: Runtime, recipient: str) -> int:
    with rt.db.transaction() as session:
        link = mail.CandidateLink(mail.LinkPurpose.NOTICE, "https://v.example/c/tok", date(2026, 11, 20))
        return mail.queue(session, None, recipient, link, AGENCY)


@pytest.fixture
def down_smtp(settings: Settings) -> Iterator[Flask]:
    """An app whose SMTP server (with a login) does not answer: every delivery fails."""
    server = SmtpServer()  # never started: its port refuses connections
    url = f"smtp://mailer:{PASSWORD}@{HOST}:{server.port}"
    app = create_app(
        settings.with_overrides(smtp=parse_smtp_url(url), mail_from="v@agency.example", mail_max_attempts=1)
    )
    yield app
    runtime_of(app).db.dispose()


def test_the_admin_page_says_mail_is_written_to_the_outbox_folder(app: Flask, clock: Clock) -> None:
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    client = app.test_client()
    login(client, admin, clock)
    page = client.get("/admin").get_data(as_text=True)
    folder = runtime_of(app).settings.instance_path / delivery.OUTBOX_DIR
    assert f"E-mail is not sent: messages are written to {folder}" in page


def test_the_admin_page_names_the_smtp_host_never_the_password(down_smtp: Flask, clock: Clock) -> None:
    admin = make_user(down_smtp, "admin@x.test", Role.ADMIN)
    client = down_smtp.test_client()
    login(client, admin, clock)
    for url in ("/admin", "/admin/outbox"):
        page = client.get(url).get_data(as_text=True)
        assert f"smtp://mailer@{HOST}:" in page
        assert PASSWORD not in page


def test_the_outbox_lists_newest_first_a_page_at_a_time_with_failures(
    down_smtp: Flask, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime_of(down_smtp)
    admin = make_user(down_smtp, "admin@x.test", Role.ADMIN)
    ids = [_queue(rt, f"c{n}@mail.example") for n in range(3)]
    outcome = delivery.deliver(rt, ids[0])
    assert outcome == delivery.Delivery(OutboxStatus.FAILED, "ConnectionRefusedError")
    assert PASSWORD not in caplog.text
    headers = api_headers(down_smtp, admin)
    client = down_smtp.test_client()

    first = client.get("/api/v1/admin/outbox?limit=2", headers=headers).get_json()
    assert [m["id"] for m in first["messages"]] == [ids[2], ids[1]]
    assert first["total"] == 3
    rest = client.get(f"/api/v1/admin/outbox?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    assert [m["id"] for m in rest["messages"]] == [ids[0]]
    assert rest["next_cursor"] is None
    failed = client.get("/api/v1/admin/outbox?status=failed", headers=headers).get_json()
    [only] = failed["messages"]
    assert (only["id"], only["status"], only["attempts"], only["last_error"]) == (
        ids[0],
        "failed",
        1,
        "ConnectionRefusedError",
    )
    assert "body" not in only  # the link is the candidate's key: the list never shows it
    refused = client.get("/api/v1/admin/outbox?status=lost", headers=headers)
    assert refused.status_code == 422

    login(client, admin, clock)
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "c0@mail.example" in page
    assert "ConnectionRefusedError" in page
    assert "c1@mail.example" not in page


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.BOARD_MEMBER, Role.AUDITOR])
def test_only_administrators_read_the_outbox(app: Flask, clock: Clock, role: Role) -> None:
    person = make_user(app, "someone@x.test", role)
    client = app.test_client()
    assert client.get("/api/v1/admin/outbox", headers=api_headers(app, person)).status_code == 403
    login(client, person, clock)
    assert client.get("/admin/outbox").status_code == 403


def test_vetting_mail_test_sends_through_the_configured_server(settings: Settings) -> None:
    server = SmtpServer()
    server.start()
    try:
        app = create_app(
            settings.with_overrides(smtp=parse_smtp_url(f"smtp://{HOST}:{server.port}"), mail_from="v@agency.example")
        )
        result = CliRunner().invoke(
            cli, ["mail", "test", "admin@agency.example"], obj=ScriptInfo(create_app=lambda: app)
        )
        assert result.exit_code == 0, result.output
        assert "sent to admin@agency.example" in result.output
        [got] = server.received
        assert got.recipients == ["admin@agency.example"]
        assert got.message["Subject"] == f"{AGENCY}: test message"
        runtime_of(app).db.dispose()
    finally:
        server.stop()


def test_vetting_mail_test_says_when_the_message_did_not_leave(down_smtp: Flask) -> None:
    result = CliRunner().invoke(
        cli, ["mail", "test", "admin@agency.example"], obj=ScriptInfo(create_app=lambda: down_smtp)
    )
    assert result.exit_code == 1
    assert "was not sent (failed: ConnectionRefusedError)" in result.output
    assert PASSWORD not in result.output
