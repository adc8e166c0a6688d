"""Administration: accounts, roles, designations, cycles and assignments.

Each page is built inside its transaction, so templates can follow relationships.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from vetting import policy
from vetting.clock import utcnow
from vetting.http.access import requires
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.jobs.mail import transport_for
from vetting.models import Assignment, Cycle, CycleStatus, DecisionRule, Duty, OutboxStatus, Role, User
from vetting.policy import Action
from vetting.services import checklists, cycles, holidays, mail, reminders, users
from vetting.web.confirm import Confirmation, confirmation_page, confirmed
from vetting.web.formrun import FormFailed, submit
from vetting.web.forms import (
    ActionForm,
    AssignmentForm,
    BoardRulesForm,
    CycleChecklistForm,
    CycleForm,
    DesignationForm,
    HolidayForm,
    StatusForm,
    UserCreateForm,
    UserRolesForm,
)
from vetting.web.reminders import ThresholdsForm, start_page_actions

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@requires(Action.USERS_MANAGE)
def index() -> ResponseReturnValue:
    with transaction() as session:
        return render_template(
            "admin/index.html",
            overview=users.admin_overview(session, current_user),
            cycles=cycles.list_cycles(session, current_user),
            mail_delivery=transport_for(runtime().settings).description,
            actions=start_page_actions(session),
        )


# --- accounts -------------------------------------------------------------------------


def _users_page(form: UserCreateForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        people = users.list_users(session, current_user, page_args())
        return render_template("admin/users.html", users=people, form=form, now=utcnow()), status


@bp.get("/users")
@requires(Action.USERS_MANAGE)
def user_list() -> ResponseReturnValue:
    return _users_page(UserCreateForm())


@bp.post("/users")
@requires(Action.USERS_MANAGE)
def user_create() -> ResponseReturnValue:
    form = UserCreateForm()
    try:
        user_id, email = submit(
            form,
            lambda s: _created(
                users.create_user(
                    s,
                    current_user,
                    runtime().security,
                    email=form.email.data or "",
                    name=form.name.data or "",
                    password=form.password.data or "",
                    roles=frozenset(Role(r) for r in form.roles.data or []),
                )
            ),
        )
    except FormFailed as failed:
        return _users_page(form, failed.status)
    flash(f"Account created for {email}. They enrol a second factor at first sign-in.", "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


def _created(user: User) -> tuple[int, str]:
    return user.id, user.email


def _user_page(
    user_id: int,
    *,
    roles_form: UserRolesForm | None = None,
    designation_form: DesignationForm | None = None,
    status: int = 200,
    error: str | None = None,
) -> ResponseReturnValue:
    with transaction() as session:
        user = users.get_user(session, current_user, user_id)
        if roles_form is None:
            roles_form = UserRolesForm(data={"name": user.name, "roles": sorted(user.roles)})
        if designation_form is None:
            d = user.designation
            designation_form = DesignationForm(
                data={
                    "clearance_date": d.clearance_date,
                    "training_date": d.training_date,
                    "acknowledgement_date": d.acknowledgement_date,
                    "review_date": d.review_date,
                }
                if d
                else None
            )
        return render_template(
            "admin/user.html",
            user=user,
            duties=cycles.my_duties(session, user),
            roles_form=roles_form,
            designation_form=designation_form,
            action_form=ActionForm(),
            designation_problems=policy.designation_problems(user),
            now=utcnow(),
            page_error=error,
        ), status


@bp.get("/users/<int:user_id>")
@requires(Action.USERS_MANAGE)
def user_detail(user_id: int) -> ResponseReturnValue:
    return _user_page(user_id)


@bp.post("/users/<int:user_id>")
@requires(Action.USERS_MANAGE)
def user_update(user_id: int) -> ResponseReturnValue:
    form = UserRolesForm()
    try:
        submit(
            form,
            lambda s: users.update_user(
                s, current_user, user_id, name=form.name.data, roles=frozenset(Role(r) for r in form.roles.data or [])
            ),
        )
    except FormFailed as failed:
        return _user_page(user_id, roles_form=form, status=failed.status)
    flash("Account updated.", "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/designation")
@requires(Action.USERS_MANAGE)
def user_designation(user_id: int) -> ResponseReturnValue:
    form = DesignationForm()
    try:
        submit(
            form,
            lambda s: users.record_designation(
                s,
                current_user,
                user_id,
                users.DesignationInput(
                    clearance_date=form.clearance_date.data,
                    training_date=form.training_date.data,
                    acknowledgement_date=form.acknowledgement_date.data,
                    review_date=form.review_date.data,
                ),
            ),
        )
    except FormFailed as failed:
        return _user_page(user_id, designation_form=form, status=failed.status)
    flash("Sensitive-position designation recorded.", "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


_USER_ACTIONS = {
    "unlock": "Account released: the user can sign in again.",
    "reset-mfa": "Second factor reset: the user enrols a new authenticator at next sign-in.",
    "deactivate": "Account deactivated and signed out.",
    "activate": "Account activated.",
}


def _user_confirmation(user_id: int, action: str) -> Confirmation:
    """The confirmation step for resetting a second factor or deactivating an account."""
    with transaction() as session:
        user = users.get_user(session, current_user, user_id)
        name = user.name
    back = url_for("admin.user_detail", user_id=user_id)
    action_url = url_for(f"admin.user_{action.replace('-', '_')}", user_id=user_id)
    if action == "reset-mfa":
        return Confirmation(
            title=f"Reset {name}'s second factor?",
            action=action_url,
            yes_label="Yes, reset the second factor",
            cancel_url=back,
            cancel_label=name,
            happens=[
                f"{name}'s authenticator app and recovery codes stop working at once.",
                "At their next sign-in they enrol a new authenticator with a QR code.",
                "The reset is recorded in the audit log with your name.",
            ],
            undo="This cannot be undone: the old authenticator can never be used again.",
        )
    return Confirmation(
        title=f"Deactivate {name}'s account?",
        action=action_url,
        yes_label="Yes, deactivate the account",
        cancel_url=back,
        cancel_label=name,
        happens=[
            f"{name} is signed out everywhere and can no longer sign in or use an API token.",
            "Their duties and everything they recorded stay on record.",
        ],
        undo="This can be undone: an administrator can activate the account again from this page.",
    )


@bp.get("/users/<int:user_id>/reset-mfa")
@requires(Action.USERS_MANAGE)
def user_reset_mfa_confirm(user_id: int) -> ResponseReturnValue:
    return confirmation_page(_user_confirmation(user_id, "reset-mfa"))


@bp.get("/users/<int:user_id>/deactivate")
@requires(Action.USERS_MANAGE)
def user_deactivate_confirm(user_id: int) -> ResponseReturnValue:
    return confirmation_page(_user_confirmation(user_id, "deactivate"))


def _user_action(user_id: int, action: str) -> ResponseReturnValue:
    if action in ("reset-mfa", "deactivate") and not confirmed():
        return confirmation_page(_user_confirmation(user_id, action))

    def run(session: Session) -> None:
        if action == "unlock":
            users.release_lockout(session, current_user, user_id)
        elif action == "reset-mfa":
            users.reset_mfa(session, current_user, user_id)
        else:
            users.update_user(session, current_user, user_id, is_active=action == "activate")

    try:
        submit(ActionForm(), run)
    except FormFailed as failed:
        return _user_page(user_id, status=failed.status, error=failed.message)
    flash(_USER_ACTIONS[action], "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/unlock")
@requires(Action.USERS_MANAGE)
def user_unlock(user_id: int) -> ResponseReturnValue:
    return _user_action(user_id, "unlock")


@bp.post("/users/<int:user_id>/reset-mfa")
@requires(Action.USERS_MANAGE)
def user_reset_mfa(user_id: int) -> ResponseReturnValue:
    return _user_action(user_id, "reset-mfa")


@bp.post("/users/<int:user_id>/deactivate")
@requires(Action.USERS_MANAGE)
def user_deactivate(user_id: int) -> ResponseReturnValue:
    return _user_action(user_id, "deactivate")


@bp.post("/users/<int:user_id>/activate")
@requires(Action.USERS_MANAGE)
def user_activate(user_id: int) -> ResponseReturnValue:
    return _user_action(user_id, "activate")


# --- cycles ---------------------------------------------------------------------------


def _cycles_page(form: CycleForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        listed = cycles.cycles_page(session, current_user, page_args())
        return render_template("admin/cycles.html", cycles=listed, form=form), status


@bp.get("/cycles")
@requires(Action.CYCLES_MANAGE)
def cycle_list() -> ResponseReturnValue:
    return _cycles_page(CycleForm())


@bp.post("/cycles")
@requires(Action.CYCLES_MANAGE)
def cycle_create() -> ResponseReturnValue:
    form = CycleForm()
    try:
        cycle_id, title = submit(
            form,
            lambda s: _titled(
                cycles.create_cycle(
                    s,
                    current_user,
                    title=form.title.data or "",
                    position=form.position.data or "",
                    blind_review=bool(form.blind_review.data),
                    decision_rule=DecisionRule(form.decision_rule.data),
                )
            ),
        )
    except FormFailed as failed:
        return _cycles_page(form, failed.status)
    flash(
        f"Cycle “{title}” created as a draft. Choose its checklist, assign investigators and board members, "
        "then open it.",
        "success",
    )
    return redirect(url_for("admin.cycle_detail", cycle_id=cycle_id))


def _titled(cycle: Cycle) -> tuple[int, str]:
    return cycle.id, cycle.title


def _cycle_page(
    cycle_id: int,
    form: AssignmentForm | None = None,
    status: int = 200,
    error: str | None = None,
    checklist_form: CycleChecklistForm | None = None,
    rules_form: BoardRulesForm | None = None,
) -> ResponseReturnValue:
    with transaction() as session:
        cycle = cycles.get_cycle(session, current_user, cycle_id)
        if rules_form is None:
            rules_form = BoardRulesForm(
                formdata=None,
                data={
                    "decision_rule": cycle.decision_rule.value,
                    "decision_quorum": cycle.decision_quorum,
                    "chair_user_id": cycle.chair_id or 0,
                    "response_days": cycle.response_days,
                    "fcra_mode": cycle.fcra_mode,
                    "cra_name": cycle.cra_name or "",
                    "cra_address": cycle.cra_address or "",
                    "cra_phone": cycle.cra_phone or "",
                },
            )
        rules_form.chair_user_id.choices = _chair_choices(cycle)
        if form is None:
            form = AssignmentForm()
        if checklist_form is None:
            checklist_form = CycleChecklistForm(
                data={
                    "checklist_version_id": cycle.checklist_version_id,
                    "identity_match_minimum": cycle.identity_match_minimum,
                }
            )
        checklist_form.checklist_version_id.choices = [
            SelectChoice(v.id, f"{v.label} ({len(v.items)} items)")
            for v in checklists.published_versions(session, current_user)
        ]
        form.user_id.choices = [
            SelectChoice(u.id, f"{u.name} ({', '.join(r.label for r in sorted(u.roles))})")
            for u in cycles.assignable_users(session, current_user, cycle)
        ]
        return render_template(
            "admin/cycle.html",
            cycle=cycle,
            form=form,
            checklist_form=checklist_form,
            rules_form=rules_form,
            action_form=ActionForm(),
            investigators=cycle.members(Duty.INVESTIGATOR),
            board=cycle.members(Duty.BOARD_MEMBER),
            warnings=cycles.setup_warnings(cycle),
            CycleStatus=CycleStatus,
            page_error=error,
        ), status


@bp.get("/cycles/<int:cycle_id>")
@requires(Action.CYCLES_MANAGE)
def cycle_detail(cycle_id: int) -> ResponseReturnValue:
    return _cycle_page(cycle_id)


@bp.post("/cycles/<int:cycle_id>/assignments")
@requires(Action.CYCLES_MANAGE)
def cycle_assign(cycle_id: int) -> ResponseReturnValue:
    form = AssignmentForm()
    # Any user id may be posted; the service decides (the choices only shape the menu).
    form.user_id.choices = [SelectChoice(form.user_id.data)] if isinstance(form.user_id.data, int) else []
    try:
        message = submit(
            form,
            lambda s: _assigned(cycles.assign(s, current_user, cycle_id, form.user_id.data, Duty(form.duty.data))),
        )
    except FormFailed as failed:
        return _cycle_page(cycle_id, form, failed.status)
    flash(message, "success")
    return redirect(url_for("admin.cycle_detail", cycle_id=cycle_id))


def _chair_choices(cycle: Cycle) -> list[SelectChoice]:
    return [SelectChoice(0, "No chair"), *(SelectChoice(u.id, u.name) for u in cycle.members(Duty.BOARD_MEMBER))]


@bp.post("/cycles/<int:cycle_id>/board-rules")
@requires(Action.CYCLES_MANAGE)
def cycle_board_rules(cycle_id: int) -> ResponseReturnValue:
    form = BoardRulesForm()
    # Any user id may be posted; the service checks it is a board member of the cycle.
    form.chair_user_id.choices = (
        [SelectChoice(form.chair_user_id.data)] if isinstance(form.chair_user_id.data, int) else []
    )
    try:
        submit(
            form,
            lambda s: cycles.set_board_rules(
                s,
                current_user,
                cycle_id,
                cycles.BoardRules(
                    decision_rule=DecisionRule(form.decision_rule.data),
                    decision_quorum=form.decision_quorum.data or 0,
                    chair_id=form.chair_user_id.data or None,
                    response_days=form.response_days.data or 0,
                    fcra_mode=bool(form.fcra_mode.data),
                    cra_name=form.cra_name.data or "",
                    cra_address=form.cra_address.data or "",
                    cra_phone=form.cra_phone.data or "",
                ),
            ),
        )
    except FormFailed as failed:
        return _cycle_page(cycle_id, status=failed.status, rules_form=form)
    flash("Board rules saved.", "success")
    return redirect(url_for("admin.cycle_detail", cycle_id=cycle_id))


# --- holidays ------------------------------------------------------------------------------


def _holidays_page(form: HolidayForm, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    with transaction() as session:
        rows = holidays.list_holidays(session, current_user)
        return render_template(
            "admin/holidays.html", holidays=rows, form=form, action_form=ActionForm(), page_error=error
        ), status


@bp.get("/holidays")
@requires(Action.CYCLES_MANAGE)
def holiday_list() -> ResponseReturnValue:
    return _holidays_page(HolidayForm(formdata=None))


@bp.post("/holidays")
@requires(Action.CYCLES_MANAGE)
def holiday_add() -> ResponseReturnValue:
    form = HolidayForm()
    try:
        submit(form, lambda s: holidays.add_holiday(s, current_user, form.day.data, form.name.data or ""))
    except FormFailed as failed:
        return _holidays_page(form, failed.status)
    flash("Holiday added.", "success")
    return redirect(url_for("admin.holiday_list"))


@bp.post("/holidays/<int:holiday_id>/remove")
@requires(Action.CYCLES_MANAGE)
def holiday_remove(holiday_id: int) -> ResponseReturnValue:
    try:
        submit(ActionForm(), lambda s: holidays.remove_holiday(s, current_user, holiday_id))
    except FormFailed as failed:
        return _holidays_page(HolidayForm(formdata=None), failed.status, failed.message)
    flash("Holiday removed.", "success")
    return redirect(url_for("admin.holiday_list"))


def _assigned(assignment: Assignment) -> str:
    return f"{assignment.user.name} assigned as {assignment.duty.label.lower()}."


@bp.post("/cycles/<int:cycle_id>/assignments/<int:user_id>/remove")
@requires(Action.CYCLES_MANAGE)
def cycle_unassign(cycle_id: int, user_id: int) -> ResponseReturnValue:
    try:
        submit(ActionForm(), lambda s: cycles.unassign(s, current_user, cycle_id, user_id))
    except FormFailed as failed:
        return _cycle_page(cycle_id, status=failed.status, error=failed.message)
    flash("Assignment removed.", "success")
    return redirect(url_for("admin.cycle_detail", cycle_id=cycle_id))


@bp.post("/cycles/<int:cycle_id>/checklist")
@requires(Action.CYCLES_MANAGE)
def cycle_checklist(cycle_id: int) -> ResponseReturnValue:
    form = CycleChecklistForm()
    # Any version id may be posted; the service checks it exists.
    version = form.checklist_version_id.data
    form.checklist_version_id.choices = [SelectChoice(version)] if isinstance(version, int) else []
    try:
        submit(
            form,
            lambda s: checklists.set_cycle_checklist(
                s, current_user, cycle_id, form.checklist_version_id.data, form.identity_match_minimum.data
            ),
        )
    except FormFailed as failed:
        return _cycle_page(cycle_id, status=failed.status, checklist_form=form)
    flash("Checklist version pinned. It freezes when the cycle opens.", "success")
    return redirect(url_for("admin.cycle_detail", cycle_id=cycle_id))


def _status_confirmation(cycle_id: int, status: str) -> Confirmation:
    """The confirmation step for opening or closing a cycle; opening lists the setup warnings."""
    with transaction() as session:
        cycle = cycles.get_cycle(session, current_user, cycle_id)
        title, current, warnings = cycle.title, cycle.status, cycles.setup_warnings(cycle)
        has_checklist = cycle.checklist_version_id is not None
    back = url_for("admin.cycle_detail", cycle_id=cycle_id)
    action = url_for("admin.cycle_status", cycle_id=cycle_id)
    if status == CycleStatus.OPEN.value:
        blockers = [] if current is CycleStatus.DRAFT else [f"Only a draft cycle can be opened; this one is {current}."]
        if not has_checklist:
            blockers.append("Choose the cycle's published checklist version first: every candidate gets exactly it.")
        return Confirmation(
            title=f"Open “{title}”?",
            action=action,
            yes_label="Yes, open the cycle" if not warnings else "Open the cycle anyway",
            cancel_url=back,
            cancel_label=title,
            happens=[
                "The checklist version is frozen: every candidate of the cycle gets exactly its items (R6).",
                "Investigators can add candidates and start searching once consent is recorded.",
            ],
            undo="This cannot be undone: an open cycle never returns to draft (it can only be closed).",
            style="primary",
            hidden={"status": status},
            blockers=blockers,
            warnings=warnings,
        )
    return Confirmation(
        title=f"Close “{title}”?",
        action=action,
        yes_label="Yes, close the cycle",
        cancel_url=back,
        cancel_label=title,
        happens=[
            "No candidate can be added, no search or finding recorded, and nothing more released to the board.",
            "Assignments and board rules can no longer change.",
            "Everything recorded stays for the auditors.",
        ],
        undo="This cannot be undone: a closed cycle cannot be opened again.",
        hidden={"status": status},
        blockers=[] if current is CycleStatus.OPEN else [f"Only an open cycle can be closed; this one is {current}."],
    )


@bp.get("/cycles/<int:cycle_id>/status/<any(open, closed):status>")
@requires(Action.CYCLES_MANAGE)
def cycle_status_confirm(cycle_id: int, status: str) -> ResponseReturnValue:
    return confirmation_page(_status_confirmation(cycle_id, status))


@bp.post("/cycles/<int:cycle_id>/status")
@requires(Action.CYCLES_MANAGE)
def cycle_status(cycle_id: int) -> ResponseReturnValue:
    form = StatusForm()
    if not confirmed():
        if form.status.data not in (CycleStatus.OPEN.value, CycleStatus.CLOSED.value):
            abort(422, "The status is open or closed.")
        return confirmation_page(_status_confirmation(cycle_id, form.status.data))
    try:
        status = submit(
            form, lambda s: cycles.change_status(s, current_user, cycle_id, CycleStatus(form.status.data)).status
        )
    except FormFailed as failed:
        return _cycle_page(cycle_id, status=failed.status, error=failed.message)
    flash(f"Cycle is now {status.value}.", "success")
    return redirect(url_for("admin.cycle_detail", cycle_id=cycle_id))


# --- e-mail ---------------------------------------------------------------------------


@bp.get("/outbox")
@requires(Action.OUTBOX_READ)
def outbox() -> ResponseReturnValue:
    """Every message, newest first, a page at a time; failures say why (issue 16 point 5)."""
    page = page_args()
    raw = request.args.get("status") or ""
    with transaction() as session:
        found = mail.list_outbox(session, current_user, page, raw)
        return render_template(
            "admin/outbox.html",
            page=found,
            status=OutboxStatus(raw) if raw else None,
            statuses=list(OutboxStatus),
            delivery=transport_for(runtime().settings).description,
        )


# --- reminder thresholds (issue 16 point 6) -------------------------------------------------------------


def _thresholds_page(form: ThresholdsForm, status: int = 200) -> ResponseReturnValue:
    with transaction() as session:
        current = reminders.get_thresholds(session, current_user)
    return render_template("admin/reminders.html", form=form, current=current), status


@bp.get("/reminders")
@requires(Action.REMINDERS_MANAGE)
def reminder_thresholds() -> ResponseReturnValue:
    with transaction() as session:
        current = reminders.get_thresholds(session, current_user)
    form = ThresholdsForm(formdata=None, data=current.as_dict())
    return render_template("admin/reminders.html", form=form, current=current)


@bp.post("/reminders")
@requires(Action.REMINDERS_MANAGE)
def reminder_thresholds_save() -> ResponseReturnValue:
    form = ThresholdsForm()
    try:
        submit(form, lambda session: reminders.set_thresholds(session, current_user, form.values()))
    except FormFailed as failed:
        return _thresholds_page(form, failed.status)
    flash("Reminder thresholds saved.", "success")
    return redirect(url_for("admin.reminder_thresholds"))
