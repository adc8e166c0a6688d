"""The encrypted store's files against the rows that name them (issue 14, point 6).

A file a row names is written crash-consistently (:func:`write_file`): sealed under a temporary
name and fsynced, the row flushed, then renamed to its final name (the folder fsynced); a
rollback removes it. A crash therefore leaves at most a *half-written* file (a temporary name) or
an *orphaned* one (a final name no committed row points to). :func:`check` finds both, and rows
whose file is missing; with repair it removes the leftovers, never a file a row points to and
never one younger than ``min_age`` seconds (it may belong to an upload in flight). The audit
log gets counts only, never names or content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.crypto import DataKey
from vetting.db import on_rollback
from vetting.models import Candidate, Consent, Evidence, Finding, ResponseAttachment, User
from vetting.storage import EncryptedStore, StoredFile

log = logging.getLogger("vetting.storage")

#: Files younger than this (seconds) may belong to an upload in flight: never removed.
DEFAULT_MIN_AGE = 60.0
#: The progress callback is called after every this many files.
PROGRESS_EVERY = 1000
#: What a check removes: nothing, half-written (temporary) files, or those and orphaned files.
Repair = Literal["none", "half-written", "all"]
_IN_CHUNK = 500


def write_file(
    session: Session, store: EncryptedStore, name: str, key: DataKey, plaintext: bytes, purpose: str
) -> None:
    """Store the file that a row already added to ``session`` names; removed if the transaction rolls back.

    Staged (fsynced under a temporary name), then the row is flushed, then published (renamed
    to ``name``, the folder fsynced): a crash before the commit leaves a file the check finds.
    """
    store.stage(name, key, plaintext, purpose)
    on_rollback(session, lambda: store.delete(name))
    session.flush()
    store.publish(name)


def delete_after_commit(session: Session, store: EncryptedStore, names: Iterable[str]) -> None:
    """Delete files from the store once the transaction commits (disposition, minimisation): before
    it, a rollback would leave rows naming no file. A file the store fails to delete is left to the
    check below, which removes it as orphaned once no committed row names it."""
    doomed = list(names)

    def delete_files(committed: Session) -> None:
        for name in doomed:
            try:
                store.delete(name)
            except Exception as error:  # its row is gone: the check's repair removes it
                log.warning("a destroyed record's file was not deleted (%s)", type(error).__name__)

    event.listen(session, "after_commit", delete_files, once=True)
    on_rollback(session, lambda: event.remove(session, "after_commit", delete_files))


@dataclass(frozen=True)
class MissingFile:
    """A row whose file is not in the store."""

    kind: Literal["evidence", "consent", "response_attachment"]
    row_id: int
    name: str


@dataclass
class StorageCheck:
    """What :func:`check` found and, with repair, removed."""

    repair: Repair
    min_age: float
    files: int = 0
    rows: int = 0
    #: Final files no row points to (a crash between the rename and the commit).
    orphaned: list[StoredFile] = field(default_factory=list)
    #: Temporary files no row points to (a crash while writing, before the rename).
    half_written: list[StoredFile] = field(default_factory=list)
    #: Anything else found in the store's folder: reported, never removed.
    unrecognised: list[StoredFile] = field(default_factory=list)
    missing: list[MissingFile] = field(default_factory=list)
    removed: list[StoredFile] = field(default_factory=list)
    #: Leftovers the repair left in place because they are younger than ``min_age``.
    too_young: list[StoredFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No row points to a missing file (leftover files are not an error)."""
        return not self.missing

    @property
    def leftovers(self) -> int:
        return len(self.orphaned) + len(self.half_written)

    def fate(self, found: StoredFile) -> str:
        """What the repair did with ``found`` ("" when it was not asked to remove it)."""
        if found in self.removed:
            return "removed"
        if found in self.too_young:
            return f"left: younger than {self.min_age:g} s"
        return ""

    def summary(self) -> str:
        line = (
            f"{self.files} stored file(s) checked against {self.rows} row(s): "
            f"{len(self.orphaned)} orphaned, {len(self.half_written)} half-written, "
            f"{len(self.missing)} row(s) with a missing file"
        )
        if self.unrecognised:
            line += f", {len(self.unrecognised)} unrecognised"
        if self.repair != "none":
            line += f"; removed {len(self.removed)}"
            if self.too_young:
                line += f", left {len(self.too_young)} younger than {self.min_age:g} s"
        return line + "."


