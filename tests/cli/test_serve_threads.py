"""Issue 17 point 5: a slow request never starves ``/healthz`` or other users.

A real ``vetting serve`` (gunicorn, one worker, the default threads) on a free port, against a
temporary instance with the demo data. The slow requests come from a test-only route added by
the launcher ``tests.cli.serve_held`` (the product ships no such route): each waits, holding its
thread, until the test creates a release file. While :data:`HELD` of them are in flight, the health
check answers and another user signs in (password + TOTP) and reads a signed-in page; only then are
the held requests let go. With the former sync worker, the first held request blocked the worker.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.conftest import _new_instance, output_of, run_vetting
from tests.cli.served import Answer, Server, Visitor, demo_secrets, free_port, start, stop
from vetting.cli import DEFAULT_THREADS
from vetting.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
#: Slow requests kept in flight at once: fewer than the default threads of the one worker.
HELD = 4
#: The deadline of each step; a starved request fails the test by it, never by speed.
DEADLINE = 30.0


@dataclass
class Served:
    server: Server
    hold: Path
    secrets: dict[str, str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serve-threads")
    inst = _new_instance(folder / "instance")
    try:
        for step in ("init", "demo"):
            result = inst.run(step)
            assert result.returncode == 0, output_of(result)
        accounts = demo_secrets(result.stdout)  # the demo's last output: its accounts' TOTP secrets
        hold = folder / "hold"
        hold.mkdir()
        # --workers by option, the timeout by its variable, the threads by default.
        env = inst.env() | {"VETTING_TEST_HOLD": str(hold), "PYTHONPATH": str(ROOT), "VETTING_TIMEOUT": "45"}
        env.pop("VETTING_THREADS", None)
        port = free_port()
        command = [sys.executable, "-m", "tests.cli.serve_held", "--port", str(port), "--workers", "1"]
        server = start(command, env, folder, "server", port)
        try:
            yield Served(server, hold, accounts)
        finally:
            (hold / "release").touch()  # a failed test leaves no request waiting for the limit
            stop(server)
    finally:
        inst.discard()


def _wait_for(what: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ready():
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE} s"
        time.sleep(0.05)


def test_the_server_runs_the_options_it_was_given(served: Served) -> None:
    logs = served.server.logs()
    assert f"(1 workers x {DEFAULT_THREADS} threads, timeout 45 s)" in logs
    assert "Using worker: gthread" in logs


def test_help_names_the_options_and_their_variables() -> None:
    result = run_vetting(dict(os.environ), ROOT, "serve", "--help")
    assert result.returncode == 0, output_of(result)
    for option, variable in (
        ("--workers", "VETTING_WORKERS"),
        ("--threads", "VETTING_THREADS"),
        ("--timeout", "VETTING_TIMEOUT"),
    ):
        assert option in result.stdout
        assert variable in result.stdout


def test_slow_requests_leave_healthz_and_a_signed_in_page_answering(served: Served) -> None:
    port = served.server.port
    with ThreadPoolExecutor(HELD) as pool:
        held: list[Future[Answer]] = [pool.submit(Visitor(port).get, "/test/held") for _ in range(HELD)]
        _wait_for(f"{HELD} held requests", lambda: len(list(served.hold.glob("started-*"))) == HELD)

        health = Visitor(port, timeout=DEADLINE).get("/healthz")
        auditor = Visitor(port, timeout=DEADLINE)
        auditor.sign_in("auditor@demo.test", DEMO_PASSWORD, served.secrets["auditor@demo.test"])
        page = auditor.get("/jobs")

        still_held = [not f.done() for f in held]
        (served.hold / "release").touch()
        answers = [f.result(timeout=DEADLINE) for f in held]

    assert health.status == 200
    assert page.status == 200, page.location
    assert "Sign out" in page.text  # signed in, not sent to the login page
    assert still_held == [True] * HELD  # they answered while every slow request was in flight
    assert [(a.status, a.text) for a in answers] == [(200, "released")] * HELD
