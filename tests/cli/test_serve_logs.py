"""Issue 14, points 8 and 5 against a real ``vetting serve`` (gunicorn) on a free local port.

A ``%0A`` in a request path wrote a forged second line into the access log: now every request
is exactly one access-log line, a JSON object with the control characters escaped. The same
server answers a chunked body over the limit with 413 and deeply nested JSON with 400, and
writes no traceback for either. The server is bounded: it is stopped (SIGTERM, then SIGKILL)
whatever happens, and each wait has a deadline.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.conftest import VETTING, Instance, _new_instance, output_of
from vetting import MAX_REQUEST_BYTES
from vetting.logs import EscapeControls, EscapingFormatter, escape_controls

START_DEADLINE = 30.0


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def access_lines(self) -> list[str]:
        lines = self.out.read_text("utf-8", errors="replace").splitlines()
        return [line for line in lines if line.startswith("{")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _raw(port: int, request: bytes, body_chunks: list[bytes] | None = None) -> bytes:
    """Send ``request`` (and chunks) byte for byte, as no HTTP library would; return the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        for chunk in body_chunks or []:
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if body_chunks is not None:
            conn.sendall(b"0\r\n\r\n")
        answer = b""
        while b"\r\n" not in answer:
            data = conn.recv(4096)
            if not data:
                break
            answer += data
        return answer.split(b"\r\n", 1)[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    assert VETTING.exists(), f"console script not installed at {VETTING}"
    folder = tmp_path_factory.mktemp("serve")
    inst: Instance = _new_instance(folder / "instance")
    try:
        init = inst.run("init")
        assert init.returncode == 0, output_of(init)
        port = _free_port()
        out, err = folder / "stdout.log", folder / "stderr.log"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [str(VETTING), "serve", "--port", str(port), "--workers", "1"],
                env=inst.env(),
                cwd=folder,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        running = Server(port, process, out, err)
        try:
            deadline = time.monotonic() + START_DEADLINE
            while True:
                assert process.poll() is None, err.read_text()
                try:
                    if _raw(port, b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            yield running
        finally:
            _stop(process)
    finally:
        inst.discard()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def _wait_for_lines(server: Server, count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while len(lines := server.access_lines()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return lines


def test_a_newline_in_the_path_is_one_json_access_line(server: Server) -> None:
    before = len(_wait_for_lines(server, 1))
    forged = b'%0A{"remote":"10.0.0.1","method":"GET","path":"/admin","status":200}%0D%0A%1B[2J'
    status = _raw(server.port, b"GET /api/v1/cycles/1" + forged + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 4"), status
    lines = _wait_for_lines(server, before + 1)
    time.sleep(0.3)  # a forged second line would be written with the first
    text = server.out.read_text("utf-8")
    new = [line for line in text.splitlines() if line][-1:]
    assert len(server.access_lines()) == before + 1, text
    entry = json.loads(lines[-1])
    assert entry == json.loads(new[0])
    assert entry["method"] == "GET"
    assert entry["path"].startswith("/api/v1/cycles/1\n{")  # the newline is data, escaped in the line
    assert "\\n" in lines[-1]
    assert "\\u001b" in lines[-1]
    assert entry["status"] == 404
    assert set(entry) == {"time", "remote", "method", "path", "status", "bytes", "seconds"}
    for line in text.splitlines():
        assert not line.startswith('{"remote":"10.0.0.1"'), line


def test_a_chunked_body_over_the_limit_is_413_on_the_real_server(server: Server) -> None:
    before = len(_wait_for_lines(server, 1))
    head = (
        b"POST /api/v1/self-identification HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    body = b'{"token": "' + b"x" * (MAX_REQUEST_BYTES + 50_000) + b'"}'
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    assert _raw(server.port, head, chunks).startswith(b"HTTP/1.1 413")
    # The access line is written after the answer (and after the server drains the refused body): wait
    # for it before the next request, or the two threads' lines may come in either order.
    first = _wait_for_lines(server, before + 1)
    deep = b'{"a":' * 320 + b"1" + b"}" * 320
    assert _raw(server.port, head, [deep]).startswith(b"HTTP/1.1 400")
    assert "Traceback" not in server.err.read_text("utf-8")
    second = _wait_for_lines(server, before + 2)
    assert [json.loads(line)["status"] for line in (first[-1], second[-1])] == [413, 400]


def test_every_log_record_is_one_escaped_line() -> None:
    """The app's own records (message, arguments and traceback) through the server's formatter."""
    record = logging.LogRecord(
        "vetting.http.errors", logging.ERROR, __file__, 1, "unhandled %s on %s", ("Boom\nforged", "/x\r\ny"), None
    )
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        record.exc_info = sys.exc_info()
    EscapeControls().filter(record)
    assert record.getMessage() == "unhandled Boom\\nforged on /x\\r\\ny"
    line = EscapingFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line
    assert "\r" not in line
    assert "line one\\nline two" in line
    assert escape_controls("a\x00b\x7fc\u2028d\x85") == "a\\x00b\\x7fc\\u2028d\\x85"
