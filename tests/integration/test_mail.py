"""E-mail that really leaves (issue 16 point 5), sent to a real SMTP server the test starts.

The server is aiosmtpd on 127.0.0.1; the tests read what it received. Delivery is called as the
worker's queue task calls it (:func:`vetting.jobs.mail.deliver`), and the sweep as the worker's
sweep thread does, with the queue running each task at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import select

from tests.integration.smtp import HOST, Credentials, SmtpServer, tls_files
from tests.support import Clock, runtime_of
from vetting import create_app
from vetting.audit.events import Event
from vetting.clock import utcnow
from vetting.config import ConfigError, Settings, load_settings, parse_smtp_url
from vetting.errors import ValidationFailed
from vetting.jobs import mail as delivery
from vetting.models import AuditEvent, OutboxMessage, OutboxStatus
from vetting.runtime import Runtime
from vetting.services import mail

AGENCY = "Test Police Department"
SENDER = "vetting@agency.example"
CANDIDATE = "jordan.example@mail.example"
LINK = "https://vetting.agency.example/c/3q8uJk2mZx0Pq"
#: A name a careless template might print; no template takes one.
CANDIDATE_NAME = "Jordan Example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _app(settings: Settings, **changes: object) -> Flask:
    return create_app(settings.with_overrides(**changes))


@pytest.fixture
def mailing(settings: Settings, smtp: SmtpServer) -> Iterator[Runtime]:
    """A runtime sending through the test's SMTP server (no TLS, no login)."""
    app = _app(settings, smtp=parse_smtp_url(f"smtp://{HOST}:{smtp.port}"), mail_from=SENDER)
    rt = runtime_of(app)
    rt.queue.immediate = True
    yield rt
    rt.db.dispose()


def _queue_link(rt: Runtime) -> int:
    with rt.db.transaction() as session:
        return mail.queue(
            session, None, CANDIDATE, mail.CandidateLink(mail.LinkPurpose.CONSENT, LINK, date(2026, 11, 16)), AGENCY
        )


def _row(rt: Runtime, message_id: int) -> OutboxMessage:
    with rt.db.transaction() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        session.expunge(row)
        return row


def _events(rt: Runtime, message_id: int) -> list[tuple[str, dict[str, object]]]:
    with rt.db.transaction() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "outbox", AuditEvent.subject_id == str(message_id))
            .order_by(AuditEvent.seq)
        )
        return [(row.event, json.loads(row.data)) for row in rows]


def test_a_link_reaches_the_smtp_server_with_the_link_and_no_candidate_content(
    mailing: Runtime, smtp: SmtpServer
) -> None:
    message_id = _queue_link(mailing)
    outcome = delivery.deliver(mailing, message_id)

    assert outcome == delivery.Delivery(OutboxStatus.SENT)
    [got] = smtp.received
    assert got.recipients == [CANDIDATE]
    assert got.sender == SENDER
    assert got.message["Subject"] == f"{AGENCY}: Please review and sign a form"
    body = got.message.get_content()
    assert LINK in body
    assert AGENCY in body
    assert CANDIDATE_NAME not in body
    row = _row(mailing, message_id)
    assert (row.status, row.attempts, row.sent_at, row.next_attempt_at) == (OutboxStatus.SENT, 1, utcnow(), None)
    # Audited with ids, the template and the attempt: never the address, the subject or the link.
    events = _events(mailing, message_id)
    assert events == [
        (Event.MAIL_QUEUED.value, {"template": "candidate_link"}),
        (Event.MAIL_SENT.value, {"attempt": 1}),
    ]


def test_a_message_is_made_only_from_a_link_a_purpose_and_a_date() -> None:
    """By construction (issue 16 point 5): the candidate link's template takes no free text, so
    no candidate content but the link can reach a message."""
    assert [f.name for f in dataclasses.fields(mail.CandidateLink)] == ["purpose", "url", "expires_on"]
    assert dataclasses.fields(mail.TestMessage) == ()
    for bad in (
        "javascript:alert(1)",
        "https://x.example/a b",
        "https://user@x.example/",
        "/relative",
        "https://x.example/#f",
    ):
        with pytest.raises(ValidationFailed):
            mail.CandidateLink(mail.LinkPurpose.NOTICE, bad, date(2026, 11, 16))


@pytest.mark.parametrize("recipient", ["two@a.example, three@b.example", "x@y.example\r\nBcc: z@w.example", "nobody"])
def test_one_plain_recipient_only(mailing: Runtime, recipient: str) -> None:
    with pytest.raises(ValidationFailed), mailing.db.transaction() as session:
        mail.queue(session, None, recipient, mail.TestMessage(), AGENCY)


