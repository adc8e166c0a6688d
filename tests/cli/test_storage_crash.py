"""Issue 14, point 6: kill -9 a real ``vetting serve`` during an evidence upload; nothing is left.

The server (gunicorn, through the ``vetting`` command) runs on a free port of 127.0.0.1 against
a temporary instance; an investigator's API token uploads over a raw socket; the whole process
group (master and workers) gets SIGKILL. Then ``vetting storage check`` must report what the
crash left (if anything), ``--repair`` (past the in-flight guard, ``--older-than 0``) must
remove it, and no row may point to a missing file.

Where exactly the kill lands is chosen in two ways: by timing alone (mid-body, and just after a
whole body was sent), and deterministically, by a test-only wrapper around the real command
that pauses the upload right after the temporary file is written, or right after its rename,
and signals the test, which then kills the server.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli.conftest import VETTING, Instance, create_pg_database, output_of
from tests.support import api_headers, runtime_of
from tests.web.world import add_finding, build_world, item_ids, record_consent
from vetting import create_app
from vetting.config import PasswordHashing, load_settings
from vetting.storage import TEMP_SUFFIX

PG_URL = os.environ.get("VETTING_TEST_DATABASE_URL", "").strip()
#: Every wait of this module ends by itself.
DEADLINE = 60.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: The real command, with a pause after ``stage`` or ``publish`` announced through a marker file.
CRASH_WRAPPER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    from vetting import storage
    from vetting.cli import main

    point, marker = os.environ["CRASH_AT"], Path(os.environ["CRASH_MARKER"])

    def pausing(method, name):
        def wrapper(self, *args, **kwargs):
            method(self, *args, **kwargs)
            if name == point:
                marker.write_text(name)
                time.sleep(25)  # killed long before; below gunicorn's 30 s worker timeout

        return wrapper

    storage.LocalStore.stage = pausing(storage.LocalStore.stage, "staged")
    storage.LocalStore.publish = pausing(storage.LocalStore.publish, "published")
    sys.argv[0] = "vetting"
    main()
    """
)
SUMMARY_RE = re.compile(
    r"(\d+) stored file\(s\) checked against (\d+) row\(s\): (\d+) orphaned, (\d+) half-written, "
    r"(\d+) row\(s\) with a missing file"
)


