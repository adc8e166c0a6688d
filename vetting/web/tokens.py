"""One's own API tokens (issue 14): create (name, lifetime), list, revoke after a confirmation.

Only a full session reaches these pages (password and second factor). The services allow a
user their own tokens only: another user's token id is simply not found. A new token is shown
once, on the page that answers its creation (never stored, never put in a redirect or flash).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from vetting.errors import NotFound
from vetting.http.access import signed_in
from vetting.http.runtime import runtime, transaction
from vetting.services import tokens
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm, TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _days() -> int:
    return runtime().settings.token_days


def _page(form: TokenForm, *, issued: tokens.IssuedToken | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        views = tokens.list_tokens(session, current_user, current_user, default_days=_days())
    return (
        render_template("home/tokens.html", tokens=views, form=form, issued=issued, default_days=_days()),
        status,
    )


@bp.get("")
@signed_in
def index() -> ResponseReturnValue:
    form = TokenForm()
    form.days.data = _days()
    return _page(form)


@bp.post("")
@signed_in
def create() -> ResponseReturnValue:
    form = TokenForm()

    def run(session: Session) -> tokens.IssuedToken:
        return tokens.issue_token(
            session, current_user, current_user, default_days=_days(), name=form.name.data, days=form.days.data
        )

    try:
        issued = submit(form, run)
    except FormFailed as failed:
        return _page(form, status=failed.status)
    fresh = TokenForm(formdata=None)
    fresh.days.data = _days()
    return _page(fresh, issued=issued, status=201)


@bp.get("/<int:token_id>/revoke")
@signed_in
def revoke_confirm(token_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = tokens.get_token(session, current_user, token_id, default_days=_days())
    return render_template("home/token_revoke.html", token=view, form=ActionForm())


@bp.post("/<int:token_id>/revoke")
@signed_in
def revoke(token_id: int) -> ResponseReturnValue:
    form = ActionForm()
    try:
        view = submit(form, lambda session: tokens.revoke_token(session, current_user, token_id, default_days=_days()))
    except FormFailed as failed:
        if failed.status == 404:
            raise NotFound("No such token.") from failed
        flash(failed.message or "The token could not be revoked.", "error")
        return redirect(url_for("tokens.index"))
    label = f"“{view.name}” ({view.prefix}…)" if view.name else f"{view.prefix}…"
    flash(f"Token {label} revoked. Requests that send it are now refused.", "success")
    return redirect(url_for("tokens.index"))
