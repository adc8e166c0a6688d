"""``vetting audit anchor`` and ``vetting audit verify --witness`` as real subprocesses (issue 14, point 2).

The acceptance case: after the newest ten events and their checkpoints are deleted with plain
SQL, the chain still verifies on its own, and ``vetting audit verify --witness W`` exits non-zero
naming the witnessed entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cli.conftest import VETTING, Instance, _new_instance, copy_instance, output_of
from vetting import create_app
from vetting.audit import writer
from vetting.audit.events import Event
from vetting.config import load_settings

OK_RE = re.compile(r"Audit chain OK: (\d+) entries")


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """``vetting init``, then a chain of 30 events over 30 committed transactions (no demo data:
    only the chain matters here)."""
    assert VETTING.exists(), f"console script not installed at {VETTING}"
    inst = _new_instance(tmp_path_factory.mktemp("anchor") / "instance")
    try:
        result = inst.run("init")
        assert result.returncode == 0, output_of(result)
        app = create_app(load_settings(inst.path, env=inst.env()))
        db = app.extensions["vetting"].db
        try:
            for n in range(30):
                with db.transaction() as session:
                    writer.record(session, None, Event.HOLIDAY_ADDED, n=n)
        finally:
            db.dispose()
        yield inst
    finally:
        inst.discard()


def _events(instance: Instance, name: str) -> list[dict[str, object]]:
    engine = instance.engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT data FROM audit_events WHERE event = :e ORDER BY seq"), {"e": name}
            ).scalars()
            return [json.loads(r) for r in rows]
    finally:
        engine.dispose()


def _delete_newest(instance: Instance, count: int) -> int:
    """Delete the newest ``count`` events, every checkpoint over them and every verification marker
    past the cut (which would show it); the new head's seq."""
    engine = instance.engine()
    try:
        with engine.begin() as conn:
            head = conn.execute(text("SELECT MAX(seq) FROM audit_events")).scalar_one()
            kept = head - count
            conn.execute(text("DELETE FROM audit_verifications WHERE seq > :k"), {"k": kept})
            conn.execute(text("DELETE FROM audit_checkpoints WHERE seq > :k"), {"k": kept})
            deleted = conn.execute(text("DELETE FROM audit_events WHERE seq > :k"), {"k": kept})
            assert deleted.rowcount == count
    finally:
        engine.dispose()
    return int(kept)


def test_a_tail_cut_passes_verify_alone_and_fails_against_the_witness(instance: Instance, tmp_path: Path) -> None:
    copy = copy_instance(instance, tmp_path / "instance")
    witness = tmp_path / "witness" / "head.jsonl"
    witness.parent.mkdir()
    try:
        head = int(str(copy.scalar("SELECT MAX(seq) FROM audit_checkpoints")))
        result = copy.run("audit", "anchor", "--witness", str(witness))
        assert result.returncode == 0, output_of(result)
        assert f"Anchored entry {head} " in result.stdout
        line = json.loads(witness.read_text().splitlines()[-1])
        assert line["seq"] == head
        assert line["signature"]
        anchored = _events(copy, "audit.anchored")
        assert anchored[-1]["seq"] == head
        assert anchored[-1]["witness"] == f"file {witness}"

        result = copy.run("audit", "verify", "--witness", str(witness))
        assert result.returncode == 0, output_of(result)
        assert f"the newest at entry {head}" in result.stdout

        kept = _delete_newest(copy, 10)
        assert kept < head
        alone = copy.run("audit", "verify")
        assert alone.returncode == 0, output_of(alone)  # what the database alone cannot show
        assert OK_RE.search(alone.stdout)

        result = copy.run("audit", "verify", "--witness", str(witness))
        out = output_of(result)
        assert result.returncode == 1, out
        assert "Traceback" not in out
        assert f"signed head at entry {head}" in out
        # The check run alone is recorded on the chain, after the cut.
        assert f"chain ends at {kept + 1} (truncated)" in out
    finally:
        copy.discard()


def test_the_configured_witness_is_anchored_and_checked_by_default(instance: Instance, tmp_path: Path) -> None:
    copy = copy_instance(instance, tmp_path / "instance")
    witness = tmp_path / "configured.jsonl"
    (copy.path / "config.toml").write_text(f'audit_witness = "{witness}"\n')
    try:
        assert copy.run("audit", "anchor").returncode == 0
        assert copy.run("audit", "anchor").returncode == 0
        assert len(witness.read_text().splitlines()) == 2
        assert copy.run("audit", "verify").returncode == 0
        _delete_newest(copy, 10)
        result = copy.run("audit", "verify")
        assert result.returncode == 1, output_of(result)
        assert "signed head at entry" in result.stderr
    finally:
        copy.discard()


def test_a_witness_inside_the_instance_folder_is_refused(instance: Instance) -> None:
    before = _events(instance, "audit.anchored")
    result = instance.run("audit", "anchor", "--witness", str(instance.path / "head.jsonl"))
    out = output_of(result)
    assert result.returncode != 0, out
    assert "inside the instance folder" in out
    assert "Traceback" not in out
    assert not (instance.path / "head.jsonl").exists()
    assert _events(instance, "audit.anchored") == before


def test_a_witness_that_cannot_be_written_is_an_audited_failure(instance: Instance, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "head.jsonl"
    result = instance.run("audit", "anchor", "--witness", str(missing))
    out = output_of(result)
    assert result.returncode == 1, out
    assert "failed" in out
    failed = _events(instance, "audit.anchor_failed")
    assert failed[-1]["witness"] == f"file {missing}"
    assert failed[-1]["reason"] == "FileNotFoundError: No such file or directory"


@pytest.mark.parametrize("content", ["not json\n", '{"format": "vetting-audit-witness/1"}\n'])
def test_an_unreadable_witness_cannot_verify(instance: Instance, tmp_path: Path, content: str) -> None:
    witness = tmp_path / "bad.jsonl"
    witness.write_text(content)
    result = instance.run("audit", "verify", "--witness", str(witness))
    out = output_of(result)
    assert result.returncode == 2, out
    assert "line 1" in out
    assert "Traceback" not in out
