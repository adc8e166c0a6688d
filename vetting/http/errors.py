"""One mapping from errors to responses: JSON under /api, pages elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from vetting.errors import DomainError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


def error_response(status: int, code: str, message: str, field: str | None = None) -> tuple[Any, int]:
    if request.path.startswith("/api/"):
        body: dict[str, str] = {"code": code, "message": message}
        if field:
            body["field"] = field
        return jsonify({"error": body}), status
    return render_template("errors/error.html", status=status, code=code, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> ResponseReturnValue:
        return error_response(error.http_status, error.code, error.message, error.field)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> ResponseReturnValue:
        return error_response(
            400, "csrf_failed", "The form expired or did not come from this site. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        body, status = error_response(status, _HTTP_CODES.get(status, "error"), error.description or error.name)
        # The exception's own headers (405's Allow, RFC 9110 §15.5.6), not its HTML content type.
        return body, status, [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # Engine errors hide bound parameters (db.make_engine), so tracebacks carry no content.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.endpoint, exc_info=True)
        if app.testing:
            raise error
        return error_response(500, "internal_error", "Something went wrong. The error was logged; nothing was saved.")
