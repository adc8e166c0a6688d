"""Log lines nobody can forge from outside (issue 14, point 8).

Anything a request carries (its path, a header, an exception's message) can hold control
characters: a ``%0A`` in a path wrote a second, forged line into the access log. Here every
record is written on one line with its control characters escaped (``\\n``, ``\\x1b``,
``\\u2028``), whatever logged it, and the access log is one JSON object a line.

:class:`ServerLogger` is gunicorn's logger for ``vetting serve``: JSON access lines, and the
escaping formatter and filter on the error log and on the root logger (the app's own records).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from gunicorn import glogging

#: C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape: it stays on one line."""
    return _CONTROL.sub(_escape, text)


def _escaped(value: Any) -> Any:
    return escape_controls(value) if isinstance(value, str) else value


class EscapeControls(logging.Filter):
    """Escapes control characters in a record's message and in its arguments, for any formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = escape_controls(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _escaped(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_escaped(value) for value in record.args)
        return True


class EscapingFormatter(logging.Formatter):
    """A formatter whose every record is one line: the message, the arguments and any traceback
    have their control characters (newlines included) escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


def access_entry(environ: dict[str, Any], status: str | int, sent: int | None, duration: timedelta) -> str:
    """One access-log line: a JSON object of the request line without its query string (queries
    could carry search terms), the answer's status and size, and the time taken."""
    code = str(status).split(None, 1)[0]
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "remote": environ.get("REMOTE_ADDR"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": int(code) if code.isdigit() else code,
        "bytes": sent,
        "seconds": round(duration.total_seconds(), 6),
    }
    return json.dumps(entry, ensure_ascii=True, separators=(",", ":"))


_ESCAPE_FILTER = EscapeControls()


class ServerLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger for ``vetting serve``: JSON access lines, escaped error lines."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                fmt = self.access_fmt if log is self.access_log else self.error_fmt
                handler.setFormatter(EscapingFormatter(fmt, self.datefmt))
                if _ESCAPE_FILTER not in handler.filters:
                    handler.addFilter(_ESCAPE_FILTER)
        # The app's own records (vetting.*, sqlalchemy, ...) go to the error stream, one line each.
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_vetting", False):
                root.removeHandler(handler)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(EscapingFormatter(self.error_fmt, self.datefmt))
        handler.addFilter(_ESCAPE_FILTER)
        handler._vetting = True  # type: ignore[attr-defined]
        root.addHandler(handler)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        self.access_log.info("%s", access_entry(environ, resp.status, getattr(resp, "sent", None), request_time))
