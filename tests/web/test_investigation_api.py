"""Issue 3 acceptance through the JSON API: consent first, frozen checklists, lawful methods.

R1 (every item resolved before the search closes), R5 / POL-04 (approved techniques only,
with the searcher's attestation), R6 / POL-05 (one immutable checklist version per cycle,
the same for every candidate), PC-02 / GINA (no medical, genetic or protected-class
searches), and the signed disclosure and authorization before any search work.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tests.support import Clock, login, post_form, published_checklist
from tests.web.helpers import count, db, snapshot
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_candidate,
    bearer,
    build_world,
    consent_api,
    error_of,
    finding_api,
    png,
    record_consent,
    resolve_api,
    tiny_pdf,
    upload,
)
from vetting.models import (
    AppendOnlyError,
    AuditEvent,
    ChecklistTemplate,
    ChecklistVersion,
    ChecklistVersionItem,
    Consent,
    Finding,
    ItemResolution,
    SearchLogEntry,
    User,
)
from vetting.services import audit_log, checklists


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def inv_headers(app: Flask, world: World) -> dict[str, str]:
    return bearer(app, world.inv)


def work_rows(app: Flask) -> dict[str, int]:
    return {
        "search_log": count(app, SearchLogEntry),
        "item_resolutions": count(app, ItemResolution),
        "findings": count(app, Finding),
    }


def events(app: Flask, name: str) -> list[AuditEvent]:
    with db(app) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)))


# --- consent before search work ---------------------------------------------------------------


def test_no_search_work_before_consent_then_it_succeeds(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str]
) -> None:
    """Consent gate: resolve and finding are 409 consent_required and write nothing; after consent, 200/201."""
    cid, item = world.candidate_id, world.items[0]
    before = snapshot(app)
    response = resolve_api(client, inv_headers, cid, item)
    assert response.status_code == 409
    assert error_of(response)["code"] == "consent_required"
    response = finding_api(client, inv_headers, cid, item)
    assert response.status_code == 409
    assert error_of(response)["code"] == "consent_required"
    assert snapshot(app) == before

    document = png("signed disclosure and authorization")
    response = consent_api(client, inv_headers, cid, document=document)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["method"] == "wet_ink"
    assert body["document_sha256"] == hashlib.sha256(document).hexdigest()
    candidate = client.get(f"{API}/candidates/{cid}", headers=inv_headers).get_json()
    assert candidate["stage"] == "searching"
    assert candidate["consent"]["document_sha256"] == body["document_sha256"]
    assert [e.subject_id for e in events(app, "consent.recorded")] == [str(cid)]

    response = resolve_api(client, inv_headers, cid, item)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "no_results"
    assert response.get_json()["searches"][0]["query"] == f'"{CANDIDATE_NAME}"'
    response = finding_api(client, inv_headers, cid, item)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert work_rows(app) == {"search_log": 1, "item_resolutions": 1, "findings": 1}


def test_consent_accepts_a_signed_pdf_electronically_signed(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str]
) -> None:
    document = tiny_pdf("Signed by Casey Candidate")
    response = consent_api(client, inv_headers, world.candidate_id, document=document, method="electronic")
    assert response.status_code == 201, response.get_data(as_text=True)
    with db(app) as session:
        consent = session.scalar(select(Consent))
        assert consent is not None
        assert (consent.document_content_type, consent.document_size) == ("application/pdf", len(document))
    # The signed form comes back byte-identical to the cycle's searcher (web page link).


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"document": b"just some text, not a scan"}, "document"),
        ({"document": b""}, "document"),
        ({"method": "fax"}, "method"),
        ({"signed_on": "yesterday"}, "signed_on"),
        ({"signed_on": "2999-01-01"}, "signed_on"),
    ],
    ids=["text-file", "empty-file", "bad-method", "bad-date", "future-date"],
)
def test_consent_is_validated_and_nothing_is_written(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str], change: dict[str, Any], field: str
) -> None:
    before = snapshot(app)
    data: dict[str, Any] = {"signed_on": "2026-10-01", "method": "wet_ink", "document": png()}
    data.update(change)
    response = client.post(
        f"{API}/candidates/{world.candidate_id}/consent",
        data={**data, "document": upload(data["document"], "form.png")},
        headers=inv_headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert error_of(response)["field"] == field
    assert snapshot(app) == before


def test_consent_is_recorded_once(client: FlaskClient, world: World, inv_headers: dict[str, str]) -> None:
    assert consent_api(client, inv_headers, world.candidate_id).status_code == 201
    response = consent_api(client, inv_headers, world.candidate_id)
    assert response.status_code == 409
    assert error_of(response)["code"] == "consent_recorded"


# --- R6: one frozen checklist per cycle ------------------------------------------------------------


def version_rows(app: Flask, version_id: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    with db(app) as session:
        version = session.get(ChecklistVersion, version_id)
        assert version is not None
        head = (version.id, version.number, version.published_at, version.content_hash, version.template_id)
        items = [(i.id, i.position, i.title, i.source, i.technique_code, i.required, i.guidance) for i in version.items]
        return head, items


def test_orm_refuses_to_change_or_delete_a_published_version(app: Flask, world: World) -> None:
    """R6 / POL-05: ChecklistVersion and ChecklistVersionItem rows are append-only in the ORM."""
    before = version_rows(app, world.version_id)

    def change_version(session: Session) -> None:
        version = session.get(ChecklistVersion, world.version_id)
        assert version is not None
        version.content_hash = "0" * 64

    def change_item(session: Session) -> None:
        item = session.get(ChecklistVersionItem, world.items[0])
        assert item is not None
        item.title = "Something else"
        item.technique_code = "A2"

    def delete_item(session: Session) -> None:
        session.delete(session.get(ChecklistVersionItem, world.items[-1]))

    for change in (change_version, change_item, delete_item):
        with db(app) as session:
            change(session)
            with pytest.raises(AppendOnlyError):
                session.flush()
            session.rollback()
    with pytest.raises(AppendOnlyError), db(app) as session:
        session.execute(update(ChecklistVersionItem).values(title="Bulk change"))
    with pytest.raises(AppendOnlyError), db(app) as session:
        session.execute(delete(ChecklistVersion).where(ChecklistVersion.id == world.version_id))
    assert version_rows(app, world.version_id) == before


def test_no_route_changes_a_published_version(app: Flask) -> None:
    """R6: versions are only ever read (GET); every writing route works on templates' drafts."""
    for rule in app.url_map.iter_rules():
        if "version" in rule.rule:
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_publishing_again_makes_a_new_version_and_leaves_the_old_one_identical(
    app: Flask, client: FlaskClient, clock: Clock, world: World
) -> None:
    """R6: draft edits and a second publication (web and API) never touch version 1."""
    before = version_rows(app, world.version_id)
    with db(app) as session:
        version = session.get(ChecklistVersion, world.version_id)
        assert version is not None
        template_id = version.template_id
        first_draft_item = version.template.draft_items[0].id

    headers = bearer(app, world.admin)
    response = client.post(f"{API}/checklists/{template_id}/publish", headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    second = response.get_json()
    assert second["number"] == 2
    assert second["content_hash"] == before[0][3]  # the same draft, the same content
    assert {i["id"] for i in second["items"]}.isdisjoint({row[0] for row in before[1]})

    # The administrator edits the draft through the web pages and publishes a third version.
    login(client, world.admin, clock)
    page = f"/admin/checklists/{template_id}"
    item = {"title": "News archives", "source": "Local papers", "technique": "A4", "required": "y"}
    assert post_form(client, f"{page}/items", item, page=page).status_code == 302
    assert post_form(client, f"{page}/items/{first_draft_item}/down", {}, page=page).status_code == 302
    assert post_form(client, f"{page}/publish", {"confirm": "yes"}, page=page).status_code == 302
    more = {"title": "More", "source": "Court portal", "technique": "A3"}
    response = client.post(f"{API}/checklists/{template_id}/items", json=more, headers=headers)
    assert response.status_code == 201

    with db(app) as session:
        template = session.get(ChecklistTemplate, template_id)
        assert template is not None
        assert [v.number for v in template.versions] == [1, 2, 3]
        third = template.versions[-1]
        assert third.content_hash != before[0][3]
        assert [i.title for i in third.items][-1] == "News archives"
    assert version_rows(app, world.version_id) == before
    response = client.get(f"{API}/checklist-versions/{world.version_id}", headers=bearer(app, world.inv))
    assert response.status_code == 200
    assert response.get_json()["content_hash"] == before[0][3]
    assert [i["id"] for i in response.get_json()["items"]] == world.items


def test_every_candidate_of_a_cycle_gets_the_same_items(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str]
) -> None:
    """R6: the checklist belongs to the cycle, not the candidate."""
    other = add_candidate(app, world.inv, world.cycle_id, "Dana Doe")
    lists = [
        client.get(f"{API}/candidates/{cid}/checklist", headers=inv_headers) for cid in (world.candidate_id, other)
    ]
    assert [r.status_code for r in lists] == [200, 200]
    first, second = (r.get_json() for r in lists)
    assert first["checklist_version_id"] == second["checklist_version_id"] == world.version_id
    assert [i["item_id"] for i in first["items"]] == [i["item_id"] for i in second["items"]] == world.items
    assert [i["title"] for i in first["items"]] == [i["title"] for i in second["items"]]


