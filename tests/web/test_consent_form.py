"""The candidate's disclosure and authorization form (PDF), and the locked-down PDF renderer.

FCRA-style stand-alone disclosure before any search (the form names the candidate, the
position and the agency); WeasyPrint hardening (no file:, http: or data: resources,
CVE-2025-68616): reports load only their own assets.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from weasyprint.urls import FatalURLFetchingError

from tests.support import Clock, login
from tests.web.helpers import db
from tests.web.world import API, CANDIDATE_NAME, World, add_candidate, bearer, build_world
from vetting import create_app
from vetting.config import PROJECT_ROOT, Settings
from vetting.models import AuditEvent
from vetting.pdf import ForbiddenResource, Reports

AGENCY = "Pine Belt Police Department"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(result.stdout.decode().split())  # one line: names may wrap


@pytest.fixture
def agency_app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings.with_overrides(agency_name=AGENCY))
    yield application
    application.extensions["vetting"].db.dispose()


@pytest.fixture
def world(agency_app: Flask) -> World:
    return build_world(agency_app)


def test_consent_form_pdf_names_the_candidate_position_and_agency(
    agency_app: Flask, world: World, tmp_path: Path
) -> None:
    client = agency_app.test_client()
    headers = bearer(agency_app, world.inv)
    response = client.get(f"{API}/candidates/{world.candidate_id}/consent-form.pdf", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "C-001" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    assert CANDIDATE_NAME in text
    assert "Patrol officer" in text
    assert AGENCY in text
    assert "Disclosure and Authorization" in text
    assert "C-001" in text
    with db(agency_app) as session:
        generated = session.scalars(select(AuditEvent).where(AuditEvent.event == "consent.form_generated")).all()
    assert [(e.actor_id, e.subject_id) for e in generated] == [(world.inv.id, str(world.candidate_id))]


def test_consent_form_from_the_web_page_and_with_markup_in_the_name(
    agency_app: Flask, world: World, clock: Clock, tmp_path: Path
) -> None:
    """The name is text, never markup: a name with an <img src=file:...> renders literally."""
    name = '<img src="file:///etc/passwd"> O\'Brien & Sons'
    cid = add_candidate(agency_app, world.inv, world.cycle_id, name)
    client: FlaskClient = agency_app.test_client()
    login(client, world.inv, clock)
    page = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert f"/candidates/{cid}/consent-form.pdf" in page
    response = client.get(f"/candidates/{cid}/consent-form.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert name in text
    assert AGENCY in text


@pytest.mark.parametrize(
    "html",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css"><p>x</p>',
        '<link rel="stylesheet" href="https://example.com/evil.css"><p>x</p>',
        '<style>@import url("file:///etc/passwd");</style><p>x</p>',
        '<p style="background: url(file:///etc/hostname)">x</p>',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="asset:../../README.md">',  # no escape from the assets folder
    ],
    ids=["file-img", "http-css", "https-css", "css-import", "inline-url", "data-url", "asset-traversal"],
)
def test_reports_refuse_every_resource_that_is_not_their_own_asset(html: str) -> None:
    reports = Reports(PROJECT_ROOT / "templates")
    with pytest.raises(FatalURLFetchingError) as raised:
        reports.render_html(html)
    assert isinstance(raised.value.__cause__, ForbiddenResource)


def test_reports_load_their_own_assets() -> None:
    pdf = Reports(PROJECT_ROOT / "templates").render_html('<link rel="stylesheet" href="asset:report.css"><p>ok</p>')
    assert pdf.startswith(b"%PDF-")
