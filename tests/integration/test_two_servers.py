"""Issue 17 point 4: two ``vetting serve`` processes and a ``vetting worker`` share one PostgreSQL
database and one Redis queue, and a person may land on either server at any request.

Both servers and the worker run from the same instance folder (``VETTING_INSTANCE_PATH``): the
same keys (``vetting init`` made them once), so either server opens the other's session cookie and
sealed rows, and the same storage (the folder's default store, no ``VETTING_STORAGE_URL``), where
the worker leaves a job's file. Separate machines would share the keys and an S3 bucket instead.
Sessions, the lockout counters (CJIS-02) and the TOTP replay guard (CJIS-01) live in the database,
so they hold across servers. The database is a throwaway one on the PostgreSQL at 127.0.0.1:5432
(``VETTING_TEST_DATABASE_URL`` if set); the queue is a uniquely named one on the Redis at
127.0.0.1:6379, its keys deleted afterwards. Skipped when either does not answer (CI has both).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.cli.conftest import TEST_AGENCY, VETTING, output_of, run_vetting
from tests.cli.served import Server, Visitor, demo_secrets, free_port, start, stop
from vetting.config import normalise_database_url
from vetting.demo import DEMO_CYCLE_TITLE, DEMO_PASSWORD
from vetting.services.accounts import BAD_CODE, BAD_CREDENTIALS

PG_URL = os.environ.get("VETTING_TEST_DATABASE_URL", "").strip() or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
LOCKED = "This account is locked after too many failed attempts."
#: How long the worker may take to make the demo cycle's audit report (seconds, a deadline only).
JOB_DEADLINE = 120.0


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not _answers(5432), reason="two servers need PostgreSQL at 127.0.0.1:5432, which does not answer"
    ),
    pytest.mark.skipif(not _answers(6379), reason="two servers need Redis at 127.0.0.1:6379, which does not answer"),
]


@dataclass
class Site:
    a: Server
    b: Server
    worker: Server
    database_url: str
    secrets: dict[str, str]

    def scalar(self, sql: str, **params: object) -> object:
        engine = create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar_one()
        finally:
            engine.dispose()


def _admin_url() -> str:
    return make_url(normalise_database_url(PG_URL)).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    assert VETTING.exists(), f"console script not installed at {VETTING}"
    folder = tmp_path_factory.mktemp("two-servers")
    tag = secrets.token_hex(4)
    name = f"vetting_two_servers_{tag}"
    queue = name  # huey drops characters other than letters, digits and "_" from Redis keys
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETTING_")}  # no stray key or database
    env |= {
        "VETTING_INSTANCE_PATH": str(folder / "instance"),
        "VETTING_DATABASE_URL": url,
        "VETTING_QUEUE_URL": f"{REDIS_URL}?queue={queue}",
        "VETTING_AGENCY_NAME": TEST_AGENCY,
    }
    running: list[Server] = []
    try:
        for step in ("init", "demo"):
            result = run_vetting(env, folder, step)
            assert result.returncode == 0, output_of(result)
        for label in ("a", "b"):
            port = free_port()
            running.append(
                start([str(VETTING), "serve", "--port", str(port), "--workers", "1"], env, folder, label, port)
            )
        running.append(start([str(VETTING), "worker"], env, folder, "worker"))
        a, b, worker = running
        yield Site(a, b, worker, url, demo_secrets(result.stdout))
    finally:
        for server in running:
            stop(server)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        client.close()


def test_a_login_on_one_server_holds_on_the_other(site: Site) -> None:
    visitor = Visitor(site.a.port)
    visitor.sign_in("inv1@demo.test", DEMO_PASSWORD, site.secrets["inv1@demo.test"])
    cookies = dict(visitor.cookies)

    visitor.port = site.b.port
    page = visitor.get("/jobs")
    assert page.status == 200, page.location
    assert "Sign out" in page.text

    # Signing out on B ends the session itself: the cookie from before is refused on A too.
    assert visitor.submit("/jobs", "/logout", {}).status == 302
    replayed = Visitor(site.a.port, dict(cookies)).get("/jobs")
    assert replayed.status == 302
    assert "/login" in replayed.location


def test_failed_logins_on_both_servers_add_up_to_a_lockout(site: Site) -> None:
    """CJIS-02: five consecutive failures lock the account, wherever each was made."""
    on_a, on_b = Visitor(site.a.port), Visitor(site.b.port)
    for visitor in (on_a, on_a, on_b, on_b):
        wrong = visitor.password("board2@demo.test", "not the password")
        assert wrong.status == 401
        assert BAD_CREDENTIALS in wrong.text
    fifth = on_a.password("board2@demo.test", "not the password")
    assert fifth.status == 401
    assert LOCKED in fifth.text  # two failures on A and two on B came before it

    right = on_b.password("board2@demo.test", DEMO_PASSWORD)
    assert right.status == 401
    assert LOCKED in right.text


def test_a_totp_code_used_on_one_server_is_refused_on_the_other(site: Site) -> None:
    """CJIS-01 / ASVS 2.8.4: a code is accepted once, whichever server sees it again."""
    used = Visitor(site.a.port).sign_in("board3@demo.test", DEMO_PASSWORD, site.secrets["board3@demo.test"])

    again = Visitor(site.b.port)
    assert again.password("board3@demo.test", DEMO_PASSWORD).status == 302
    refused = again.code(used)
    assert refused.status == 401
    assert BAD_CODE in refused.text
    assert again.get("/jobs").status == 302  # not signed in


def test_a_report_started_on_one_server_is_made_by_the_worker_and_downloaded_from_the_other(site: Site) -> None:
    cycle_id = site.scalar("SELECT id FROM cycles WHERE title = :title", title=DEMO_CYCLE_TITLE)
    on_b = Visitor(site.b.port)
    on_b.sign_in("auditor@demo.test", DEMO_PASSWORD, site.secrets["auditor@demo.test"])
    started = on_b.submit("/audit/cycles", f"/jobs/audit-report/{cycle_id}", {})
    assert started.status == 303, started.text
    job_path = started.location.removeprefix(f"http://127.0.0.1:{site.b.port}")
    job_id = int(job_path.rsplit("/", 1)[1])

    on_a = Visitor(site.a.port, dict(on_b.cookies))
    deadline = time.monotonic() + JOB_DEADLINE
    while (download := on_a.get(f"{job_path}/result")).status == 409:
        assert time.monotonic() < deadline, f"the job was not done in {JOB_DEADLINE} s:\n{site.worker.logs()}"
        time.sleep(0.5)

    assert download.status == 200, download.text
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.body.startswith(b"%PDF-")
    recorded = site.scalar("SELECT result_sha256 FROM jobs WHERE id = :id AND status = 'done'", id=job_id)
    assert hashlib.sha256(download.body).hexdigest() == recorded
    assert f"job {job_id} (audit_report): attempt 1 done" in site.worker.logs()
    assert f"/jobs/audit-report/{cycle_id}" in site.b.logs()
    assert f"{job_path}/result" in site.a.logs()
    assert f"{job_path}/result" not in site.b.logs()
