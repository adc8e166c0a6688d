"""The reviewer's page: raw and redacted text side by side, then release (R3, POL-02)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.http.access import requires
from vetting.http.runtime import runtime, transaction
from vetting.models import SCREENED_FIELDS
from vetting.policy import Action
from vetting.services import release
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ReleaseForm

bp = Blueprint("release", __name__)


def _review_page(finding_id: int, form: ReleaseForm | None = None, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        review = release.review(session, current_user, runtime().security, finding_id)
    form = form or ReleaseForm(data={"revision": str(review.finding.revision), "reviewed_sha256": review.digest})
    return render_template("work/review.html", review=review, form=form, fields=SCREENED_FIELDS), status


@bp.get("/findings/<int:finding_id>/review")
@requires(Action.INVESTIGATE)
def review(finding_id: int) -> ResponseReturnValue:
    return _review_page(finding_id)


@bp.post("/findings/<int:finding_id>/release")
@requires(Action.INVESTIGATE)
def release_finding(finding_id: int) -> ResponseReturnValue:
    form = ReleaseForm()
    try:
        row = submit(
            form,
            lambda s: release.release(
                s,
                current_user,
                runtime().security,
                finding_id,
                int(form.revision.data or 0),
                form.reviewed_sha256.data,
            ),
        )
    except FormFailed as failed:
        return _review_page(finding_id, form, failed.status)
    flash(f"Released revision {row.revision} to the board.", "success")
    return redirect(url_for("work.finding", finding_id=finding_id))
