"""Public-records requests in the console (issue 15 point 4; RET-10).

Administrators, auditors and records officers read the request log and each request; records
officers log a request, decide each item of its working copy (released text only) under an
exemption code, prepare the release, approve another officer's, record the release after a
confirmation page, or close the request. The rules are the service's and the policy's; these
views parse, call one service and render.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from vetting import policy
from vetting.http.access import requires
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.models import EXEMPTIONS, ItemDecision, RequestStatus
from vetting.models.base import MAX_ID
from vetting.policy import Action
from vetting.services import records_requests as rr
from vetting.web.confirm import CONFIRMED, Confirmation, confirmed
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm, MultiCheckboxField

bp = Blueprint("records_requests", __name__, url_prefix="/records-requests")


def _ids(text: str | None) -> list[int]:
    """ "12, 15 17" as ids; anything else is refused by the field's validator."""
    parts = (text or "").replace(",", " ").split()
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError("Give candidate ids as whole numbers separated by commas or spaces.")
    return [int(p) for p in parts]


class RequestForm(FlaskForm):  # type: ignore[misc]
    requester_name = StringField("Requester's name", validators=[DataRequired(), Length(max=rr.MAX_NAME)])
    requester_contact = StringField(
        "Requester's contact",
        validators=[DataRequired(), Length(max=rr.MAX_CONTACT)],
        description="The address or e-mail the answer goes to.",
    )
    received_on = DateField("Received on", validators=[InputRequired()], description="Not after today.")
    statute = StringField(
        "Statute",
        validators=[Optional(), Length(max=rr.MAX_STATUTE)],
        description="Leave empty for the agency's public-records act.",
    )
    due_on = DateField(
        "Due on",
        validators=[Optional()],
        description="Leave empty to count the agency's business days from receipt (weekends and holidays skipped).",
    )
    description = TextAreaField(
        "Records asked for",
        validators=[DataRequired(), Length(max=rr.MAX_TEXT)],
        description="As the requester put it.",
    )
    cycle_ids = MultiCheckboxField("Whole cycles", coerce=int, validators=[Optional()])
    candidate_ids = StringField(
        "Single candidates",
        validators=[Optional(), Length(max=2000)],
        description="Candidate ids, separated by commas (the number in the candidate's page address).",
    )
    submit = SubmitField("Log the request")

    def validate_candidate_ids(self, field: StringField) -> None:
        try:
            _ids(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def request_input(self) -> rr.RequestInput:
        assert self.received_on.data is not None  # InputRequired
        return rr.RequestInput(
            requester_name=self.requester_name.data or "",
            requester_contact=self.requester_contact.data or "",
            received_on=self.received_on.data,
            description=self.description.data or "",
            statute=self.statute.data or "",
            due_on=self.due_on.data,
            cycle_ids=list(self.cycle_ids.data or []),
            candidate_ids=_ids(self.candidate_ids.data),
        )


class ExemptionForm(FlaskForm):  # type: ignore[misc]
    #: Rendered as a hidden input: the item the decision is for.
    release_id = IntegerField("Item", validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    decision = SelectField("Decision", choices=[SelectChoice(d.value, d.label) for d in ItemDecision])
    exemption_code = SelectField("Exemption", choices=[SelectChoice(e.code, e.label) for e in EXEMPTIONS.values()])
    submit = SubmitField("Save the decision")


class CloseForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(), Length(min=rr.MIN_REASON, max=rr.MAX_TEXT)],
        description="What the requester is told (withdrawn, no such records, exempt in full).",
    )
    denied = BooleanField("Deny the request (otherwise it is closed)")
    submit = SubmitField("Close the request")


@bp.get("")
@requires(Action.RECORDS_READ)
def index() -> ResponseReturnValue:
    page = page_args()
    status = request.args.get("status") or "all"
    with transaction() as session:
        found = rr.list_requests(session, current_user, page, status)
    return render_template(
        "records_requests/index.html",
        requests=found,
        status=status,
        statuses=rr.STATUSES,
        can_log=policy.can(current_user, Action.RECORDS_REQUESTS),
    )


