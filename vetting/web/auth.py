"""Sign in (password, then TOTP or first-time enrolment), sign out."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from vetting.http.access import login_step, public, signed_in
from vetting.http.guard import PENDING_KEY, SESSION_KEY, safe_next
from vetting.http.runtime import client_ip, runtime, transaction
from vetting.models import SessionStage
from vetting.services import accounts
from vetting.web.forms import ActionForm, CodeForm, LoginForm

bp = Blueprint("auth", __name__)
#: Errors after which the half-finished login is dropped and the user starts again.
RESTART_CODES = frozenset({"account_locked", "login_expired"})


def _start_fresh_session() -> None:
    # A new cookie at every step of login: no token from before sign-in survives (ASVS 3.2.1).
    next_target = session.get("next")
    session.clear()
    if next_target:
        session["next"] = next_target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET" and (target := safe_next(request.args.get("next"))):
        session["next"] = target
    status = 200
    if form.validate_on_submit():
        with transaction() as db_session:
            outcome = accounts.login_with_password(
                db_session, runtime().security, form.email.data or "", form.password.data or "", client_ip()
            )
        if outcome.ok:
            _start_fresh_session()
            session[PENDING_KEY] = outcome.token
            if outcome.stage is SessionStage.ENROLL:
                return redirect(url_for("auth.enrol"))
            return redirect(url_for("auth.code"))
        assert outcome.error is not None
        form.password.errors = [outcome.error.message]
        status = outcome.error.http_status
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form, banner=runtime().settings.login_banner), status


def _finish(token: str | None) -> None:
    _start_fresh_session()
    target = session.pop("next", None)
    session[SESSION_KEY] = token
    if target:
        session["next"] = target


def _after_login() -> ResponseReturnValue:
    return redirect(safe_next(session.pop("next", None)) or url_for("home.index"))


@bp.route("/login/code", methods=["GET", "POST"])
@login_step
def code() -> ResponseReturnValue:
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        with transaction() as db_session:
            outcome = accounts.verify_second_factor(
                db_session, runtime().security, session.get(PENDING_KEY), form.code.data or "", client_ip()
            )
        if outcome.ok:
            _finish(outcome.token)
            return _after_login()
        assert outcome.error is not None
        if outcome.error.code in RESTART_CODES:
            session.pop(PENDING_KEY, None)
            flash(outcome.error.message, "error")
            return redirect(url_for("auth.login"))
        form.code.errors = [outcome.error.message]
        status = outcome.error.http_status
    else:
        with transaction() as db_session:
            if accounts.pending_session(db_session, session.get(PENDING_KEY), SessionStage.PASSWORD) is None:
                flash("Sign in with your email address and password first.", "info")
                return redirect(url_for("auth.login"))
        if form.is_submitted():
            status = 422
    return render_template("auth/code.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@login_step
def enrol() -> ResponseReturnValue:
    form = CodeForm()
    form.submit.label.text = "Confirm and continue"
    submitted = form.validate_on_submit()
    security, token = runtime().security, session.get(PENDING_KEY)
    with transaction() as db_session:
        outcome = (
            accounts.confirm_enrolment(db_session, security, token, form.code.data or "", client_ip())
            if submitted
            else None
        )
        # The page is shown again after a wrong code: its secret is read in the same unit of work.
        show_again = outcome is None or (outcome.error is not None and outcome.error.code not in RESTART_CODES)
        enrolment = accounts.begin_enrolment(db_session, security, token) if show_again else None
    status = 200
    if outcome is not None:
        if outcome.ok:
            _finish(outcome.token)
            return render_template(
                "auth/recovery_codes.html", codes=outcome.recovery_codes, next_url=url_for("auth.continue_after_enrol")
            )
        assert outcome.error is not None
        if outcome.error.code in RESTART_CODES:
            session.pop(PENDING_KEY, None)
            flash(outcome.error.message, "error")
            return redirect(url_for("auth.login"))
        form.code.errors = [outcome.error.message]
        status = outcome.error.http_status
    elif form.is_submitted():
        status = 422
    if enrolment is None:
        flash("Sign in with your email address and password first.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/enrol.html", form=form, enrolment=enrolment), status


@bp.post("/login/cancel")
@login_step
def cancel() -> ResponseReturnValue:
    """Abandon a half-finished sign-in; it is revoked server-side."""
    return _end_session(accounts.cancel_pending, PENDING_KEY, "Sign-in cancelled.")


@bp.get("/login/continue")
@signed_in
def continue_after_enrol() -> ResponseReturnValue:
    return _after_login()


@bp.post("/logout")
@signed_in
def logout() -> ResponseReturnValue:
    return _end_session(accounts.logout, SESSION_KEY, "You are signed out.")


def _end_session(revoke: Callable[[Session, str | None], None], key: str, message: str) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        with transaction() as db_session:
            revoke(db_session, session.get(key))
    session.clear()
    flash(message, "info")
    return redirect(url_for("auth.login"))
