"""Records retention in the console (issue 15 points 1 and 3; RET-01, RET-05, RET-06, RET-07).

Whoever follows an old link to a disposed candidate (the cycle's list, the audit log, a records
request) is sent to the candidate's tombstone (``retention.tombstone``) instead of an error: any
page that would open the candidate's content raises :class:`CandidateDisposed`, and the handler
below redirects people signed in to it; the API keeps its 409.

One page (``retention.index``) for administrators, auditors and records officers: the schedule
in force with its legal floors and the proposal awaiting a second person, each candidate's class,
trigger date and earliest disposition date (or only those due), and the dispositions awaiting
approval. Changing the schedule and disposing are proposals a second person approves; the
approval of a disposition goes through a confirmation page, since it cannot be undone. The rules
are the services' and the policy's; these views parse, call one service and render.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Form, FormField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from vetting import policy
from vetting.errors import CandidateDisposed
from vetting.http.access import requires, signed_in
from vetting.http.args import page_args
from vetting.http.documents import destruction_certificate_response
from vetting.http.errors import error_response
from vetting.http.runtime import runtime, transaction
from vetting.models import RetentionClass, Trigger
from vetting.policy import Action
from vetting.services import disposition, retention
from vetting.web.confirm import CONFIRMED, Confirmation, confirmed
from vetting.web.formrun import FormFailed, submit

bp = Blueprint("retention", __name__, url_prefix="/retention")

#: The candidate lists the page shows: only those due, or every candidate.
SHOWS = ("due", "all")


class ClassForm(Form):  # type: ignore[misc]  # WTForms ships no types (as in web.forms)
    period_days = IntegerField(
        "Period (days)",
        validators=[InputRequired(message="Give a whole number of days."), NumberRange(min=1, max=retention.MAX_DAYS)],
    )
    trigger = SelectField(
        "Starts at", choices=[SelectChoice(t.value, t.label) for t in Trigger], validators=[DataRequired()]
    )
    citation = StringField(
        "Citation", validators=[DataRequired(), Length(max=retention.MAX_CITATION)], description="RET-07"
    )


class ClassesForm(Form):  # type: ignore[misc]
    pass


for _cls in RetentionClass:
    setattr(ClassesForm, _cls.value, FormField(ClassForm, label=_cls.label))


class ScheduleForm(FlaskForm):  # type: ignore[misc]
    classes = FormField(ClassesForm)
    submit = SubmitField("Propose this schedule")

    def raw(self) -> dict[str, Any]:
        return {c.value: dict(getattr(self.classes, c.value).data) for c in RetentionClass}

    def fill(self, schedule: retention.Schedule) -> None:
        for cls in RetentionClass:
            entry = schedule.entries[cls]
            sub = getattr(self.classes, cls.value)
            sub.period_days.data = entry.period_days
            sub.trigger.data = entry.trigger.value
            sub.citation.data = entry.citation


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A lone button (approve a schedule, propose a disposition): its CSRF token only."""

    candidate_id = HiddenField()


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    """Whether the navigation shows "Records" (and "Legal holds" beside it): records readers."""

    def can_read_records() -> bool:
        return bool(current_user.is_authenticated and policy.can(current_user, Action.RECORDS_READ))

    return {"can_read_records": can_read_records}


@bp.app_errorhandler(CandidateDisposed)
def disposed(error: CandidateDisposed) -> ResponseReturnValue:
    """A page of a disposed candidate's content: their tombstone (the API and the candidate's own
    links, signed in as nobody, keep the 409)."""
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return error_response(error.http_status, error.code, error.message, error.field)
    return redirect(url_for("retention.tombstone", candidate_id=error.candidate_id), code=303)


@bp.get("/candidates/<int:candidate_id>")
@signed_in
def tombstone(candidate_id: int) -> ResponseReturnValue:
    """A disposed candidate's tombstone: for whoever sees the cycle, and records readers (404 to others)."""
    with transaction() as session:
        found = disposition.tombstone(session, current_user, candidate_id)
        return render_template("retention/tombstone.html", t=found)


def _show() -> str:
    show = request.args.get("show") or "due"
    return show if show in SHOWS else "due"


@bp.get("")
@requires(Action.RECORDS_READ)
def index() -> ResponseReturnValue:
    show = _show()
    page, pending_page = page_args(), page_args("d_")
    with transaction() as session:
        state = retention.schedule_state(session, current_user)
        listed = retention.candidates_page(session, current_user, page, due_only=show == "due")
        awaiting = disposition.dispositions_page(session, current_user, pending_page, "proposed")
    return render_template(
        "retention/index.html",
        state=state,
        floors=retention.FLOORS,
        fcra=(retention.FCRA_DAYS, retention.FCRA_CITATION),
        classes=list(RetentionClass),
        candidates=listed,
        awaiting=awaiting,
        show=show,
        shows=SHOWS,
        form=ActionForm(formdata=None),
        can_manage=policy.can(current_user, Action.RETENTION_MANAGE),
        can_dispose=policy.can(current_user, Action.RECORDS_DISPOSE),
        can_produce=policy.can(current_user, Action.RECORDS_PRODUCE),
    )


