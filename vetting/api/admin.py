"""Accounts, as an administrator manages them: roles, designations (R4), lockouts, MFA resets."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting import policy
from vetting.api.registry import moment, parse, route
from vetting.api.schemas import DesignationPut, UserCreate, UserUpdate
from vetting.clock import today
from vetting.http.runtime import runtime, transaction
from vetting.models import Role, User
from vetting.policy import Action
from vetting.services import users


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


@route("GET", "/users", "All accounts", Action.USERS_MANAGE)
def user_list() -> ResponseReturnValue:
    with transaction() as session:
        rows = users.list_users(session, current_user)
        return jsonify({"users": [user_json(u) for u in rows]})


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
