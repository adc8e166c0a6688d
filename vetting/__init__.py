"""vetting: the internet and social-media part of police candidate background checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from vetting.config import Settings

#: Request bodies above this are refused before a view runs (evidence uploads set their own).
MAX_REQUEST_BYTES = 1 * 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application; fails fast if the instance folder lacks its secrets."""
    # Imported here, not above: the audit-export verifier imports this package and must
    # run with the cryptography package alone (vetting.audit.export).
    from flask import Flask

    from vetting import api, http, web
    from vetting.config import PROJECT_ROOT, load_settings
    from vetting.runtime import Runtime

    settings = settings or load_settings()
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    cookie_name = "__Host-vetting" if settings.cookie_secure else "vetting"
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_NAME=cookie_name,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.absolute_timeout,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.extensions["vetting"] = Runtime.build(settings)
    if settings.audit_witnesses and not settings.testing:
        # The anchoring schedule (issue 14): a thread per serving process, started by its first
        # request, so command-line runs and forks before serving never start one.
        from vetting.services.audit_anchor import Anchorer, file_witnesses

        runtime = app.extensions["vetting"]
        anchorer = Anchorer(runtime.db, file_witnesses(settings.audit_witnesses), settings.audit_anchor_interval)
        app.extensions["vetting_anchorer"] = anchorer
        app.before_request(anchorer.start)
    http.init_app(app)
    web.init_app(app)
    api.init_app(app)
    return app
