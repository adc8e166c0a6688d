"""The candidate's self-identification form (public, one-time link) and the administrator's
page that issues the links. Nobody sees the answers here: see services.adverse_impact."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.http.access import public, requires
from vetting.http.runtime import client_ip, runtime, transaction
from vetting.policy import Action
from vetting.services import self_identification
from vetting.services.link_guard import Refused
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm, SelfIdentificationForm

bp = Blueprint("self_id", __name__)


def _refused(refused: Refused) -> ResponseReturnValue:
    """The one plain page every refused candidate link gets (issue 16 point 1)."""
    return render_template("portal/refused.html", message=refused.message), refused.status


@bp.get("/self-identification/<token>")
@public
def form(token: str) -> ResponseReturnValue:
    with transaction() as session:
        refused = self_identification.open_form(session, runtime().security, token, client_ip())
    if refused is not None:
        return _refused(refused)
    return render_template("self_id/form.html", form=SelfIdentificationForm(), token=token)


@bp.post("/self-identification/<token>")
@public
def answer(token: str) -> ResponseReturnValue:
    form = SelfIdentificationForm()
    security = runtime().security
    try:
        refused = submit(
            form,
            lambda s: self_identification.answer(
                s, security, token, client_ip(), form.sex.data or "", form.race_ethnicity.data or ""
            ),
        )
    except FormFailed as failed:
        return render_template("self_id/form.html", form=form, token=token), failed.status
    if refused is not None:
        return _refused(refused)
    return render_template("self_id/thanks.html")


@bp.get("/admin/cycles/<int:cycle_id>/self-identification")
@requires(Action.CYCLES_MANAGE)
def overview(cycle_id: int) -> ResponseReturnValue:
    with transaction() as session:
        states = self_identification.overview(session, current_user, cycle_id)
    return render_template("self_id/overview.html", states=states, cycle_id=cycle_id, form=ActionForm(), issued=None)


@bp.post("/admin/cycles/<int:cycle_id>/self-identification/<int:candidate_id>")
@requires(Action.CYCLES_MANAGE)
def invite(cycle_id: int, candidate_id: int) -> ResponseReturnValue:
    form = ActionForm()
    try:
        # The link and the refreshed list come from one unit of work.
        issued, states = submit(
            form,
            lambda s: (
                self_identification.invite(s, current_user, candidate_id),
                self_identification.overview(s, current_user, cycle_id),
            ),
        )
    except FormFailed as failed:
        # The refused invitation was rolled back: the list is read afresh.
        with transaction() as session:
            states = self_identification.overview(session, current_user, cycle_id)
        return render_template(
            "self_id/overview.html", states=states, cycle_id=cycle_id, form=form, issued=None, link=None
        ), failed.status
    link = url_for("self_id.form", token=issued.token, _external=True)
    return render_template(
        "self_id/overview.html", states=states, cycle_id=cycle_id, form=form, issued=issued, link=link
    )
