"""The investigator's pages, driven through the real forms, and the derived validation status.

R1 (progress towards a fully resolved checklist), R5 (attested, approved methods), R7
(every search logged; a finding's status follows from its validation log: no step means
unverified, a corroborating step corroborates, any contradicting step refutes), SM-05
(identity match), SM-06 (evidence hashed on receipt), PC-02 (refused searches on the page).
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import Clock, csrf_from, login
from tests.web.helpers import count, location_path, snapshot, structure_of
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_finding,
    add_validation,
    bearer,
    build_world,
    error_of,
    finding_api,
    png,
    record_consent,
    resolve,
    tiny_pdf,
    upload,
)
from vetting.models import Consent, Evidence, Finding, ItemResolution, SearchLogEntry, ValidationResult, ValidationStep


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def text_of(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- R7: the validation status is derived from the log -------------------------------------------


def test_validation_status_follows_the_log(app: Flask, client: FlaskClient, clock: Clock, world: World) -> None:
    """R7: none -> unverified; corroborates -> corroborated; any contradicts -> refuted (for good)."""
    record_consent(app, world.inv, world.candidate_id)
    headers = bearer(app, world.inv)
    finding = finding_api(client, headers, world.candidate_id, world.items[0]).get_json()
    assert finding["validation_status"] == "unverified"
    assert finding["validations"] == []
    url = f"{API}/findings/{finding['id']}"

    def step(result: str, notes: str = "Checked the county court portal.") -> dict[str, Any]:
        response = client.post(
            f"{url}/validations", json={"method": "official_record", "result": result, "notes": notes}, headers=headers
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    assert step("inconclusive")["validation_status"] == "unverified"
    assert step("corroborates")["validation_status"] == "corroborated"
    assert step("inconclusive")["validation_status"] == "corroborated"
    assert step("contradicts", "The account belongs to someone else.")["validation_status"] == "refuted"
    body = step("corroborates")
    assert body["validation_status"] == "refuted"  # one contradiction is enough
    assert [v["result"] for v in body["validations"]] == [
        "inconclusive",
        "corroborates",
        "inconclusive",
        "contradicts",
        "corroborates",
    ]
    assert body["validations"][3]["notes"] == "The account belongs to someone else."
    assert client.get(url, headers=headers).get_json()["validation_status"] == "refuted"

    before = snapshot(app)
    for bad, field in (({"notes": ""}, "notes"), ({"notes": "   "}, "notes"), ({"result": "maybe"}, "result")):
        payload = {"method": "official_record", "result": "corroborates", "notes": "ok"} | bad
        response = client.post(f"{url}/validations", json=payload, headers=headers)
        assert response.status_code == 422
        assert error_of(response)["field"] == field
    assert snapshot(app) == before

    login(client, world.inv, clock)
    page = text_of(client.get(f"/findings/{finding['id']}"))
    assert "refuted" in page
    assert "The account belongs to someone else." in page


def test_candidate_page_shows_each_findings_validation_status(app: Flask, clock: Clock, world: World) -> None:
    record_consent(app, world.inv, world.candidate_id)
    unverified = add_finding(app, world.inv, world.candidate_id, world.items[0], "Unverified post")
    corroborated = add_finding(app, world.inv, world.candidate_id, world.items[0], "Corroborated post")
    refuted = add_finding(app, world.inv, world.candidate_id, world.items[1], "Refuted post")
    add_validation(app, world.inv, corroborated, ValidationResult.CORROBORATES)
    add_validation(app, world.inv, refuted, ValidationResult.CORROBORATES)
    add_validation(app, world.inv, refuted, ValidationResult.CONTRADICTS)
    client = app.test_client()
    login(client, world.inv, clock)
    page = client.get(f"/candidates/{world.candidate_id}").get_data(as_text=True)
    rows = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r"Finding (\d+)</a>.*?<span class=\"badge[^\"]*\">(\w+)</span>", page, re.S)
    }
    assert rows == {unverified: "unverified", corroborated: "corroborated", refuted: "refuted"}
    assert "3 findings" in page


def test_identity_match_minimum_is_shown(app: Flask, client: FlaskClient, world: World) -> None:
    """SM-05: fewer identifiers than the cycle's minimum is flagged on the finding."""
    record_consent(app, world.inv, world.candidate_id)
    headers = bearer(app, world.inv)
    weak = finding_api(client, headers, world.candidate_id, world.items[0], identity_basis=["name"]).get_json()
    assert (weak["identity_match_minimum"], weak["identity_match_met"]) == (3, False)
    strong = finding_api(client, headers, world.candidate_id, world.items[0]).get_json()
    assert strong["identity_match_met"] is True
    response = finding_api(client, headers, world.candidate_id, world.items[0], identity_basis=[])
    assert response.status_code == 422
    assert error_of(response)["field"] == "identity_basis"


