"""Per-endpoint request size limits, applied before anything reads the body.

The app-wide limit is small; views that take files declare their own with
``@accepts_upload(bytes)``. The limit must be set before the CSRF check parses the
form, so this hook is registered ahead of CSRFProtect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from flask import Flask, current_app, request

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


def init_app(app: Flask) -> None:
    app.before_request(_apply_limit)
