"""Export of the audit chain, and the standalone verifier an outside auditor runs on it.

The export is JSON Lines: a header with the Ed25519 public key, one line per entry (its
``data`` kept as the exact stored text, so every byte is checked), then one line per
signed checkpoint. It stops at the newest signed checkpoint, so a complete export always
verifies. The header is signed too (``through_seq``, ``through_hash``, the time and the key):
a file cut at an older checkpoint with its header edited to match fails, and so does one
whose header signature was removed, unless ``--accept-unsigned-header`` is given for an
export written before headers were signed. With ``--witness FILE`` (repeatable) the export is
also checked against the signed heads a witness kept (:mod:`vetting.audit.witness`).
Verifying needs Python and the ``cryptography`` package only: no database, no
application, no secret key::

    vetting-audit-verify audit-export.jsonl --public-key audit_signing_key.pub.pem
    vetting-audit-verify audit-export.jsonl --public-key key.pem --witness /mnt/witness/head.jsonl
    python -m vetting.audit.export audit-export.jsonl

Compare the key id printed with the one the agency publishes: a verifier that trusts the
key inside the file proves only that the file is consistent with itself.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from vetting.audit.chain import (
    GENESIS_HASH,
    Checkpoint,
    EntryFields,
    StoredEntry,
    VerifyResult,
    canonical_json,
    format_timestamp,
    public_key_id,
    public_key_pem,
)
from vetting.audit.witness import WitnessedHead, read_heads, verify_witnessed

FORMAT = "vetting-audit-export/1"
#: Set apart from checkpoint signatures: a header's signature never reads as a checkpoint's.
HEADER_PURPOSE = "vetting-audit-export header"


def header_message(header: dict[str, object]) -> bytes:
    """What the header's signature covers: every header field but the signature itself."""
    fields = {k: v for k, v in header.items() if k != "signature"}
    return canonical_json({"purpose": HEADER_PURPOSE, "header": fields}).encode()


def export_lines(
    entries: Iterable[StoredEntry],
    checkpoints: Sequence[Checkpoint],
    public_key: Ed25519PublicKey,
    exported_at: datetime,
    signing_key: Ed25519PrivateKey | None = None,
) -> Iterator[str]:
    """The export, line by line (each ends in a newline). ``entries`` in ``seq`` order, up
    to the newest of ``checkpoints``; with ``signing_key`` (the chain's) the header is signed."""
    newest = max(checkpoints, key=lambda c: c.seq, default=None)
    header: dict[str, object] = {
        "format": FORMAT,
        "exported_at": format_timestamp(exported_at),
        "through_seq": newest.seq if newest else 0,
        "key_id": public_key_id(public_key),
        "public_key_pem": public_key_pem(public_key),
    }
    if signing_key is not None:
        header["through_hash"] = newest.entry_hash if newest else GENESIS_HASH
        header["signature"] = base64.b64encode(signing_key.sign(header_message(header))).decode()
    yield json.dumps(header, sort_keys=True) + "\n"
    for entry in entries:
        f = entry.fields
        line = {
            "kind": "entry",
            "seq": f.seq,
            "occurred_at": format_timestamp(f.occurred_at),
            "actor_id": f.actor_id,
            "event": f.event,
            "subject_type": f.subject_type,
            "subject_id": f.subject_id,
            "data": f.data,
            "prev_hash": f.prev_hash,
            "entry_hash": entry.entry_hash,
        }
        yield json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"
    for cp in checkpoints:
        line = {
            "kind": "checkpoint",
            "seq": cp.seq,
            "entry_hash": cp.entry_hash,
            "signed_at": format_timestamp(cp.signed_at),
            "key_id": cp.key_id,
            "signature": cp.signature,
        }
        yield json.dumps(line, sort_keys=True) + "\n"


class ExportError(ValueError):
    """The file is not a readable export; the message names the line."""


@dataclass(frozen=True)
class ExportCheck:
    result: VerifyResult
    key_id: str
    key_from_file: bool
    #: Line number (1-based) of each entry, to point at the broken line.
    lines: dict[int, int]

    #: The header carried no signature and ``accept_unsigned_header`` let it through.
    unsigned_header: bool = False

    def summary(self) -> str:
        r = self.result
        if r.ok:
            return r.summary()
        if r.broken_seq == 0:
            return f"Audit export BROKEN at its header (line 1): {r.reason}"
        line = self.lines.get(r.broken_seq or 0)
        where = f" (line {line})" if line else ""
        return f"Audit export BROKEN at entry {r.broken_seq}{where}: {r.reason}"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z") + "+00:00")


@dataclass(frozen=True)
class _Export:
    header: dict[str, object]
    entries: list[StoredEntry]
    checkpoints: list[Checkpoint]
    lines: dict[int, int]


