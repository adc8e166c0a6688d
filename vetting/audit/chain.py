"""The audit chain's hashing, signing and verification, free of Flask and the ORM.

Each entry's hash is SHA-256 over the canonical JSON of its fields, including the
previous entry's hash. Signed checkpoints (Ed25519 over the chain head) are written in
the same transaction as the events they cover, so every legitimate entry is covered by
a checkpoint: an unsigned tail means insertion, and entries missing below a checkpoint
mean truncation. Deleting the newest entries together with their checkpoints cannot be
seen from the database alone; a signed head kept outside it (a witness,
:mod:`vetting.audit.witness`, or an export) closes that gap.
This module is what an outside auditor's verifier needs, with only the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS_HASH = "0" * 64


def _sha256_hex(data: bytes | str) -> str:
    # hashlib, not vetting.crypto: the standalone verifier needs nothing but cryptography.
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same bytes for the same value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json(value: str | int | None) -> str:
    """The JSON text of one scalar, exactly as ``canonical_json`` writes it."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return encode_basestring(value)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with fixed microsecond precision (stable across databases)."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    # isoformat is C-fast; "+00:00" becomes "Z".
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


@dataclass(frozen=True)
class EntryFields:
    """The hashed content of one audit entry."""

    seq: int
    occurred_at: datetime
    actor_id: int | None
    event: str
    subject_type: str | None
    subject_id: str | None
    data: str  # canonical JSON text, stored as is
    prev_hash: str

    def canonical(self) -> str:
        """Canonical JSON of the fields (sorted keys, no spaces), ``data`` embedded verbatim.

        ``data`` is stored as canonical JSON when written, so this equals
        ``canonical_json`` of all fields; embedding the stored text as is also means any
        byte changed in it changes the hash. Built by hand: it is the verifier's hot path.
        """
        return (
            '{"actor_id":'
            + _json(self.actor_id)
            + ',"data":'
            + self.data
            + ',"event":'
            + _json(self.event)
            + ',"occurred_at":"'
            + format_timestamp(self.occurred_at)
            + '","prev_hash":'
            + _json(self.prev_hash)
            + ',"seq":'
            + str(self.seq)
            + ',"subject_id":'
            + _json(self.subject_id)
            + ',"subject_type":'
            + _json(self.subject_type)
            + "}"
        )

    def compute_hash(self) -> str:
        return _sha256_hex(self.canonical())


@dataclass(frozen=True)
class StoredEntry:
    """An entry as read back: its fields and the hash stored beside them."""

    fields: EntryFields
    entry_hash: str


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the chain had ``seq`` entries ending in ``entry_hash``."""

    seq: int
    entry_hash: str
    signed_at: datetime
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return canonical_json(
            {
                "seq": self.seq,
                "entry_hash": self.entry_hash,
                "signed_at": format_timestamp(self.signed_at),
                "key_id": self.key_id,
            }
        ).encode()


#: Set apart from checkpoint signatures: a marker's signature never reads as a checkpoint's.
MARKER_PURPOSE = "vetting-audit verification marker"


@dataclass(frozen=True)
class VerificationMarker:
    """A signed statement by the app: the chain was verified, intact, through entry ``seq``
    (hash ``entry_hash``, ``checkpoints`` signed checkpoints at or below it). A routine check
    resumes after the newest marker whose signature holds."""

    seq: int
    entry_hash: str
    checkpoints: int
    verified_at: datetime
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return canonical_json(
            {
                "purpose": MARKER_PURPOSE,
                "seq": self.seq,
                "entry_hash": self.entry_hash,
                "checkpoints": self.checkpoints,
                "verified_at": format_timestamp(self.verified_at),
                "key_id": self.key_id,
            }
        ).encode()

    def signed_by(self, public_key: Ed25519PublicKey) -> bool:
        return _signature_holds(public_key, self.key_id, self.signature, self.message())


def sign_marker(
    key: Ed25519PrivateKey, seq: int, entry_hash: str, checkpoints: int, verified_at: datetime
) -> VerificationMarker:
    unsigned = VerificationMarker(seq, entry_hash, checkpoints, verified_at, public_key_id(key.public_key()), "")
    signature = base64.b64encode(key.sign(unsigned.message())).decode()
    return replace(unsigned, signature=signature)


def _signature_holds(public_key: Ed25519PublicKey, key_id: str, signature: str, message: bytes) -> bool:
    try:
        if key_id != public_key_id(public_key):
            return False
        public_key.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _sha256_hex(raw)[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign_checkpoint(key: Ed25519PrivateKey, seq: int, entry_hash: str, signed_at: datetime) -> Checkpoint:
    unsigned = Checkpoint(seq, entry_hash, signed_at, public_key_id(key.public_key()), "")
    signature = base64.b64encode(key.sign(unsigned.message())).decode()
    return Checkpoint(seq, entry_hash, signed_at, unsigned.key_id, signature)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain check; ``broken_seq`` names the first bad entry."""

    ok: bool
    entries: int
    checkpoints: int
    last_checkpoint: Checkpoint | None
    broken_seq: int | None = None
    reason: str | None = None
    #: Heads kept by witnesses outside the database that the chain was checked against
    #: (:mod:`vetting.audit.witness`), and the newest of them.
    witnessed: int = 0
    witnessed_seq: int | None = None

    def summary(self) -> str:
        if self.ok:
            tail = f"; last signed checkpoint at entry {self.last_checkpoint.seq}" if self.last_checkpoint else ""
            if self.witnessed:
                tail += f"; matches {self.witnessed} witnessed head(s), the newest at entry {self.witnessed_seq}"
            return f"Audit chain OK: {self.entries} entries, {self.checkpoints} signed checkpoints{tail}."
        return f"Audit chain BROKEN at entry {self.broken_seq}: {self.reason}"