def _schedule_page(form: ScheduleForm, status: int = 200) -> ResponseReturnValue:
    return render_template("retention/propose.html", form=form, floors=retention.FLOORS), status


@bp.get("/schedule/propose")
@requires(Action.RETENTION_MANAGE)
def schedule_form() -> ResponseReturnValue:
    form = ScheduleForm(formdata=None)
    with transaction() as session:
        form.fill(retention.schedule_state(session, current_user).current)
    return _schedule_page(form)


@bp.post("/schedule/propose")
@requires(Action.RETENTION_MANAGE)
def schedule_propose() -> ResponseReturnValue:
    form = ScheduleForm()
    try:
        submit(form, lambda s: retention.propose_schedule(s, current_user, form.raw()).id)
    except FormFailed as failed:
        return _schedule_page(form, failed.status)
    flash("Schedule proposed: it takes force when a second person approves it (RET-07).", "success")
    return redirect(url_for("retention.index"))


@bp.post("/schedule/<int:proposal_id>/approve")
@requires(Action.RETENTION_MANAGE)
def schedule_approve(proposal_id: int) -> ResponseReturnValue:
    form = ActionForm()
    try:
        submit(form, lambda s: retention.approve_schedule(s, current_user, proposal_id).id)
    except FormFailed as failed:
        flash(failed.message or "The form has expired; try again.", "error")
        return redirect(url_for("retention.index"), code=303)
    flash("Schedule approved: it is in force from now.", "success")
    return redirect(url_for("retention.index"))


@bp.post("/dispositions")
@requires(Action.RECORDS_DISPOSE)
def disposition_propose() -> ResponseReturnValue:
    form = ActionForm()
    raw = (form.candidate_id.data or "").strip()
    if not raw.isdigit():
        flash("Choose a candidate from the list.", "error")
        return redirect(url_for("retention.index"), code=303)
    try:
        disposition_id = submit(form, lambda s: disposition.propose(s, current_user, int(raw)).id)
    except FormFailed as failed:
        flash(failed.message or "The form has expired; try again.", "error")
        return redirect(url_for("retention.index"), code=303)
    flash("Disposition proposed: a second person approves it.", "success")
    return redirect(url_for("retention.disposition_detail", disposition_id=disposition_id))


@bp.get("/dispositions/<int:disposition_id>")
@requires(Action.RECORDS_READ)
def disposition_detail(disposition_id: int) -> ResponseReturnValue:
    with transaction() as session:
        found = disposition.detail(session, current_user, disposition_id)
        return render_template("retention/disposition.html", d=found.row, found=found)


@bp.get("/dispositions/<int:disposition_id>/certificate.pdf")
@requires(Action.RECORDS_READ)
def disposition_certificate(disposition_id: int) -> ResponseReturnValue:
    return destruction_certificate_response(disposition_id)


def _approve_page(disposition_id: int, blocker: str | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        row = disposition.get(session, current_user, disposition_id)
        refusal = disposition.approval_refusal(session, current_user, row)
        code, status_value = row.candidate_code, row.status.value
    blockers = [b for b in (blocker, refusal) if b]
    if status_value != "proposed":
        blockers.append("This disposition was carried out already.")
    c = Confirmation(
        title=f"Dispose of candidate {code}'s records?",
        action=url_for("retention.disposition_approve", disposition_id=disposition_id),
        yes_label="Yes, destroy these records",
        cancel_url=url_for("retention.disposition_detail", disposition_id=disposition_id),
        cancel_label=f"Disposition {disposition_id}",
        happens=[
            "The candidate's data key is destroyed: their name, profile, search log, findings, releases, "
            "decisions' reasons, responses and EEO answers can never be read again, by anyone.",
            "Their evidence, signed consent and attached files are deleted from storage.",
            "A tombstone keeps the code, cycle, dates, retention class and citation, both approvers, and "
            "counts and SHA-256 digests of what was destroyed; the audit log is kept unchanged.",
        ],
        undo="This cannot be undone: no backup of the key exists in the application.",
        blockers=blockers,
    )
    return render_template("confirm.html", c=c, confirm_value=CONFIRMED), status


@bp.get("/dispositions/<int:disposition_id>/approve")
@requires(Action.RECORDS_DISPOSE)
def disposition_approve_confirm(disposition_id: int) -> ResponseReturnValue:
    return _approve_page(disposition_id)


@bp.post("/dispositions/<int:disposition_id>/approve")
@requires(Action.RECORDS_DISPOSE)
def disposition_approve(disposition_id: int) -> ResponseReturnValue:
    if not confirmed():
        return _approve_page(disposition_id)
    form = ActionForm()
    try:
        submit(
            form,
            lambda s: (
                disposition.approve(
                    s,
                    current_user,
                    runtime().security,
                    runtime().store,
                    disposition_id,
                    results=runtime().queue.results,
                ).id
            ),
        )
    except FormFailed as failed:
        return _approve_page(disposition_id, failed.message or "The form has expired; try again.", failed.status)
    flash("The candidate's records were disposed of; the tombstone is below.", "success")
    return redirect(url_for("retention.disposition_detail", disposition_id=disposition_id))
