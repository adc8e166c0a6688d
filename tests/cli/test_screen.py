"""``vetting screen`` as a real subprocess: one answer per input line, bad lines included (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli.conftest import VETTING
from vetting.screening.cli import MAX_TEXT


def _screen(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(VETTING), "screen", *args], input=stdin, capture_output=True, timeout=120, check=False)


def test_a_bad_line_gets_its_own_error_and_the_stream_goes_on() -> None:
    lines = [
        json.dumps({"id": 1, "text": "I'm preg\u00adnant"}).encode(),
        b"this is not json",
        b'{"id": 3, "text": "caf\xe9 au lait"}',  # Latin-1, not UTF-8
        json.dumps({"id": 4, "text": ""}).encode(),
        json.dumps({"id": 5, "text": "x" * (MAX_TEXT + 1)}).encode(),
        json.dumps([1, 2]).encode(),
        json.dumps({"id": 7}).encode(),
        json.dumps({"id": 8, "text": "Proud #blacklivesmatter supporter"}).encode(),
    ]
    result = _screen(b"\n".join(lines) + b"\n")
    assert result.returncode == 1, result.stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == len(lines)
    first, *bad, last = out
    assert first["id"] == 1
    [mention] = first["mentions"]
    assert (mention["start"], mention["end"], mention["axis"]) == (4, 13, "pregnancy")
    assert [o.get("error", "")[:7] for o in bad] == ["line 2:", "line 3:", "line 4:", "line 5:", "line 6:", "line 7:"]
    assert "not UTF-8" in bad[1]["error"]
    assert "empty" in bad[2]["error"]
    assert "limit" in bad[3]["error"]
    assert [bad[2]["id"], bad[3]["id"]] == [4, 5]  # the id is kept where the line had one
    assert last["id"] == 8
    assert [m["axis"] for m in last["mentions"]] == ["race_colour"]
    assert last["mentions"][0]["confidence"] == "possible"


def test_one_string_and_a_clean_exit() -> None:
    result = _screen(b"", "--text", "a road trip to Guatemala with friends")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"id": None, "mentions": []}
    result = _screen(b"", "--text", " ")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "text is empty"


def test_screening_starts_without_the_application() -> None:
    """Start-up stays near Python's own: neither Flask nor the ORM nor the models are imported."""
    probe = (
        "import sys\n"
        "from vetting import entry\n"
        "sys.argv = ['vetting', 'screen', '--text', 'x']\n"
        "try:\n"
        "    entry.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'vetting.models', 'wordfreq') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
