"""Retention schedule and disposition by crypto-shredding through the API (issue 15 points 1 and 3).

The acceptance: a candidate disposed through the API leaves no sealed value that decrypts and no
file in the store (nor a production bundle holding them in the job store), while ``vetting audit
verify`` and the uniformity report still pass and count the candidate; a schedule below a legal
floor is refused naming the field, nothing applied; a proposer never approves their own proposal
(RET-07); investigators and board members get 403.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from tests.support import Clock, Person, make_user, runtime_of, statements
from tests.web.board_world import BoardWorld, build_board_world, complete
from tests.web.world import API, CANDIDATE_NAME, add_candidate, add_evidence, bearer, error_of, user_in
from vetting.audit.events import Event
from vetting.cli import cli
from vetting.clock import today
from vetting.config import Settings
from vetting.crypto import DataKey, DecryptionError, Keyring, sha256_hex
from vetting.errors import Conflict
from vetting.models import AuditEvent, Candidate, CycleStatus, Disposition, Duty, Job, Role
from vetting.services import cycles, retention, self_identification
from vetting.services.disposition import rows_of, sealed_models, stored_files_of
from vetting.services.vault import CandidateVault

CANDIDATE_EMAIL = "casey.candidate@example.org"
#: Past every default period and the RET-01 floor (two years) from the close of the cycle.
PAST_RETENTION_DAYS = 2 * 365 + 10


def _schedule(**periods: int) -> dict[str, Any]:
    classes = {
        c.value: {
            "period_days": periods.get(c.value, e.period_days),
            "trigger": e.trigger.value,
            "citation": e.citation,
        }
        for c, e in retention.DEFAULTS.items()
    }
    return {"classes": classes}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the instance folder's is shared by the whole run)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


def produce(
    app: Flask, client: FlaskClient, person: Person, candidate_id: int, version: str = "recorded"
) -> tuple[str, Job]:
    """A production bundle of the candidate (for discovery, findings as recorded by default), made
    by the job as the API starts it: (its result URL, its job row)."""
    rt = runtime_of(app)
    rt.queue.immediate = True
    headers = bearer(app, person)
    body = {
        "candidate_ids": [candidate_id],
        "purpose": "discovery",
        "reference": "Doe v. City, No. 26-cv-0141",
        "version": version,
        "prefix": "VET",
    }
    started = client.post(f"{API}/productions", json=body, headers=headers)
    assert started.status_code == 202, started.get_json()
    status = client.get(started.get_json()["status_url"], headers=headers).get_json()
    assert status["status"] == "done", status
    url = status["result"]["url"]
    assert client.get(url, headers=headers).status_code == 200
    with rt.db.transaction() as session:
        job = session.get(Job, status["id"])
        assert job is not None
        session.expunge(job)
    return url, job


@pytest.fixture
def officers(app: Flask) -> tuple[Person, Person]:
    return (
        make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records"),
        make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records"),
    )


def _close_cycle(app: Flask, bw: BoardWorld) -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycles.change_status(session, user_in(session, bw.world.admin), bw.world.cycle_id, CycleStatus.CLOSED)


def _dump(app: Flask) -> str:
    """Every value of every table, as text (what an attacker with the database holds)."""
    engine = runtime_of(app).db.engine
    parts: list[str] = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def _sealed_values(app: Flask, candidate_id: int) -> list[tuple[str, str, str]]:
    """(``table.field``, ciphertext, associated data) of every sealed text of the candidate."""
    found: list[tuple[str, str, str]] = []
    with runtime_of(app).db.transaction() as session:
        for model in sealed_models():
            for row in session.scalars(select(model).where(rows_of(model, candidate_id))):
                for name, sealed in model.sealed.items():
                    value = None if sealed.stored else getattr(row, f"{name}_enc")
                    if value:
                        purpose = f"candidate:{candidate_id}:{sealed.purpose}:{sealed.record_id(row)}"
                        found.append((f"{model.__tablename__}.{name}", value, purpose))
    return found


def _events(app: Flask, name: Event) -> list[dict[str, Any]]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(select(AuditEvent.data).where(AuditEvent.event == name.value).order_by(AuditEvent.seq))
        return [json.loads(d) for d in rows]


def test_a_disposed_candidate_leaves_nothing_that_decrypts_and_the_chain_and_reports_hold(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    add_evidence(app, world.inv, bw.findings[0])
    complete(app, world.inv, world.candidate_id)
    rt = runtime_of(app)
    # The candidate's address, sealed on the candidate, but in clear in the outbox message that carried a link.
    link = client.post(
        f"{API}/candidates/{world.candidate_id}/links",
        json={"purpose": "self_identification", "email": CANDIDATE_EMAIL},
        headers=bearer(app, world.admin),
    )
    assert link.status_code in (200, 201), link.get_data(as_text=True)
    assert CANDIDATE_EMAIL in _dump(app)
    with rt.db.transaction() as session:
        invitation = self_identification.invite(session, user_in(session, world.admin), world.candidate_id)
    with rt.db.transaction() as session:
        answers = self_identification.parse_answers("female", "white")
        self_identification.submit(session, rt.security, invitation.token, answers)
    _close_cycle(app, bw)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, world.candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is not None
        old_wrapped_key = candidate.wrapped_key
        files = stored_files_of(session, world.candidate_id)
    assert {f.kind for f in files} == {"evidence", "consent"}
    before = _sealed_values(app, world.candidate_id)
    assert {
        "candidates.profile",
        "findings.summary",
        "finding_releases.summary",
        "search_log.query",
        "self_identifications.answers",
    } <= {n for n, _, _ in before}
    proposer, approver = (bearer(app, p) for p in officers)

    # Not due yet: refused, nothing proposed.
    early = client.post(f"{API}/dispositions", json={"candidate_id": world.candidate_id}, headers=proposer)
    assert early.status_code == 409
    assert error_of(early)["code"] == "not_due"
    due = client.get(f"{API}/retention/due", headers=proposer).get_json()
    assert due["total"] == 0

    clock.advance(days=PAST_RETENTION_DAYS)
    proposer, approver = (bearer(app, p) for p in officers)  # tokens live 90 days
    # A production bundle of the candidate (case file, consent, evidence), made before the disposition.
    bundle_url, bundle = produce(app, client, officers[0], world.candidate_id)
    assert bundle.result_file in {f.name for f in rt.queue.results.scan()}
    due = client.get(f"{API}/retention/due", headers=proposer).get_json()
    assert [c["candidate_id"] for c in due["candidates"]] == [world.candidate_id]
    assert due["candidates"][0]["disposition_date"] is not None

    proposed = client.post(f"{API}/dispositions", json={"candidate_id": world.candidate_id}, headers=proposer)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    disposition_id = proposed.get_json()["id"]
    not_yet = client.get(f"{API}/dispositions/{disposition_id}/certificate.pdf", headers=proposer)
    assert not_yet.status_code == 409
    assert error_of(not_yet)["code"] == "not_disposed"
    own = client.post(f"{API}/dispositions/{disposition_id}/approve", headers=proposer)
    assert own.status_code == 409
    assert error_of(own)["code"] == "second_person_required"
    assert _events(app, Event.RECORDS_DISPOSITION_REFUSED) == [
        {"code": "second_person_required", "disposition": disposition_id}
    ]

    approved = client.post(f"{API}/dispositions/{disposition_id}/approve", headers=approver)
    assert approved.status_code == 200, approved.get_data(as_text=True)
    tombstone = approved.get_json()
    assert tombstone["status"] == "disposed"
    assert tombstone["approved_by"] == officers[1].id
    assert sorted(f["sha256"] for f in tombstone["destroyed"]["files"]) == sorted(
        [f.sha256 for f in files] + [bundle.result_sha256]
    )
    assert tombstone["destroyed"]["file_counts"]["job_result"] == 1
    assert sum(tombstone["destroyed"]["sealed"].values()) == len(before)

    # The raw database: no data key, the old wrapped key nowhere, no name in clear, and no
    # sealed value opens under any key the instance holds.
    dump = _dump(app)
    assert old_wrapped_key not in dump
    assert CANDIDATE_NAME not in dump
    assert CANDIDATE_EMAIL not in dump  # the outbox message was cleared
    assert tombstone["destroyed"]["outbox_redacted"] == 1
    keyring: Keyring = rt.security.keyring
    with rt.db.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT wrapped_key FROM candidates WHERE id = :id"), {"id": world.candidate_id}
            ).scalar_one()
            is None
        )
    after = _sealed_values(app, world.candidate_id)
    assert after == before  # the ciphertexts stay; only the key is gone
    for _, token, purpose in after:
        for key in keyring.all_keys():  # nor under any master key the instance holds
            with pytest.raises(DecryptionError):
                DataKey(key).decrypt_text(token, purpose)
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, world.candidate_id)
        assert candidate is not None
        with pytest.raises(Conflict, match="disposed"):  # every page that would open it says so
            CandidateVault(keyring, candidate)

    # The store: none of the candidate's files remains.
    left = {f.name for f in rt.store.scan()}
    assert not left & {f.storage_name for f in files}
    # Nor does the production bundle that held them: its file is gone, its key destroyed, its URL says why.
    assert bundle.result_file not in {f.name for f in rt.queue.results.scan()}
    with rt.db.transaction() as session:
        assert session.scalar(select(Job.result_key).where(Job.id == bundle.id)) is None
    gone = client.get(bundle_url, headers=bearer(app, officers[0]))
    assert gone.status_code == 409
    assert error_of(gone)["code"] == "disposed"
    assert f"disposition {disposition_id}" in error_of(gone)["message"]

    # The chain still verifies; the storage check finds nothing missing; the uniformity report counts the candidate.
    verified = app.test_cli_runner().invoke(cli, args=["audit", "verify", "--full"])
    assert verified.exit_code == 0, verified.output
    checked = app.test_cli_runner().invoke(cli, args=["storage", "check"])
    assert checked.exit_code == 0, checked.output
    report = client.get(f"{API}/audit/cycles/{world.cycle_id}/uniformity", headers=bearer(app, world.auditor))
    assert report.status_code == 200
    assert world.candidate_id in [c["id"] for c in report.get_json()["candidates"]]
    impact = client.get(f"{API}/audit/cycles/{world.cycle_id}/adverse-impact", headers=bearer(app, world.auditor))
    assert impact.status_code == 200, impact.get_data(as_text=True)
    # Counted among the cycle's candidates; its EEO answer is gone with the key, so no longer "answered".
    assert impact.get_json()["candidates"] == 1
    assert impact.get_json()["answered"] == 0

    # Lists show "disposed" where the name was.
    inv = bearer(app, world.admin)  # the investigator's designation lapsed in the two years
    listed = client.get(f"{API}/cycles/{world.cycle_id}/candidates", headers=inv)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    assert [c["name"] for c in listed.get_json()["candidates"] if c["id"] == world.candidate_id] == ["disposed"]
    board = client.get(f"{API}/board/cycles/{world.cycle_id}/candidates", headers=bearer(app, bw.chair))
    assert board.status_code == 200, board.get_data(as_text=True)
    assert CANDIDATE_NAME not in board.get_data(as_text=True)

    # The certificate of destruction: a PDF naming no one, its SHA-256 in the audit log.
    certificate = client.get(f"{API}/dispositions/{disposition_id}/certificate.pdf", headers=bearer(app, world.auditor))
    assert certificate.status_code == 200
    assert certificate.mimetype == "application/pdf"
    assert certificate.data.startswith(b"%PDF-")
    with rt.db.transaction() as session:
        logged = session.scalars(
            select(AuditEvent.data).where(AuditEvent.event == Event.RECORDS_CERTIFICATE_PDF.value)
        ).all()
    assert [json.loads(d)["sha256"] for d in logged] == [sha256_hex(certificate.data)]

    # Once disposed, not due again, and a second approval is refused.
    assert client.get(f"{API}/retention/due", headers=proposer).get_json()["total"] == 0
    again = client.post(f"{API}/dispositions/{disposition_id}/approve", headers=proposer)
    assert again.status_code == 409


def test_a_schedule_below_a_legal_floor_is_refused_naming_the_field(
    app: Flask, client: FlaskClient, officers: tuple[Person, Person]
) -> None:
    headers = bearer(app, officers[0])
    for field, days in (("search_log", 100), ("audit_log", 364), ("eeo_self_identification", 729)):
        answer = client.post(f"{API}/retention/schedule/proposals", json=_schedule(**{field: days}), headers=headers)
        assert answer.status_code == 422, answer.get_data(as_text=True)
        assert error_of(answer)["field"] == f"classes.{field}.period_days"
    missing = _schedule()
    del missing["classes"]["evidence"]
    answer = client.post(f"{API}/retention/schedule/proposals", json=missing, headers=headers)
    assert answer.status_code == 422
    assert error_of(answer)["field"] == "classes.evidence"
    state = client.get(f"{API}/retention/schedule", headers=headers).get_json()
    assert state["pending"] is None
    assert state["schedule"]["id"] is None
    with runtime_of(app).db.transaction() as session:
        assert session.scalar(select(Disposition.id)) is None


def test_a_schedule_takes_force_only_when_a_second_person_approves(
    app: Flask, client: FlaskClient, officers: tuple[Person, Person]
) -> None:
    first, second = (bearer(app, p) for p in officers)
    proposed = client.post(f"{API}/retention/schedule/proposals", json=_schedule(candidate_file=3650), headers=first)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    proposal_id = proposed.get_json()["id"]
    own = client.post(f"{API}/retention/schedule/proposals/{proposal_id}/approve", headers=first)
    assert own.status_code == 409
    assert error_of(own)["code"] == "second_person_required"
    assert _events(app, Event.RETENTION_SCHEDULE_REFUSED) == [{"code": "second_person_required"}]
    state = client.get(f"{API}/retention/schedule", headers=first).get_json()
    assert state["schedule"]["classes"]["candidate_file"]["period_days"] == 730
    assert state["pending"]["id"] == proposal_id
    ok = client.post(f"{API}/retention/schedule/proposals/{proposal_id}/approve", headers=second)
    assert ok.status_code == 200
    state = client.get(f"{API}/retention/schedule", headers=first).get_json()
    assert state["schedule"]["id"] == proposal_id
    assert state["schedule"]["classes"]["candidate_file"]["period_days"] == 3650
    assert state["pending"] is None


def test_each_candidate_shows_its_class_trigger_and_disposition_date(
    app: Flask, client: FlaskClient, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app)
    headers = bearer(app, officers[0])
    rows = client.get(f"{API}/retention/candidates", headers=headers).get_json()["candidates"]
    mine = next(r for r in rows if r["candidate_id"] == bw.world.candidate_id)
    # The cycle is open and nobody decided: the final-decision classes have not started.
    assert mine["disposition_date"] is None
    assert "waiting for" in mine["waiting_for"]
    _close_cycle(app, bw)
    rows = client.get(f"{API}/retention/candidates", headers=headers).get_json()["candidates"]
    mine = next(r for r in rows if r["candidate_id"] == bw.world.candidate_id)
    assert mine["trigger_date"] is not None
    assert mine["disposition_date"] is not None
    assert mine["retention_class"]
    assert mine["citation"]


NEW_ROUTES = [
    ("GET", "/retention/schedule", None),
    ("POST", "/retention/schedule/proposals", _schedule()),
    ("POST", "/retention/schedule/proposals/1/approve", None),
    ("GET", "/retention/candidates", None),
    ("GET", "/retention/due", None),
    ("GET", "/dispositions", None),
    ("POST", "/dispositions", {"candidate_id": 1}),
    ("GET", "/dispositions/1", None),
    ("GET", "/dispositions/1/certificate.pdf", None),
    ("POST", "/dispositions/1/approve", None),
]


def test_investigators_and_board_members_get_403_on_every_route(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app, complete_search=False)
    for person in (bw.world.inv, bw.world.board):
        headers = bearer(app, person)
        for method, path, body in NEW_ROUTES:
            answer = client.open(f"{API}{path}", method=method, json=body, headers=headers)
            assert answer.status_code == 403, (person.email, method, path, answer.status_code)


def test_the_command_line_prints_the_schedule_and_the_candidates_due(app: Flask, clock: Clock) -> None:
    bw = build_board_world(app)
    _close_cycle(app, bw)
    runner = app.test_cli_runner()
    schedule = runner.invoke(cli, args=["retention", "schedule"])
    assert schedule.exit_code == 0, schedule.output
    assert "audit_log: 365 days" in schedule.output
    assert "29 CFR 1602.31" in schedule.output
    with runtime_of(app).db.transaction() as session:
        code = session.scalar(select(Candidate.code).where(Candidate.id == bw.world.candidate_id))
    assert code is not None
    before = runner.invoke(cli, args=["retention", "due"])
    assert before.exit_code == 0, before.output
    assert code not in before.output
    clock.advance(days=PAST_RETENTION_DAYS)
    after = runner.invoke(cli, args=["retention", "due", "--cycle", str(bw.world.cycle_id)])
    assert after.exit_code == 0, after.output
    assert f"{bw.world.candidate_id}\t{code}\tcycle {bw.world.cycle_id}" in after.output


def test_the_lists_read_the_same_statements_for_1_or_11_candidates(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    bw = build_board_world(app)
    counts: list[tuple[int, int]] = []
    for extra in (0, 10):
        for n in range(extra):
            add_candidate(app, bw.world.inv, bw.world.cycle_id, f"Extra Person {n}")
        headers = bearer(app, officers[0])
        with statements(app) as every:
            assert client.get(f"{API}/retention/candidates", headers=headers).status_code == 200
        with statements(app) as due:
            assert client.get(f"{API}/retention/due", headers=headers).status_code == 200
        counts.append((len(every), len(due)))
    assert counts[0] == counts[1]


def test_a_records_officer_who_searched_in_the_cycle_never_disposes_of_its_records(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    """R2 extended to records (POL-01): 409 separation_of_duties, audited, nothing proposed."""
    bw = build_board_world(app)
    both = make_user(app, "both@x.test", Role.RECORDS_OFFICER, Role.INVESTIGATOR, name="Bo Both")
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycles.assign(session, user_in(session, bw.world.admin), bw.world.cycle_id, both.id, Duty.INVESTIGATOR)
    _close_cycle(app, bw)
    clock.advance(days=PAST_RETENTION_DAYS)
    body = {"candidate_id": bw.world.candidate_id}
    answer = client.post(f"{API}/dispositions", json=body, headers=bearer(app, both))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "separation_of_duties"
    assert _events(app, Event.RECORDS_DISPOSITION_REFUSED) == [{"code": "separation_of_duties"}]
    # Proposed by someone else, the approval is refused to them all the same.
    proposed = client.post(f"{API}/dispositions", json=body, headers=bearer(app, officers[0]))
    assert proposed.status_code == 201
    approve = client.post(f"{API}/dispositions/{proposed.get_json()['id']}/approve", headers=bearer(app, both))
    assert approve.status_code == 409
    assert error_of(approve)["code"] == "separation_of_duties"
    with rt.db.transaction() as session:
        candidate = session.get(Candidate, bw.world.candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is not None


def test_the_due_list_in_sql_agrees_with_each_candidates_dates_for_every_trigger(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    """The due list filters in SQL; each candidate's dates are computed in Python: they must agree,
    for every trigger, before and after each period ends (a hire is kept: end of employment)."""
    bw = build_board_world(app)
    world = bw.world
    chair = bearer(app, bw.chair)
    body = {"outcome": "advance", "rationale": "Nothing of concern was released.", "finding_ids": []}
    url = f"{API}/board/candidates/{world.candidate_id}"
    assert client.post(f"{url}/recommendations", json=body, headers=chair).status_code == 201
    decided = client.post(f"{url}/decisions", json=body, headers=chair)
    assert decided.status_code == 201, decided.get_data(as_text=True)
    undecided = add_candidate(app, world.inv, world.cycle_id, "Second Person")
    schedule = _schedule()
    for name, trigger, days in (
        ("candidate_file", "end_of_employment", 800),
        ("evidence", "cycle_close", 900),
        ("search_log", "final_decision", 1000),
    ):
        schedule["classes"][name].update(trigger=trigger, period_days=days)
    first, second = (bearer(app, p) for p in officers)
    proposal = client.post(f"{API}/retention/schedule/proposals", json=schedule, headers=first).get_json()["id"]
    assert client.post(f"{API}/retention/schedule/proposals/{proposal}/approve", headers=second).status_code == 200
    _close_cycle(app, bw)
    seen_due: set[int] = set()
    for days in (0, 750, 850, 950, 1050, 1500):
        clock.advance(days=days)
        headers = bearer(app, officers[0])
        every = client.get(f"{API}/retention/candidates", headers=headers).get_json()["candidates"]
        expected = {
            c["candidate_id"]
            for c in every
            if c["disposition_date"] is not None and c["disposition_date"] <= today().isoformat()
        }
        due = {c["candidate_id"] for c in client.get(f"{API}/retention/due", headers=headers).get_json()["candidates"]}
        assert due == expected, days
        seen_due |= due
        clock.advance(days=-days)
    assert undecided in seen_due
    assert world.candidate_id not in seen_due  # hired: kept until the end of employment
