"""Rules added after review: audited views, finding revisions, linted sources and checklist
items, rollback clean-up, the kept previous key, and edge input of the investigation API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import runtime_of
from tests.web.world import (
    API,
    World,
    add_finding,
    add_validation,
    bearer,
    build_world,
    finding_body,
    record_consent,
    resolve_api,
    user_in,
)
from vetting import create_app
from vetting.config import MASTER_KEY_PREVIOUS_FILE, load_settings
from vetting.crypto import DataKey
from vetting.db import on_rollback
from vetting.errors import Conflict, ValidationFailed
from vetting.models import AuditEvent, CycleStatus, ValidationResult
from vetting.services import checklists, cycles, keys
from vetting.storage import LocalStore


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def events(app: Flask, name: str) -> list[AuditEvent]:
    with runtime_of(app).db.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)))


def test_every_view_of_raw_content_is_audited(app: Flask, client: FlaskClient, world: World) -> None:
    """PRODUCT.md section 4: the candidate page, a finding and the checklist are each one audit event."""
    record_consent(app, world.inv, world.candidate_id)
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    headers = bearer(app, world.inv)
    assert client.get(f"{API}/candidates/{world.candidate_id}", headers=headers).status_code == 200
    assert client.get(f"{API}/findings/{finding_id}", headers=headers).status_code == 200
    assert client.get(f"{API}/candidates/{world.candidate_id}/checklist", headers=headers).status_code == 200
    for name, subject in (
        ("candidate.viewed", str(world.candidate_id)),
        ("finding.viewed", str(finding_id)),
        ("candidate.checklist_viewed", str(world.candidate_id)),
    ):
        seen = events(app, name)
        assert seen, name
        assert (seen[-1].actor_id, seen[-1].subject_id) == (world.inv.id, subject)
        assert json.loads(seen[-1].data) == {}  # ids only, never content


def test_editing_a_finding_starts_a_new_revision_and_resets_validation(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """R7: a step that corroborated text A does not vouch for text B."""
    record_consent(app, world.inv, world.candidate_id)
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    add_validation(app, world.inv, finding_id, ValidationResult.CORROBORATES)
    headers = bearer(app, world.inv)
    before = client.get(f"{API}/findings/{finding_id}", headers=headers).get_json()
    assert (before["validation_status"], before["revision"]) == ("corroborated", 1)
    unchanged = {k: before[k] for k in finding_body(world.items[0]) if k in before}
    same = client.put(f"{API}/findings/{finding_id}", json=unchanged, headers=headers).get_json()
    assert (same["validation_status"], same["revision"]) == ("corroborated", 1)  # no change, no new revision
    edited = {**unchanged, "summary": "A different account of the post."}
    after = client.put(f"{API}/findings/{finding_id}", json=edited, headers=headers).get_json()
    assert (after["validation_status"], after["revision"]) == ("unverified", 2)
    assert [v["current"] for v in after["validations"]] == [False]
    updated = events(app, "finding.updated")
    assert json.loads(updated[-1].data)["fields"] == ["summary"]


def test_the_search_source_is_linted_too(app: Flask, client: FlaskClient, world: World) -> None:
    """PC-02: 'where' a search ran may not target protected information either."""
    record_consent(app, world.inv, world.candidate_id)
    searches = [{"query": '"Casey Candidate"', "source": "cancer support forum", "result_count": 1}]
    response = resolve_api(client, bearer(app, world.inv), world.candidate_id, world.items[0], searches=searches)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "searches[0].source"


def test_a_checklist_item_may_not_plan_a_protected_search(app: Flask, world: World) -> None:
    """PC-02: an administrator cannot publish 'Medical history search' into a checklist."""
    with runtime_of(app).db.transaction() as session:
        admin = user_in(session, world.admin)
        template = checklists.create_template(session, admin, name="Bad")
        with pytest.raises(ValidationFailed) as raised:
            checklists.add_draft_item(
                session, admin, template.id, checklists.ItemInput("Medical history search", "Google", "A1")
            )
    assert (raised.value.code, raised.value.field) == ("prohibited_search", "title")


def test_a_file_written_by_a_rolled_back_transaction_is_deleted(app: Flask, tmp_path: Path) -> None:
    """Nothing is half-written: an evidence file stored before a failure does not stay on disk."""
    store = LocalStore(tmp_path / "store")
    name = store.new_name()

    def failing_request() -> None:
        with runtime_of(app).db.transaction() as session:
            store.put(name, DataKey(DataKey.generate()), b"evidence", "test")
            on_rollback(session, lambda: store.delete(name))
            assert any(store.root.rglob(name))
            raise RuntimeError("the request failed after the file was written")

    with pytest.raises(RuntimeError):
        failing_request()
    assert not any(store.root.rglob(name))


def test_rotation_keeps_the_previous_key_for_decryption(app: Flask, client: FlaskClient, world: World) -> None:
    """A worker started before a rotation writes under the old key; that data stays readable."""
    settings = runtime_of(app).settings
    with runtime_of(app).db.transaction() as session:
        keys.rewrap_all(session, runtime_of(app).security.keyring, keys.prepare_next_key(settings.instance_path))
    keys.finish(settings.instance_path)
    assert (settings.instance_path / MASTER_KEY_PREVIOUS_FILE).read_bytes()
    # The old app (old keyring) adds a candidate after the rotation, as a stale worker would.
    late = client.post(
        f"{API}/cycles/{world.cycle_id}/candidates", json={"name": "Lee Late"}, headers=bearer(app, world.inv)
    )
    assert late.status_code == 201
    restarted = create_app(load_settings(settings.instance_path, env={}, database_url=settings.database_url))
    try:
        response = restarted.test_client().get(
            f"{API}/candidates/{late.get_json()['id']}", headers=bearer(restarted, world.inv)
        )
        assert response.status_code == 200
        assert response.get_json()["name"] == "Lee Late"
    finally:
        runtime_of(restarted).db.dispose()


def test_validation_is_refused_once_the_cycle_is_closed(app: Flask, world: World) -> None:
    record_consent(app, world.inv, world.candidate_id)
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    with runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user_in(session, world.admin), world.cycle_id, CycleStatus.CLOSED)
    with pytest.raises(Conflict, match="closed"):
        add_validation(app, world.inv, finding_id, ValidationResult.CORROBORATES)


def test_an_oversized_csv_field_is_a_422(app: Flask, client: FlaskClient, world: World) -> None:
    text = "name,region\n" + "Casey," + "x" * 140_000 + "\n"
    response = client.post(
        f"{API}/cycles/{world.cycle_id}/candidates/import", json={"csv": text}, headers=bearer(app, world.inv)
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "csv"
