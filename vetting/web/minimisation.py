"""Minimisation in the console (issue 15 point 3, RET-11): findings that never reach the board,
purged ahead of their candidate's file.

One page (``minimisation.index``) lists the findings of a kind that may go, with their dates
(only those due, or all), and the proposals awaiting a second person; a records officer ticks
the due ones to propose. A proposal's page shows its findings (their tombstones once carried
out); its approval goes through a confirmation page, since it cannot be undone. The rules are the
service's and the policy's; these views parse, call one service and render.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from vetting import policy
from vetting.http.access import requires
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.policy import Action
from vetting.services import minimisation
from vetting.web.confirm import CONFIRMED, Confirmation, confirmed
from vetting.web.formrun import FormFailed, submit

bp = Blueprint("minimisation", __name__, url_prefix="/retention/minimisation")

#: The finding lists the page shows: only those due, or every finding that may go.
SHOWS = ("due", "all")


class ProposeForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no types (as in web.forms)
    """The ticked findings (the service checks each: due, minimisable, not held)."""

    finding_ids = SelectMultipleField("Findings", coerce=int, validate_choice=False)


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A lone button (approve): its CSRF token only."""


def _show() -> str:
    show = request.args.get("show") or "due"
    return show if show in SHOWS else "due"


@bp.get("")
@requires(Action.RECORDS_READ)
def index() -> ResponseReturnValue:
    show = _show()
    page, pending_page = page_args(), page_args("m_")
    with transaction() as session:
        listed = minimisation.findings_page(session, current_user, page, due_only=show == "due")
        awaiting = minimisation.minimisations_page(session, current_user, pending_page, "proposed")
    return render_template(
        "minimisation/index.html",
        findings=listed,
        awaiting=awaiting,
        show=show,
        shows=SHOWS,
        form=ProposeForm(formdata=None),
        can_dispose=policy.can(current_user, Action.RECORDS_DISPOSE),
        max_batch=minimisation.MAX_BATCH,
    )


@bp.post("")
@requires(Action.RECORDS_DISPOSE)
def propose() -> ResponseReturnValue:
    form = ProposeForm()
    try:
        minimisation_id = submit(form, lambda s: minimisation.propose(s, current_user, form.finding_ids.data or []).id)
    except FormFailed as failed:
        message = failed.message or "; ".join(form.finding_ids.errors) or "The form has expired; try again."
        flash(message, "error")
        return redirect(url_for("minimisation.index"), code=303)
    flash("Minimisation proposed: a second person approves it.", "success")
    return redirect(url_for("minimisation.detail", minimisation_id=minimisation_id))


@bp.get("/<int:minimisation_id>")
@requires(Action.RECORDS_READ)
def detail(minimisation_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = minimisation.detail(session, current_user, minimisation_id)
        return render_template("minimisation/detail.html", m=found.row, found=found)


def _approve_page(minimisation_id: int, blocker: str | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        found = minimisation.detail(session, current_user, minimisation_id)
        count, status_value, refusal = len(found.findings), found.row.status.value, found.approval_refusal
    blockers = [b for b in (blocker, refusal) if b]
    if status_value != "proposed":
        blockers.append("This minimisation was carried out already.")
    c = Confirmation(
        title=f"Minimise {count} finding(s)?",
        action=url_for("minimisation.approve", minimisation_id=minimisation_id),
        yes_label="Yes, destroy these findings' content",
        cancel_url=url_for("minimisation.detail", minimisation_id=minimisation_id),
        cancel_label=f"Minimisation {minimisation_id}",
        happens=[
            "Each finding's source, summary, excerpt and withdrawal reason, and its validation notes, are "
            "overwritten: every page shows that they were minimised.",
            "Its evidence files are deleted from storage, and the detector's marks on its text are deleted.",
            "What counts stays: the finding's category and dates, its validation results and the search log; "
            "a tombstone keeps why it went, its dates, both approvers and SHA-256 digests of what was destroyed.",
        ],
        undo="This cannot be undone: the application keeps no copy of the content.",
        blockers=blockers,
    )
    return render_template("confirm.html", c=c, confirm_value=CONFIRMED), status


@bp.get("/<int:minimisation_id>/approve")
@requires(Action.RECORDS_DISPOSE)
def approve_confirm(minimisation_id: int) -> ResponseReturnValue:
    return _approve_page(minimisation_id)


@bp.post("/<int:minimisation_id>/approve")
@requires(Action.RECORDS_DISPOSE)
def approve(minimisation_id: int) -> ResponseReturnValue:
    if not confirmed():
        return _approve_page(minimisation_id)
    form = ActionForm()
    try:
        submit(
            form,
            lambda s: (
                minimisation.approve(
                    s,
                    current_user,
                    runtime().security,
                    runtime().store,
                    minimisation_id,
                    results=runtime().queue.results,
                ).id
            ),
        )
    except FormFailed as failed:
        return _approve_page(minimisation_id, failed.message or "The form has expired; try again.", failed.status)
    flash("The findings were minimised; their tombstones are below.", "success")
    return redirect(url_for("minimisation.detail", minimisation_id=minimisation_id))