def test_starttls_and_a_login_from_the_url(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tls, ca_file = tls_files(tmp_path)
    login, password = "mailer@agency.example", "p@ss:word/%#?"
    server = SmtpServer(
        tls_context=tls, require_starttls=True, authenticator=Credentials(login, password), auth_require_tls=True
    )
    server.start()
    try:
        url = f"smtp://{quote(login, safe='')}:{quote(password, safe='')}@{HOST}:{server.port}"
        smtp = parse_smtp_url(f"{url}?starttls=required&cafile={ca_file}")
        assert (smtp.username, smtp.password) == (login, password)
        app = _app(settings, smtp=smtp, mail_from=SENDER)
        rt = runtime_of(app)
        caplog.set_level(logging.DEBUG)
        with rt.db.transaction() as session:
            message_id = mail.queue(session, None, CANDIDATE, mail.TestMessage(), AGENCY)
        assert delivery.deliver(rt, message_id) == delivery.Delivery(OutboxStatus.SENT)
        [got] = server.received
        assert got.login == login
        assert password not in caplog.text
        assert password not in repr(rt.settings)
        rt.db.dispose()
    finally:
        server.stop()


def test_starttls_required_refuses_a_server_without_it(settings: Settings, smtp: SmtpServer) -> None:
    app = _app(settings, smtp=parse_smtp_url(f"smtp://{HOST}:{smtp.port}?starttls=required"), mail_from=SENDER)
    rt = runtime_of(app)
    message_id = _queue_link(rt)
    outcome = delivery.deliver(rt, message_id)
    assert outcome == delivery.Delivery(OutboxStatus.QUEUED, "SMTPNotSupportedError")
    assert smtp.received == []
    rt.db.dispose()


def test_while_the_server_is_down_mail_waits_and_leaves_once_it_is_back(
    mailing: Runtime, smtp: SmtpServer, clock: Clock
) -> None:
    smtp.stop()
    message_id = _queue_link(mailing)

    assert delivery.sweep(mailing) == [message_id]  # the queue runs it at once: refused
    row = _row(mailing, message_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.QUEUED, 1, "ConnectionRefusedError")
    assert row.next_attempt_at == utcnow() + timedelta(minutes=1)
    # Not due yet: neither the sweep nor a stray task touches it.
    assert delivery.sweep(mailing) == []
    assert delivery.deliver(mailing, message_id) is None

    clock.advance(minutes=1)
    assert delivery.sweep(mailing) == [message_id]
    row = _row(mailing, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 2)
    assert row.next_attempt_at == utcnow() + timedelta(minutes=2)  # the wait doubles

    smtp.start()
    clock.advance(minutes=2)
    assert delivery.sweep(mailing) == [message_id]
    assert [r.recipients for r in smtp.received] == [[CANDIDATE]]
    assert _row(mailing, message_id).status is OutboxStatus.SENT
    clock.advance(hours=2)
    assert delivery.sweep(mailing) == []
    assert len(smtp.received) == 1
    assert [event for event, _ in _events(mailing, message_id)] == [
        Event.MAIL_QUEUED.value,
        Event.MAIL_DEFERRED.value,
        Event.MAIL_DEFERRED.value,
        Event.MAIL_SENT.value,
    ]


def test_out_of_attempts_a_message_is_failed_and_stays_visible(
    settings: Settings, smtp: SmtpServer, clock: Clock
) -> None:
    app = _app(settings, smtp=parse_smtp_url(f"smtp://{HOST}:{smtp.port}"), mail_from=SENDER, mail_max_attempts=2)
    rt = runtime_of(app)
    smtp.stop()
    message_id = _queue_link(rt)
    assert delivery.deliver(rt, message_id) == delivery.Delivery(OutboxStatus.QUEUED, "ConnectionRefusedError")
    clock.advance(minutes=1)
    assert delivery.deliver(rt, message_id) == delivery.Delivery(OutboxStatus.FAILED, "ConnectionRefusedError")
    row = _row(rt, message_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.FAILED, 2, None)
    clock.advance(days=1)
    assert delivery.sweep(rt) == []
    assert _events(rt, message_id)[-1] == (
        Event.MAIL_FAILED.value,
        {"attempt": 2, "error": "ConnectionRefusedError"},
    )
    rt.db.dispose()


def test_back_off_doubles_and_is_capped() -> None:
    assert [mail.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert mail.backoff(7) == timedelta(hours=1)
    assert mail.backoff(40) == timedelta(hours=1)


def test_two_workers_racing_for_one_message_send_it_once(mailing: Runtime, smtp: SmtpServer) -> None:
    message_id = _queue_link(mailing)
    start = threading.Barrier(2)
    outcomes: list[delivery.Delivery | None] = []

    def worker() -> None:
        start.wait()
        outcomes.append(delivery.deliver(mailing, message_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=repr) == sorted([delivery.Delivery(OutboxStatus.SENT), None], key=repr)
    assert len(smtp.received) == 1
    assert _row(mailing, message_id).attempts == 1


def test_only_the_attempt_holding_the_claim_settles_the_message(mailing: Runtime, clock: Clock) -> None:
    message_id = _queue_link(mailing)
    with mailing.db.transaction() as session:
        first = mail.claim(session, message_id)
        assert first is not None
        assert mail.claim(session, message_id) is None  # held
    clock.advance(seconds=mail.CLAIM_LEASE.total_seconds())  # the first worker died: its claim lapses
    with mailing.db.transaction() as session:
        second = mail.claim(session, message_id)
        assert second is not None
        assert second.attempt == first.attempt + 1
        assert not mail.mark_sent(session, first)
        assert mail.retry_or_fail(session, first, "late", max_attempts=5) is None
        assert mail.mark_sent(session, second)


def test_a_crash_between_sending_and_recording_resends_once_never_loses(
    mailing: Runtime, smtp: SmtpServer, clock: Clock
) -> None:
    """The documented edge: the server took the message, the worker died before ``sent`` was
    committed. The claim lapses, the sweep delivers it again (same Message-ID), and that is all."""
    message_id = _queue_link(mailing)
    with mailing.db.transaction() as session:
        claim = mail.claim(session, message_id)
    assert claim is not None
    delivery.transport_for(mailing.settings).send(delivery.compose(claim, SENDER))  # then the worker dies

    assert delivery.sweep(mailing) == []  # the claim holds for its lease
    clock.advance(seconds=mail.CLAIM_LEASE.total_seconds())
    assert delivery.sweep(mailing) == [message_id]
    assert _row(mailing, message_id).status is OutboxStatus.SENT
    clock.advance(hours=1)
    assert delivery.sweep(mailing) == []
    assert len(smtp.received) == 2
    assert smtp.received[0].message["Message-ID"] == smtp.received[1].message["Message-ID"]


def test_unconfigured_mail_is_written_to_the_outbox_folder(app: Flask) -> None:
    rt = runtime_of(app)
    assert rt.settings.smtp is None
    message_id = _queue_link(rt)
    folder = rt.settings.instance_path / delivery.OUTBOX_DIR
    # The tests share one instance folder, each with its own database: another test's message may
    # have had the same id (and, on the test clock, the same time), so its file goes first.
    for leftover in folder.glob(f"outbox-{message_id}-*.eml") if folder.exists() else ():
        leftover.unlink()
    assert delivery.deliver(rt, message_id) == delivery.Delivery(OutboxStatus.SENT)
    files = sorted(p.name for p in folder.iterdir() if p.name.startswith((f"outbox-{message_id}-", ".tmp")))
    assert len(files) == 1
    assert files[0].startswith(f"outbox-{message_id}-")
    assert files[0].endswith(".eml")
    text = (folder / files[0]).read_text()
    assert f"To: {CANDIDATE}" in text
    assert LINK in text
    assert delivery.transport_for(rt.settings).description == f"E-mail is not sent: messages are written to {folder}"


def test_a_bad_smtp_url_or_sender_is_refused_at_start_naming_the_setting(keys_dir: Path) -> None:
    def load(**env: str) -> Settings:
        return load_settings(keys_dir, env=env)

    with pytest.raises(ConfigError, match="VETTING_SMTP_URL") as refused:
        load(VETTING_SMTP_URL="http://user:hunter2secret@mail.example:25", VETTING_MAIL_FROM=SENDER)
    assert "hunter2secret" not in str(refused.value)
    with pytest.raises(ConfigError, match="VETTING_SMTP_URL") as refused:
        load(VETTING_SMTP_URL="smtp://user:hunter2secret@mail.example:notaport", VETTING_MAIL_FROM=SENDER)
    assert "hunter2secret" not in str(refused.value)
    with pytest.raises(ConfigError, match="VETTING_SMTP_URL"):
        load(VETTING_SMTP_URL="smtp://mail.example?starttls=maybe", VETTING_MAIL_FROM=SENDER)
    with pytest.raises(ConfigError, match="VETTING_MAIL_FROM"):
        load(VETTING_SMTP_URL="smtp://mail.example")
    with pytest.raises(ConfigError, match="VETTING_MAIL_FROM"):
        load(VETTING_MAIL_FROM="Vetting <vetting@agency.example>\r\nBcc: x@y.example")
    loaded = load(VETTING_SMTP_URL="smtps://a%40b:c%3Ad@mail.example", VETTING_MAIL_FROM=SENDER)
    assert loaded.smtp is not None
    assert (loaded.smtp.port, loaded.smtp.implicit_tls, loaded.smtp.username) == (465, True, "a@b")
    assert loaded.smtp.display == "smtps://a@b@mail.example:465"


def test_config_toml_sets_mail_and_the_environment_wins(keys_dir: Path, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    for name in ("secret_key", "master_key", "audit_signing_key.pem"):
        (instance / name).write_bytes((keys_dir / name).read_bytes())
    (instance / "config.toml").write_text(
        'smtp_url = "smtp://mail.agency.example:587"\nmail_from = "file@agency.example"\nmail_max_attempts = 3\n'
    )
    from_file = load_settings(instance, env={})
    assert from_file.smtp is not None
    assert (from_file.smtp.host, from_file.mail_from, from_file.mail_max_attempts) == (
        "mail.agency.example",
        "file@agency.example",
        3,
    )
    from_env = load_settings(instance, env={"VETTING_MAIL_FROM": "env@agency.example"})
    assert from_env.mail_from == "env@agency.example"