def test_an_item_of_another_checklist_cannot_be_resolved(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str]
) -> None:
    """R6: no per-candidate items: an item id from another version is 404."""
    record_consent(app, world.inv, world.candidate_id)
    other_version = published_checklist(app, world.admin.id, items=1, name="Other")
    with db(app) as session:
        version = session.get(ChecklistVersion, other_version)
        assert version is not None
        foreign_item = version.items[0].id
    response = resolve_api(client, inv_headers, world.candidate_id, foreign_item)
    assert response.status_code == 404
    assert count(app, ItemResolution) == 0


def test_patch_cycle_pins_a_version_while_draft_and_is_locked_once_open(
    app: Flask, client: FlaskClient, world: World
) -> None:
    headers = bearer(app, world.admin)
    response = client.post(f"{API}/cycles", json={"title": "Records clerk 2027"}, headers=headers)
    assert response.status_code == 201
    draft = response.get_json()["id"]
    response = client.patch(f"{API}/cycles/{draft}", json={"checklist_version_id": world.version_id}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["checklist_version_id"] == world.version_id

    other = published_checklist(app, world.admin.id, items=2, name="Other checklist")
    before = snapshot(app)
    response = client.patch(f"{API}/cycles/{world.cycle_id}", json={"checklist_version_id": other}, headers=headers)
    assert response.status_code == 409
    assert error_of(response)["code"] == "checklist_locked"
    assert snapshot(app) == before


def test_create_cycle_with_a_checklist_version_pins_it(app: Flask, client: FlaskClient, world: World) -> None:
    headers = bearer(app, world.admin)
    response = client.post(
        f"{API}/cycles",
        json={"title": "Records clerk 2027", "checklist_version_id": world.version_id, "identity_match_minimum": 2},
        headers=headers,
    )
    assert response.status_code == 201
    assert response.get_json()["checklist_version_id"] == world.version_id


def test_opening_a_cycle_without_a_checklist_is_refused(app: Flask, client: FlaskClient, world: World) -> None:
    """R6: 409 checklist_required through the API."""
    headers = bearer(app, world.admin)
    draft = client.post(f"{API}/cycles", json={"title": "Records clerk 2027"}, headers=headers).get_json()["id"]
    response = client.post(f"{API}/cycles/{draft}/status", json={"status": "open"}, headers=headers)
    assert response.status_code == 409
    assert error_of(response)["code"] == "checklist_required"


# --- R5 / POL-04 and PC-02: lawful methods only --------------------------------------------------


@pytest.fixture
def consented(app: Flask, world: World) -> World:
    record_consent(app, world.inv, world.candidate_id)
    return world


def test_a_prohibited_technique_is_refused_by_name_and_nothing_is_written(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str]
) -> None:
    """R5 / POL-04: P3 (friend requests) cannot be recorded; the message names it; the attempt is audited."""
    before = work_rows(app)
    response = resolve_api(client, inv_headers, consented.candidate_id, consented.items[0], technique="P3")
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "technique"
    assert error["code"] == "prohibited_technique"
    assert "P3" in error["message"]
    assert "Friend, follow or connect requests" in error["message"]
    assert work_rows(app) == before
    refused = events(app, "technique.refused")
    assert len(refused) == 1
    assert json.loads(refused[0].data) == {
        "item_id": consented.items[0],
        "technique": "P3",
        "rule": "POL-04",
        "code": "prohibited_technique",
    }
    response = resolve_api(client, inv_headers, consented.candidate_id, consented.items[0], technique="Z9")
    assert response.status_code == 422
    assert "A1" in error_of(response)["message"]  # unknown: the approved ones are listed
    assert work_rows(app) == before
    assert len(events(app, "technique.refused")) == 1  # an unknown code is an error, not a prohibited method


