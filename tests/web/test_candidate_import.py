"""Adding candidates: one by one and by CSV, all or nothing (issue 3).

A file with one bad row imports nothing and says which rows and fields are wrong; the
profile is stored only encrypted; investigators add candidates only to cycles they search.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, login
from tests.web.helpers import count, db, page_csrf, snapshot
from tests.web.world import API, CANDIDATE_NAME, World, bearer, build_world, error_of, upload
from vetting.errors import ValidationFailed
from vetting.models import Candidate
from vetting.services.candidates import CandidateInput, validate_input
from vetting.services.vault import CandidateVault, read_profile

GOOD = (
    "name,aliases,handles,profile_urls,region\n"
    "Ana Alvarez,Annie A; Ana A.,@ana_a,https://www.linkedin.com/in/ana-a,Hattiesburg\n"
    'Ben "Benny" Baker,,@bbaker;@ben_b,,Laurel\n'
    "Chloé Côté,,,https://x.com/chloe;https://instagram.com/chloe,Petal\n"
)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def test_a_valid_file_imports_every_row(app: Flask, client: FlaskClient, world: World) -> None:
    headers = bearer(app, world.inv)
    response = client.post(f"{API}/cycles/{world.cycle_id}/candidates/import", json={"csv": GOOD}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["imported"] == 3
    assert [(c["code"], c["name"], c["stage"]) for c in body["candidates"]] == [
        ("C-002", "Ana Alvarez", "awaiting consent"),
        ("C-003", 'Ben "Benny" Baker', "awaiting consent"),
        ("C-004", "Chloé Côté", "awaiting consent"),
    ]
    ana = client.get(f"{API}/candidates/{body['candidates'][0]['id']}", headers=headers).get_json()
    assert ana["profile"] == {
        "name": "Ana Alvarez",
        "aliases": ["Annie A", "Ana A."],
        "handles": ["@ana_a"],
        "profile_urls": ["https://www.linkedin.com/in/ana-a"],
        "region": "Hattiesburg",
    }
    with db(app) as session:
        stored = session.get(Candidate, body["candidates"][2]["id"])
        assert stored is not None
        assert "Chlo" not in stored.profile_enc  # ciphertext only
        profile = read_profile(CandidateVault(app.extensions["vetting"].security.keyring, stored), stored)
        assert profile.profile_urls == ["https://x.com/chloe", "https://instagram.com/chloe"]
    listing = client.get(f"{API}/cycles/{world.cycle_id}/candidates", headers=headers).get_json()["candidates"]
    assert len(listing) == 4


def test_one_bad_row_imports_nothing_and_names_rows_and_fields(app: Flask, client: FlaskClient, world: World) -> None:
    """All or nothing: 422 with per-row errors (1-based data rows), not one candidate written."""
    bad = (
        "name,aliases,handles,profile_urls,region\n"
        "Ana Alvarez,,,https://www.linkedin.com/in/ana-a,Hattiesburg\n"
        "Ben Baker,,,ftp://files.example/ben,Laurel\n"
        ",,,,Petal\n"
        f"{'X' * 201},,,,\n"
    )
    headers = bearer(app, world.inv)
    before = snapshot(app)
    response = client.post(f"{API}/cycles/{world.cycle_id}/candidates/import", json={"csv": bad}, headers=headers)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "import_rejected"
    assert [(r["row"], r["field"]) for r in error["rows"]] == [(2, "profile_urls"), (3, "name"), (4, "name")]
    assert "ftp://files.example/ben" in error["rows"][0]["message"]
    assert "row 2, profile_urls" in error["message"]
    assert snapshot(app) == before
    assert count(app, Candidate) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("aliases,region\nAna,Petal\n", "'name' column"),
        ("name,ssn\nAna,123-45-6789\n", "Unknown column(s): ssn"),
        ("name,region\n", "no candidates"),
    ],
    ids=["no-name-column", "unknown-column", "header-only"],
)
def test_malformed_files_are_refused(app: Flask, client: FlaskClient, world: World, text: str, says: str) -> None:
    headers = bearer(app, world.inv)
    before = snapshot(app)
    response = client.post(f"{API}/cycles/{world.cycle_id}/candidates/import", json={"csv": text}, headers=headers)
    assert response.status_code == 422
    assert says in error_of(response)["message"]
    assert snapshot(app) == before


def test_api_import_errors_name_the_csv_field(app: Flask, client: FlaskClient, world: World) -> None:
    headers = bearer(app, world.inv)
    response = client.post(
        f"{API}/cycles/{world.cycle_id}/candidates/import", json={"csv": "name,ssn\nAna,1\n"}, headers=headers
    )
    assert error_of(response)["field"] == "csv"


def test_web_import_with_a_bad_row_shows_the_row_and_imports_nothing(app: Flask, clock: Clock, world: World) -> None:
    client = app.test_client()
    login(client, world.inv, clock)
    url = f"/cycles/{world.cycle_id}/candidates"
    bad = b"name,profile_urls\nAna Alvarez,https://ok.example/ana\nBen Baker,not-a-url\n"
    response = client.post(
        f"{url}/import", data={"file": upload(bad, "people.csv"), "csrf_token": page_csrf(client, url)}
    )
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Nothing was imported" in page
    assert "row 2, profile_urls" in page
    assert count(app, Candidate) == 1

    response = client.post(
        f"{url}/import", data={"file": upload(GOOD.encode(), "people.csv"), "csrf_token": page_csrf(client, url)}
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "3 candidates imported." in page
    for name in (CANDIDATE_NAME, "Ana Alvarez", "Chloé Côté"):
        assert name in html.unescape(page)


def test_web_add_candidate_form(app: Flask, clock: Clock, world: World) -> None:
    client = app.test_client()
    login(client, world.inv, clock)
    url = f"/cycles/{world.cycle_id}/candidates"
    response = client.post(
        url, data={"name": "", "profile_urls": "https://ok.example", "csrf_token": page_csrf(client, url)}
    )
    assert response.status_code == 422
    response = client.post(
        url,
        data={
            "name": "Dana Doe",
            "aliases": "Dee; D. Doe",
            "handles": "@danad",
            "profile_urls": "https://x.com/danad",
            "region": "Laurel",
            "csrf_token": page_csrf(client, url),
        },
    )
    assert response.status_code == 302
    assert "Candidate C-002 added" in client.get(url).get_data(as_text=True)
    assert count(app, Candidate) == 2


def test_investigator_adds_candidates_only_to_cycles_they_search(app: Flask, client: FlaskClient, world: World) -> None:
    """CANDIDATES_MANAGE is per cycle for investigators: another cycle is 404."""
    headers = bearer(app, world.outsider)
    before = snapshot(app)
    for url, body in (
        (f"{API}/cycles/{world.cycle_id}/candidates", {"name": "Nope"}),
        (f"{API}/cycles/{world.cycle_id}/candidates/import", {"csv": "name\nNope\n"}),
    ):
        assert client.post(url, json=body, headers=headers).status_code == 404
    assert snapshot(app) == before
    mine = client.post(f"{API}/cycles/{world.other_cycle_id}/candidates", json={"name": "Yes"}, headers=headers)
    assert mine.status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "   "), ("profile_urls", ["javascript:alert(1)"]), ("region", "x" * 201), ("aliases", ["a"] * 21)],
)
def test_candidate_fields_are_validated(field: str, value: object) -> None:
    data: dict[str, Any] = {"name": "Ana", "aliases": [], "handles": [], "profile_urls": [], "region": ""}
    data[field] = value
    with pytest.raises(ValidationFailed) as raised:
        validate_input(CandidateInput(**data))
    assert raised.value.field == field
