"""Board pages: released, redacted summaries only (R2, R3; the read model is services.board)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.models import ValidationStatus
from vetting.policy import Action
from vetting.services import board
from vetting.services.candidates import STAGES
from vetting.web.access import requires
from vetting.web.documents import summary_pdf_response
from vetting.web.runtime import runtime, transaction

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.get("/cycles/<int:cycle_id>")
@requires(Action.BOARD_READ)
def cycle(cycle_id: int) -> ResponseReturnValue:
    sort = request.args.get("sort", "candidate")
    sort = sort if sort in board.SORTS else "candidate"
    stage = request.args.get("stage", "")
    stage = stage if stage in STAGES else ""
    with transaction() as session:
        view = board.cycle_overview(session, current_user, runtime().security, cycle_id, sort=sort, stage=stage)
        return render_template("board/cycle.html", cycle=view, sort=sort, stage=stage, stages=STAGES)


@bp.get("/candidates/<int:candidate_id>")
@requires(Action.BOARD_READ)
def candidate(candidate_id: int) -> ResponseReturnValue:
    with transaction() as session:
        view = board.summary(session, current_user, runtime().security, candidate_id)
        return render_template("board/candidate.html", summary=view, ValidationStatus=ValidationStatus)


@bp.get("/candidates/<int:candidate_id>/summary.pdf")
@requires(Action.BOARD_READ)
def candidate_pdf(candidate_id: int) -> ResponseReturnValue:
    return summary_pdf_response(candidate_id)