#: Candidates whose data key still exists: a disposed candidate's rows point to files that
#: disposition deleted (issue 15), so they are neither missing nor keep a leftover file.
_KEPT = select(Candidate.id).where(Candidate.wrapped_key.is_not(None))
_KEPT_FINDINGS = select(Finding.id).where(Finding.candidate_id.in_(_KEPT))


def _rows(session: Session) -> dict[str, MissingFile]:
    """Every storage name a row points to, with the row (read before the store is listed)."""
    rows: dict[str, MissingFile] = {}
    for row_id, name in session.execute(
        select(Evidence.id, Evidence.storage_name).where(Evidence.finding_id.in_(_KEPT_FINDINGS))
    ):
        rows[name] = MissingFile("evidence", row_id, name)
    for row_id, name in session.execute(
        select(Consent.id, Consent.document_storage_name).where(Consent.candidate_id.in_(_KEPT))
    ):
        rows[name] = MissingFile("consent", row_id, name)
    for row_id, name in session.execute(
        select(ResponseAttachment.id, ResponseAttachment.storage_name).where(ResponseAttachment.candidate_id.in_(_KEPT))
    ):
        rows[name] = MissingFile("response_attachment", row_id, name)
    return rows


def _referenced_now(session: Session, names: Iterable[str]) -> set[str]:
    """Which of ``names`` a row points to at this moment (a commit since the first read counts)."""
    wanted = sorted(set(names))
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.update(
            session.scalars(
                select(Evidence.storage_name).where(
                    Evidence.storage_name.in_(chunk), Evidence.finding_id.in_(_KEPT_FINDINGS)
                )
            )
        )
        found.update(
            session.scalars(
                select(Consent.document_storage_name).where(
                    Consent.document_storage_name.in_(chunk), Consent.candidate_id.in_(_KEPT)
                )
            )
        )
        found.update(
            session.scalars(
                select(ResponseAttachment.storage_name).where(
                    ResponseAttachment.storage_name.in_(chunk), ResponseAttachment.candidate_id.in_(_KEPT)
                )
            )
        )
    return found


def check(
    session: Session,
    actor: User | None,
    store: EncryptedStore,
    *,
    repair: Repair = "none",
    min_age: float = DEFAULT_MIN_AGE,
    progress: Callable[[int], None] | None = None,
) -> StorageCheck:
    """Compare the store with the rows; with ``repair``, remove leftovers older than ``min_age``.

    Audited: ``storage.checked`` with the counts, and ``storage.repaired`` with the counts
    removed and left when anything was removed.
    """
    if min_age < 0:
        raise ValueError("min_age must not be negative")
    result = StorageCheck(repair=repair, min_age=min_age)
    # Rows first: a row committed after this read has its file already renamed before its commit,
    # so a file listed below without a row is either a leftover or a young upload in flight.
    rows = _rows(session)
    result.rows = len(rows)
    present: set[str] = set()
    for found in store.scan():
        result.files += 1
        if progress is not None and result.files % PROGRESS_EVERY == 0:
            progress(result.files)
        if found.kind == "other":
            result.unrecognised.append(found)
        elif found.kind == "final":
            present.add(found.name)
            if found.name not in rows:
                result.orphaned.append(found)
        elif found.name not in rows:
            result.half_written.append(found)
    result.missing = [row for name, row in sorted(rows.items()) if name not in present]
    if repair != "none":
        _repair(session, store, result)
    record(
        session,
        actor,
        Event.STORAGE_CHECKED,
        files=result.files,
        rows=result.rows,
        orphaned=len(result.orphaned),
        half_written=len(result.half_written),
        missing=len(result.missing),
        unrecognised=len(result.unrecognised),
        repair=repair,
    )
    if result.removed:
        record(
            session,
            actor,
            Event.STORAGE_REPAIRED,
            orphaned_removed=sum(1 for f in result.removed if f.kind == "final"),
            half_written_removed=sum(1 for f in result.removed if f.kind == "temp"),
            left_too_young=len(result.too_young),
        )
    return result


def _repair(session: Session, store: EncryptedStore, result: StorageCheck) -> None:
    targets = list(result.half_written)
    if result.repair == "all":
        targets += result.orphaned
    old: list[StoredFile] = []
    for found in targets:
        (result.too_young if found.age < result.min_age else old).append(found)
    referenced = _referenced_now(session, (f.name for f in old))
    for found in old:
        if found.name not in referenced and store.remove(found):
            result.removed.append(found)
