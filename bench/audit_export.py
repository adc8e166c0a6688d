"""The outside auditor's check of an exported chain, as a ratio to verifying the same entries
already in memory (bench/audit_chain.py's verifier) in the same run.

The ratio is the cost of reading the JSON Lines file (parsing, timestamps) on top of the
hashing and signature checks both sides do.

    .venv/bin/python bench/audit_export.py [entries]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from audit_chain import best_of, build  # the sibling benchmark (scripts run from bench/)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vetting.audit.chain import sign_checkpoint, verify_chain
from vetting.audit.export import export_lines, verify_export


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    key = Ed25519PrivateKey.generate()
    entries, _raw = build(n)
    checkpoints = [sign_checkpoint(key, e.fields.seq, e.entry_hash, datetime.now(UTC)) for e in entries[9::10]]
    public = key.public_key()
    lines = list(export_lines(entries, checkpoints, public, datetime.now(UTC)))
    assert verify_export(lines).result.ok

    in_memory = best_of(3, lambda: verify_chain(entries, checkpoints, public))
    from_file = best_of(3, lambda: verify_export(lines))
    size = sum(len(line.encode()) for line in lines)
    print(f"entries: {n}, checkpoints: {len(checkpoints)}, export: {size / 1e6:.1f} MB")
    print(f"verify in memory (baseline)  : {n / in_memory:12,.0f} entries/s")
    print(f"verify the exported file     : {n / from_file:12,.0f} entries/s  ratio {in_memory / from_file:.3f}")


if __name__ == "__main__":
    main()
