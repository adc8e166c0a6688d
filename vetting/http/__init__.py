"""What both HTTP faces share: the request's runtime and unit of work, access markers, the guard,
error responses, upload limits, documents, argument parsing and the security headers.

:mod:`vetting.web` (pages) and :mod:`vetting.api` (JSON) import this package, never each other.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask.wrappers import Response
from flask_wtf import CSRFProtect
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from vetting.clock import shown_date, shown_time, zone_name
from vetting.http import errors, guard, uploads
from vetting.models.base import MAX_ID

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
    """``<int:...>`` in every route: ids of ASCII digits within 32 bits; others are simply not found.

    Raising NotFound here, rather than failing the match, keeps the answer a 404 where
    another method's rule shares the path (a failed match there would answer 405).
    """

    def to_python(self, value: str) -> int:
        if not value.isascii():  # the rule's \d also matches full-width and other Unicode digits
            raise NotFound("No such record.")
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise NotFound("No such record.")
        return number


def _refuse_nul_bytes() -> None:
    # No text field has a use for NUL, and PostgreSQL refuses it with an error, not a 4xx.
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            abort(400, "Text fields cannot contain NUL characters.")


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    # Pages give dates and times on the agency's clock (issue 16); stored moments stay UTC.
    app.jinja_env.filters.update(agency_date=shown_date, agency_time=shown_time)
    app.jinja_env.globals["agency_zone"] = zone_name
    errors.init_app(app)
    # Request hooks run in this order. The body limit comes first, as the later hooks parse
    # the body; the access guard comes before the CSRF check (who may call, then how).
    uploads.init_app(app)
    guard.init_app(app)
    app.before_request(_refuse_nul_bytes)
    csrf.init_app(app)
    app.after_request(_security_headers)
