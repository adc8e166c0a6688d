"""The investigators' side of the board: answering questions, approving a colleague's answer,
recording the candidate's response to a notice and closing a dispute after re-validation."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from vetting.http.access import requires
from vetting.http.runtime import runtime, transaction
from vetting.models import ResponseKind
from vetting.policy import Action
from vetting.services import notices, questions
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import ActionForm, AnswerForm, DisputeCloseForm, ResponseForm
from vetting.web.investigation import candidate_page

bp = Blueprint("board_work", __name__)


def _in_transaction(lookup: Callable[[Session, int], int], row_id: int) -> int:
    """The candidate a refused row belongs to, for the page that shows the refusal (read afresh)."""
    with transaction() as session:
        return lookup(session, row_id)


def _back(candidate_id: int) -> ResponseReturnValue:
    return redirect(url_for("work.candidate", candidate_id=candidate_id, _anchor="board-title"))


@bp.post("/questions/<int:question_id>/answer")
@requires(Action.INVESTIGATE)
def answer(question_id: int) -> ResponseReturnValue:
    form = AnswerForm(prefix=f"q{question_id}")
    try:
        row = submit(
            form, lambda s: questions.answer(s, current_user, runtime().security, question_id, form.answer.data or "")
        )
    except FormFailed as failed:
        candidate_id = _in_transaction(questions.candidate_of, question_id)
        return candidate_page(candidate_id, status=failed.status, board_forms={f"q{question_id}": form})
    flash("Answer saved. A second investigator must approve it before the board reads it.", "success")
    return _back(row.candidate_id)


@bp.post("/questions/<int:question_id>/approve")
@requires(Action.INVESTIGATE)
def approve(question_id: int) -> ResponseReturnValue:
    try:
        row = submit(ActionForm(), lambda s: questions.approve(s, current_user, question_id))
    except FormFailed as failed:
        candidate_id = _in_transaction(questions.candidate_of, question_id)
        return candidate_page(candidate_id, status=failed.status, error=failed.message)
    flash("Answer approved and sent to the board.", "success")
    return _back(row.candidate_id)


@bp.post("/candidates/<int:candidate_id>/responses")
@requires(Action.INVESTIGATE)
def response(candidate_id: int) -> ResponseReturnValue:
    form = ResponseForm()

    def noticed(session: Session) -> None:
        view = notices.for_investigators(session, current_user, runtime().security, candidate_id)
        proposed = view.state.proposal.finding_ids if view.state.proposal else []
        form.finding_ids.choices = [(f, f"Finding {f}") for f in proposed]

    try:
        submit(
            form,
            lambda s: notices.record_response(
                s,
                current_user,
                runtime().security,
                candidate_id,
                kind=ResponseKind(form.kind.data),
                text=form.text.data or "",
                received_on=form.received_on.data,
                finding_ids=list(form.finding_ids.data or []),
            ),
            noticed,
        )
    except FormFailed as failed:
        return candidate_page(candidate_id, status=failed.status, board_forms={"response": form})
    flash("The candidate's answer is recorded.", "success")
    return _back(candidate_id)


@bp.post("/responses/<int:response_id>/close")
@requires(Action.INVESTIGATE)
def close_dispute(response_id: int) -> ResponseReturnValue:
    form = DisputeCloseForm(prefix=f"d{response_id}")
    try:
        row = submit(
            form,
            lambda s: notices.close_dispute(s, current_user, runtime().security, response_id, form.notes.data or ""),
        )
    except FormFailed as failed:
        candidate_id = _in_transaction(notices.candidate_of_response, response_id)
        return candidate_page(candidate_id, status=failed.status, board_forms={f"d{response_id}": form})
    flash("Dispute closed. The board may now complete its decision.", "success")
    return _back(row.candidate_id)