def _read(text_lines: Iterable[str]) -> _Export:
    entries: list[StoredEntry] = []
    checkpoints: list[Checkpoint] = []
    lines: dict[int, int] = {}
    header: dict[str, object] | None = None
    for number, raw in enumerate(text_lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            if header is None:
                if item.get("format") != FORMAT:
                    raise ExportError(f"line {number}: not a {FORMAT} file")
                header = item
                continue
            if item["kind"] == "entry":
                fields = EntryFields(
                    seq=int(item["seq"]),
                    occurred_at=_moment(item["occurred_at"]),
                    actor_id=item["actor_id"],
                    event=item["event"],
                    subject_type=item["subject_type"],
                    subject_id=item["subject_id"],
                    data=item["data"],
                    prev_hash=item["prev_hash"],
                )
                entries.append(StoredEntry(fields, item["entry_hash"]))
                lines.setdefault(fields.seq, number)
            elif item["kind"] == "checkpoint":
                checkpoints.append(
                    Checkpoint(
                        int(item["seq"]),
                        item["entry_hash"],
                        _moment(item["signed_at"]),
                        item["key_id"],
                        item["signature"],
                    )
                )
            else:
                raise ExportError(f"line {number}: unknown kind {item['kind']!r}")
        except ExportError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            seq = len(entries) + 1
            raise ExportError(f"line {number} (entry {seq} expected) cannot be read: {exc}") from exc
    if header is None:
        raise ExportError("the file is empty")
    return _Export(header, entries, checkpoints, lines)


def verify_export(
    text_lines: Iterable[str],
    public_key: Ed25519PublicKey | None = None,
    witnessed: Sequence[WitnessedHead] = (),
    *,
    accept_unsigned_header: bool = False,
) -> ExportCheck:
    """Check an export; with no ``public_key``, the one in the header is used. ``witnessed``
    heads (from witness files) must each be in the export with the same hash."""
    export = _read(text_lines)
    header, entries, checkpoints, lines = export.header, export.entries, export.checkpoints, export.lines
    key_from_file = public_key is None
    if public_key is None:
        loaded = load_pem_public_key(str(header["public_key_pem"]).encode())
        if not isinstance(loaded, Ed25519PublicKey):
            raise ExportError("line 1: the public key is not an Ed25519 key")
        public_key = loaded
    signed = "signature" in header
    if signed and not _header_signature_ok(header, public_key):
        result = _broken_header(
            len(entries), len(checkpoints), "the header has a bad signature (it was edited, or another key signed it)"
        )
        return ExportCheck(result, public_key_id(public_key), key_from_file, lines)
    if not signed and not accept_unsigned_header:
        result = _broken_header(
            len(entries),
            len(checkpoints),
            "the header is not signed, so a file cut at an older checkpoint cannot be told from a whole one "
            "(an export from before headers were signed can be checked with --accept-unsigned-header)",
        )
        return ExportCheck(result, public_key_id(public_key), key_from_file, lines)
    result = verify_witnessed(entries, checkpoints, public_key, witnessed)
    through = header.get("through_seq")
    if result.ok and through != result.entries:
        # A cut that also dropped the newest checkpoint must edit the header too (and break its signature).
        result = VerifyResult(
            False,
            result.entries,
            result.checkpoints,
            None,
            broken_seq=result.entries + 1,
            reason=f"the header says the export runs to entry {through}; the file ends at {result.entries} (truncated)",
        )
    if result.ok and signed and entries and header.get("through_hash") != entries[-1].entry_hash:
        result = VerifyResult(
            False,
            result.entries,
            result.checkpoints,
            None,
            broken_seq=result.entries,
            reason=f"entry {result.entries} differs from the hash the signed header gives for it",
        )
    return ExportCheck(result, public_key_id(public_key), key_from_file, lines, unsigned_header=not signed)


def _header_signature_ok(header: dict[str, object], public_key: Ed25519PublicKey) -> bool:
    try:
        if header.get("key_id") != public_key_id(public_key):
            return False
        public_key.verify(base64.b64decode(str(header["signature"]), validate=True), header_message(header))
    except (InvalidSignature, ValueError):
        return False
    return True


def _broken_header(entries: int, checkpoints: int, reason: str) -> VerifyResult:
    return VerifyResult(False, entries, checkpoints, None, broken_seq=0, reason=reason)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="vetting-audit-verify",
        description="Verify an exported vetting audit chain without the application or its secrets.",
    )
    parser.add_argument("export", help="the .jsonl file from `vetting audit export` or the auditor's console")
    parser.add_argument("--public-key", help="the agency's published Ed25519 public key (PEM); default: the file's own")
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="FILE",
        help="a witness file of signed chain heads (`vetting audit anchor`); the export must hold every head "
        "with the same hash (repeatable)",
    )
    parser.add_argument(
        "--accept-unsigned-header",
        action="store_true",
        help="check an export written before headers were signed (a cut at a checkpoint then goes unseen)",
    )
    args = parser.parse_args(argv)
    key = None
    try:
        if args.public_key:
            with open(args.public_key, "rb") as handle:
                loaded = load_pem_public_key(handle.read())
            if not isinstance(loaded, Ed25519PublicKey):
                print(f"{args.public_key} does not hold an Ed25519 public key.", file=sys.stderr)
                return 2
            key = loaded
        witnessed = [head for path in args.witness for head in read_heads(path)]
        with open(args.export, encoding="utf-8") as handle:
            check = verify_export(handle, key, witnessed, accept_unsigned_header=args.accept_unsigned_header)
    except (OSError, ValueError) as exc:
        print(f"Cannot verify: {exc}", file=sys.stderr)
        return 2
    origin = " (taken from the file: compare it with the published one)" if check.key_from_file else ""
    print(f"Public key id: {check.key_id}{origin}")
    if check.unsigned_header:
        print("Warning: the header is not signed (an older export); a cut at a checkpoint would go unseen.")
    print(check.summary(), file=sys.stdout if check.result.ok else sys.stderr)
    return 0 if check.result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
