"""Witnessed chain heads (issue 14, point 2), free of the database: the witness file's format and
append-only writing, the check of a chain or an export against it, and the signed export header.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support import START
from tests.unit.test_audit_chain import KEY, PUBLIC, build_chain
from vetting.audit.chain import StoredEntry, sign_checkpoint
from vetting.audit.export import export_lines, verify_export
from vetting.audit.export import main as verify_main
from vetting.audit.witness import (
    FORMAT,
    FileWitness,
    WitnessedHead,
    WitnessError,
    head_line,
    parse_heads,
    read_heads,
    verify_witnessed,
)

N = 20
CHECKPOINTED = (5, 10, 15, 20)


def chain20() -> tuple[list[StoredEntry], list]:  # type: ignore[type-arg]
    events = [(f"event.{i % 3}", {"i": i}) for i in range(1, N + 1)]
    return build_chain(events, CHECKPOINTED)


def witnessed(entries: list[StoredEntry], *seqs: int, key: Ed25519PrivateKey = KEY) -> list[WitnessedHead]:
    return [
        WitnessedHead(
            sign_checkpoint(key, s, entries[s - 1].entry_hash, START + timedelta(hours=s)), f"w.jsonl line {i}"
        )
        for i, s in enumerate(seqs, start=1)
    ]


# --- the file ------------------------------------------------------------------------------------


def test_a_file_witness_appends_one_signed_line_per_head_and_reads_them_back(tmp_path: Path) -> None:
    entries, _ = chain20()
    path = tmp_path / "witness.jsonl"
    witness = FileWitness(path)
    heads = witnessed(entries, 10, 15)
    for h in heads:
        witness.append(h.head)
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["format"] == FORMAT
    assert set(first) == {"format", "seq", "entry_hash", "signed_at", "key_id", "signature"}
    assert first["seq"] == 10
    assert first["entry_hash"] == entries[9].entry_hash
    read = witness.heads()
    assert [r.head for r in read] == [h.head for h in heads]
    assert read[1].source == f"{path} line 2"
    assert witness.name == f"file {path}"


def test_appending_never_rewrites_what_is_there(tmp_path: Path) -> None:
    entries, _ = chain20()
    path = tmp_path / "witness.jsonl"
    before = head_line(witnessed(entries, 5)[0].head)
    path.write_text(before)
    inode = path.stat().st_ino
    FileWitness(path).append(witnessed(entries, 10)[0].head)
    text = path.read_text()
    assert text.startswith(before)
    assert path.stat().st_ino == inode  # appended in place, not replaced


def test_a_line_torn_by_a_crash_is_left_and_the_next_head_starts_a_new_line(tmp_path: Path) -> None:
    entries, _ = chain20()
    path = tmp_path / "witness.jsonl"
    path.write_text(head_line(witnessed(entries, 5)[0].head)[:30])
    FileWitness(path).append(witnessed(entries, 10)[0].head)
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["seq"] == 10
    with pytest.raises(WitnessError, match="line 1"):
        read_heads(path)


def test_the_file_is_opened_for_appending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries, _ = chain20()
    seen: list[int] = []
    real_open = os.open

    def spy(path: object, flags: int, *args: object) -> int:
        seen.append(flags)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    fsynced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "open", spy)
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    FileWitness(tmp_path / "w.jsonl").append(witnessed(entries, 5)[0].head)
    assert seen[0] & os.O_APPEND
    assert fsynced


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1 cannot be read"),
        ('{"format": "something-else"}', "not a vetting-audit-witness/1 line"),
        ('{"format": "vetting-audit-witness/1", "seq": "7"}', "seq must be a whole number"),
        ('{"format": "vetting-audit-witness/1", "seq": 7}', "line 1 cannot be read"),
    ],
)
def test_an_unreadable_line_is_named(line: str, message: str) -> None:
    with pytest.raises(WitnessError, match=message):
        parse_heads([line + "\n"], "w.jsonl")


# --- a chain checked against the witness ---------------------------------------------------------


def test_an_intact_chain_matches_every_witnessed_head() -> None:
    entries, checkpoints = chain20()
    result = verify_witnessed(iter(entries), checkpoints, PUBLIC, witnessed(entries, 5, 15, 20))
    assert result.ok, result.summary()
    assert (result.witnessed, result.witnessed_seq) == (3, 20)
    assert "matches 3 witnessed head(s), the newest at entry 20" in result.summary()


def test_a_tail_cut_with_its_checkpoints_verifies_alone_but_not_against_the_witness() -> None:
    entries, checkpoints = chain20()
    cut, kept_checkpoints = entries[:10], [c for c in checkpoints if c.seq <= 10]
    alone = verify_witnessed(iter(cut), kept_checkpoints, PUBLIC, [])
    assert alone.ok
    result = verify_witnessed(iter(cut), kept_checkpoints, PUBLIC, witnessed(entries, 5, 15))
    assert not result.ok
    assert result.broken_seq == 11
    assert "signed head at entry 15 (w.jsonl line 2" in (result.reason or "")
    assert "chain ends at 10 (truncated)" in (result.reason or "")


def test_a_rewritten_tail_differs_from_the_witnessed_head() -> None:
    """A forger with the signing key rebuilds the tail and its checkpoints; the witness still differs."""
    entries, _ = chain20()
    forged_events = [(f"event.{i % 3}", {"i": i} if i <= 12 else {"i": i, "forged": True}) for i in range(1, N + 1)]
    forged, forged_checkpoints = build_chain(forged_events, CHECKPOINTED)
    result = verify_witnessed(iter(forged), forged_checkpoints, PUBLIC, witnessed(entries, 10, 15))
    assert not result.ok
    assert result.broken_seq == 15
    assert "entry 15 differs from the witnessed head (w.jsonl line 2)" in (result.reason or "")


def test_a_witnessed_head_signed_by_another_key_is_refused() -> None:
    entries, checkpoints = chain20()
    heads = witnessed(entries, 10, key=Ed25519PrivateKey.generate())
    result = verify_witnessed(iter(entries), checkpoints, PUBLIC, heads)
    assert not result.ok
    assert result.broken_seq == 10
    assert "bad signature" in (result.reason or "")


# --- the export: a signed header, and the witness ------------------------------------------------


def export_text(entries: list[StoredEntry], checkpoints: list, signed: bool = True) -> str:  # type: ignore[type-arg]
    through = max(c.seq for c in checkpoints)
    return "".join(
        export_lines(
            (e for e in entries if e.fields.seq <= through), checkpoints, PUBLIC, START, KEY if signed else None
        )
    )


def cut_at(text: str, seq: int, edit_header: bool) -> str:
    """The export cut after entry ``seq`` (a checkpoint), its newer checkpoints dropped."""
    lines = [json.loads(line) for line in text.splitlines()]
    header, rest = lines[0], lines[1:]
    kept = [line for line in rest if line["seq"] <= seq]
    if edit_header:
        header["through_seq"] = seq
        header["through_hash"] = next(line["entry_hash"] for line in kept if line["seq"] == seq)
    return "".join(json.dumps(line, sort_keys=True) + "\n" for line in [header, *kept])


def test_the_export_header_is_signed_and_verifies() -> None:
    entries, checkpoints = chain20()
    text = export_text(entries, checkpoints)
    header = json.loads(text.splitlines()[0])
    assert header["through_seq"] == 20
    assert header["through_hash"] == entries[19].entry_hash
    assert header["signature"]
    check = verify_export(text.splitlines(keepends=True), PUBLIC)
    assert check.result.ok, check.summary()
    assert not check.unsigned_header


def test_a_cut_at_a_checkpoint_with_its_header_edited_fails() -> None:
    entries, checkpoints = chain20()
    tampered = cut_at(export_text(entries, checkpoints), 15, edit_header=True)
    for key in (PUBLIC, None):
        check = verify_export(tampered.splitlines(keepends=True), key)
        assert not check.result.ok
        assert "BROKEN at its header (line 1)" in check.summary()
        assert "bad signature" in check.summary()


def test_an_unsigned_header_is_refused_unless_accepted_as_an_older_export() -> None:
    entries, checkpoints = chain20()
    old = export_text(entries, checkpoints, signed=False)
    check = verify_export(old.splitlines(keepends=True), PUBLIC)
    assert not check.result.ok
    assert "not signed" in check.summary()
    assert "--accept-unsigned-header" in check.summary()
    accepted = verify_export(old.splitlines(keepends=True), PUBLIC, accept_unsigned_header=True)
    assert accepted.result.ok
    assert accepted.unsigned_header
    # Removing a signature from a new export makes it exactly such an older one.
    stripped = cut_at(export_text(entries, checkpoints), 15, edit_header=True)
    lines = stripped.splitlines()
    header = json.loads(lines[0])
    del header["signature"]
    lines[0] = json.dumps(header, sort_keys=True)
    assert not verify_export([line + "\n" for line in lines], PUBLIC).result.ok


def test_the_standalone_verifier_checks_an_export_against_a_witness(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries, checkpoints = chain20()
    witness = tmp_path / "witness.jsonl"
    for h in witnessed(entries, 10, 20):
        FileWitness(witness).append(h.head)
    whole, cut = tmp_path / "whole.jsonl", tmp_path / "cut.jsonl"
    whole.write_text(export_text(entries, checkpoints))
    cut.write_text(export_text(entries[:15], [c for c in checkpoints if c.seq <= 15]))

    assert verify_main([str(whole), "--witness", str(witness)]) == 0
    out = capsys.readouterr().out
    assert "matches 2 witnessed head(s), the newest at entry 20" in out

    # A whole, correctly signed export made before the newest witnessed head is shorter than it.
    assert verify_main([str(cut)]) == 0
    capsys.readouterr()
    assert verify_main([str(cut), "--witness", str(witness)]) == 1
    err = capsys.readouterr().err
    assert "signed head at entry 20" in err
    assert "ends at 15" in err

    assert verify_main([str(whole), "--witness", str(tmp_path / "missing.jsonl")]) == 2
    assert "Cannot verify" in capsys.readouterr().err
