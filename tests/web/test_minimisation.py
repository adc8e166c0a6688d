"""Minimisation through the API and the command line (issue 15 point 3, RET-11).

A refuted, a withdrawn and a never-reported finding (each with evidence) are purged ahead of the
candidate's file once the cycle is closed and the RET-01 floor has passed: from the raw database
and the store their content and files are gone, the audit chain still verifies, the uniformity
report counts the same work, and none of them reaches the board. Refused: a finding that is
relevant or was released (``not_minimisable``), one not yet due (``not_due``), a held candidate's
(``legal_hold``, on every way in), and the proposer approving their own proposal
(``second_person_required``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text

from tests.support import Clock, Person, make_user, runtime_of, statements
from tests.web.board_world import PROTECTED_SUMMARY, BoardWorld, build_board_world
from tests.web.test_retention import produce
from tests.web.world import API, add_evidence, add_finding, add_validation, bearer, error_of, png, user_in
from vetting.audit.events import Event
from vetting.cli import cli
from vetting.clock import today
from vetting.config import Settings
from vetting.crypto import sha256_hex
from vetting.models import (
    AuditEvent,
    Authorship,
    BehaviourCategory,
    CycleStatus,
    Duty,
    Evidence,
    Finding,
    FindingMention,
    FindingRelease,
    IdentityBasis,
    Role,
    ValidationResult,
    ValidationStep,
)
from vetting.services import cycles, findings, holds, retention
from vetting.services.minimisation import MINIMISED
from vetting.services.vault import CandidateVault

#: Past the RET-01 floor (two years) from the cycle's close, and the default minimisation period.
PAST_FLOOR_DAYS = 2 * 365 + 10
#: Words only the purged findings hold: none may be left anywhere in the database.
REFUTED_TEXT = "Account belongs to a namesake in Ohio"
WITHDRAWN_TEXT = "Wrong person entirely, withdrawn early"
PRIVATE_TEXT = "Attended a lawful rally downtown"


@dataclass(frozen=True)
class Scene:
    bw: BoardWorld
    refuted: int
    withdrawn: int
    never_reported: int
    relevant: int
    evidence: dict[int, bytes]


def _finding(app: Flask, who: Person, candidate_id: int, item_id: int, summary: str, kind: BehaviourCategory) -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return findings.add_finding(
            session,
            user_in(session, who),
            rt.security,
            candidate_id,
            findings.FindingInput(
                item_id=item_id,
                source_url="https://social.example/casey/private",
                platform="Social",
                content_date=None,
                captured_at=None,
                summary=summary,
                excerpt=summary,
                category=kind,
                authorship=Authorship.AUTHORED,
                identity_basis=[IdentityBasis.NAME, IdentityBasis.PHOTO],
            ),
        ).id


def build_scene(app: Flask) -> Scene:
    """The board world (two released findings), plus a refuted finding (with the detector's
    mentions), a withdrawn one, a never-reported one, each with evidence, and a relevant one."""
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    item = world.items[2]
    refuted = add_finding(app, world.inv, world.candidate_id, item, summary=f"{REFUTED_TEXT}. {PROTECTED_SUMMARY}")
    add_validation(app, world.inv, refuted, ValidationResult.CONTRADICTS)
    withdrawn = add_finding(app, world.inv, world.candidate_id, item, summary=WITHDRAWN_TEXT)
    never = _finding(app, world.inv, world.candidate_id, item, PRIVATE_TEXT, BehaviourCategory.LAWFUL_OFF_DUTY)
    relevant = add_finding(app, world.inv, world.candidate_id, item, summary="Unverified threat, kept on file")
    evidence = {f: png(f"capture of finding {f}") for f in (refuted, withdrawn, never)}
    for finding_id, content in evidence.items():
        add_evidence(app, world.inv, finding_id, content)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        findings.withdraw_finding(
            session, user_in(session, world.inv), rt.security, withdrawn, "Not the candidate at all."
        )
    return Scene(bw, refuted, withdrawn, never, relevant, evidence)


def close_cycle(app: Flask, bw: BoardWorld) -> None:
    with runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user_in(session, bw.world.admin), bw.world.cycle_id, CycleStatus.CLOSED)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own (the instance folder's is shared by the whole run)."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


@pytest.fixture
def officers(app: Flask) -> tuple[Person, Person]:
    return (
        make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records"),
        make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records"),
    )


def _dump(app: Flask) -> str:
    """Every value of every table, as text (what an attacker with the database holds)."""
    engine = runtime_of(app).db.engine
    parts: list[str] = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def _ciphertexts(app: Flask, finding_ids: list[int]) -> set[str]:
    """Every sealed value of the findings and of their evidence, steps and mentions, as stored."""
    found: set[str] = set()
    with runtime_of(app).db.engine.connect() as conn:
        for table, key in (("findings", "id"), ("evidence", "finding_id"), ("validation_steps", "finding_id")):
            for row in conn.execute(text(f"SELECT * FROM {table}")).mappings():
                if row[key] in finding_ids:
                    found |= {str(v) for k, v in row.items() if k.endswith("_enc") and v}
        for row in conn.execute(text("SELECT * FROM finding_mentions")).mappings():
            if row["finding_id"] in finding_ids:
                found |= {str(v) for k, v in row.items() if k.endswith("_enc") and v}
    return found


def _events(app: Flask, name: Event) -> list[dict[str, Any]]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(select(AuditEvent.data).where(AuditEvent.event == name.value).order_by(AuditEvent.seq))
        return [json.loads(d) for d in rows]


def test_minimised_findings_leave_no_content_nor_file_and_the_chain_and_counts_hold(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    bw, world = scene.bw, scene.bw.world
    purged = [scene.refuted, scene.withdrawn, scene.never_reported]
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        names = {e.storage_name for e in session.scalars(select(Evidence).where(Evidence.finding_id.in_(purged)))}
        mentions = session.scalar(select(func.count()).where(FindingMention.finding_id == scene.refuted))
    assert len(names) == 3
    assert mentions  # the detector marked the protected words of the refuted finding
    old = _ciphertexts(app, purged)
    # The investigator opens a capture before it goes: the access review still names its candidate after.
    with rt.db.transaction() as session:
        evidence_id = session.scalar(select(Evidence.id).where(Evidence.finding_id == scene.refuted))
    assert client.get(f"{API}/evidence/{evidence_id}", headers=bearer(app, world.inv)).status_code == 200
    opened_on = today().isoformat()
    proposer, approver = (bearer(app, p) for p in officers)
    uniformity = f"{API}/audit/cycles/{world.cycle_id}/uniformity"
    counts_before = client.get(uniformity, headers=bearer(app, world.auditor)).get_json()["candidates"]

    # RET-11: "when the case closes": while the cycle is open, nothing is due.
    listed = client.get(f"{API}/retention/findings", headers=proposer).get_json()
    assert sorted(f["finding_id"] for f in listed["findings"]) == sorted(purged)  # neither released nor relevant
    assert {f["reason"] for f in listed["findings"]} == {"refuted", "withdrawn", "never_reported"}
    assert all(f["minimisation_date"] is None and "close" in f["waiting_for"] for f in listed["findings"])
    early = client.post(f"{API}/minimisations", json={"finding_ids": purged}, headers=proposer)
    assert early.status_code == 409
    assert error_of(early)["code"] == "not_due"

    close_cycle(app, bw)
    # RET-01: a record made in hiring is kept 2 years from the later of itself and the personnel action.
    listed = client.get(f"{API}/retention/findings", headers=proposer).get_json()
    assert all(f["citation"].startswith("RET-01") for f in listed["findings"])
    assert client.get(f"{API}/retention/findings/due", headers=proposer).get_json()["total"] == 0

    clock.advance(days=PAST_FLOOR_DAYS)
    proposer, approver = (bearer(app, p) for p in officers)  # tokens live 90 days
    due = client.get(f"{API}/retention/findings/due", headers=proposer).get_json()
    assert sorted(f["finding_id"] for f in due["findings"]) == sorted(purged)

    proposed = client.post(f"{API}/minimisations", json={"finding_ids": purged}, headers=proposer)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    minimisation_id = proposed.get_json()["id"]
    assert [f["finding_id"] for f in proposed.get_json()["findings"]] == purged
    # Proposed findings leave the queue; proposing them again is refused.
    assert client.get(f"{API}/retention/findings/due", headers=proposer).get_json()["total"] == 0
    again = client.post(f"{API}/minimisations", json={"finding_ids": [scene.refuted]}, headers=approver)
    assert error_of(again)["code"] == "already_proposed"

    own = client.post(f"{API}/minimisations/{minimisation_id}/approve", headers=proposer)
    assert own.status_code == 409
    assert error_of(own)["code"] == "second_person_required"
    assert _events(app, Event.RECORDS_MINIMISATION_REFUSED) == [
        {"code": "second_person_required", "minimisation": minimisation_id}
    ]

    approved = client.post(f"{API}/minimisations/{minimisation_id}/approve", headers=approver)
    assert approved.status_code == 200, approved.get_data(as_text=True)
    tombstone = approved.get_json()
    assert tombstone["status"] == "minimised"
    assert tombstone["approved_by"] == officers[1].id
    by_finding = {f["finding_id"]: f for f in tombstone["findings"]}
    for finding_id, content in scene.evidence.items():
        stone = by_finding[finding_id]
        assert stone["files_deleted"] == 1
        assert [f["sha256"] for f in stone["destroyed"]["files"]] == [sha256_hex(content)]
        assert stone["destroyed"]["sealed"]["findings.summary"] == 1
        assert len(stone["destroyed"]["sealed_sha256"]) == 64
    assert by_finding[scene.withdrawn]["destroyed"]["sealed"]["findings.withdrawal_reason"] == 1
    assert by_finding[scene.refuted]["destroyed"]["sealed"]["finding_mentions.detail"] == mentions

    # The raw database: no purged text, none of the old ciphertexts, no evidence or mention row;
    # what is sealed now opens to the notice only.
    dump = _dump(app)
    for words in (REFUTED_TEXT, WITHDRAWN_TEXT, PRIVATE_TEXT):
        assert words not in dump
    assert not old & set(dump.split("\n"))
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).where(Evidence.finding_id.in_(purged))) == 0
        assert session.scalar(select(func.count()).where(FindingMention.finding_id.in_(purged))) == 0
        for finding in session.scalars(select(Finding).where(Finding.id.in_(purged))):
            vault = CandidateVault(rt.security.keyring, finding.candidate)
            assert {vault.open_field(finding, n) for n in ("summary", "excerpt", "source_url")} == {MINIMISED}
        steps = list(session.scalars(select(ValidationStep).where(ValidationStep.finding_id == scene.refuted)))
        assert [s.result for s in steps] == [ValidationResult.CONTRADICTS]  # still refuted, still counted
        assert {vault.open_field(s, "notes") for s in steps} == {MINIMISED}
        kept = session.get(Finding, scene.relevant)
        assert kept is not None
        assert CandidateVault(rt.security.keyring, kept.candidate).open_field(kept, "summary") != MINIMISED

    # The store: the files are gone; the storage check finds nothing missing or left over.
    assert not names & {f.name for f in rt.store.scan()}
    checked = app.test_cli_runner().invoke(cli, args=["storage", "check"])
    assert checked.exit_code == 0, checked.output

    # The chain verifies; the uniformity report counts the same work; the board reads none of it.
    verified = app.test_cli_runner().invoke(cli, args=["audit", "verify", "--full"])
    assert verified.exit_code == 0, verified.output
    counts_after = client.get(uniformity, headers=bearer(app, world.auditor)).get_json()["candidates"]
    assert counts_after == counts_before
    release = {"revision": 1, "reviewed_sha256": "0" * 64}
    for finding_id in purged:
        tried = client.post(f"{API}/findings/{finding_id}/release", json=release, headers=bearer(app, bw.second))
        assert tried.status_code in (403, 409), tried.get_data(as_text=True)
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).where(FindingRelease.finding_id.in_(purged))) == 0

    review = client.get(
        f"{API}/audit/access-review", query_string={"since": opened_on}, headers=bearer(app, world.auditor)
    ).get_json()
    views = [v for v in review["raw_views"] if v["what"] == "Evidence file"]
    assert [v["candidate_id"] for v in views] == [world.candidate_id]

    logged = _events(app, Event.RECORDS_MINIMISED)
    assert logged == [
        {
            "findings": purged,
            "files": 3,
            "proposed_by": officers[0].id,
            "sealed_values": sum(sum(f["destroyed"]["sealed"].values()) for f in tombstone["findings"]),
        }
    ]
    again = client.post(f"{API}/minimisations/{minimisation_id}/approve", headers=approver)
    assert error_of(again)["code"] == "already_minimised"


def test_a_bundle_holding_a_minimised_finding_as_recorded_goes_with_it(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    """RET-11: a production bundle with the findings as recorded holds the refuted finding's text
    and capture; minimising the finding destroys the bundle too (file and key), and its download
    says so (409 ``disposed``). The released version, which never holds an unreleased finding, stays."""
    scene = build_scene(app)
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    rt = runtime_of(app)
    candidate_id = scene.bw.world.candidate_id
    recorded_url, recorded = produce(app, client, officers[0], candidate_id)
    released_url, released = produce(app, client, officers[0], candidate_id, version="released")
    proposed = client.post(
        f"{API}/minimisations", json={"finding_ids": [scene.refuted]}, headers=bearer(app, officers[0])
    )
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    minimisation_id = proposed.get_json()["id"]
    approved = client.post(f"{API}/minimisations/{minimisation_id}/approve", headers=bearer(app, officers[1]))
    assert approved.status_code == 200, approved.get_data(as_text=True)
    [member] = approved.get_json()["findings"]
    assert recorded.result_sha256 in {f["sha256"] for f in member["destroyed"]["files"]}

    left = {f.name for f in rt.queue.results.scan()}
    assert recorded.result_file not in left
    assert released.result_file in left
    gone = client.get(recorded_url, headers=bearer(app, officers[0]))
    assert gone.status_code == 409
    assert error_of(gone)["code"] == "disposed"
    assert f"minimisation {minimisation_id}" in error_of(gone)["message"]
    assert client.get(released_url, headers=bearer(app, officers[0])).status_code == 200


def test_relevant_released_and_unknown_findings_are_refused_naming_why(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    mine = bearer(app, officers[0])
    for finding_id in (scene.relevant, scene.bw.findings[0]):
        refused = client.post(f"{API}/minimisations", json={"finding_ids": [finding_id]}, headers=mine)
        assert refused.status_code == 409
        assert error_of(refused)["code"] == "not_minimisable"
    # All or none: one relevant finding in a batch stops the batch.
    mixed = client.post(f"{API}/minimisations", json={"finding_ids": [scene.refuted, scene.relevant]}, headers=mine)
    assert error_of(mixed)["code"] == "not_minimisable"
    assert client.get(f"{API}/minimisations", headers=mine).get_json()["total"] == 0
    missing = client.post(f"{API}/minimisations", json={"finding_ids": [999_999]}, headers=mine)
    assert missing.status_code == 404
    empty = client.post(f"{API}/minimisations", json={"finding_ids": []}, headers=mine)
    assert empty.status_code == 422
    assert error_of(empty)["field"] == "finding_ids"


def test_a_held_candidates_findings_are_refused_on_every_way_in(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    """RET-02: the queue leaves them out; proposing, and approving a proposal made before the
    hold, are refused with 409 legal_hold, and nothing is destroyed."""
    scene = build_scene(app)
    world = scene.bw.world
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    mine, theirs = bearer(app, officers[0]), bearer(app, officers[1])
    proposed = client.post(f"{API}/minimisations", json={"finding_ids": [scene.refuted]}, headers=mine)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        holds.place_hold(
            session,
            user_in(session, world.admin),
            holds.HoldInput("Doe v. City", "2:26-cv-1", "A charge filed", candidate_ids=[world.candidate_id]),
        )
    assert client.get(f"{API}/retention/findings/due", headers=mine).get_json()["total"] == 0
    refused = client.post(f"{API}/minimisations", json={"finding_ids": [scene.withdrawn]}, headers=mine)
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "legal_hold"
    approval = client.post(f"{API}/minimisations/{proposed.get_json()['id']}/approve", headers=theirs)
    assert approval.status_code == 409
    assert error_of(approval)["code"] == "legal_hold"
    cli_refused = app.test_cli_runner().invoke(
        cli, args=["retention", "minimise", "--by", officers[0].email, "--finding", str(scene.never_reported)]
    )
    assert cli_refused.exit_code != 0
    assert "legal hold" in cli_refused.output
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).where(Evidence.finding_id == scene.refuted)) == 1


def test_a_records_officer_who_searched_in_the_cycle_never_minimises_its_findings(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person]
) -> None:
    """R2 extended to records (POL-01): 409 separation_of_duties, audited, on proposal and approval."""
    scene = build_scene(app)
    world = scene.bw.world
    both = make_user(app, "both@x.test", Role.RECORDS_OFFICER, Role.INVESTIGATOR, name="Bo Both")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, world.admin), world.cycle_id, both.id, Duty.INVESTIGATOR)
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    body = {"finding_ids": [scene.refuted]}
    answer = client.post(f"{API}/minimisations", json=body, headers=bearer(app, both))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "separation_of_duties"
    assert _events(app, Event.RECORDS_MINIMISATION_REFUSED) == [{"code": "separation_of_duties"}]
    proposed = client.post(f"{API}/minimisations", json=body, headers=bearer(app, officers[0]))
    assert proposed.status_code == 201
    approve = client.post(f"{API}/minimisations/{proposed.get_json()['id']}/approve", headers=bearer(app, both))
    assert approve.status_code == 409
    assert error_of(approve)["code"] == "separation_of_duties"


def test_investigators_board_members_and_auditors_never_minimise(
    app: Flask, client: FlaskClient, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    world = scene.bw.world
    body = {"finding_ids": [scene.refuted]}
    for person in (world.inv, world.board, world.auditor):
        assert client.post(f"{API}/minimisations", json=body, headers=bearer(app, person)).status_code == 403
    for person in (world.inv, world.board):
        assert client.get(f"{API}/retention/findings", headers=bearer(app, person)).status_code == 403
    assert client.get(f"{API}/retention/findings", headers=bearer(app, world.auditor)).status_code == 200


def test_the_queue_reads_the_same_statements_for_3_or_13_findings(
    app: Flask, client: FlaskClient, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    world = scene.bw.world
    mine = bearer(app, officers[0])

    def count() -> tuple[int, int]:
        with statements(app) as seen:
            listed = client.get(f"{API}/retention/findings", headers=mine)
            assert listed.status_code == 200
        return len(seen), listed.get_json()["total"]

    few, shown = count()
    assert shown == 3
    rt = runtime_of(app)
    for n in range(10):
        extra = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=f"Extra {n}")
        with rt.db.transaction() as session:
            reason = "Not relevant to suitability."
            findings.withdraw_finding(session, user_in(session, world.inv), rt.security, extra, reason)
    assert count() == (few, 13)


def test_the_command_line_lists_proposes_and_approves_as_named_people(
    app: Flask, clock: Clock, officers: tuple[Person, Person]
) -> None:
    scene = build_scene(app)
    close_cycle(app, scene.bw)
    clock.advance(days=PAST_FLOOR_DAYS)
    runner = app.test_cli_runner()
    listed = runner.invoke(cli, args=["retention", "minimisable"])
    assert listed.exit_code == 0, listed.output
    assert f"{scene.refuted}\t" in listed.output
    assert "3 finding(s) past their minimisation date" in listed.output
    proposed = runner.invoke(cli, args=["retention", "minimise", "--by", officers[0].email, "--due"])
    assert proposed.exit_code == 0, proposed.output
    minimisation_id = int(proposed.output.split()[1])
    own = runner.invoke(
        cli, args=["retention", "approve-minimisation", str(minimisation_id), "--by", officers[0].email, "--yes"]
    )
    assert own.exit_code != 0
    assert "second person" in own.output
    done = runner.invoke(
        cli, args=["retention", "approve-minimisation", str(minimisation_id), "--by", officers[1].email, "--yes"]
    )
    assert done.exit_code == 0, done.output
    assert "3 finding(s) minimised, 3 file(s) deleted" in done.output
    nothing = runner.invoke(cli, args=["retention", "minimise", "--by", officers[0].email, "--due"])
    assert nothing.exit_code == 0
    assert "No finding is past its minimisation date" in nothing.output


@pytest.mark.parametrize(
    ("trigger", "days"),
    [("record_date", 800), ("final_decision", 900), ("cycle_close", 1000), ("end_of_employment", 1100)],
)
def test_the_due_list_in_sql_agrees_with_each_findings_dates_for_every_trigger(
    app: Flask, client: FlaskClient, clock: Clock, officers: tuple[Person, Person], trigger: str, days: int
) -> None:
    """The queue filters in SQL; each finding's dates are computed in Python: they must agree, for
    every trigger of the class, before and after its period and the floors end."""
    scene = build_scene(app)
    classes = {c.value: e.as_dict() for c, e in retention.DEFAULTS.items()}
    classes["minimisation"].update(trigger=trigger, period_days=days)
    first, second = (bearer(app, p) for p in officers)
    proposal = client.post(f"{API}/retention/schedule/proposals", json={"classes": classes}, headers=first)
    assert proposal.status_code == 201, proposal.get_data(as_text=True)
    approval = client.post(f"{API}/retention/schedule/proposals/{proposal.get_json()['id']}/approve", headers=second)
    assert approval.status_code == 200
    close_cycle(app, scene.bw)
    seen: set[int] = set()
    for offset in (0, 700, 740, days - 5, days + 5, 1900):
        clock.advance(days=offset)
        headers = bearer(app, officers[0])
        every = client.get(f"{API}/retention/findings", headers=headers).get_json()["findings"]
        expected = {
            f["finding_id"]
            for f in every
            if f["minimisation_date"] is not None and f["minimisation_date"] <= today().isoformat()
        }
        due = client.get(f"{API}/retention/findings/due", headers=headers).get_json()["findings"]
        assert {f["finding_id"] for f in due} == expected, offset
        seen |= expected
        clock.advance(days=-offset)
    assert seen == {scene.refuted, scene.withdrawn, scene.never_reported}  # nobody was hired
