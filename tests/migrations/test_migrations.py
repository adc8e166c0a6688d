"""Alembic migrations (SecureDrop style): head matches the models, every downgrade works.

Each test gets an empty database of its own: a SQLite file, or a uniquely named
PostgreSQL database on the ``VETTING_TEST_DATABASE_URL`` server, dropped afterwards.
"""

from __future__ import annotations

import ast
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from vetting.config import PROJECT_ROOT, normalise_database_url
from vetting.migrate import alembic_config, downgrade, upgrade
from vetting.models import Base

PG_URL = os.environ.get("VETTING_TEST_DATABASE_URL", "").strip()
VERSIONS = PROJECT_ROOT / "migrations" / "versions"
SCRIPTS = ScriptDirectory.from_config(alembic_config("sqlite://"))
#: Oldest first, so a failure points at the first revision that breaks.
REVISIONS = [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))]


def _server_engine() -> Engine:
    server = make_url(normalise_database_url(PG_URL)).set(database="postgres").render_as_string(hide_password=False)
    return create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of brand-new, empty databases (their URLs); all dropped after the test."""
    created: list[str] = []

    def make() -> str:
        name = f"vetting_mig_{secrets.token_hex(4)}"
        if not PG_URL:
            return f"sqlite:///{tmp_path / name}.db"
        server = _server_engine()
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        server.dispose()
        created.append(name)
        return make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(hide_password=False)

    yield make
    if created:
        server = _server_engine()
        with server.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def empty_db(new_database: Callable[[], str]) -> str:
    return new_database()


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def schema_of(url: str) -> dict[str, Any]:
    """Names and shapes of every table, column, index and constraint (not Alembic's own table)."""
    engine = _engine(url)
    try:
        inspector = inspect(engine)
        schema: dict[str, Any] = {}
        for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
            pk = inspector.get_pk_constraint(table)
            schema[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement"))
                    for c in inspector.get_columns(table)
                ],
                "pk": (pk.get("name"), tuple(pk["constrained_columns"])),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
                ),
                "foreign_keys": sorted(
                    (
                        fk["name"],
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        (fk.get("options") or {}).get("ondelete"),
                    )
                    for fk in inspector.get_foreign_keys(table)
                ),
                "checks": sorted((c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)),
            }
        return schema
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_there_is_one_head_and_a_linear_history() -> None:
    assert len(SCRIPTS.get_heads()) == 1
    assert REVISIONS, "no migrations found"
    for older, newer in zip(REVISIONS, REVISIONS[1:], strict=False):
        assert SCRIPTS.get_revision(newer).down_revision == older


def test_head_matches_the_models(empty_db: str) -> None:
    upgrade(empty_db)
    engine = _engine(empty_db)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "the models and the migrations disagree; write a migration:\n" + "\n".join(
        map(str, differences)
    )
    assert current_revision(empty_db) == SCRIPTS.get_current_head()
    assert set(schema_of(empty_db)) == set(Base.metadata.tables)


def test_head_has_the_schema_the_models_create(new_database: Callable[[], str]) -> None:
    """Also what autogenerate does not compare: CHECK constraints, and every name and ON DELETE."""
    migrated, created = new_database(), new_database()
    upgrade(migrated)
    engine = _engine(created)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    assert schema_of(migrated) == schema_of(created)


def test_upgrade_downgrade_upgrade_gives_the_same_schema(empty_db: str) -> None:
    upgrade(empty_db)
    first = schema_of(empty_db)
    downgrade(empty_db, "base")
    assert schema_of(empty_db) == {}
    assert current_revision(empty_db) is None
    upgrade(empty_db)
    assert schema_of(empty_db) == first


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_downgrade_undoes_its_upgrade(empty_db: str, revision: str) -> None:
    down_revision = SCRIPTS.get_revision(revision).down_revision
    assert not isinstance(down_revision, tuple), "merge revisions need their own test"
    previous = down_revision or "base"
    upgrade(empty_db, previous)
    before = schema_of(empty_db)
    upgrade(empty_db, revision)
    after = schema_of(empty_db)

    downgrade(empty_db, previous)

    assert schema_of(empty_db) == before
    assert current_revision(empty_db) == down_revision
    upgrade(empty_db, revision)
    assert schema_of(empty_db) == after
    assert current_revision(empty_db) == revision


def _imports_models(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [name for name in names if name == "vetting.models" or name.startswith("vetting.models.")]
    return found


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_migrations_do_not_import_the_models(path: Path) -> None:
    # A migration must keep working after the models change: it spells out its own tables.
    assert _imports_models(path) == []
    assert "vetting.models" not in path.read_text(encoding="utf-8")
