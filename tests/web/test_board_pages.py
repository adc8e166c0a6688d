"""The board's pages as a member uses them (issue 18): the decision button is disabled, with the
reason next to it, while the rules do not allow the decision yet; the server still refuses."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, login, post_form
from tests.web.board_world import BoardWorld, build_board_world, set_rules
from tests.web.world import API, bearer, error_of
from vetting import create_app
from vetting.config import Settings
from vetting.models import DecisionRule

QUORUM_REASON = "2 recommendations are needed before the chair decides; 1 recorded."


def _decision_button(html: str) -> str:
    found = re.search(r'<input[^>]*value="Record the decision"[^>]*>', html)
    assert found, "the decision form's button is missing"
    return found.group(0)


def _recommend(client: FlaskClient, bw: BoardWorld, outcome: str = "do_not_advance") -> None:
    url = f"/board/candidates/{bw.world.candidate_id}"
    data = {"outcome": outcome, "no_finding": "y", "rationale": "The referee incident weighs on it."}
    response = post_form(client, f"{url}/recommendations", data, page=url)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_decision_button_waits_for_the_quorum_with_its_reason(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    set_rules(app, bw.world, bw.chair, decision_quorum=2)
    login(client, bw.chair, clock)
    url = f"/board/candidates/{bw.world.candidate_id}"
    _recommend(client, bw)
    html = client.get(url).get_data(as_text=True)
    button = _decision_button(html)
    assert "disabled" in button
    assert 'aria-describedby="decision-blocked"' in button
    assert f'id="decision-blocked" class="action-blocked__reason">{QUORUM_REASON}</p>' in html
    # A post around the disabled button is still refused, with the same reason.
    data = {"decision-outcome": "advance", "decision-no_finding": "y", "decision-rationale": "Nothing relied on."}
    refused = post_form(client, f"{url}/decisions", data, page=url)
    assert refused.status_code == 409
    assert QUORUM_REASON in refused.get_data(as_text=True)


def test_the_decision_button_is_enabled_once_the_quorum_is_in(app: Flask, client: FlaskClient, clock: Clock) -> None:
    bw = build_board_world(app)
    login(client, bw.chair, clock)
    _recommend(client, bw)
    html = client.get(f"/board/candidates/{bw.world.candidate_id}").get_data(as_text=True)
    button = _decision_button(html)
    assert "disabled" not in button
    assert "button--primary" in button
    assert 'id="decision-blocked"' not in html
    assert re.search(r'<input[^>]*class="button button--primary"[^>]*value="Record my recommendation"', html)


def test_under_the_majority_rule_a_tie_disables_the_decision(app: Flask, client: FlaskClient, clock: Clock) -> None:
    bw = build_board_world(app)
    set_rules(app, bw.world, None, decision_rule=DecisionRule.MAJORITY, decision_quorum=2)
    login(client, bw.chair, clock)
    _recommend(client, bw, "do_not_advance")
    client.post("/logout")
    member = app.test_client()
    login(member, bw.member, clock)
    _recommend(member, bw, "advance")
    html = member.get(f"/board/candidates/{bw.world.candidate_id}").get_data(as_text=True)
    assert "disabled" in _decision_button(html)
    assert "no outcome has a majority of the 2 recommendations yet" in html


def test_no_document_names_a_placeholder_when_the_agency_name_is_unset(settings: Settings, clock: Clock) -> None:
    """Unset, documents are refused with a message telling staff how to set the name; none prints
    a stand-in such as "the hiring agency" for a candidate to receive."""
    app = create_app(settings.with_overrides(agency_name=None))
    try:
        bw = build_board_world(app)
        client = app.test_client()
        consent = client.get(
            f"{API}/candidates/{bw.world.candidate_id}/consent-form.pdf", headers=bearer(app, bw.world.inv)
        )
        assert consent.status_code == 409
        assert error_of(consent)["code"] == "agency_name_missing"
        assert "--agency-name" in error_of(consent)["message"]
        login(client, bw.chair, clock)
        page = client.get(f"/board/candidates/{bw.world.candidate_id}/summary.pdf")
        assert page.status_code == 409
        assert page.mimetype == "text/html"
        assert "VETTING_AGENCY_NAME" in page.get_data(as_text=True)
    finally:
        app.extensions["vetting"].db.dispose()