@dataclass
class Setup:
    instance: Instance
    token: str
    finding_id: int
    servers: list[Server] = field(default_factory=list)

    @property
    def store(self) -> Path:
        return self.instance.path / "evidence"

    def files(self) -> list[Path]:
        return sorted(p for p in self.store.rglob("*") if p.is_file()) if self.store.exists() else []

    def rows(self) -> int:
        evidence = self.instance.scalar("SELECT COUNT(*) FROM evidence")
        consents = self.instance.scalar("SELECT COUNT(*) FROM consents")
        assert isinstance(evidence, int)
        assert isinstance(consents, int)
        return evidence + consents


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the master and every worker (one process group), as a crash or power cut would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=DEADLINE)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """``vetting init``, then a cycle, a candidate with a signed form and a finding, and a token."""
    assert VETTING.exists(), f"console script not installed at {VETTING}"
    path = tmp_path_factory.mktemp("crash") / "instance"
    instance = (
        Instance(path=path, database_url=create_pg_database(), pg=True)
        if PG_URL
        else Instance(path=path, database_url=f"sqlite:///{path / 'vetting.db'}", pg=False)
    )
    servers: list[Server] = []
    try:
        result = instance.run("init")
        assert result.returncode == 0, output_of(result)
        settings = load_settings(
            path,
            env=instance.env(),
            password_hashing=PasswordHashing(time_cost=1, memory_cost_kib=64, parallelism=1),
        )
        app = create_app(settings)
        try:
            world = build_world(app)
            record_consent(app, world.inv, world.candidate_id)
            finding_id = add_finding(app, world.inv, world.candidate_id, item_ids(app, world.cycle_id)[0])
            token = api_headers(app, world.inv)["Authorization"].removeprefix("Bearer ")
        finally:
            runtime_of(app).db.dispose()
        yield Setup(instance, token, finding_id, servers)
    finally:
        for server in servers:
            server.kill()
        instance.discard()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def start_server(setup: Setup, tmp_path: Path, crash_at: str | None = None) -> Server:
    """``vetting serve`` on a free port; returns once ``/healthz`` answers."""
    port = free_port()
    env = setup.instance.env() | {"PYTHONUNBUFFERED": "1"}
    argv = [str(VETTING)]
    if crash_at is not None:
        env |= {"CRASH_AT": crash_at, "CRASH_MARKER": str(tmp_path / "paused")}
        argv = [sys.executable, "-c", CRASH_WRAPPER]
    log = tmp_path / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [*argv, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=setup.instance.path.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    setup.servers.append(server)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited: {server.output()}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
                if read_response(conn).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail(f"the server did not answer within {DEADLINE} s: {server.output()}")


def read_response(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def big_png(size: int) -> bytes:
    """Content typed as PNG by its first bytes (the store checks the type, not the pixels)."""
    return PNG_MAGIC + secrets.token_bytes(size - len(PNG_MAGIC))


def send_upload(setup: Setup, server: Server, content: bytes, *, send: int | None = None) -> socket.socket:
    """POST the evidence upload over a raw socket; send the whole body, or only its first ``send`` bytes."""
    boundary = f"crash{secrets.token_hex(8)}"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="capture.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    request = (
        f"POST /api/v1/findings/{setup.finding_id}/evidence HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {setup.token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
    conn.sendall(request + (body if send is None else body[:send]))
    return conn


def wait_for(path: Path, server: Server) -> None:
    deadline = time.monotonic() + DEADLINE
    while not path.exists():
        assert time.monotonic() < deadline, f"the upload never reached its pause: {server.output()}"
        assert server.process.poll() is None, server.output()
        time.sleep(0.02)


def storage_check(setup: Setup, *args: str) -> tuple[int, str, tuple[int, ...]]:
    result = setup.instance.run("storage", "check", *args)
    out = output_of(result)
    match = SUMMARY_RE.search(out)
    assert match, out
    return result.returncode, out, tuple(int(g) for g in match.groups())


def assert_nothing_left(setup: Setup) -> None:
    """After the repair: no orphaned or temporary file, and every row's file is there."""
    code, out, (files, rows, orphaned, half, missing) = storage_check(setup)
    assert code == 0, out
    assert (orphaned, half, missing) == (0, 0, 0), out
    assert files == rows == setup.rows(), out
    assert not [p for p in setup.files() if p.name.endswith(TEMP_SUFFIX)]
    assert len(setup.files()) == setup.rows()


def test_sigkill_mid_upload_leaves_nothing_the_check_does_not_find_and_repair(setup: Setup, tmp_path: Path) -> None:
    server = start_server(setup, tmp_path)
    assert "Storage check: " in server.output()
    with send_upload(setup, server, big_png(64 * 1024)) as conn:  # a whole upload works
        assert read_response(conn).startswith(b"HTTP/1.1 201"), server.output()
    rows = setup.rows()

    content = big_png(8 * 1024 * 1024)
    with (
        send_upload(setup, server, content, send=len(content) // 2),  # headers and part of the body
        send_upload(setup, server, content),  # a whole body, the server still reading or writing it
    ):
        time.sleep(0.05)
        server.kill()
    assert setup.rows() in (rows, rows + 1)  # the second upload committed, or not at all

    code, out, (_files, _rows, _orphaned, _half, missing) = storage_check(setup)
    assert code == 0, out
    assert missing == 0, out
    code, out, _ = storage_check(setup, "--repair", "--older-than", "0")
    assert code == 0, out
    assert_nothing_left(setup)


@pytest.mark.parametrize(
    ("crash_at", "kind"),
    [("staged", "Half-written files (temporary names): 1"), ("published", "Orphaned files (no row points to them): 1")],
)
def test_sigkill_after_the_file_is_written_and_before_the_commit(
    setup: Setup, tmp_path: Path, crash_at: str, kind: str
) -> None:
    """Killed after the temporary file was fsynced, or after its rename: the check finds the file."""
    rows, files = setup.rows(), len(setup.files())
    server = start_server(setup, tmp_path, crash_at=crash_at)
    with send_upload(setup, server, big_png(2 * 1024 * 1024)):
        wait_for(tmp_path / "paused", server)
        server.kill()
    assert setup.rows() == rows  # the row was flushed, never committed
    assert len(setup.files()) == files + 1

    code, out, (_files, _rows, orphaned, half, missing) = storage_check(setup)
    assert code == 0, out
    assert kind in out
    assert (orphaned + half, missing) == (1, 0), out

    # The in-flight guard: a file younger than a minute may be an upload still running.
    code, out, _ = storage_check(setup, "--repair")
    assert code == 0, out
    assert "left: younger than 60 s" in out
    assert len(setup.files()) == files + 1

    code, out, _ = storage_check(setup, "--repair", "--older-than", "0")
    assert code == 0, out
    assert "removed 1" in out
    assert_nothing_left(setup)


def test_serve_removes_old_half_written_files_at_start_and_reports_the_rest(setup: Setup, tmp_path: Path) -> None:
    half_name, orphan_name = secrets.token_hex(24), secrets.token_hex(24)
    half = setup.store / half_name[:2] / f"{half_name}{TEMP_SUFFIX}"
    orphan = setup.store / orphan_name[:2] / orphan_name
    for path in (half, orphan):
        path.parent.mkdir(exist_ok=True, mode=0o700)
        path.write_bytes(secrets.token_bytes(100))
        old = time.time() - 120
        os.utime(path, (old, old))

    server = start_server(setup, tmp_path)
    server.kill()
    log = server.output()
    line = next((s for s in log.splitlines() if s.startswith("Storage check: ")), "")
    assert "1 orphaned, 1 half-written, 0 row(s) with a missing file; removed 1." in line, log
    assert not half.exists()
    assert orphan.exists()  # reported only: `vetting storage check --repair` removes it

    code, out, _ = storage_check(setup, "--repair")
    assert code == 0, out
    assert not orphan.exists()
    assert_nothing_left(setup)


def test_a_row_whose_file_is_missing_fails_the_check(setup: Setup, tmp_path: Path) -> None:
    victim = next(p for p in setup.files() if not p.name.endswith(TEMP_SUFFIX))
    kept = tmp_path / "kept"
    victim.rename(kept)
    try:
        code, out, (*_, missing) = storage_check(setup, "--repair", "--older-than", "0")
        assert code == 1, out
        assert missing == 1, out
        assert f"({victim.name})" in out
    finally:
        kept.rename(victim)
    assert_nothing_left(setup)
    verify = setup.instance.run("audit", "verify")
    assert verify.returncode == 0, output_of(verify)
