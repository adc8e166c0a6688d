"""A candidate ready for the board: consent, every checklist item resolved, findings released
by a second investigator, the search closed; a chair and a second board member.

Built through the services (fast); the tests drive the API and the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support import Person, make_user, runtime_of
from tests.web.world import (
    API,
    World,
    add_finding,
    add_investigator,
    add_validation,
    bearer,
    build_world,
    record_consent,
    resolve,
    user_in,
)
from vetting.clock import today
from vetting.models import DecisionRule, Duty, Finding, MentionResolution, Role, ValidationResult
from vetting.services import cycles, findings, investigation, release

#: A released finding's raw text with protected-class words the board must never read.
PROTECTED_SUMMARY = "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour."


@dataclass(frozen=True)
class BoardWorld:
    world: World
    second: Person  # the investigator who releases
    chair: Person  # world.board, named chair
    member: Person  # a second board member
    findings: list[int]  # released


def release_finding(app: Flask, author: Person, reviewer: Person, finding_id: int) -> None:
    """Resolve every mention (redact), corroborate, and release by ``reviewer``."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        actor = user_in(session, author)
        finding = session.get(Finding, finding_id)
        assert finding is not None
        for mention in list(finding.mentions):
            if mention.resolution is None:
                findings.resolve_mention(
                    session, actor, rt.security, finding_id, mention.id, MentionResolution.REDACT, None
                )
    add_validation(app, author, finding_id, ValidationResult.CORROBORATES)
    with rt.db.transaction() as session:
        release.release(session, user_in(session, reviewer), rt.security, finding_id)


def complete(app: Flask, inv: Person, candidate_id: int) -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        investigation.complete_search(session, user_in(session, inv), candidate_id)


def set_rules(app: Flask, world: World, chair: Person | None, **overrides: object) -> None:
    rules = {
        "decision_rule": DecisionRule.CHAIR,
        "decision_quorum": 1,
        "chair_id": chair.id if chair else None,
        "response_days": 5,
        "fcra_mode": False,
        **overrides,
    }
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycles.set_board_rules(session, user_in(session, world.admin), world.cycle_id, cycles.BoardRules(**rules))  # type: ignore[arg-type]


def build_board_world(app: Flask, *, blind: bool = False, complete_search: bool = True) -> BoardWorld:
    world = build_world(app, blind=blind)
    second = add_investigator(app, world)
    member = make_user(app, "board2@x.test", Role.BOARD_MEMBER, name="Bea Board")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, world.admin), world.cycle_id, member.id, Duty.BOARD_MEMBER)
    record_consent(app, world.inv, world.candidate_id)
    for item in world.items:
        resolve(app, world.inv, world.candidate_id, item)
    released = [
        add_finding(app, world.inv, world.candidate_id, world.items[0], summary=PROTECTED_SUMMARY),
        add_finding(app, world.inv, world.candidate_id, world.items[1], summary="Threatened a referee after a game."),
    ]
    for finding_id in released:
        release_finding(app, world.inv, second, finding_id)
    if complete_search:
        complete(app, world.inv, world.candidate_id)
    set_rules(app, world, world.board)
    return BoardWorld(world, second, world.board, member, released)


def deliver_by_hand(client: FlaskClient, app: Flask, who: Person, notice_id: int, on: date | None = None) -> Any:
    """``who`` records handing the notice over on ``on`` (today): its response window starts
    (issue 16 point 3); the API's answer (``response_due`` …)."""
    day = on or today()
    answer = client.post(
        f"{API}/notices/{notice_id}/delivery", json={"delivered_on": day.isoformat()}, headers=bearer(app, who)
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()
