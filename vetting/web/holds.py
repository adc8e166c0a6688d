"""Legal holds in the console (issue 15 point 2; RET-02, RET-03).

Administrators, auditors and records officers read the list and each hold; administrators and
records officers place one (matter, reference, reason, review date and a scope of cycles,
candidates and a position over dates) and release another person's after a confirmation page
that says what the release ends. The rules are the service's and the policy's; these views parse,
call one service and render.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from vetting import policy
from vetting.http.access import requires
from vetting.http.args import page_args
from vetting.http.runtime import transaction
from vetting.policy import Action
from vetting.services import holds
from vetting.web.confirm import CONFIRMED, Confirmation, confirmed
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import HoldForm, HoldReleaseForm

bp = Blueprint("holds", __name__, url_prefix="/holds")


def _choices(form: HoldForm, choices: holds.ScopeChoices) -> None:
    form.cycle_ids.choices = choices.cycles
    form.position.choices = [("", "No position"), *((p, p) for p in choices.positions)]


@bp.get("")
@requires(Action.RECORDS_READ)
def index() -> ResponseReturnValue:
    page = page_args()
    status = request.args.get("status") or "all"
    with transaction() as session:
        found = holds.list_holds(session, current_user, page, status)
    return render_template(
        "holds/index.html",
        holds=found,
        status=status,
        statuses=holds.STATUSES,
        can_place=policy.can(current_user, Action.HOLDS_MANAGE),
    )


def _form_page(form: HoldForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        _choices(form, holds.scope_choices(session, current_user))
    return render_template("holds/new.html", form=form), status


@bp.get("/new")
@requires(Action.HOLDS_MANAGE)
def new() -> ResponseReturnValue:
    return _form_page(HoldForm(formdata=None))


@bp.post("")
@requires(Action.HOLDS_MANAGE)
def place() -> ResponseReturnValue:
    form = HoldForm()

    def prepare(session: Session) -> None:
        _choices(form, holds.scope_choices(session, current_user))

    try:
        hold_id = submit(form, lambda s: holds.place_hold(s, current_user, form.hold_input()).id, prepare)
    except FormFailed as failed:
        return _form_page(form, failed.status)
    flash(
        "Legal hold placed: the records it reaches are kept as they are until a second person releases it.", "success"
    )
    return redirect(url_for("holds.detail", hold_id=hold_id))


@bp.get("/<int:hold_id>")
@requires(Action.RECORDS_READ)
def detail(hold_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = holds.get_hold(session, current_user, hold_id)
    return render_template("holds/detail.html", d=found, can_manage=policy.can(current_user, Action.HOLDS_MANAGE))


def _release_page(hold_id: int, form: HoldReleaseForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        found = holds.get_hold(session, current_user, hold_id)
    hold = found.hold
    back = url_for("holds.detail", hold_id=hold_id)
    blockers = [] if hold.active else ["This hold was already released."]
    if found.release_refusal and hold.active:
        blockers.append(found.release_refusal)
    c = Confirmation(
        title=f"Release the hold for “{hold.matter}”?",
        action=url_for("holds.release", hold_id=hold_id),
        yes_label="Yes, release the hold",
        cancel_url=back,
        cancel_label=f"Hold {hold.id}",
        happens=[
            f"The {found.held_total} candidate record(s) it reaches are no longer kept for this matter "
            "(other holds on them still stand).",
            "Their records can then be edited and, past their retention, disposed of.",
            "The release is recorded with your name, the time and the reason, and stays in the hold's record.",
        ],
        undo="This cannot be undone: a released hold stays released (place a new hold if needed).",
        blockers=blockers,
    )
    return render_template("holds/release.html", c=c, d=found, form=form, confirm_value=CONFIRMED), status


@bp.get("/<int:hold_id>/release")
@requires(Action.HOLDS_MANAGE)
def release_confirm(hold_id: int) -> ResponseReturnValue:
    return _release_page(hold_id, HoldReleaseForm(formdata=None))


@bp.post("/<int:hold_id>/release")
@requires(Action.HOLDS_MANAGE)
def release(hold_id: int) -> ResponseReturnValue:
    form = HoldReleaseForm()
    if not confirmed():
        return _release_page(hold_id, form)
    try:
        submit(form, lambda s: holds.release_hold(s, current_user, hold_id, form.reason.data or "").id)
    except FormFailed as failed:
        return _release_page(hold_id, form, failed.status)
    flash("Legal hold released.", "success")
    return redirect(url_for("holds.detail", hold_id=hold_id))
