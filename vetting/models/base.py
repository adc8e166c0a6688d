"""Declarative base, naming convention and shared column types (no Flask imports)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import DateTime, Dialect, MetaData, String, event
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from vetting.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which stores naive) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use vetting.clock.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


#: Ids are 32-bit integers in both databases; a larger number must be refused, not queried.
MAX_ID = 2**31 - 1

intpk = Annotated[int, mapped_column(primary_key=True)]
created_ts = Annotated[datetime, mapped_column(UTCDateTime(), default=utcnow)]
str200 = Annotated[str, mapped_column(String(200))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class AppendOnlyError(RuntimeError):
    """Code tried to change or delete a row of an append-only table through the ORM."""


class AppendOnly:
    """Rows of these models are written once and never changed or deleted (audit chain,
    published checklists). The database itself is not the guard: plain SQL can still
    change them, and the audit chain's verification is what detects that."""


@event.listens_for(Session, "before_flush")
def _refuse_append_only_changes(session: Session, flush_context: object, instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AppendOnly) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_append_only_bulk(state: ORMExecuteState) -> None:
    # session.execute(update(AuditEvent)...) bypasses the flush: refuse it here.
    if (state.is_update or state.is_delete) and any(issubclass(m.class_, AppendOnly) for m in state.all_mappers):
        raise AppendOnlyError("append-only rows cannot be updated or deleted")