def _form_page(form: RequestForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        form.cycle_ids.choices = [SelectChoice(i, label) for i, label in rr.scope_choices(session, current_user)]
    days = runtime().settings.records_request_days
    return render_template("records_requests/new.html", form=form, days=days), status


@bp.get("/new")
@requires(Action.RECORDS_REQUESTS)
def new() -> ResponseReturnValue:
    return _form_page(RequestForm(formdata=None))


@bp.post("")
@requires(Action.RECORDS_REQUESTS)
def log() -> ResponseReturnValue:
    form = RequestForm()
    settings = runtime().settings

    def prepare(session: Session) -> None:
        form.cycle_ids.choices = [SelectChoice(i, label) for i, label in rr.scope_choices(session, current_user)]

    def action(session: Session) -> int:
        return rr.log_request(
            session,
            current_user,
            form.request_input(),
            response_days=settings.records_request_days,
            default_statute=settings.records_statute,
        ).id

    try:
        request_id = submit(form, action, prepare)
    except FormFailed as failed:
        return _form_page(form, failed.status)
    flash("Request logged: decide each item of its working copy, then prepare the release.", "success")
    return redirect(url_for("records_requests.detail", request_id=request_id))


@bp.get("/<int:request_id>")
@requires(Action.RECORDS_READ)
def detail(request_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = rr.get_request(session, current_user, request_id)
    return render_template(
        "records_requests/detail.html",
        r=view,
        exemptions=EXEMPTIONS,
        can_work=policy.can(current_user, Action.RECORDS_REQUESTS),
        can_produce=policy.can(current_user, Action.RECORDS_PRODUCE) and view.status in rr.PRODUCIBLE,
        form=ActionForm(formdata=None),
        close_form=CloseForm(formdata=None),
        statuses=RequestStatus,
    )


def _working_page(request_id: int, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        copy = rr.working_copy(session, current_user, runtime().security, request_id)
    forms = {}
    for item in copy.items:
        form = ExemptionForm(formdata=None, prefix=f"i{item.finding.release_id}")
        form.release_id.data = item.finding.release_id
        form.decision.data = item.decision.value if item.decision else ItemDecision.WITHHOLD.value
        form.exemption_code.data = item.exemption_code or "confidential_background_file"
        forms[item.finding.release_id] = form
    return render_template(
        "records_requests/working_copy.html",
        copy=copy,
        forms=forms,
        exemptions=EXEMPTIONS,
        editable=copy.request.status in (RequestStatus.INTAKE, RequestStatus.IN_REVIEW),
    ), status


@bp.get("/<int:request_id>/working-copy")
@requires(Action.RECORDS_REQUESTS)
def working_copy(request_id: int) -> ResponseReturnValue:
    return _working_page(request_id)


@bp.post("/<int:request_id>/exemptions")
@requires(Action.RECORDS_REQUESTS)
def exemption(request_id: int) -> ResponseReturnValue:
    # Each item's form has its own prefix (one page holds many): the posted release id names it.
    prefix = next((k.split("-")[0] for k in request.form if k.endswith("-release_id")), "")
    form = ExemptionForm(prefix=prefix)
    try:
        submit(
            form,
            lambda s: (
                rr.set_exemption(
                    s,
                    current_user,
                    request_id,
                    form.release_id.data or 0,
                    form.decision.data or "",
                    form.exemption_code.data or "",
                ).id
            ),
        )
    except FormFailed as failed:
        flash(failed.message or "Choose a decision and an exemption for the item.", "error")
        return redirect(url_for("records_requests.working_copy", request_id=request_id), code=303)
    flash("Decision saved.", "success")
    return redirect(url_for("records_requests.working_copy", request_id=request_id))


def _step(request_id: int, action: str) -> ResponseReturnValue:
    steps = {"prepare": rr.prepare_release, "approve": rr.approve_release}
    form = ActionForm()
    try:
        submit(form, lambda s: steps[action](s, current_user, request_id).id)
    except FormFailed as failed:
        flash(failed.message or "The form has expired; try again.", "error")
        return redirect(url_for("records_requests.detail", request_id=request_id), code=303)
    messages = {
        "prepare": "Release prepared: another records officer approves it before anything goes out.",
        "approve": "Release approved: record the release when it is sent to the requester.",
    }
    flash(messages[action], "success")
    return redirect(url_for("records_requests.detail", request_id=request_id))


@bp.post("/<int:request_id>/prepare")
@requires(Action.RECORDS_REQUESTS)
def prepare(request_id: int) -> ResponseReturnValue:
    return _step(request_id, "prepare")


@bp.post("/<int:request_id>/approve")
@requires(Action.RECORDS_REQUESTS)
def approve(request_id: int) -> ResponseReturnValue:
    return _step(request_id, "approve")


def _release_page(request_id: int, form: ActionForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        view = rr.get_request(session, current_user, request_id)
    counts = (view.release_log or {}).get("counts", {})
    blockers = [] if view.status is RequestStatus.APPROVED else ["Only an approved release is released."]
    c = Confirmation(
        title=f"Release request {view.id} to {view.requester_name}?",
        action=url_for("records_requests.release", request_id=request_id),
        yes_label="Yes, record the release",
        cancel_url=url_for("records_requests.detail", request_id=request_id),
        cancel_label=f"Request {view.id}",
        happens=[
            f"The release log records that {counts.get('released', 0)} item(s) (released text only) went to "
            f"{view.requester_name} ({view.requester_contact}) now, and {counts.get('withheld', 0)} were withheld.",
            "The request is finished: its working copy and release log no longer change.",
        ],
        undo="This cannot be undone: what was released stays in the release log.",
        style="primary",
        blockers=blockers,
    )
    return render_template("records_requests/release.html", c=c, form=form, confirm_value=CONFIRMED), status


@bp.get("/<int:request_id>/release")
@requires(Action.RECORDS_REQUESTS)
def release_confirm(request_id: int) -> ResponseReturnValue:
    return _release_page(request_id, ActionForm(formdata=None))


@bp.post("/<int:request_id>/release")
@requires(Action.RECORDS_REQUESTS)
def release(request_id: int) -> ResponseReturnValue:
    form = ActionForm()
    if not confirmed():
        return _release_page(request_id, form)
    try:
        submit(form, lambda s: rr.record_release(s, current_user, request_id).id)
    except FormFailed as failed:
        return _release_page(request_id, form, failed.status)
    flash("Release recorded in the release log.", "success")
    return redirect(url_for("records_requests.detail", request_id=request_id))


@bp.post("/<int:request_id>/close")
@requires(Action.RECORDS_REQUESTS)
def close(request_id: int) -> ResponseReturnValue:
    form = CloseForm()
    try:
        submit(
            form,
            lambda s: (
                rr.close_request(s, current_user, request_id, form.reason.data or "", denied=bool(form.denied.data)).id
            ),
        )
    except FormFailed as failed:
        with transaction() as session:
            view = rr.get_request(session, current_user, request_id)
        page = render_template(
            "records_requests/detail.html",
            r=view,
            exemptions=EXEMPTIONS,
            can_work=True,
            form=ActionForm(formdata=None),
            close_form=form,
            statuses=RequestStatus,
        )
        return page, failed.status
    flash("Request closed.", "success")
    return redirect(url_for("records_requests.detail", request_id=request_id))
