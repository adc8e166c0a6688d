"""``vetting screen``: the detector on the command line, without the application behind it.

It imports neither Flask nor the ORM, so it starts in about the time Python does (issue 13):
:mod:`vetting.entry` runs it before anything else is imported. Each input line gets exactly one
output line, an error included, so one bad line never stops a stream.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, BinaryIO

import click

from vetting.screening.detector import screen

#: Longest text screened in one line (characters): a finding's fields are far shorter.
MAX_TEXT = 1_000_000


def _problem(text: object) -> str | None:
    if not isinstance(text, str):
        return 'expected a JSON object with a string "text"'
    if not text.strip():
        return "text is empty"
    if len(text) > MAX_TEXT:
        return f"text is {len(text):,} characters long; the limit is {MAX_TEXT:,}"
    return None


def screen_line(item_id: object, text: object) -> tuple[dict[str, Any], bool]:
    """The output object for one input, and whether it was screened."""
    problem = _problem(text)
    if problem is not None:
        return {"id": item_id, "error": problem}, False
    assert isinstance(text, str)
    return {"id": item_id, "mentions": [m.as_dict() for m in screen(text)]}, True


def _parse(number: int, raw: bytes) -> tuple[object, object, str | None]:
    """(id, text, error) of one input line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, f"line {number}: not UTF-8 (byte {exc.start})"
    try:
        item = json.loads(line)
    except ValueError:
        return None, None, f"line {number}: not a JSON object"
    if not isinstance(item, dict):
        return None, None, f"line {number}: not a JSON object"
    return item.get("id"), item.get("text"), None


def screen_stream(lines: Iterable[bytes], out: Any) -> int:
    """Screen JSON lines; returns how many lines could not be screened."""
    failed = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        item_id, text, error = _parse(number, raw)
        if error is not None:
            result, ok = {"id": item_id, "error": error}, False
        else:
            result, ok = screen_line(item_id, text)
            if not ok:
                result["error"] = f"line {number}: {result['error']}"
        failed += not ok
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return failed


@click.command("screen")
@click.option("--text", "single", help="Screen this one string instead of reading JSON lines from stdin.")
def screen_command(single: str | None) -> None:
    """Find protected-class mentions. Reads JSON lines {"id", "text"} on stdin and writes one
    line {"id", "mentions": [{"start", "end", "axis", "rule", "confidence"}]} per input line
    (character offsets into "text"), or {"id", "error"} for a line that cannot be screened.
    Exits 1 if any line could not be screened."""
    if single is not None:
        result, ok = screen_line(None, single)
        click.echo(json.dumps(result, ensure_ascii=False))
        if not ok:
            sys.exit(1)
        return
    stdin: BinaryIO = sys.stdin.buffer
    if screen_stream(stdin, sys.stdout):
        sys.exit(1)
