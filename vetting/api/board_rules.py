"""JSON API for how a cycle's board decides, and the agency's holidays (administrators)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_login import current_user

from vetting.api.cycles import cycle_json
from vetting.api.registry import day, parse, route
from vetting.api.schemas import BoardRulesBody, HolidayBody
from vetting.http.runtime import transaction
from vetting.models import Holiday
from vetting.policy import Action
from vetting.services import cycles, holidays


@route(
    "PUT",
    "/cycles/{cycle_id}/board-rules",
    "Decision rule (chair or majority), quorum, chair, response window (>= 5 business days), FCRA mode",
    Action.CYCLES_MANAGE,
    body=BoardRulesBody,
    errors=(404, 409, 422),
)
def board_rules_set(cycle_id: int) -> ResponseReturnValue:
    data = parse(BoardRulesBody)
    rules = cycles.BoardRules(
        decision_rule=data.decision_rule,
        decision_quorum=data.decision_quorum,
        chair_id=data.chair_user_id,
        response_days=data.response_days,
        fcra_mode=data.fcra_mode,
        cra_name=data.cra_name,
        cra_address=data.cra_address,
        cra_phone=data.cra_phone,
    )
    with transaction() as session:
        body = cycle_json(cycles.set_board_rules(session, current_user, cycle_id, rules))
    return jsonify(body)


def holiday_json(h: Holiday) -> dict[str, Any]:
    return {"id": h.id, "day": day(h.day), "name": h.name}


@route("GET", "/holidays", "The agency's holidays (not business days of a response window)", Action.CYCLES_MANAGE)
def holiday_list() -> ResponseReturnValue:
    with transaction() as session:
        body = {"holidays": [holiday_json(h) for h in holidays.list_holidays(session, current_user)]}
    return jsonify(body)


@route("POST", "/holidays", "Add a holiday", Action.CYCLES_MANAGE, body=HolidayBody, errors=(409, 422), success=201)
def holiday_add() -> ResponseReturnValue:
    data = parse(HolidayBody)
    with transaction() as session:
        body = holiday_json(holidays.add_holiday(session, current_user, data.day, data.name))
    return jsonify(body), 201


@route("DELETE", "/holidays/{holiday_id}", "Remove a holiday", Action.CYCLES_MANAGE, errors=(404,))
def holiday_remove(holiday_id: int) -> ResponseReturnValue:
    with transaction() as session:
        holidays.remove_holiday(session, current_user, holiday_id)
    return jsonify({"removed": True})
