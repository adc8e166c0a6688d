"""Audit-chain verification throughput, as a ratio to raw SHA-256 in the same run.

Target (anchors-performance-security.md §7 item 10): verifying with canonical JSON
recomputed stays at or above 10 % of a single raw SHA-256 pass over the same bytes.

Then the stored chain (issue 17): a SQLite database of ``entries`` entries, checked in
full, marked, grown by 10,000 events; the routine check (after the marker) is printed as a
ratio to the full check of the same chain in the same run.

    .venv/bin/python bench/audit_chain.py [entries]
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from vetting.audit import verification
from vetting.audit.chain import GENESIS_HASH, EntryFields, StoredEntry, canonical_json, sign_checkpoint, verify_chain
from vetting.db import make_engine
from vetting.migrate import upgrade
from vetting.models import AuditCheckpoint, AuditEvent

NEW_EVENTS = 10_000


def build(
    n: int, first: int = 1, prev: str = GENESIS_HASH, *, actors: bool = True
) -> tuple[list[StoredEntry], list[bytes]]:
    """``n`` chained entries from ``first``; without ``actors``, by the system (no user rows needed)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    entries, raw = [], []
    for i in range(first, first + n):
        fields = EntryFields(
            seq=i,
            occurred_at=start + timedelta(seconds=i),
            actor_id=i % 7 if actors else None,
            event="assignment.created",
            subject_type="cycle",
            subject_id=str(i % 50),
            data=canonical_json({"user_id": i % 300, "duty": "investigator"}),
            prev_hash=prev,
        )
        canonical = fields.canonical().encode()
        prev = hashlib.sha256(canonical).hexdigest()
        entries.append(StoredEntry(fields, prev))
        raw.append(canonical)
    return entries, raw


def best_of(runs: int, fn: object) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    key = Ed25519PrivateKey.generate()
    entries, raw = build(n)
    # One checkpoint per 10 entries: a busy system signs once per committing transaction.
    checkpoints = [sign_checkpoint(key, e.fields.seq, e.entry_hash, datetime.now(UTC)) for e in entries[9::10]]
    public = key.public_key()

    baseline = best_of(3, lambda: [hashlib.sha256(b).digest() for b in raw])
    chain_only = best_of(3, lambda: verify_chain(entries, [], public))
    with_checkpoints = best_of(3, lambda: verify_chain(entries, checkpoints, public))
    assert verify_chain(entries, checkpoints, public).ok

    print(f"entries: {n}, checkpoints: {len(checkpoints)}")
    print(f"raw sha256 over canonical bytes : {n / baseline:12,.0f} entries/s (baseline)")
    for label, seconds in (
        ("verify, canonical JSON recomputed", chain_only),
        ("verify + Ed25519 checkpoints", with_checkpoints),
    ):
        print(f"{label:<33}: {n / seconds:12,.0f} entries/s  ratio {baseline / seconds:.3f}")
    stored_chain(n, key)


def store(engine: Engine, key: Ed25519PrivateKey, entries: list[StoredEntry]) -> None:
    """Insert entries and a checkpoint every 10 (as rows the app writes), in one transaction."""
    rows = [
        {
            "seq": e.fields.seq,
            "occurred_at": e.fields.occurred_at,
            "actor_id": None,
            "event": e.fields.event,
            "subject_type": e.fields.subject_type,
            "subject_id": e.fields.subject_id,
            "data": e.fields.data,
            "prev_hash": e.fields.prev_hash,
            "entry_hash": e.entry_hash,
        }
        for e in entries
    ]
    signed = [
        sign_checkpoint(key, e.fields.seq, e.entry_hash, datetime.now(UTC))
        for e in entries
        if e.fields.seq % 10 == 0 or e is entries[-1]
    ]
    checkpoints = [
        {
            "seq": c.seq,
            "entry_hash": c.entry_hash,
            "signed_at": c.signed_at,
            "key_id": c.key_id,
            "signature": c.signature,
        }
        for c in signed
    ]
    with engine.begin() as conn:
        conn.execute(insert(AuditEvent), rows)
        conn.execute(insert(AuditCheckpoint), checkpoints)


def stored_chain(n: int, key: Ed25519PrivateKey) -> None:
    """The full check of a stored chain against the routine check after NEW_EVENTS more."""
    public = key.public_key()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            chain, _ = build(n, actors=False)
            store(engine, key, chain)
            t0 = time.perf_counter()
            first = verification.check(engine, public)
            full_before = time.perf_counter() - t0
            with Session(engine, info={"audit_signing_key": key}) as session, session.begin():
                verification.record_marker(session, first)
            more, _ = build(NEW_EVENTS, n + 1, chain[-1].entry_hash, actors=False)
            store(engine, key, more)
            full = best_of(3, lambda: verification.check(engine, public))
            routine = best_of(3, lambda: verification.check(engine, public, resume=True))
            result = verification.check(engine, public, resume=True)
            assert result.ok, result.summary()
            assert result.resumed_from == n
        finally:
            engine.dispose()
    total = n + NEW_EVENTS
    print(f"stored chain (SQLite): {n} entries checked in full in {full_before:.2f} s, then {NEW_EVENTS} new")
    print(f"full check of {total} entries        : {full:8.3f} s  ({total / full:10,.0f} entries/s)")
    print(
        f"routine check of the {NEW_EVENTS} new ones : {routine:8.3f} s  ratio to the full check {routine / full:.3f}"
    )


if __name__ == "__main__":
    main()
