"""Who is calling, and may they reach this endpoint at all (default deny).

Browser requests are identified by a server-side session token in the signed session
cookie; API requests only by a bearer token, never by cookie, so the CSRF-exempt API
cannot be driven by a forged cross-site request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import AnonymousUserMixin, LoginManager, current_user

from vetting import policy
from vetting.errors import AuthenticationFailed
from vetting.http.access import LOGIN_STEP, PUBLIC, SIGNED_IN, rule_of
from vetting.http.errors import error_response
from vetting.http.runtime import runtime, transaction
from vetting.models import User
from vetting.policy import Action
from vetting.services import accounts, tokens

login_manager = LoginManager()
# Our sessions are server-side rows; Flask-Login's cookie fingerprinting would only add writes.
login_manager.session_protection = None
login_manager.anonymous_user = AnonymousUserMixin

SESSION_KEY = "sid"
PENDING_KEY = "pending"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


@login_manager.request_loader
def _load_user(_request: object) -> User | None:
    if is_api_request():
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            with transaction() as db_session:
                return tokens.authenticate(db_session, token.strip(), default_days=runtime().settings.token_days)
        except AuthenticationFailed as refused:
            g.token_refused = refused  # revoked or expired (audited): the guard answers with its code
            return None
    sid: str | None = session.get(SESSION_KEY)
    if not sid:
        return None
    with transaction() as db_session:
        resolved = accounts.resolve_session(db_session, runtime().security, sid)
    if resolved.ended:
        g.session_ended = resolved.ended
        session.pop(SESSION_KEY, None)
    return resolved.user


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _guard() -> ResponseReturnValue | None:
    if request.endpoint is None:
        return None  # no such URL: the 404 handler answers
    rule = PUBLIC if request.endpoint == "static" else rule_of(current_app.view_functions[request.endpoint])
    if rule is None:
        return error_response(403, "forbidden", "This page is not open to anyone.")
    if rule in (PUBLIC, LOGIN_STEP):
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            refused = g.get("token_refused")
            if refused is not None:
                return error_response(401, refused.code, refused.message)
            return error_response(
                401, "authentication_required", "Send a valid API token as 'Authorization: Bearer <token>'."
            )
        ended = g.get("session_ended")
        if ended == "idle":
            flash("Your session was locked after 30 minutes without activity. Sign in again.", "info")
        elif ended == "expired":
            flash("Your session has ended. Sign in again.", "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    if rule == SIGNED_IN:
        return None
    assert isinstance(rule, Action)
    if not policy.role_allows(current_user, rule):
        return error_response(403, "forbidden", "Your role does not give access to this.")
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_guard)
