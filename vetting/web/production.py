"""Production bundles in the console (issue 15 point 5, RET-08): a records officer's page listing
their productions, with the form that starts one. The bundle is made by the worker; the job's page
(``/jobs/<id>``) follows it and offers the ZIP. The rules are the production service's."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from vetting.errors import ValidationFailed
from vetting.http.access import requires
from vetting.http.args import page_args
from vetting.http.documents import agency_name
from vetting.http.runtime import runtime, transaction
from vetting.models import JobKind
from vetting.policy import Action
from vetting.services import jobs, production, records_requests
from vetting.web.formrun import FormFailed, submit

bp = Blueprint("production", __name__, url_prefix="/productions")


def _ids(text: str | None) -> list[int]:
    parts = (text or "").replace(",", " ").split()
    if not parts or not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
        raise ValueError("Give candidate ids as whole numbers separated by commas or spaces.")
    return [int(p) for p in parts]


class ProductionForm(FlaskForm):  # type: ignore[misc]  # WTForms ships no types (as in web.forms)
    candidate_ids = StringField(
        "Candidates",
        validators=[DataRequired(), Length(max=4000)],
        description="Candidate ids, separated by commas (the number in the candidate's page address).",
    )
    purpose = SelectField(
        "Purpose", choices=[SelectChoice(k, v) for k, v in production.PURPOSES.items()], validators=[DataRequired()]
    )
    reference = StringField(
        "Request or matter",
        validators=[DataRequired(), Length(max=production.MAX_REFERENCE)],
        description="For example the records request's number or “Doe v. City, No. 26-cv-0141”.",
    )
    version = SelectField(
        "Version", choices=[SelectChoice(k, v) for k, v in production.VERSIONS.items()], validators=[DataRequired()]
    )
    prefix = StringField(
        "Bates prefix",
        default=production.DEFAULT_PREFIX,
        validators=[
            DataRequired(),
            Regexp(production.PREFIX_PATTERN.pattern + "$", message="Capital letters, digits or hyphens."),
        ],
        description="Pages are numbered PREFIX-000001 on across the bundle.",
    )
    #: The records request whose release this bundle is (empty: none); set from the request's page.
    records_request_id = HiddenField()
    submit = SubmitField("Prepare the bundle")

    def request_id(self) -> int | None:
        raw = (self.records_request_id.data or "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None

    def fill(self, scope: records_requests.ProductionScope) -> None:
        """The request's scope and reference, for the released version (the officer may narrow the list)."""
        self.candidate_ids.data = ", ".join(str(i) for i in scope.candidate_ids)
        self.purpose.data = "records_request"
        self.reference.data = scope.reference
        self.version.data = "released"
        self.records_request_id.data = str(scope.request_id)

    def validate_records_request_id(self, field: HiddenField) -> None:
        if (field.data or "").strip() and self.request_id() is None:
            raise ValidationError("The records request is a request's number.")

    def validate_candidate_ids(self, field: StringField) -> None:
        try:
            _ids(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error


def _page(form: ProductionForm, status: int = 200) -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        found = jobs.list_jobs(session, current_user, page)
    made = [view for view in found.items if view.kind is JobKind.PRODUCTION]
    return render_template(
        "production/index.html", form=form, jobs=found, productions=made, serves=form.request_id()
    ), status


@bp.get("")
@requires(Action.RECORDS_PRODUCE)
def index() -> ResponseReturnValue:
    form = ProductionForm(formdata=None)
    raw = request.args.get("records_request", "")
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise ValidationFailed("records_request: a request's number.", field="records_request")
        with transaction() as session:
            form.fill(records_requests.production_scope(session, current_user, int(raw)))
    return _page(form)


@bp.post("")
@requires(Action.RECORDS_PRODUCE)
def start() -> ResponseReturnValue:
    agency_name()  # no document without an agency to name (409), checked before queuing
    form = ProductionForm()
    try:
        view = submit(
            form,
            lambda s: jobs.start_job(
                s,
                current_user,
                JobKind.PRODUCTION,
                candidate_ids=_ids(form.candidate_ids.data),
                purpose=form.purpose.data,
                reference=form.reference.data,
                version=form.version.data,
                prefix=form.prefix.data,
                records_request_id=form.request_id(),
            ),
        )
    except FormFailed as failed:
        return _page(form, failed.status)
    runtime().queue.offer(view.id)
    return redirect(url_for("jobs.status", job_id=view.id), 303)
