"""HTTP for people: blueprints, guard, errors, security headers."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask.wrappers import Response
from flask_wtf import CSRFProtect
from werkzeug.routing import IntegerConverter

from vetting.models.base import MAX_ID
from vetting.web import admin, audit, auth, checklists, errors, guard, home, investigation, uploads

csrf = CSRFProtect()

#: No inline script or style anywhere; forms post only to this site (ASVS 14.4).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)  # a download may set a stricter one
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts.
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if request.endpoint != "static":
        # Pages hold personal data: nothing is kept for the back button after sign-out.
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: 1 to MAX_ID, anything else is simply not found."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _refuse_nul_bytes() -> None:
    # No text field has a use for NUL, and PostgreSQL refuses it with an error, not a 4xx.
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            abort(400, "Text fields cannot contain NUL characters.")


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_bytes)
    errors.init_app(app)
    # The access guard runs before the CSRF check: who may call comes before how they called.
    guard.init_app(app)
    uploads.init_app(app)  # before CSRF: its check parses the body
    csrf.init_app(app)
    for blueprint in (home.bp, auth.bp, admin.bp, audit.bp, checklists.bp, investigation.bp):
        app.register_blueprint(blueprint)
    app.after_request(_security_headers)