def test_a_protected_search_is_refused_audited_without_the_query_and_nothing_is_written(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str]
) -> None:
    """PC-02 / GINA: '<name> cancer' is refused 422 prohibited_search naming 'cancer'; only the refusal is kept."""
    cid, item = consented.candidate_id, consented.items[0]
    searches = [
        {"query": f'"{CANDIDATE_NAME}" arrest', "source": "Search engine", "result_count": 3},
        {"query": f"{CANDIDATE_NAME} cancer", "source": "Search engine", "result_count": 0},
    ]
    before = work_rows(app)
    refusals = len(events(app, "search.refused"))
    response = resolve_api(client, inv_headers, cid, item, searches=searches)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "prohibited_search"
    assert error["field"] == "searches[1].query"
    assert "cancer" in error["message"]
    assert "PC-02" in error["message"]
    assert work_rows(app) == before  # the lawful first search was not kept either

    refused = events(app, "search.refused")
    assert len(refused) == refusals + 1
    event = refused[-1]
    assert (event.actor_id, event.subject_type, event.subject_id) == (consented.inv.id, "candidate", str(cid))
    data = json.loads(event.data)
    assert data["axes"] == ["disability_health"]
    assert data["rule"] == "PC-02"
    for secret in ("cancer", "Casey", "Candidate", "arrest"):
        assert secret.lower() not in event.data.lower()
    assert events(app, "checklist.item_resolved") == []


