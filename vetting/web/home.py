"""Landing pages per role, the account page, and the health check."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting import policy
from vetting.http.access import public, requires, signed_in
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.models import Assignment, CycleStatus, Duty, Role
from vetting.policy import Action
from vetting.services import board as board_service
from vetting.services import candidates, cycles, notices, questions, release, reminders
from vetting.web.formrun import FormFailed, submit
from vetting.web.reminders import DigestForm, navigation, start_page_actions

bp = Blueprint("home", __name__)
# The navigation's count of what needs the person's action, on every page (issue 16 point 6).
bp.app_context_processor(navigation)

#: Where each role lands, in the order a multi-role user is sent.
LANDING = (
    (Role.ADMIN, "admin.index"),
    (Role.INVESTIGATOR, "home.investigations"),
    (Role.BOARD_MEMBER, "home.board"),
    (Role.AUDITOR, "audit.index"),
    (Role.RECORDS_OFFICER, "retention.index"),
)


@dataclass(frozen=True)
class CycleRow:
    id: int
    title: str
    position: str
    status: CycleStatus
    blind_review: bool


@dataclass(frozen=True)
class DutyRow:
    """One of a person's duties as the pages list it (``cycles.my_duties`` loads the cycle)."""

    cycle: CycleRow
    duty: Duty

    @classmethod
    def of(cls, a: Assignment) -> DutyRow:
        c = a.cycle
        return cls(CycleRow(c.id, c.title, c.position, c.status, c.blind_review), a.duty)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@bp.get("/")
@signed_in
def index() -> ResponseReturnValue:
    for role, endpoint in LANDING:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return redirect(url_for("home.account"))


@bp.get("/account")
@signed_in
def account() -> ResponseReturnValue:
    problems = policy.designation_problems(current_user) if current_user.has_role(Role.INVESTIGATOR) else []
    with transaction() as session:
        duties = [DutyRow.of(a) for a in cycles.my_duties(session, current_user)]
    digest = DigestForm(formdata=None, data={"digest": not current_user.digest_opt_out})
    return render_template("home/account.html", duties=duties, designation_problems=problems, digest_form=digest)


@bp.get("/investigations")
@requires(Action.INVESTIGATE)
def investigations() -> ResponseReturnValue:
    # Rendered inside the transaction: the duties table follows each cycle's checklist and members.
    with transaction() as session:
        return render_template(
            "home/investigations.html",
            duties=cycles.my_duties(session, current_user, Duty.INVESTIGATOR),
            candidates=candidates.my_candidates(session, current_user, runtime().security, page_args()),
            awaiting=release.awaiting_review(session, current_user, page_args("reviews_")),
            board_questions=questions.open_for(session, current_user, runtime().security, page_args("questions_")),
            disputes=notices.open_disputes_for(session, current_user),
            designation_problems=policy.designation_problems(current_user),
            actions=start_page_actions(session),
        )


@bp.get("/board")
@requires(Action.BOARD_READ)
def board() -> ResponseReturnValue:
    with transaction() as session:
        duties = [DutyRow.of(a) for a in cycles.my_duties(session, current_user, Duty.BOARD_MEMBER)]
        waiting = board_service.waiting_counts(session, current_user)
        actions = start_page_actions(session)
    return render_template("home/board.html", duties=duties, waiting=waiting, actions=actions)


@bp.post("/account/digest")
@signed_in
def digest() -> ResponseReturnValue:
    """One's own daily reminder digest, on or off (issue 16 point 6)."""
    form = DigestForm()
    wanted = bool(form.digest.data)
    try:
        submit(form, lambda session: reminders.set_digest(session, current_user, current_user.id, wanted))
    except FormFailed:
        flash("Your choice was not saved: reload the page and try again.", "error")
        return redirect(url_for("home.account"))
    flash("You will get the daily digest." if wanted else "The daily digest is off.", "success")
    return redirect(url_for("home.account"))
