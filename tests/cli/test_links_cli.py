"""``vetting links issue``, ``vetting reminders run`` and ``vetting mail outbox`` as real subprocesses on
the demo instance (issue 16 point 8): a link is issued and mailed as a named person with that
person's permissions, today's digests are queued once, and the outbox is summed up without bodies.
Every refusal names the argument that was wrong.
"""

from __future__ import annotations

import subprocess

from sqlalchemy import text

from tests.cli.conftest import Instance, output_of, run_vetting

PUBLIC = "https://vetting.agency.example"
ADDRESS = "jordan.ellis@example.org"


def _run(instance: Instance, *args: str, public: bool = True) -> subprocess.CompletedProcess[str]:
    env = instance.env() | ({"VETTING_PUBLIC_URL": PUBLIC} if public else {})
    if not public:
        env.pop("VETTING_PUBLIC_URL", None)
    return run_vetting(env, instance.path.parent, *args)


def _count(instance: Instance, sql: str) -> int:
    value = instance.scalar(sql)
    assert isinstance(value, int)
    return value


def test_links_issue_mails_the_link_as_the_named_investigator(instance: Instance) -> None:
    before = _count(instance, "SELECT count(*) FROM outbox WHERE template = 'candidate_link'")
    result = _run(
        instance, "links", "issue", "C-001", "--purpose", "consent", "--by", "inv1@demo.test", "--email", ADDRESS
    )
    assert result.returncode == 0, output_of(result)
    assert "consent link for C-001 e-mailed (outbox message" in result.stdout
    assert "/c/" not in result.stdout  # mailed: nobody at the terminal sees the token
    assert _count(instance, "SELECT count(*) FROM outbox WHERE template = 'candidate_link'") == before + 1
    body = instance.scalar("SELECT body FROM outbox ORDER BY id DESC LIMIT 1")
    assert isinstance(body, str)
    assert f"{PUBLIC}/c/" in body
    issued_by = instance.scalar(
        "SELECT u.email FROM candidate_links l JOIN users u ON u.id = l.issued_by_id ORDER BY l.id DESC LIMIT 1"
    )
    assert issued_by == "inv1@demo.test"


def test_links_issue_refusals_name_the_argument(instance: Instance) -> None:
    base = ("links", "issue", "C-001", "--by", "inv1@demo.test")
    cases = {
        ("links", "issue", "C-999", "--purpose", "consent", "--by", "inv1@demo.test"): "CANDIDATE_CODE",
        (*base, "--purpose", "refund"): "--purpose",
        ("links", "issue", "C-001", "--purpose", "consent", "--by", "nobody@demo.test"): "--by",
        (*base, "--purpose", "consent", "--email", "not an address"): "--email",
        (*base, "--purpose", "consent", "--cycle", "999"): "CANDIDATE_CODE",
        (*base, "--purpose", "consent", "--cycle", "0"): "--cycle",
    }
    before = _count(instance, "SELECT count(*) FROM candidate_links")
    for args, named in cases.items():
        result = _run(instance, *args)
        assert result.returncode != 0, args
        assert named in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    # Someone outside the cycle's investigation, or the EEO form by an investigator: refused too.
    auditor = _run(instance, "links", "issue", "C-001", "--purpose", "consent", "--by", "auditor@demo.test")
    assert auditor.returncode != 0
    eeo = _run(instance, *base, "--purpose", "self_identification")
    assert eeo.returncode != 0, output_of(eeo)
    unset = _run(instance, *base, "--purpose", "consent", public=False)
    assert unset.returncode != 0
    assert "VETTING_PUBLIC_URL" in unset.stderr
    assert _count(instance, "SELECT count(*) FROM candidate_links") == before


def test_links_issue_prints_the_link_when_no_address_is_on_file(instance: Instance) -> None:
    result = _run(instance, "links", "issue", "C-004", "--purpose", "self_identification", "--by", "admin@demo.test")
    if "already answered" in result.stderr:  # the demo's answers: another candidate has none yet
        result = _run(
            instance, "links", "issue", "C-012", "--purpose", "self_identification", "--by", "admin@demo.test"
        )
    assert result.returncode == 0, output_of(result)
    lines = result.stdout.strip().splitlines()
    assert "hand the candidate this self_identification link" in lines[0]
    assert lines[-1].startswith(f"{PUBLIC}/self-identification/")


def test_reminders_run_queues_todays_digests_once(instance: Instance) -> None:
    before = _count(instance, "SELECT count(*) FROM outbox WHERE template = 'reminder_digest'")
    first = _run(instance, "reminders", "run")
    assert first.returncode == 0, output_of(first)
    after = _count(instance, "SELECT count(*) FROM outbox WHERE template = 'reminder_digest'")
    if "queued already" not in first.stdout:  # unless the demo queued today's
        assert f"{after - before} digest(s) queued for" in first.stdout
    assert _count(instance, "SELECT count(*) FROM reminder_digest_days") == 1
    again = _run(instance, "reminders", "run")
    assert again.returncode == 0, output_of(again)
    assert "queued already: 0 digests queued" in again.stdout
    assert _count(instance, "SELECT count(*) FROM outbox WHERE template = 'reminder_digest'") == after


def test_mail_outbox_counts_by_state_and_lists_failures_without_bodies(instance: Instance) -> None:
    engine = instance.engine()
    try:
        with engine.begin() as conn:
            failed_id = conn.execute(text("SELECT min(id) FROM outbox")).scalar_one()
            assert failed_id is not None
            conn.execute(
                text(
                    "UPDATE outbox SET status = 'failed', attempts = 5, last_error = 'ConnectionRefusedError', "
                    "next_attempt_at = NULL WHERE id = :id"
                ),
                {"id": failed_id},
            )
            body = conn.execute(text("SELECT body FROM outbox WHERE id = :id"), {"id": failed_id}).scalar_one()
            grouped = conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status"))
            counts = {status: count for status, count in grouped}
    finally:
        engine.dispose()
    result = _run(instance, "mail", "outbox")
    assert result.returncode == 0, output_of(result)
    first = result.stdout.splitlines()[0]
    for status in ("queued", "sending", "sent", "failed"):
        assert f"{status}: {counts.get(status, 0)}" in first
    assert f"{failed_id}\t" in result.stdout
    assert "\t5\tConnectionRefusedError" in result.stdout
    for line in body.splitlines():
        if line.strip():
            assert line.strip() not in result.stdout  # never a message's body