@pytest.mark.parametrize(
    "query", ["Casey Candidate genetic testing", '"Casey Candidate" pregnant', "Casey Candidate church"]
)
def test_other_protected_axes_are_refused_too(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str], query: str
) -> None:
    response = resolve_api(client, inv_headers, consented.candidate_id, consented.items[0], query=query)
    assert response.status_code == 422
    assert error_of(response)["code"] == "prohibited_search"
    assert count(app, SearchLogEntry) == 0


def test_a_candidate_whose_surname_is_a_listed_word_can_be_searched(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str]
) -> None:
    """PC-02 masks the candidate's own name: '"Hope Church" arrest' is a lawful search."""
    cid = add_candidate(app, world.inv, world.cycle_id, "Hope Church")
    record_consent(app, world.inv, cid)
    response = resolve_api(client, inv_headers, cid, world.items[0], query='"Hope Church" arrest')
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["searches"][0]["query"] == '"Hope Church" arrest'
    response = resolve_api(client, inv_headers, cid, world.items[1], query='"Hope Church" church')
    assert response.status_code == 422  # the word as a term is still refused
    assert events(app, "search.refused")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"attestation": False}, "attestation"),
        ({"status": "unable", "searches": []}, "reason"),
        ({"status": "unable", "reason": "   ", "searches": []}, "reason"),
        ({"status": "completed", "searches": []}, "searches"),
        ({"attestation": "yes"}, "attestation"),
        ({"searches": [{"query": "x", "source": "Search engine", "result_count": -1}]}, "searches[0].result_count"),
    ],
    ids=["no-attestation", "unable-no-reason", "unable-blank-reason", "no-searches", "attestation-not-bool", "neg"],
)
def test_resolution_needs_attestation_reason_and_searches(
    app: Flask,
    client: FlaskClient,
    consented: World,
    inv_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    """R5: the searcher attests; 'unable' says why; other outcomes log their searches (R7)."""
    before = snapshot(app)
    response = resolve_api(client, inv_headers, consented.candidate_id, consented.items[0], **body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert error_of(response)["field"] == field
    assert snapshot(app) == before


def test_unable_with_a_reason_is_a_resolution(
    client: FlaskClient, consented: World, inv_headers: dict[str, str]
) -> None:
    reason = "The platform blocked logged-out viewing."
    response = resolve_api(
        client, inv_headers, consented.candidate_id, consented.items[0], status="unable", searches=[], reason=reason
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["status"], response.get_json()["reason"]) == ("unable", reason)


# --- R1: the search closes only when every item is resolved --------------------------------------


def test_search_closes_only_when_every_item_is_resolved(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str]
) -> None:
    """R1: 409 checklist_incomplete, then 200; afterwards the record is closed (409 search_closed)."""
    cid = consented.candidate_id
    for item in consented.items[:-1]:
        assert resolve_api(client, inv_headers, cid, item).status_code == 200
    response = client.post(f"{API}/candidates/{cid}/complete", headers=inv_headers)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "checklist_incomplete"
    assert "1 checklist item(s)" in error["message"]

    finding = finding_api(client, inv_headers, cid, consented.items[0]).get_json()
    assert resolve_api(client, inv_headers, cid, consented.items[-1]).status_code == 200
    # Issue 14: a finding neither released nor withdrawn keeps the search open.
    response = client.post(f"{API}/candidates/{cid}/complete", headers=inv_headers)
    assert response.status_code == 409
    assert error_of(response)["code"] == "findings_unsettled"
    assert str(finding["id"]) in error_of(response)["message"]
    body = {"reason": "Not about the candidate after all: another person."}
    assert client.post(f"{API}/findings/{finding['id']}/withdraw", json=body, headers=inv_headers).status_code == 200
    response = client.post(f"{API}/candidates/{cid}/complete", headers=inv_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["search_completed_at"]
    assert client.get(f"{API}/candidates/{cid}", headers=inv_headers).get_json()["stage"] == "search complete"

    before = snapshot(app)
    response = resolve_api(client, inv_headers, cid, consented.items[0])
    assert response.status_code == 409
    assert error_of(response)["code"] == "search_closed"
    response = finding_api(client, inv_headers, cid, consented.items[0])
    assert response.status_code == 409
    assert error_of(response)["code"] == "search_closed"
    response = client.post(
        f"{API}/findings/{finding['id']}/evidence",
        data={"file": upload(png(), "late.png")},
        headers=inv_headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert client.post(f"{API}/candidates/{cid}/complete", headers=inv_headers).status_code == 409
    assert snapshot(app) == before


def test_resolving_again_replaces_the_status_and_keeps_every_search(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str]
) -> None:
    """R7: searches with no results count too; a second resolution adds to the log, never replaces it."""
    cid, item = consented.candidate_id, consented.items[0]
    assert resolve_api(client, inv_headers, cid, item).status_code == 200
    response = resolve_api(
        client,
        inv_headers,
        cid,
        item,
        status="completed",
        searches=[{"query": "@casey_c", "source": "x.com", "result_count": 4}],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "completed"
    assert [s["query"] for s in body["searches"]] == [f'"{CANDIDATE_NAME}"', "@casey_c"]
    assert count(app, ItemResolution) == 1
    with db(app) as session:
        user = session.get(User, consented.inv.id)
        assert user is not None
        # Queries are stored only encrypted.
        stored = [e.query_enc for e in session.scalars(select(SearchLogEntry))]
        assert all("casey" not in q.lower() for q in stored)
        assert checklists.get_version(session, user, consented.version_id).id == consented.version_id


def test_a_search_time_in_the_future_is_refused(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str]
) -> None:
    searches = [{"query": "@casey_c", "source": "x.com", "result_count": 0, "searched_at": "2999-01-01T00:00:00Z"}]
    response = resolve_api(client, inv_headers, consented.candidate_id, consented.items[0], searches=searches)
    assert response.status_code == 422
    assert error_of(response)["field"] == "searches[0].searched_at"
    assert count(app, SearchLogEntry) == 0


@pytest.mark.parametrize("route", ["resolve", "finding"])
def test_a_time_without_an_offset_is_a_422_not_a_crash(
    app: Flask, client: FlaskClient, consented: World, inv_headers: dict[str, str], route: str
) -> None:
    naive = "2026-10-01T10:00:00"
    if route == "resolve":
        searches = [{"query": "@casey_c", "source": "x.com", "result_count": 0, "searched_at": naive}]
        response = resolve_api(client, inv_headers, consented.candidate_id, consented.items[0], searches=searches)
    else:
        response = finding_api(client, inv_headers, consented.candidate_id, consented.items[0], captured_at=naive)
    assert response.status_code == 422


def test_a_technique_other_than_planned_needs_a_written_reason(
    app: Flask, client: FlaskClient, world: World, inv_headers: dict[str, str]
) -> None:
    """R6: the checklist plans A1; recording A2 needs a written reason, and is then logged as a deviation."""
    record_consent(app, world.inv, world.candidate_id)
    response = resolve_api(client, inv_headers, world.candidate_id, world.items[0], technique="A2")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "notes"
    response = resolve_api(
        client,
        inv_headers,
        world.candidate_id,
        world.items[0],
        technique="A2",
        notes="The profile was listed by the candidate.",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    resolved = events(app, "checklist.item_resolved")
    assert audit_log.event_data(resolved[-1])["deviation"] is True
