"""Fixtures: one migrated database per run, a clean copy per test, a fast app.

SQLite by default; PostgreSQL when ``VETTING_TEST_DATABASE_URL`` is set (a fresh
database is created on that server for the run and dropped afterwards).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import START, Clock
from vetting import create_app
from vetting.config import PasswordHashing, Settings, load_settings, normalise_database_url
from vetting.instance import ensure_instance
from vetting.migrate import upgrade
from vetting.models import Base

PG_URL = os.environ.get("VETTING_TEST_DATABASE_URL", "").strip()


def _server_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("instance")
    ensure_instance(path)
    return path


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per run (a file to copy, or a PG database)."""
    if PG_URL:
        base = normalise_database_url(PG_URL)
        name = f"vetting_test_{secrets.token_hex(4)}"
        admin = create_engine(_server_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)


def _fresh_database(template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = create_engine(template)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template
    target = tmp_path / "vetting.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def clock() -> Iterator[Clock]:
    c = Clock(START)
    c.install()
    yield c
    Clock.uninstall()


@pytest.fixture
def settings(keys_dir: Path, database_template: str, tmp_path: Path, clock: Clock) -> Settings:
    url = _fresh_database(database_template, tmp_path)
    return load_settings(
        keys_dir,
        env={},
        database_url=url,
        testing=True,
        # Documents name the agency; without one they are refused (issue 18).
        agency_name="Test Police Department",
        # argon2id at its minimum cost: the suite checks behaviour, not hashing strength.
        password_hashing=PasswordHashing(time_cost=1, memory_cost_kib=64, parallelism=1),
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    yield application
    application.extensions["vetting"].db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
