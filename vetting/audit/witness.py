"""Witnessed chain heads: the audit chain's head kept outside the database (issue 14).

The database alone cannot show that its newest entries were deleted together with their
checkpoints: what remains is a shorter chain that verifies. A *witness* keeps signed heads
somewhere the database's owner cannot rewrite, and a check against it fails when the chain
(or an export) is shorter than, or differs from, any head it holds.

The file witness is JSON Lines, appended to and never rewritten, one signed head a line::

    {"entry_hash": "…", "format": "vetting-audit-witness/1", "key_id": "…", "seq": 120,
     "signature": "…", "signed_at": "2026-03-01T10:00:00.000000Z"}

The signature is a checkpoint signature (:meth:`vetting.audit.chain.Checkpoint.message`):
Ed25519 over the canonical JSON of ``seq``, ``entry_hash``, ``signed_at`` and ``key_id``,
checked with the same public key as the chain. Like :mod:`vetting.audit.chain` and
:mod:`vetting.audit.export`, this module needs Python and ``cryptography`` only, so the
standalone verifier reads witness files too.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vetting.audit.chain import (
    Checkpoint,
    StoredEntry,
    VerifyResult,
    canonical_json,
    format_timestamp,
    public_key_id,
    verify_chain,
)

FORMAT = "vetting-audit-witness/1"


class WitnessError(ValueError):
    """A witness cannot be read or written; the message names the witness (and the line)."""


class Witness(Protocol):
    """Somewhere outside the database that keeps signed chain heads.

    The file below is the one kind today; an HTTP endpoint or the auditors' mailbox would
    implement the same two members (``append`` raising :class:`WitnessError` or ``OSError``).
    """

    @property
    def name(self) -> str:
        """How the witness is named in audit events, logs and messages (no secrets)."""
        ...

    def append(self, head: Checkpoint) -> None:
        """Keep ``head`` durably, or raise."""
        ...


@dataclass(frozen=True)
class WitnessedHead:
    """One signed head read back from a witness, and where it was read."""

    head: Checkpoint
    #: e.g. ``witness.jsonl line 3``
    source: str


def head_line(head: Checkpoint) -> str:
    """The witness line of ``head`` (ends in a newline)."""
    return (
        canonical_json(
            {
                "format": FORMAT,
                "seq": head.seq,
                "entry_hash": head.entry_hash,
                "signed_at": format_timestamp(head.signed_at),
                "key_id": head.key_id,
                "signature": head.signature,
            }
        )
        + "\n"
    )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z") + "+00:00")


def parse_heads(text_lines: Iterable[str], name: str) -> list[WitnessedHead]:
    """Every head of a witness file; an unreadable line raises :class:`WitnessError`."""
    heads: list[WitnessedHead] = []
    for number, raw in enumerate(text_lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            if not isinstance(item, dict) or item.get("format") != FORMAT:
                raise WitnessError(f"{name} line {number}: not a {FORMAT} line")
            seq = item["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
                raise WitnessError(f"{name} line {number}: seq must be a whole number")
            head = Checkpoint(
                seq, str(item["entry_hash"]), _moment(item["signed_at"]), str(item["key_id"]), str(item["signature"])
            )
        except WitnessError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WitnessError(f"{name} line {number} cannot be read: {exc}") from exc
        heads.append(WitnessedHead(head, f"{name} line {number}"))
    return heads


def read_heads(path: str | os.PathLike[str]) -> list[WitnessedHead]:
    """The heads of the witness file at ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_heads(handle, str(path))
    except OSError as exc:
        raise WitnessError(f"cannot read the witness {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise WitnessError(f"{path} is not a UTF-8 text file") from exc


class FileWitness:
    """An append-only JSON Lines file (opened with ``O_APPEND``, fsynced, never rewritten)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return f"file {self.path}"

    def append(self, head: Checkpoint) -> None:
        data = head_line(head).encode()
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                # A line torn by a crash stays as it was; the new head starts a line of its own.
                data = b"\n" + data
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_directory(self.path.parent)

    def heads(self) -> list[WitnessedHead]:
        return read_heads(self.path)


def _fsync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def verify_witnessed(
    entries: Iterable[StoredEntry],
    checkpoints: Iterable[Checkpoint],
    public_key: Ed25519PublicKey,
    heads: Sequence[WitnessedHead],
) -> VerifyResult:
    """:func:`~vetting.audit.chain.verify_chain`, then every witnessed head against the chain.

    Fails, naming the witnessed entry, when a head's signature is bad, when the chain is
    shorter than a head, or when the chain's entry at a head's position has another hash.
    """
    wanted = {h.head.seq for h in heads}
    seen: dict[int, str] = {}

    def tap() -> Iterator[StoredEntry]:
        for entry in entries:
            if entry.fields.seq in wanted:
                seen[entry.fields.seq] = entry.entry_hash
            yield entry

    result = verify_chain(tap(), checkpoints, public_key)
    if not result.ok:
        return result
    return check_heads(result, seen, heads, public_key)


def check_heads(
    result: VerifyResult, hashes: Mapping[int, str], heads: Sequence[WitnessedHead], public_key: Ed25519PublicKey
) -> VerifyResult:
    """``result`` (of an intact chain) checked against ``heads``; ``hashes`` holds the chain's
    entry hash at each witnessed position it reached."""
    expected_key = public_key_id(public_key)
    for w in sorted(heads, key=lambda w: w.head.seq):
        head = w.head
        try:
            if head.key_id != expected_key:
                raise InvalidSignature
            public_key.verify(base64.b64decode(head.signature), head.message())
        except (InvalidSignature, ValueError):
            return _broken(result, head.seq, f"the witnessed head at entry {head.seq} ({w.source}) has a bad signature")
        if head.seq > result.entries:
            return _broken(
                result,
                result.entries + 1,
                f"a witness holds a signed head at entry {head.seq} ({w.source}, signed "
                f"{format_timestamp(head.signed_at)}) but the chain ends at {result.entries} (truncated)",
            )
        if head.seq and hashes.get(head.seq) != head.entry_hash:
            return _broken(
                result, head.seq, f"entry {head.seq} differs from the witnessed head ({w.source}): hash mismatch"
            )
    newest = max((w.head.seq for w in heads), default=None)
    return replace(result, witnessed=len(heads), witnessed_seq=newest)


def _broken(result: VerifyResult, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(False, result.entries, result.checkpoints, None, broken_seq=seq, reason=reason)
