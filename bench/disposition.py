"""Disposition of candidates by crypto-shredding, as a ratio to deleting the same rows (issue 15).

A throwaway instance (SQLite in its folder, or ``--database-url``) is filled with the demo cycle
grown to ``2 × n`` candidates (bench/fill.py: each with its checklist work, searches, findings,
mentions, releases, consent file and audit events, under its own data key). The cycle is closed
and the clock moved past every retention period. Then, one transaction per candidate as in the
app:

- **disposition**: ``n`` candidates proposed by one records officer and approved by another
  (:mod:`vetting.services.disposition`: the due check, the tombstone's counts and digests, the key
  destroyed, the outbox cleared, the files deleted after the commit, two audited events);
- **baseline**: the other ``n`` candidates' rows deleted outright, every table that hangs off
  ``candidates`` (children first), and their files deleted from the store, with no crypto, no
  tombstone and no audit event.

    .venv/bin/python bench/disposition.py [n]      # default 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fill import _owned_tables, fill  # bench/ is the script's folder, first on sys.path
from sqlalchemy import ColumnElement, Table, delete, select, update
from sqlalchemy.orm import Session

from vetting.clock import set_clock, utcnow
from vetting.config import load_settings
from vetting.models import Candidate, CycleStatus, Finding, Role, User
from vetting.runtime import Runtime
from vetting.services import cycles, disposition, holds, users
from vetting.services.disposition import stored_files_of

VETTING = str(Path(sys.executable).with_name("vetting"))
PASSWORD = "bench passphrase, long enough"


def _member(table: Table, candidate_id: int, owned: dict[str, Table]) -> ColumnElement[bool]:
    """SQL: ``table``'s rows that belong to the candidate (directly, or through an owned parent)."""
    if table.name == "candidates":
        return table.c.id == candidate_id
    if "candidate_id" in table.c:
        return table.c.candidate_id == candidate_id
    for fk in table.foreign_keys:
        parent = fk.column.table
        if parent.name in owned and parent is not table:
            inner = select(fk.column).where(_member(owned[parent.name], candidate_id, owned))
            return fk.parent.in_(inner)
    raise TypeError(f"{table.name} hangs off no candidate")


def delete_rows(session: Session, candidate_id: int, tables: list[Table]) -> int:
    """Delete every row of the candidate, children first (the baseline); returns the rows deleted."""
    owned = {t.name: t for t in tables}
    # The one cycle of foreign keys: a finding names its current release.
    session.execute(update(Finding).where(Finding.candidate_id == candidate_id).values(current_release_id=None))
    deleted = 0
    for table in reversed(tables):
        deleted += session.execute(delete(table).where(_member(table, candidate_id, owned))).rowcount  # type: ignore[attr-defined]
    return deleted


def _officer(session: Session, rt: Runtime, email: str) -> int:
    user = users.create_user(
        session, None, rt.security, email=email, name=email, password=PASSWORD, roles=frozenset({Role.RECORDS_OFFICER})
    )
    return user.id


def timed(work: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def prepare(rt: Runtime, n: int) -> tuple[int, int, list[int]]:
    """Fill, close the cycle, add two records officers; (proposer, approver, candidate ids). The
    candidates a legal hold reaches (the demo holds one) are left out of both halves: a held one
    cannot be disposed (RET-02), and deleting it would not be the same work."""
    t0 = time.perf_counter()
    filled = fill(rt, 2 * n + 30)
    print(f"filled {filled.candidates} candidates in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    with rt.db.transaction() as session:
        admin = session.scalar(select(User).where(User.email == "admin@demo.test"))
        assert admin is not None
        cycles.change_status(session, admin, filled.cycle_id, CycleStatus.CLOSED)
        proposer = _officer(session, rt, "records1@bench.test")
        approver = _officer(session, rt, "records2@bench.test")
        ids = list(
            session.scalars(
                select(Candidate.id)
                .where(Candidate.cycle_id == filled.cycle_id, Candidate.id.not_in(holds.held_candidate_ids()))
                .order_by(Candidate.id)
            )
        )
        assert len(ids) >= 2 * n, f"only {len(ids)} candidates are not held"
    return proposer, approver, ids


def dispose(rt: Runtime, proposer: int, approver: int, candidate_ids: list[int]) -> None:
    """Each candidate proposed by one records officer and approved by the other, as the API does."""
    for candidate_id in candidate_ids:
        with rt.db.transaction() as session:
            who = session.get(User, proposer)
            assert who is not None
            row_id = disposition.propose(session, who, candidate_id).id
        with rt.db.transaction() as session:
            who = session.get(User, approver)
            assert who is not None
            disposition.approve(session, who, rt.security, rt.store, row_id, results=rt.queue.results)


def delete_plainly(rt: Runtime, candidate_ids: list[int]) -> int:
    """The baseline: each candidate's rows and files deleted; returns the rows deleted."""
    tables = [t for t in _owned_tables() if t.name != "dispositions"]
    rows = 0
    for candidate_id in candidate_ids:
        with rt.db.transaction() as session:
            names = [f.storage_name for f in stored_files_of(session, candidate_id)]
            rows += delete_rows(session, candidate_id, tables)
        for name in names:
            rt.store.delete(name)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1000, help="Candidates disposed (and as many deleted)")
    parser.add_argument("--database-url", help="An empty database to fill (default: SQLite in a temporary instance)")
    args = parser.parse_args()
    n: int = args.n
    with tempfile.TemporaryDirectory(prefix="vetting-disposition-") as temp:
        env = {**os.environ, "VETTING_INSTANCE_PATH": str(Path(temp) / "instance")}
        env.pop("VETTING_QUEUE_URL", None)
        if args.database_url:
            env["VETTING_DATABASE_URL"] = args.database_url
        else:
            env.pop("VETTING_DATABASE_URL", None)
        subprocess.run(  # noqa: S603
            [VETTING, "init", "--agency-name", "Disposition Bench Police Department"], env=env, check=True
        )
        os.environ.update(env)
        rt = Runtime.build(load_settings(Path(temp) / "instance"))
        proposer, approver, ids = prepare(rt, n)
        later = utcnow() + timedelta(days=2 * 365 + 30)
        set_clock(lambda: later)  # past every default period and the RET-01 floor
        shredded, removed = ids[:n], ids[n : 2 * n]
        rows = 0

        def baseline() -> None:
            nonlocal rows
            rows = delete_plainly(rt, removed)

        plain = timed(baseline)
        crypto = timed(lambda: dispose(rt, proposer, approver, shredded))
        set_clock(None)
        with rt.db.transaction() as session:
            kept = select(Candidate.id).where(Candidate.id.in_(shredded), Candidate.wrapped_key.is_not(None))
            assert session.scalar(kept) is None, "a candidate kept its data key"
        rt.db.dispose()
    print(f"deleting {n} candidates' rows ({rows} rows) and files: {plain:.2f} s ({plain / n * 1000:.1f} ms each)")
    print(f"disposing of {n} candidates (proposal + approval): {crypto:.2f} s ({crypto / n * 1000:.1f} ms each)")
    print(f"disposition / plain deletion: {crypto / plain:.2f}")


if __name__ == "__main__":
    main()
