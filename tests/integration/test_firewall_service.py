"""The protected-class firewall's services on the real database (R3, R7, PC-01, POL-02, PRODUCT.md §4).

Each step runs in its own transaction, as a request would. These tests look under the
API: released versions are append-only rows; nothing about a mention (its words, axis or
rule) and no not_protected reason sits in clear in any column or in the audit log; the
identity-match minimum is the cycle's own; a refused release leaves its trace.
Runs on SQLite, and on PostgreSQL when VETTING_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from tests.support import Person, runtime_of
from tests.web.world import (
    World,
    add_candidate,
    add_investigator,
    build_world,
    close_search,
    record_consent,
    user_in,
)
from vetting.clock import today
from vetting.errors import Conflict
from vetting.models import (
    AuditEvent,
    Authorship,
    BehaviourCategory,
    CycleStatus,
    Duty,
    Finding,
    FindingRelease,
    IdentityBasis,
    MentionResolution,
    User,
    ValidationMethod,
    ValidationResult,
)
from vetting.models.base import AppendOnlyError
from vetting.services import board, checklists, cycles, findings, release
from vetting.services.redaction import MentionView

T = TypeVar("T")

RAW_SUMMARY = "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour."
#: A not_protected reason distinctive enough to search the raw tables for.
REASON = "Zephyrine reason: conduct toward a group, lane B."
THREE = [IdentityBasis.NAME, IdentityBasis.PHOTO, IdentityBasis.LOCATION]


@dataclass(frozen=True)
class Desk:
    """Service calls, each in its own transaction, as the named person."""

    app: Flask

    def run(self, person: Person, call: Callable[[Session, User], T]) -> T:
        with runtime_of(self.app).db.transaction() as session:
            return call(session, user_in(session, person))

    @property
    def security(self) -> Any:
        return runtime_of(self.app).security

    def add(self, person: Person, candidate_id: int, item_id: int, **overrides: Any) -> int:
        data = finding_input(item_id, **overrides)
        return self.run(person, lambda s, u: findings.add_finding(s, u, self.security, candidate_id, data).id)

    def edit(self, person: Person, finding_id: int, item_id: int, **overrides: Any) -> None:
        data = finding_input(item_id, **overrides)
        self.run(person, lambda s, u: findings.update_finding(s, u, self.security, finding_id, data))

    def mentions(self, person: Person, finding_id: int) -> list[MentionView]:
        return self.run(person, lambda s, u: findings.get_finding(s, u, self.security, finding_id).mentions)

    def resolve(
        self, person: Person, finding_id: int, mention_id: int, resolution: MentionResolution, reason: str | None = None
    ) -> None:
        self.run(
            person,
            lambda s, u: findings.resolve_mention(s, u, self.security, finding_id, mention_id, resolution, reason),
        )

    def redact_open(self, person: Person, finding_id: int) -> None:
        for mention in self.mentions(person, finding_id):
            if mention.open:
                self.resolve(person, finding_id, mention.id, MentionResolution.REDACT)

    def validate(
        self, person: Person, finding_id: int, result: ValidationResult = ValidationResult.CORROBORATES
    ) -> None:
        self.run(
            person,
            lambda s, u: findings.add_validation(
                s, u, self.security, finding_id, method=ValidationMethod.SECOND_SOURCE, result=result, notes="Matches."
            ),
        )

    def release(self, person: Person, finding_id: int) -> int:
        return self.run(person, lambda s, u: release.release(s, u, self.security, finding_id).id)

    def board_summaries(self, person: Person, candidate_id: int) -> list[str]:
        view = self.run(person, lambda s, u: board.summary(s, u, self.security, candidate_id))
        return [f.summary for f in view.findings]


def finding_input(item_id: int, **overrides: Any) -> findings.FindingInput:
    base = findings.FindingInput(
        item_id=item_id,
        source_url="https://social.example/casey/7",
        platform="Social",
        content_date=today() - timedelta(days=20),
        captured_at=None,
        summary=RAW_SUMMARY,
        excerpt="Next time I will hurt him.",
        category=BehaviourCategory.VIOLENCE,
        authorship=Authorship.AUTHORED,
        identity_basis=THREE,
    )
    return replace(base, **overrides)


@pytest.fixture
def world(app: Flask) -> World:
    w = build_world(app)
    record_consent(app, w.inv, w.candidate_id)
    return w


@pytest.fixture
def reviewer(app: Flask, world: World) -> Person:
    return add_investigator(app, world, "inv2@x.test")


def _rows(session: Session, table: str) -> list[str]:
    """Every row of ``table`` as text, every column included, straight from SQL."""
    return [" | ".join(str(v) for v in row) for row in session.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608


def _change_release(app: Flask, release_id: int, change: Callable[[Session, FindingRelease], object]) -> None:
    with runtime_of(app).db.transaction() as session:
        row = session.get(FindingRelease, release_id)
        assert row is not None
        change(session, row)
        session.flush()


def test_released_versions_are_append_only(app: Flask, world: World, reviewer: Person) -> None:
    """R3, POL-02: a release is an immutable record; an edit makes a new one and the old row stays as it was."""
    desk = Desk(app)
    fid = desk.add(world.inv, world.candidate_id, world.items[0])
    desk.redact_open(world.inv, fid)
    desk.validate(world.inv, fid)
    first = desk.release(reviewer, fid)
    desk.edit(world.inv, fid, world.items[0], excerpt="Next time I will hurt him badly.")
    desk.validate(world.inv, fid)
    second = desk.release(reviewer, fid)
    assert first != second

    rt = runtime_of(app)
    with rt.db.transaction() as session:
        old = session.get(FindingRelease, first)
        assert old is not None
        kept = (old.summary_enc, old.revision, old.released_by_id, old.reviewed_sha256)
        finding = session.get(Finding, fid)
        assert finding is not None
        assert finding.current_release_id == second
        assert old.revision == 1
        assert finding.revision == 2

    for change in (
        lambda s, row: setattr(row, "summary_enc", "tampered"),
        lambda s, row: setattr(row, "revision", 2),
        lambda s, row: s.delete(row),
    ):
        with pytest.raises(AppendOnlyError):
            _change_release(app, first, change)
    with pytest.raises(AppendOnlyError), rt.db.transaction() as session:
        session.execute(update(FindingRelease).where(FindingRelease.id == first).values(summary_enc="tampered"))

    with rt.db.transaction() as session:
        old = session.get(FindingRelease, first)
        assert old is not None
        assert (old.summary_enc, old.revision, old.released_by_id, old.reviewed_sha256) == kept
        assert session.scalar(select(func.count()).select_from(FindingRelease)) == 2


def test_no_protected_words_axis_or_reason_in_clear_at_rest_or_in_the_log(
    app: Flask, world: World, reviewer: Person
) -> None:
    """R3, PRODUCT.md §4: mention words, axes, rule ids and reasons are sealed; audit data holds ids and counts."""
    desk = Desk(app)
    third = add_investigator(app, world, "inv3@x.test")
    fid = desk.add(world.inv, world.candidate_id, world.items[0])
    mentions = {m.text: m for m in desk.mentions(world.inv, fid)}
    assert mentions["baby shower"].axis == "pregnancy"
    assert mentions["St. Mary's parish"].axis == "religion"
    desk.resolve(world.inv, fid, mentions["baby shower"].id, MentionResolution.REDACT)
    desk.resolve(world.inv, fid, mentions["St. Mary's parish"].id, MentionResolution.NOT_PROTECTED, REASON)
    desk.run(
        world.inv, lambda s, u: findings.redact_words(s, u, desk.security, fid, "summary", "St. Mary's parish")
    )  # the not_protected call was wrong after all: redacted by hand as well
    desk.validate(world.inv, fid)
    with pytest.raises(Conflict):
        desk.release(world.inv, fid)  # refused: the author
    desk.release(reviewer, fid)
    desk.edit(world.inv, fid, world.items[0], summary=RAW_SUMMARY + " Her baby shower again.")
    desk.redact_open(third, fid)
    desk.validate(third, fid)
    desk.release(reviewer, fid)
    close_search(app, world.inv, world.candidate_id)  # R1: the board reads nothing before
    shown = desk.board_summaries(world.board, world.candidate_id)
    assert shown == [
        "Posted photos from her [redacted] at [redacted], then threatened a neighbour. Her [redacted] again."
    ]

    needles = ("baby shower", "pregnancy", "PREG-", "Mary's parish", "religion", "REL-", "Zephyrine")
    with runtime_of(app).db.transaction() as session:
        tables = {t: _rows(session, t) for t in ("finding_mentions", "finding_releases", "findings")}
        assert len(tables["finding_mentions"]) >= 4
        assert len(tables["finding_releases"]) == 2
        events = session.execute(select(AuditEvent.event, AuditEvent.data).order_by(AuditEvent.seq)).all()
    for table, rows in tables.items():
        for row in rows:
            for needle in needles:
                assert needle.casefold() not in row.casefold(), (table, needle)
    names = {e for e, _ in events}
    assert {"finding.screened", "finding.mention_resolved", "finding.words_redacted", "finding.released"} <= names
    assert "finding.release_withdrawn" in names
    for event, data in events:
        for needle in (*needles, "shower", "parish", "sexual", "axis"):
            assert needle.casefold() not in data.casefold(), (event, needle)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Known gap, left for a data migration that can reach the keys: "
        "findings.platform is stored in clear, yet the platform is a screened, board-facing field; "
        "a detector hit there (e.g. 'Grindr', sexual orientation) is sealed in finding_mentions but readable in "
        "the findings row (PRODUCT.md §4: finding text is encrypted at rest)"
    ),
)
def test_a_protected_platform_name_is_not_in_clear_at_rest(app: Flask, world: World) -> None:
    """PRODUCT.md §4, R3: the words of a mention are never in clear, whichever screened field holds them."""
    desk = Desk(app)
    fid = desk.add(world.inv, world.candidate_id, world.items[0], platform="Grindr")
    assert [m.axis for m in desk.mentions(world.inv, fid) if m.field == "platform"] == ["sexual_orientation"]
    with runtime_of(app).db.transaction() as session:
        for table in ("finding_mentions", "findings"):
            for row in _rows(session, table):
                assert "grindr" not in row.casefold(), table


def test_a_refused_release_leaves_its_codes_in_the_audit_log(app: Flask, world: World, reviewer: Person) -> None:
    """R3, POL-02: an auditor reading the log sees which release condition held (release.py docstring)."""
    desk = Desk(app)
    fid = desk.add(world.inv, world.candidate_id, world.items[0])
    with pytest.raises(Conflict) as refused:
        desk.release(world.inv, fid)
    assert refused.value.code == "author_cannot_release"
    with runtime_of(app).db.transaction() as session:
        data = session.scalars(select(AuditEvent.data).where(AuditEvent.event == "finding.release_refused")).all()
    assert len(data) == 1
    assert "author_cannot_release" in data[0]
    assert "unresolved_mentions" in data[0]


def test_the_identity_match_minimum_is_the_cycles_own(app: Flask, world: World) -> None:
    """R7, POL-06: a cycle that asks for five identifiers refuses four and releases five; the release records both."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        admin = user_in(session, world.admin)
        cycle = cycles.create_cycle(session, admin, title="Detective 2026", position="Detective", blind_review=False)
        checklists.set_cycle_checklist(session, admin, cycle.id, world.version_id, identity_match_minimum=5)
        cycles.assign(session, admin, cycle.id, world.inv.id, Duty.INVESTIGATOR)
        cycles.change_status(session, admin, cycle.id, CycleStatus.OPEN)
        cycle_id = cycle.id
        item_id = cycle.checklist_version.items[0].id if cycle.checklist_version else 0
    reviewer = add_investigator(app, world, "inv2@x.test", cycle_id=cycle_id)
    candidate_id = add_candidate(app, world.inv, cycle_id, "Robin Hale")
    record_consent(app, world.inv, candidate_id)
    desk = Desk(app)
    four = [*THREE, IdentityBasis.LISTED_HANDLE]
    fid = desk.add(world.inv, candidate_id, item_id, summary="Threatened a neighbour.", identity_basis=four)
    desk.validate(world.inv, fid)
    with pytest.raises(Conflict) as refused:
        desk.release(reviewer, fid)
    assert refused.value.code == "identity_match_insufficient"

    desk.edit(
        world.inv,
        fid,
        item_id,
        summary="Threatened a neighbour.",
        identity_basis=[*four, IdentityBasis.EMPLOYER_SCHOOL],
    )
    desk.validate(world.inv, fid)
    released = desk.release(reviewer, fid)
    with rt.db.transaction() as session:
        row = session.get(FindingRelease, released)
        assert row is not None
        assert (row.identity_matches, row.identity_match_minimum) == (5, 5)
        assert sorted(row.identity_basis) == sorted(b.value for b in [*four, IdentityBasis.EMPLOYER_SCHOOL])


def test_re_screening_replaces_mentions_in_one_transaction(app: Flask, world: World, reviewer: Person) -> None:
    """R3: the changed field's old mention rows are gone, the unchanged field's rows stay (same ids)."""
    desk = Desk(app)
    fid = desk.add(world.inv, world.candidate_id, world.items[0], excerpt="She is pregnant and I will hurt him.")
    before = {m.field: m.id for m in desk.mentions(world.inv, fid) if m.field == "excerpt"}
    old_summary_ids = {m.id for m in desk.mentions(world.inv, fid) if m.field == "summary"}
    desk.edit(
        reviewer, fid, world.items[0], excerpt="She is pregnant and I will hurt him.", summary="Threatened a veteran."
    )
    after = desk.mentions(world.inv, fid)
    assert {m.field: m.id for m in after if m.field == "excerpt"} == before
    assert [(m.text, m.axis, m.open) for m in after if m.field == "summary"] == [("veteran", "military_veteran", True)]
    with runtime_of(app).db.transaction() as session:
        ids = set(session.scalars(text("SELECT id FROM finding_mentions")))
    assert not ids & old_summary_ids
