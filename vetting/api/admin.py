"""Accounts, as an administrator manages them: roles, designations (R4), lockouts, MFA resets."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import Field, StrictInt

from vetting import policy
from vetting.api.registry import moment, page_fields, parse, route
from vetting.api.schemas import Body, DesignationPut, UserCreate, UserUpdate
from vetting.clock import today
from vetting.http.args import page_args
from vetting.http.runtime import runtime, transaction
from vetting.models import OutboxStatus, Role, User
from vetting.models.reminder import MAX_DAYS, MIN_DAYS
from vetting.policy import Action
from vetting.services import mail, reminders, users


def user_json(user: User, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": sorted(r.value for r in user.roles),
        "is_active": user.is_active,
    }
    if detail:
        d = user.designation
        body["designation"] = (
            {
                "clearance_date": d.clearance_date.isoformat(),
                "training_date": d.training_date.isoformat(),
                "acknowledgement_date": d.acknowledgement_date.isoformat(),
                "review_date": d.review_date.isoformat(),
                "current": not d.problems(today()),
            }
            if d
            else None
        )
        body["designation_problems"] = policy.designation_problems(user) if user.has_role(Role.INVESTIGATOR) else []
        body["mfa_enrolled"] = user.mfa_enrolled
        body["locked_until"] = moment(user.locked_until)
    return body


@route("GET", "/users", "Every account, by name", Action.USERS_MANAGE, paged=True)
def user_list() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        rows = users.list_users(session, current_user, page)
        return jsonify({"users": [user_json(u) for u in rows.items], **page_fields(rows)})


@route("POST", "/users", "Create an account", Action.USERS_MANAGE, body=UserCreate, errors=(409, 422), success=201)
def user_create() -> ResponseReturnValue:
    data = parse(UserCreate)
    with transaction() as session:
        user = users.create_user(
            session,
            current_user,
            runtime().security,
            email=data.email,
            name=data.name,
            password=data.password,
            roles=frozenset(data.roles),
        )
        return jsonify(user_json(user, detail=True)), 201


@route("GET", "/users/{user_id}", "One account with its designation", Action.USERS_MANAGE, errors=(404,))
def user_get(user_id: int) -> ResponseReturnValue:
    with transaction() as session:
        user = users.get_user(session, current_user, user_id)
        return jsonify(user_json(user, detail=True))


@route(
    "PATCH",
    "/users/{user_id}",
    "Change name, roles or active flag",
    Action.USERS_MANAGE,
    body=UserUpdate,
    errors=(404, 422),
)
def user_update(user_id: int) -> ResponseReturnValue:
    data = parse(UserUpdate)
    with transaction() as session:
        user = users.update_user(
            session,
            current_user,
            user_id,
            name=data.name,
            roles=frozenset(data.roles) if data.roles is not None else None,
            is_active=data.is_active,
        )
        return jsonify(user_json(user, detail=True))


@route(
    "PUT",
    "/users/{user_id}/designation",
    "Record a sensitive-position designation (R4)",
    Action.USERS_MANAGE,
    body=DesignationPut,
    errors=(404, 422),
)
def user_designation(user_id: int) -> ResponseReturnValue:
    data = parse(DesignationPut)
    with transaction() as session:
        users.record_designation(session, current_user, user_id, users.DesignationInput(**data.model_dump()))
        user = users.get_user(session, current_user, user_id)
        return jsonify(user_json(user, detail=True))


@route("POST", "/users/{user_id}/unlock", "Release a locked account", Action.USERS_MANAGE, errors=(404,))
def user_unlock(user_id: int) -> ResponseReturnValue:
    with transaction() as session:
        user = users.release_lockout(session, current_user, user_id)
        return jsonify(user_json(user, detail=True))


@route(
    "POST",
    "/users/{user_id}/reset-mfa",
    "Require a new authenticator at next sign-in",
    Action.USERS_MANAGE,
    errors=(404,),
)
def user_reset_mfa(user_id: int) -> ResponseReturnValue:
    with transaction() as session:
        user = users.reset_mfa(session, current_user, user_id)
        return jsonify(user_json(user, detail=True))


# --- e-mail (issue 16 point 5) ---------------------------------------------------------


def outbox_json(message: mail.OutboxView) -> dict[str, Any]:
    """A message as the outbox lists it: never its body, whose link is the candidate's key."""
    return {
        "id": message.id,
        "template": message.template.value,
        "recipient": message.recipient,
        "subject": message.subject,
        "status": message.status.value,
        "attempts": message.attempts,
        "next_attempt_at": moment(message.next_attempt_at),
        "last_error": message.last_error,
        "created_at": moment(message.created_at),
        "sent_at": moment(message.sent_at),
        "caused_by_id": message.caused_by_id,
    }


@route(
    "GET",
    "/admin/outbox",
    "The outbox: every e-mail, newest first, with its status, attempts and last error",
    Action.OUTBOX_READ,
    paged=True,
    query=(("status", {"type": "string", "enum": list(OutboxStatus)}, "Only messages in this state"),),
)
def outbox_list() -> ResponseReturnValue:
    page = page_args()
    with transaction() as session:
        found = mail.list_outbox(session, current_user, page, request.args.get("status") or "")
        return jsonify({"messages": [outbox_json(m) for m in found.items], **page_fields(found)})


# --- reminder thresholds (issue 16 point 6) -------------------------------------------------------------

#: A threshold in whole days (business days for the response window).
Days = Annotated[StrictInt, Field(ge=MIN_DAYS, le=MAX_DAYS, description=f"Whole days, {MIN_DAYS} to {MAX_DAYS}.")]


class ReminderThresholdsBody(Body):
    """Every threshold at once (a PUT replaces them all); one administrator decides."""

    consent_pending_days: Days
    checklist_ageing_days: Days
    review_waiting_days: Days
    recommendation_missing_days: Days
    response_window_days: Days = Field(description="Business days before the window ends.")
    designation_review_days: Days
    hold_review_days: Days = Field(description="Days before a legal hold's review date.")
    digest_hour: StrictInt = Field(ge=0, le=23, description="The agency-local hour the daily digest goes out.")


@route(
    "GET",
    "/admin/reminder-thresholds",
    "The agency's reminder thresholds and the digest's hour",
    Action.REMINDERS_MANAGE,
)
def reminder_thresholds() -> ResponseReturnValue:
    with transaction() as session:
        return jsonify(reminders.get_thresholds(session, current_user).as_dict())


@route(
    "PUT",
    "/admin/reminder-thresholds",
    "Set the agency's reminder thresholds (whole days 1..365) and the digest's hour (0..23)",
    Action.REMINDERS_MANAGE,
    body=ReminderThresholdsBody,
    errors=(422,),
)
def reminder_thresholds_set() -> ResponseReturnValue:
    data = parse(ReminderThresholdsBody)
    with transaction() as session:
        return jsonify(reminders.set_thresholds(session, current_user, data.model_dump()).as_dict())
