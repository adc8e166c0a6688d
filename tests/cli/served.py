"""A real ``vetting serve`` (gunicorn) as a subprocess, and a visitor that signs in over HTTP.

Shared by the serving tests (tests/cli/test_serve_threads.py, tests/integration/test_two_servers.py).
The session cookie is ``Secure`` (``__Host-vetting``), which no cookie jar sends over plain HTTP;
the visitor keeps it by hand, so a test can also carry it to another server on purpose.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from tests.support import csrf_from
from vetting.security import totp

START_DEADLINE = 60.0
#: Seconds one request may take before the visitor gives up (no test relies on it being short).
REQUEST_TIMEOUT = 60.0
DEMO_SECRET_LINE = re.compile(r"^\s+(\S+@demo\.test)\s+\S+\s+([A-Z2-7]{16,})\s*$", flags=re.MULTILINE)


def demo_secrets(output: str) -> dict[str, str]:
    """The TOTP secret of each demo account, as ``vetting demo`` prints them."""
    return dict(DEMO_SECRET_LINE.findall(output))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """One running server process and its output files."""

    port: int
    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def logs(self) -> str:
        return self.out.read_text("utf-8", errors="replace") + self.err.read_text("utf-8", errors="replace")


def start(command: Sequence[str], env: dict[str, str], folder: Path, name: str, port: int | None = None) -> Server:
    """Start ``command`` (a server listening on ``port``, or a worker when ``port`` is None); for a
    server, return once ``/healthz`` answers. Logs go to ``folder/name.out`` and ``name.err``."""
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            list(command), env=env, cwd=folder, stdout=stdout, stderr=stderr, start_new_session=True
        )
    server = Server(port or 0, process, out, err)
    if port is None:
        return server
    deadline = time.monotonic() + START_DEADLINE
    try:
        while True:
            assert process.poll() is None, server.logs()
            try:
                if Visitor(port, timeout=2).get("/healthz").status == 200:
                    return server
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{name} did not start:\n{server.logs()}"
            time.sleep(0.2)
    except BaseException:
        stop(server)
        raise


def stop(server: Server) -> None:
    """SIGTERM to the process group, SIGKILL after 15 s."""
    process = server.process
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Visitor:
    """One browser's cookies, sent to whichever server ``port`` names (redirects are not followed)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = REQUEST_TIMEOUT

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            headers = {"Host": f"127.0.0.1:{self.port}"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in rest.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def submit(self, page: str, action: str, form: dict[str, str]) -> Answer:
        """POST ``form`` to ``action`` with the CSRF token of ``page`` (fetched first)."""
        shown = self.get(page)
        assert shown.status == 200, (page, shown.status, shown.location)
        return self.request("POST", action, {**form, "csrf_token": csrf_from(shown.text)})

    def password(self, email: str, password: str) -> Answer:
        """The first step of signing in; 302 to ``/login/code`` when the password is right."""
        return self.submit("/login", "/login", {"email": email, "password": password})

    def code(self, code: str) -> Answer:
        """The second step: a TOTP code; 302 away from ``/login`` when it is accepted."""
        return self.submit("/login/code", "/login/code", {"code": code})

    def sign_in(self, email: str, password: str, secret: str) -> str:
        """Both steps with the code of the current time step; returns the code used."""
        first = self.password(email, password)
        assert first.status == 302, first.text
        assert first.location.endswith("/login/code"), first.location
        used = totp.current_code(secret, datetime.now(UTC))
        second = self.code(used)
        assert second.status == 302, second.text
        assert "/login" not in second.location, second.location
        return used
