"""The caller: who they are, their roles and their duties (the page is ``web.home.account``)."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.admin import user_json
from vetting.api.registry import route
from vetting.http.access import SIGNED_IN
from vetting.http.runtime import transaction
from vetting.services import cycles


@route("GET", "/me", "The caller, roles and assignments", SIGNED_IN)
def me() -> ResponseReturnValue:
    body = user_json(current_user, detail=True)
    with transaction() as session:
        body["assignments"] = [
            {"cycle_id": a.cycle_id, "cycle_title": a.cycle.title, "role": a.duty.value}
            for a in cycles.my_duties(session, current_user)
        ]
        return jsonify(body)
