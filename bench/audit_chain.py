"""Audit-chain verification throughput, as a ratio to raw SHA-256 in the same run.

Target (anchors-performance-security.md §7 item 10): verifying with canonical JSON
recomputed stays at or above 10 % of a single raw SHA-256 pass over the same bytes.

    .venv/bin/python bench/audit_chain.py [entries]
"""

from __future__ import annotations

import hashlib
import sys
import time
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vetting.audit.chain import GENESIS_HASH, EntryFields, StoredEntry, canonical_json, sign_checkpoint, verify_chain


def build(n: int) -> tuple[list[StoredEntry], list[bytes]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    entries, raw = [], []
    prev = GENESIS_HASH
    for i in range(1, n + 1):
        fields = EntryFields(
            seq=i,
            occurred_at=start + timedelta(seconds=i),
            actor_id=i % 7,
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


if __name__ == "__main__":
    main()