def verify_chain(
    entries: Iterable[StoredEntry],
    checkpoints: Iterable[Checkpoint],
    public_key: Ed25519PublicKey,
) -> VerifyResult:
    """Recompute every hash and link, check every checkpoint, report the first break.

    ``entries`` must be ordered by ``seq``; they are streamed, and only the hashes at
    checkpointed positions are kept.
    """
    pending = sorted(checkpoints, key=lambda c: c.seq)
    expected_key = public_key_id(public_key)
    for cp in pending:
        try:
            if cp.key_id != expected_key:
                raise InvalidSignature
            public_key.verify(base64.b64decode(cp.signature), cp.message())
        except (InvalidSignature, ValueError):
            return _broken(0, len(pending), cp.seq, f"checkpoint at entry {cp.seq} has a bad signature")

    signed = {cp.seq: cp.entry_hash for cp in pending}
    prev_hash = GENESIS_HASH
    count = 0
    for entry in entries:
        f = entry.fields
        expected_seq = count + 1
        if f.seq != expected_seq:
            return _broken(count, len(pending), expected_seq, f"entry {expected_seq} is missing (found {f.seq} next)")
        if f.compute_hash() != entry.entry_hash:
            return _broken(count, len(pending), f.seq, "content does not match its hash (entry altered)")
        if f.prev_hash != prev_hash:
            if f.seq == 1:
                return _broken(count, len(pending), 1, "the first entry does not start from the genesis hash")
            # This entry is intact, so what it committed to is right: the one before was rewritten.
            return _broken(
                count, len(pending), f.seq - 1, "hash differs from what the next entry recorded (entry rewritten)"
            )
        if f.seq in signed and signed[f.seq] != entry.entry_hash:
            return _broken(count, len(pending), f.seq, "entry differs from the signed checkpoint")
        prev_hash = entry.entry_hash
        count += 1

    if pending and pending[-1].seq > count:
        return _broken(
            count,
            len(pending),
            count + 1,
            f"entries up to {pending[-1].seq} were signed but the chain ends at {count} (truncated)",
        )
    last = pending[-1] if pending else None
    covered = last.seq if last else 0
    if count > covered:
        return _broken(count, len(pending), covered + 1, "entry is not covered by any signed checkpoint (inserted)")
    return VerifyResult(True, count, len(pending), last)


def _broken(entries: int, checkpoints: int, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(False, entries, checkpoints, None, broken_seq=seq, reason=reason)
