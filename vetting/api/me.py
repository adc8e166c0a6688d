"""The caller: who they are, their roles and their duties (the page is ``web.home.account``)."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.admin import user_json
from vetting.api.registry import route
from vetting.http.access import SIGNED_IN
from vetting.http.runtime import transaction
from vetting.services import cycles, reminders


@route("GET", "/me", "The caller, roles and assignments", SIGNED_IN)
def me() -> ResponseReturnValue:
    body = user_json(current_user, detail=True)
    with transaction() as session:
        body["assignments"] = [
            {"cycle_id": a.cycle_id, "cycle_title": a.cycle.title, "role": a.duty.value}
            for a in cycles.my_duties(session, current_user)
        ]
        return jsonify(body)


@route("GET", "/me/actions", "What needs the caller's action: counts per kind and cycle, with links", SIGNED_IN)
def my_actions() -> ResponseReturnValue:
    """Counts only, never a candidate's name (issue 16 point 6); the same list as the start page."""
    with transaction() as session:
        found = reminders.actions_for(session, current_user)
    return jsonify(
        {
            "day": found.day.isoformat(),
            "total": found.total,
            "items": [
                {
                    "kind": item.kind.value,
                    "count": item.count,
                    "threshold_days": item.days,
                    "cycle_id": item.cycle_id,
                    "cycle_title": item.cycle_title,
                    "text": item.text,
                    "url": request.script_root + reminders.path_of(item),
                }
                for item in found.items
            ],
        }
    )
