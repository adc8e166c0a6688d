"""The demo data of issue 3 (PRODUCT.md §5): candidates at every stage, idempotent, audited.

The demo must show the whole investigation: a published checklist pinned to an open cycle
(R6), candidates awaiting consent, searching and closed (R1), findings with evidence
(SM-06) and validation steps (R7); loading it twice changes nothing; the audit chain
verifies.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from tests.support import runtime_of
from vetting import demo
from vetting.demo import DEMO_CYCLE_TITLE
from vetting.models import (
    AuditEvent,
    Base,
    Candidate,
    Consent,
    Cycle,
    CycleStatus,
    Evidence,
    Finding,
    ItemResolution,
    SearchLogEntry,
    User,
    ValidationStatus,
    ValidationStep,
)
from vetting.services import audit_log, candidates
from vetting.services.findings import view_of
from vetting.services.vault import CandidateVault

COUNTED: tuple[type[Base], ...] = (
    User,
    Cycle,
    Candidate,
    Consent,
    ItemResolution,
    SearchLogEntry,
    Finding,
    Evidence,
    ValidationStep,
)


def load(app: Flask) -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        demo.load_demo(session, rt.security, rt.store)


def counts(app: Flask) -> dict[str, int]:
    with runtime_of(app).db.transaction() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED}


def store_files(app: Flask) -> int:
    root: Path = runtime_of(app).store.root
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def test_demo_shows_every_stage_of_the_investigation(app: Flask) -> None:
    load(app)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        cycle = session.scalar(select(Cycle).where(Cycle.title == DEMO_CYCLE_TITLE))
        assert cycle is not None
        assert cycle.status is CycleStatus.OPEN
        version = cycle.checklist_version
        assert version is not None
        assert len(version.items) >= 8
        assert {i.technique_code for i in version.items} <= {"A1", "A2", "A3", "A4", "A5", "A6"}

        rows = list(session.scalars(select(Candidate).where(Candidate.cycle_id == cycle.id)))
        assert len(rows) >= 10
        stages = Counter(candidates.stage_of(c) for c in rows)
        assert set(stages) == {"awaiting consent", "searching", "search complete"}
        for candidate in rows:
            resolved, total = candidates.progress(candidate)
            assert total == len(version.items)
            if candidates.stage_of(candidate) == "search complete":
                assert resolved == total  # R1
        assert any(0 < candidates.progress(c)[0] < len(version.items) for c in rows)  # part-way

        findings = list(session.scalars(select(Finding)))
        assert len(findings) >= 5
        assert all(f.evidence for f in findings)  # SM-06: every demo finding has its capture
        statuses = {f.validation_status for f in findings}
        assert statuses == {ValidationStatus.UNVERIFIED, ValidationStatus.CORROBORATED, ValidationStatus.REFUTED}
        assert any(not f.category.reportable for f in findings)  # protected content for the firewall
        # Every finding decrypts, and its evidence matches the hash taken on receipt.
        for finding in findings:
            vault = CandidateVault(rt.security.keyring, finding.candidate)
            view = view_of(finding, vault)
            assert view.summary
            for evidence in finding.evidence:
                content = rt.store.get(evidence.storage_name, vault.key, vault.file_purpose(evidence, "content"))
                assert content.startswith(b"\x89PNG")
        assert (session.scalar(select(func.count()).select_from(SearchLogEntry)) or 0) >= 10
        assert not session.scalars(select(AuditEvent).where(AuditEvent.event == "search.refused")).all()
        result = audit_log.verify(session, rt.settings.audit_signing_key.public_key())
        assert result.ok, result.summary()


def test_loading_the_demo_twice_changes_nothing(app: Flask) -> None:
    load(app)
    first, files = counts(app), store_files(app)
    load(app)
    assert counts(app) == first
    assert store_files(app) == files
    with runtime_of(app).db.transaction() as session:
        result = audit_log.verify(session, runtime_of(app).settings.audit_signing_key.public_key())
        assert result.ok, result.summary()
