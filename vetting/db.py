"""Engine, sessions and the one transaction per request or command.

SQLite: foreign keys on, WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for every
transaction, so concurrent writers queue for the lock instead of failing with
"database is locked" when a read turns into a write (SQLAlchemy pysqlite docs,
"Serializable isolation / Savepoints / Transactional DDL").
PostgreSQL: psycopg 3 with pre-ping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from vetting.audit import writer
from vetting.errors import DomainError

SQLITE_BUSY_TIMEOUT_MS = 30_000
_UNDO_KEY = "undo_on_rollback"
#: Execution option of a read-only SQLite connection: its transaction begins deferred.
SNAPSHOT_READ = "vetting_snapshot_read"


def on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Run ``undo`` if this transaction rolls back (e.g. delete a file it wrote)."""
    session.info.setdefault(_UNDO_KEY, []).append(undo)


def _run_undo(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        for undo in reversed(session.info.pop(_UNDO_KEY, [])):
            undo()


def _forget_undo(session: Session) -> None:
    session.info.pop(_UNDO_KEY, None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine configured the same way for the app, the CLI and the tests.

    Bound parameters are hidden from error messages: they may hold candidate content.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control away from the driver; we BEGIN ourselves below.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows are overwritten, not left readable in free pages.
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # A snapshot read (the chain check) takes no write lock: WAL readers never block writers.
            deferred = connection.get_execution_options().get(SNAPSHOT_READ, False)
            connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


_HELD = "held"


def _hold(session: Session, instance: object) -> None:
    held = session.info.get(_HELD)
    if held is not None:
        held[id(instance)] = instance


def _let_go(session: Session, instance: object) -> None:
    """An expunged object is no longer the session's to keep (a batched read that expunges as it
    goes stays as small as before)."""
    held = session.info.get(_HELD)
    if held is not None:
        held.pop(id(instance), None)


class Database:
    """Owns the engine and hands out transactions; built once in ``create_app``."""

    def __init__(self, url: str, signing_key: Ed25519PrivateKey, **engine_kwargs: Any) -> None:
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={"audit_signing_key": signing_key},
        )
        # Every transaction that appended audit events also signs the new chain head.
        event.listen(self.sessionmaker, "before_commit", writer.sign_pending_checkpoint)
        event.listen(self.sessionmaker, "after_soft_rollback", writer.forget_pending)
        event.listen(self.sessionmaker, "after_soft_rollback", _run_undo)
        event.listen(self.sessionmaker, "after_commit", _forget_undo)
        event.listen(self.sessionmaker, "loaded_as_persistent", _hold)
        event.listen(self.sessionmaker, "persistent_to_detached", _let_go)

    @contextmanager
    def transaction(self, *, hold: bool = False) -> Iterator[Session]:
        """Yield a session inside one transaction: commit on success, roll back on error.

        ``hold``: keep every object the session loads until it closes. The identity map holds
        objects weakly, so one a service has let go of (a finding it resolved a mention of) is
        loaded again, with all its eager loads, by the next service of the same request; a
        request's unit of work reads a page at most, so holding it costs little (issue 17).
        Long jobs leave it off.

        A :class:`DomainError` carrying a ``refusal`` is recorded in the audit log in a
        transaction of its own after the rollback, so the refused change leaves nothing
        behind but the record that it was refused.
        """
        try:
            with self.sessionmaker() as session, session.begin():
                if hold:
                    session.info[_HELD] = {}
                yield session
        except DomainError as error:
            if error.refusal is not None:
                self._record_refusal(error)
            raise

    def _record_refusal(self, error: DomainError) -> None:
        assert error.refusal is not None
        with self.sessionmaker() as session, session.begin():
            writer.record_refusal(session, error.refusal)

    def dispose(self) -> None:
        self.engine.dispose()