# --- the whole flow through the pages --------------------------------------------------------------


def post_page_form(client: FlaskClient, page: str, url: str, data: dict[str, Any]) -> TestResponse:
    """POST ``data`` to ``url`` with the CSRF token(s) of the form on ``page`` that posts there."""
    source = client.get(page).get_data(as_text=True)
    forms = re.findall(r"<form([^>]*)>(.*?)</form>", source, re.S)
    bodies = [
        body
        for attributes, body in forms
        if f'action="{url}"' in attributes or ("action=" not in attributes and urlsplit(page).path == url)
    ]
    assert bodies, f"no form posting to {url} on {page}"
    tokens = dict(re.findall(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"', bodies[0]))
    tokens |= {n: v for v, n in re.findall(r'value="([^"]+)"[^>]*name="([\w-]*csrf_token)"', bodies[0])}
    assert tokens, f"no CSRF token in the form posting to {url}"
    return client.post(url, data={**data, **tokens})


def test_an_investigator_works_a_candidate_through_the_pages(app: Flask, clock: Clock, world: World) -> None:
    """Consent with an upload, an item with its search row, a finding, evidence, a validation step."""
    client = app.test_client()
    login(client, world.inv, clock)
    cid, item = world.candidate_id, world.items[0]
    page_url = f"/candidates/{cid}"

    page = client.get(page_url)
    assert page.status_code == 200
    text = text_of(page)
    assert CANDIDATE_NAME in text
    assert "No search work is possible until" in text
    assert f"/candidates/{cid}/checklist/{item}" not in text  # no resolve form before consent
    assert structure_of(page.get_data(as_text=True)).unlabelled_controls() == []

    # Consent: the signed form uploaded as a PDF.
    document = tiny_pdf("Signed by Casey Candidate")
    response = post_page_form(
        client,
        page_url,
        f"/candidates/{cid}/consent",
        {"signed_on": "2026-10-30", "method": "electronic", "document": upload(document, "signed.pdf")},
    )
    assert response.status_code == 302, text_of(response)
    text = text_of(client.get(page_url))
    assert "Consent recorded. The checklist is open." in text
    assert hashlib.sha256(document).hexdigest() in text
    download = client.get(f"/candidates/{cid}/consent/document")
    assert download.data == document
    assert download.headers["Content-Disposition"].startswith("attachment;")

    # A protected search is refused on the page, beside the query, and nothing is saved.
    prefix = f"item{item}"
    resolution = {
        f"{prefix}-status": "completed",
        f"{prefix}-technique": "A1",
        f"{prefix}-searches-0-query": f'"{CANDIDATE_NAME}" Hattiesburg',
        f"{prefix}-searches-0-source": "Google",
        f"{prefix}-searches-0-result_count": "12",
        f"{prefix}-searches-1-query": f"{CANDIDATE_NAME} pregnant",
        f"{prefix}-searches-1-source": "Google",
        f"{prefix}-searches-1-result_count": "0",
        f"{prefix}-attestation": "y",
    }
    resolve_url = f"/candidates/{cid}/checklist/{item}"
    before = count(app, SearchLogEntry), count(app, ItemResolution)
    response = post_page_form(client, page_url, resolve_url, resolution)
    assert response.status_code == 422
    assert "“pregnant”" in text_of(response)
    assert "GINA" in text_of(response)
    assert (count(app, SearchLogEntry), count(app, ItemResolution)) == before
    # Without the attestation: refused, the page says why.
    lawful = {k: v for k, v in resolution.items() if "searches-1" not in k}
    response = post_page_form(client, page_url, resolve_url, {k: v for k, v in lawful.items() if "attest" not in k})
    assert response.status_code == 422
    assert "Confirm the attestation" in text_of(response)

    response = post_page_form(client, page_url, resolve_url, lawful)
    assert response.status_code == 302, text_of(response)
    text = text_of(client.get(page_url))
    assert f"1 of {len(world.items)} checklist items resolved" in text
    assert f'"{CANDIDATE_NAME}" Hattiesburg' in text  # the search log, decrypted for the searcher

    # A finding, through its own form.
    new_url = f"/candidates/{cid}/findings/new"
    assert client.get(f"{new_url}?item={item}").status_code == 200
    finding = {
        "item_id": str(item),
        "source_url": "https://x.com/casey_c/status/1",
        "platform": "X (Twitter)",
        "content_date": "2026-09-01",
        "summary": "Public post threatening a neighbour over parking.",
        "excerpt": "Next time he blocks my truck I'll hurt him.",
        "category": "violence_threats",
        "authorship": "authored",
        "identity_basis": ["name", "listed_handle", "location"],
    }
    response = post_page_form(client, new_url, new_url, finding)
    assert response.status_code == 302, text_of(response)
    finding_url = location_path(response)
    assert re.fullmatch(r"/findings/\d+", finding_url)
    finding_id = int(finding_url.rsplit("/", 1)[1])
    text = text_of(client.get(finding_url))
    assert "unverified" in text
    assert "Next time he blocks my truck" in text

    # Evidence: a screenshot, hashed on receipt; a text file is refused.
    response = post_page_form(
        client, finding_url, f"{finding_url}/evidence", {"file": upload(b"plain text", "capture.png")}
    )
    assert response.status_code == 422
    assert "read from the file's content" in text_of(response)
    screenshot = png("screenshot of the post")
    response = post_page_form(
        client, finding_url, f"{finding_url}/evidence", {"file": upload(screenshot, "capture.png")}
    )
    assert response.status_code == 302, text_of(response)
    text = text_of(client.get(finding_url))
    assert f"SHA-256 on receipt: {hashlib.sha256(screenshot).hexdigest()}" in text
    assert "capture.png" in text

    # A validation step: the finding becomes corroborated.
    response = post_page_form(
        client,
        finding_url,
        f"{finding_url}/validations",
        {"method": "archive_comparison", "result": "corroborates", "notes": "Matches the archived copy."},
    )
    assert response.status_code == 302, text_of(response)
    assert "Validation step recorded." in text_of(client.get(finding_url))

    # The candidate page sums it up.
    text = text_of(client.get(page_url))
    assert f"1 of {len(world.items)} checklist items resolved" in text
    assert f"Finding {finding_id}" in text
    assert "corroborated" in text
    assert "3 of 3 needed" in text
    assert "1 finding" in text
    assert "The search can be closed when all" in text
    assert count(app, Consent) == count(app, Finding) == count(app, Evidence) == count(app, ValidationStep) == 1


def test_closing_the_search_through_the_page(app: Flask, clock: Clock, world: World) -> None:
    """R1 on the page: the close button appears only when every item is resolved."""
    record_consent(app, world.inv, world.candidate_id)
    client = app.test_client()
    login(client, world.inv, clock)
    url = f"/candidates/{world.candidate_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/complete", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 409
    assert "Close the search…" not in text_of(response)
    for item in world.items:
        resolve(app, world.inv, world.candidate_id, item)
    page = text_of(client.get(url))
    assert "Close the search…" in page
    response = client.post(f"{url}/complete", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 302
    page = text_of(client.get(url))
    assert "Search closed" in page
    assert "search complete" in page
    assert f"/candidates/{world.candidate_id}/checklist/" not in page  # no more resolve forms


def test_a_refused_close_tells_the_investigator_why(app: Flask, clock: Clock, world: World) -> None:
    record_consent(app, world.inv, world.candidate_id)
    client = app.test_client()
    login(client, world.inv, clock)
    url = f"/candidates/{world.candidate_id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/complete", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 409
    assert "not resolved yet" in text_of(response)
