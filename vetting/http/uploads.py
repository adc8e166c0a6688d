"""Per-endpoint request size limits, applied before anything reads the body.

The app-wide limit is small; views that take files declare their own with
``@accepts_upload(bytes)``. The limit must be set before the CSRF check parses the
form, so this hook is registered ahead of CSRFProtect.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, Final, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

F = TypeVar("F", bound=Callable[..., Any])

_ATTR: Final = "_vetting_upload_limit"
#: Room for the multipart framing and the other form fields around the file.
OVERHEAD: Final = 64 * 1024


def accepts_upload(max_file_bytes: int) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        setattr(view, _ATTR, max_file_bytes + OVERHEAD)
        return view

    return decorator


def _apply_limit() -> None:
    if request.endpoint is None:
        return
    limit: int | None = getattr(current_app.view_functions[request.endpoint], _ATTR, None)
    if limit is not None:
        request.max_content_length = limit
    _read_unsized_body(request.max_content_length)


def _read_unsized_body(limit: int | None) -> None:
    """A body sent without a length (``Transfer-Encoding: chunked``) is read here, up to the limit:
    one byte more is a 413, as a declared ``Content-Length`` over the limit is (issue 14: a
    chunked body over the limit was cut short and answered 422). A body within the limit is
    handed on with its length, so every later reader sees a sized body."""
    environ = request.environ
    if limit is None or environ.get("CONTENT_LENGTH"):
        return
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    stream = environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - len(body)))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(bytes(body))
    environ["CONTENT_LENGTH"] = str(len(body))
    del environ["HTTP_TRANSFER_ENCODING"]  # werkzeug ignores the length of a body still marked chunked


_CHUNK = 64 * 1024


def init_app(app: Flask) -> None:
    app.before_request(_apply_limit)
