"""Board pages: released, redacted summaries, recommendations, the decision and questions
(R2, R3; the read model is services.board, the rules services.decisions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from vetting.http.access import requires, signed_in
from vetting.http.args import page_args
from vetting.http.candidate_links import link_mailer, offer
from vetting.http.documents import notice_pdf_response, summary_pdf_response
from vetting.http.runtime import runtime, transaction
from vetting.models import DecisionStatus, Outcome, ValidationStatus
from vetting.policy import Action
from vetting.services import board, candidate_links, decisions, notice_delivery, questions
from vetting.services.candidates import STAGES
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import DecisionForm, NoticeDeliveryForm, QuestionForm, RecommendationForm

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.get("/cycles/<int:cycle_id>")
@requires(Action.BOARD_READ)
def cycle(cycle_id: int) -> ResponseReturnValue:
    # Candidates waiting on the reader's recommendation come first unless another order is chosen.
    sort = request.args.get("sort", "waiting")
    sort = sort if sort in board.SORTS else "waiting"
    stage = request.args.get("stage", "")
    stage = stage if stage in STAGES else ""
    waiting = request.args.get("waiting") == "1"
    page = page_args()
    with transaction() as session:
        view = board.cycle_overview(
            session,
            current_user,
            runtime().security,
            cycle_id,
            sort=sort,
            stage=stage,
            waiting_only=waiting,
            page=page,
        )
        return render_template("board/cycle.html", cycle=view, sort=sort, stage=stage, stages=STAGES, waiting=waiting)


def _with_findings(form: FlaskForm, citable: list[tuple[int, str]]) -> None:
    choices = [(finding_id, f"Finding {finding_id}: {label}") for finding_id, label in citable]
    if hasattr(form, "finding_ids"):
        form.finding_ids.choices = choices
    else:
        form.finding_id.choices = choices


def _page(
    candidate_id: int,
    *,
    recommendation: RecommendationForm | None = None,
    decision: DecisionForm | None = None,
    question: QuestionForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    with transaction() as session:
        view = board.summary(session, current_user, runtime().security, candidate_id)
        mine = view.decision.recommendation_of(current_user.id)
        recommendation = recommendation or RecommendationForm(
            formdata=None,
            data={"outcome": mine.outcome.value, "finding_ids": mine.finding_ids, "no_finding": not mine.finding_ids}
            if mine
            else None,
        )
        decision = decision or DecisionForm(formdata=None, prefix="decision")
        question = question or QuestionForm(formdata=None)
        for form in (recommendation, decision, question):
            _with_findings(form, [(f.finding_id, f.category.label) for f in view.findings])
        return render_template(
            "board/candidate.html",
            summary=view,
            ValidationStatus=ValidationStatus,
            recommendation_form=recommendation,
            decision_form=decision,
            question_form=question,
            mine=mine,
        ), status


@bp.get("/candidates/<int:candidate_id>")
@requires(Action.BOARD_READ)
def candidate(candidate_id: int) -> ResponseReturnValue:
    return _page(candidate_id)


def _cited(form: RecommendationForm | DecisionForm) -> list[int]:
    return [] if form.no_finding.data else list(form.finding_ids.data or [])


def _citable(form: FlaskForm, candidate_id: int) -> Callable[[Session], None]:
    """Give the posted form its finding choices (so WTForms can check the ticks)."""
    return lambda s: _with_findings(form, board.citable(s, current_user, runtime().security, candidate_id))


@bp.post("/candidates/<int:candidate_id>/recommendations")
@requires(Action.BOARD_READ)
def recommend(candidate_id: int) -> ResponseReturnValue:
    form = RecommendationForm()
    try:
        submit(
            form,
            lambda s: decisions.recommend(
                s,
                current_user,
                runtime().security,
                candidate_id,
                outcome=Outcome(form.outcome.data),
                rationale=form.rationale.data or "",
                finding_ids=_cited(form),
            ),
            _citable(form, candidate_id),
        )
    except FormFailed as failed:
        return _page(candidate_id, recommendation=form, status=failed.status)
    flash("Your recommendation is recorded.", "success")
    return redirect(url_for("board.candidate", candidate_id=candidate_id, _anchor="recommendations"))


@bp.post("/candidates/<int:candidate_id>/decisions")
@requires(Action.BOARD_READ)
def decide(candidate_id: int) -> ResponseReturnValue:
    form = DecisionForm(prefix="decision")
    mailer = link_mailer()
    try:
        row, issued = submit(
            form,
            lambda s: candidate_links.decide(
                s,
                current_user,
                runtime().security,
                mailer,
                candidate_id,
                outcome=Outcome(form.outcome.data),
                rationale=form.rationale.data or "",
                finding_ids=_cited(form),
            ),
            _citable(form, candidate_id),
        )
    except FormFailed as failed:
        return _page(candidate_id, decision=form, status=failed.status)
    offer(issued)
    if row.status is DecisionStatus.PROPOSED:
        delivered = (
            "The pre-decision notice is being e-mailed to the candidate as a link"
            if issued is not None and issued.outbox_id is not None
            else "Download the pre-decision notice for the candidate (no e-mail address is on file) and record "
            "when you hand it over"
        )
        flash(
            f"Proposed. {delivered}; the candidate's response window starts when the notice is delivered.",
            "success",
        )
    else:
        flash(f"Decision recorded: {row.outcome.label.lower()}.", "success")
    return redirect(url_for("board.candidate", candidate_id=candidate_id, _anchor="decision"))


@bp.post("/candidates/<int:candidate_id>/questions")
@requires(Action.BOARD_READ)
def ask(candidate_id: int) -> ResponseReturnValue:
    form = QuestionForm()
    try:
        submit(
            form,
            lambda s: questions.ask(
                s, current_user, runtime().security, candidate_id, int(form.finding_id.data), form.question.data or ""
            ),
            _citable(form, candidate_id),
        )
    except FormFailed as failed:
        return _page(candidate_id, question=form, status=failed.status)
    flash("Your question was sent to the investigators.", "success")
    return redirect(url_for("board.candidate", candidate_id=candidate_id, _anchor="questions"))


@bp.get("/candidates/<int:candidate_id>/summary.pdf")
@requires(Action.BOARD_READ)
def candidate_pdf(candidate_id: int) -> ResponseReturnValue:
    return summary_pdf_response(candidate_id)


@bp.get("/notices/<int:notice_id>.pdf")
@signed_in
def notice_pdf(notice_id: int) -> ResponseReturnValue:
    """Board members of the cycle and its investigators (the service checks which)."""
    return notice_pdf_response(notice_id)


@bp.post("/candidates/<int:candidate_id>/notices/<int:notice_id>/delivery")
@signed_in
def notice_delivered(candidate_id: int, notice_id: int) -> ResponseReturnValue:
    """The cycle's board and investigators record a notice handed over (the service checks which)."""
    form = NoticeDeliveryForm()
    back = (
        url_for("work.candidate", candidate_id=candidate_id, _anchor="board-title")
        if form.back.data == "work"
        else url_for("board.candidate", candidate_id=candidate_id, _anchor="decision")
    )
    try:
        due = submit(
            form,
            lambda s: (
                notice_delivery.record_by_hand(
                    s, current_user, notice_id, form.delivered_on.data or date.min, candidate_id=candidate_id
                ).response_due
            ),
        )
    except FormFailed as failed:
        if failed.status in (403, 404):
            abort(failed.status)
        problems = [m for errors in form.errors.values() for m in errors]
        flash("Delivery not recorded: " + (" ".join(problems) or failed.message or "check the date."), "error")
        return redirect(back), 303
    flash(
        f"Delivery recorded; the candidate may respond until the end of {due:%d %b %Y}."
        if due
        else "Delivery recorded.",
        "success",
    )
    return redirect(back)
