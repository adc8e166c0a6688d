"""The investigator's pages as a new user meets them (issue 18): a confirmation step before
closing a search, a checklist form that reports every problem in one round and grows a search
row without script, no preselected behaviour category, a link to a candidate just added, a
helpful empty start page, and the consent method written once."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import Clock, csrf_from, login, make_user
from tests.web.helpers import count, snapshot
from tests.web.world import (
    CANDIDATE_NAME,
    World,
    add_finding,
    add_investigator,
    build_world,
    record_consent,
    resolve,
)
from vetting.models import Candidate, Finding, ItemResolution, Role, SearchLogEntry


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def inv_client(app: Flask, clock: Clock, world: World) -> FlaskClient:
    record_consent(app, world.inv, world.candidate_id)
    client = app.test_client()
    login(client, world.inv, clock)
    return client


def text_of(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def token(client: FlaskClient, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


# --- closing the search asks first (item 2) ------------------------------------------------------


def test_closing_the_search_has_a_confirmation_step(app: Flask, inv_client: FlaskClient, world: World) -> None:
    url = f"/candidates/{world.candidate_id}"
    # Not ready: the page shows a disabled button with the reason; the confirmation says why too.
    page = inv_client.get(url).get_data(as_text=True)
    assert re.search(r"<button[^>]*disabled[^>]*>Close the search</button>", page)
    assert f"The search can be closed when all {len(world.items)} items are resolved (0 so far)." in text_of(
        inv_client.get(url)
    )
    confirm = text_of(inv_client.get(f"{url}/complete"))
    assert "Checklist items not resolved yet: 1. Item 1: name search" in confirm
    assert re.search(r"<button[^>]*disabled[^>]*>Yes, close the search</button>", confirm)

    for item in world.items:
        resolve(app, world.inv, world.candidate_id, item)
    page = inv_client.get(url).get_data(as_text=True)
    assert f'href="{url}/complete"' in page  # a link to the confirmation, not a form that acts
    assert f'action="{url}/complete"' not in page
    confirm_response = inv_client.get(f"{url}/complete")
    assert confirm_response.status_code == 200
    confirm = text_of(confirm_response)
    assert "Close the search for C-001?" in confirm
    assert "This cannot be undone" in confirm
    assert f'<a class="button button--secondary" href="{url}">Cancel</a>' in confirm
    assert re.search(r'<button type="submit" class="button button--danger">Yes, close the search</button>', confirm)

    # A POST without the explicit confirmation only shows the confirmation again: nothing changes.
    csrf = token(inv_client, url)
    before = snapshot(app)
    response = inv_client.post(f"{url}/complete", data={"csrf_token": csrf})
    assert response.status_code == 200
    assert "Close the search for C-001?" in text_of(response)
    assert snapshot(app) == before

    response = inv_client.post(f"{url}/complete", data={"csrf_token": token(inv_client, url), "confirm": "yes"})
    assert response.status_code == 302
    assert count(app, Candidate, Candidate.search_completed_at.is_not(None)) == 1
    assert "The search is already closed." in text_of(inv_client.get(f"{url}/complete"))


# --- the checklist item form (item 9) ------------------------------------------------------------


def test_every_problem_of_a_resolution_is_shown_in_one_round(app: Flask, inv_client: FlaskClient, world: World) -> None:
    url = f"/candidates/{world.candidate_id}"
    item = world.items[0]
    prefix = f"item{item}"
    typed = {
        f"{prefix}-status": "completed",
        f"{prefix}-technique": "A1",
        f"{prefix}-searches-0-query": f"{CANDIDATE_NAME} pregnant",
        f"{prefix}-searches-0-source": "Google",
        f"{prefix}-searches-0-result_count": "3",
        f"{prefix}-searches-1-query": f'"{CANDIDATE_NAME}" arrest',
        f"{prefix}-searches-1-result_count": "1",
        f"{prefix}-notes": "First pass.",
        # no attestation
    }
    before = count(app, SearchLogEntry), count(app, ItemResolution)
    response = inv_client.post(
        f"{url}/checklist/{item}", data={**typed, f"{prefix}-csrf_token": token(inv_client, url)}
    )
    assert response.status_code == 422
    page = text_of(response)
    # The refused query, the attestation and the row without a source: together, not in turns.
    assert "“pregnant”" in page
    assert "Confirm the attestation" in page
    assert "Each search needs where it was run" in page
    assert (count(app, SearchLogEntry), count(app, ItemResolution)) == before
    # What was typed is kept, and the form is open on the item.
    assert f'value="{CANDIDATE_NAME} pregnant"' in page
    assert f'value="&#34;{CANDIDATE_NAME}&#34; arrest"' in response.get_data(as_text=True)
    assert "First pass." in page
    assert "<details open>\n        <summary>Resolve this item</summary>" in page

    # "Unable" without a reason is named in the same round as the other problems.
    unable = {**typed, f"{prefix}-status": "unable"}
    response = inv_client.post(
        f"{url}/checklist/{item}", data={**unable, f"{prefix}-csrf_token": token(inv_client, url)}
    )
    page = text_of(response)
    assert "Say why the item could not be completed." in page
    assert "Confirm the attestation" in page
    assert "“pregnant”" in page


def test_add_another_search_without_script_keeps_what_was_typed(
    app: Flask, inv_client: FlaskClient, world: World
) -> None:
    url = f"/candidates/{world.candidate_id}"
    item = world.items[0]
    prefix = f"item{item}"
    page = inv_client.get(url).get_data(as_text=True)
    assert f'name="{prefix}-searches-2-query"' in page
    assert f'name="{prefix}-searches-3-query"' not in page  # three rows to start with
    assert 'name="add_row"' in page
    # The reason field is there without script, saying when it is needed.
    assert "data-reason-hint>Only when the outcome is “Unable to complete”.</p>" in page

    typed = {
        f"{prefix}-status": "no_results",
        f"{prefix}-technique": "A1",
        f"{prefix}-searches-0-query": f'"{CANDIDATE_NAME}"',
        f"{prefix}-searches-0-source": "Bing",
        f"{prefix}-searches-0-result_count": "0",
        f"{prefix}-searches-1-query": "",
        f"{prefix}-searches-2-query": "",
        "add_row": "1",
    }
    csrf = token(inv_client, url)
    before = count(app, SearchLogEntry), count(app, ItemResolution)
    response = inv_client.post(f"{url}/checklist/{item}", data={**typed, f"{prefix}-csrf_token": csrf})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'name="{prefix}-searches-3-query"' in body  # one more row
    assert f'name="{prefix}-searches-4-query"' not in body
    assert f'<input autofocus id="{prefix}-searches-3-query"' in body  # the keyboard lands in the new row
    assert 'value="Bing"' in body  # kept
    assert re.search(rf'<input checked[^>]*name="{prefix}-status" required type="radio" value="no_results"', body)
    assert "Please correct" not in body  # adding a row is not a failed submission
    assert (count(app, SearchLogEntry), count(app, ItemResolution)) == before  # nothing saved


# --- the finding form's category (item 10) --------------------------------------------------------


def test_the_behaviour_category_starts_empty_and_must_be_chosen(
    app: Flask, inv_client: FlaskClient, world: World
) -> None:
    new_url = f"/candidates/{world.candidate_id}/findings/new"
    page = inv_client.get(new_url).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="category"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select.group(1))
    assert options[0] == (' value=""', "Choose…")
    assert not any("selected" in attrs for attrs, _ in options)  # the browser shows the first: Choose…
    finding = {
        "item_id": str(world.items[0]),
        "source_url": "https://x.com/casey_c/status/1",
        "platform": "X",
        "summary": "Public post threatening a neighbour.",
        "excerpt": "I'll hurt him.",
        "authorship": "authored",
        "identity_basis": ["name", "listed_handle", "location"],
        "csrf_token": token(inv_client, new_url),
    }
    response = inv_client.post(new_url, data=finding)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="category-error">Choose the behaviour category.</p>' in body
    assert 'value="https://x.com/casey_c/status/1"' in body  # kept
    assert count(app, Finding) == 0
    response = inv_client.post(new_url, data={**finding, "category": "violence_threats"})
    assert response.status_code == 302
    assert count(app, Finding) == 1


# --- small things (item 14) ----------------------------------------------------------------------


def test_the_consent_method_is_written_once(inv_client: FlaskClient, world: World) -> None:
    page = text_of(inv_client.get(f"/candidates/{world.candidate_id}"))
    assert "method: Signed on paper (scanned)." in page
    assert "(Signed on paper (scanned))" not in page


def test_a_candidate_just_added_is_one_click_away(app: Flask, inv_client: FlaskClient, world: World) -> None:
    url = f"/cycles/{world.cycle_id}/candidates"
    response = inv_client.post(url, data={"name": "Nina New", "csrf_token": token(inv_client, url)})
    assert response.status_code == 302
    page = inv_client.get(url).get_data(as_text=True)
    added = re.search(r'Candidate C-002 added\. <a href="/candidates/(\d+)">Open C-002</a> to record', page)
    assert added is not None
    assert inv_client.get(f"/candidates/{added.group(1)}").status_code == 200


def test_a_new_investigator_is_told_what_comes_next(app: Flask, clock: Clock) -> None:
    newcomer = make_user(app, "new@x.test", Role.INVESTIGATOR, name="Nia Newcomer")
    client = app.test_client()
    login(client, newcomer, clock)
    page = text_of(client.get("/investigations"))
    assert "You are not assigned to a hiring cycle yet." in page
    assert "No candidates yet in your cycles" not in page


def test_the_author_is_not_sent_to_review_their_own_finding(
    app: Flask, clock: Clock, inv_client: FlaskClient, world: World
) -> None:
    fid = add_finding(app, world.inv, world.candidate_id, world.items[0])
    url = f"/candidates/{world.candidate_id}"
    page = text_of(inv_client.get(url))
    assert "Awaiting a colleague's review" in page
    assert f'href="/findings/{fid}/review"' not in page
    colleague = app.test_client()
    login(colleague, add_investigator(app, world), clock)
    page = colleague.get(url).get_data(as_text=True)
    assert f'<a href="/findings/{fid}/review">Awaiting review</a>' in page


def test_a_resolution_without_an_outcome_says_so_and_keeps_the_rest(
    app: Flask, inv_client: FlaskClient, world: World
) -> None:
    url = f"/candidates/{world.candidate_id}"
    item = world.items[0]
    typed = {f"item{item}-technique": "A1", f"item{item}-searches-0-query": f'"{CANDIDATE_NAME}"'}
    response = inv_client.post(
        f"{url}/checklist/{item}", data={**typed, f"item{item}-csrf_token": token(inv_client, url)}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'<p class="error" id="item{item}-status-error">Choose the outcome.</p>' in body
    assert f'value="&#34;{CANDIDATE_NAME}&#34;"' in body
    assert count(app, ItemResolution) == 0
