"""One initialised instance (``vetting init`` + ``vetting demo``) per module, run as real subprocesses.

SQLite by default (the file in the instance folder); when ``VETTING_TEST_DATABASE_URL``
is set, a uniquely named PostgreSQL database on that server, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from vetting.config import normalise_database_url

PG_URL = os.environ.get("VETTING_TEST_DATABASE_URL", "").strip()
VETTING = Path(sys.executable).with_name("vetting")
#: Variables that would override the instance folder's keys or database.
_OVERRIDES = (
    "VETTING_DATABASE_URL",
    "VETTING_SECRET_KEY",
    "VETTING_MASTER_KEY",
    "VETTING_AUDIT_SIGNING_KEY",
    "VETTING_LOGIN_BANNER",
    "VETTING_NEW_PASSWORD",
    "VETTING_AGENCY_NAME",
)
#: Every instance names its agency (``vetting init`` stops without one when it cannot ask).
TEST_AGENCY = "Test Police Department"


def _server_engine() -> Engine:
    base = normalise_database_url(PG_URL)
    server = make_url(base).set(database="postgres").render_as_string(hide_password=False)
    return create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_pg_database(template: str | None = None) -> str:
    """Create a uniquely named database (optionally a copy of ``template``); return its URL."""
    name = f"vetting_cli_{secrets.token_hex(4)}"
    engine = _server_engine()
    clause = f' TEMPLATE "{template}"' if template else ""
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return make_url(normalise_database_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    engine = _server_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@dataclass
class Instance:
    """An instance folder and the database the ``vetting`` command uses with it."""

    path: Path
    database_url: str
    pg: bool
    outputs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _OVERRIDES}
        env["VETTING_INSTANCE_PATH"] = str(self.path)
        env["VETTING_AGENCY_NAME"] = TEST_AGENCY
        if self.pg:
            env["VETTING_DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_vetting(self.env(), self.path.parent, *args)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start ``vetting`` without waiting (several checks run side by side)."""
        return subprocess.Popen(
            [str(VETTING), *args],
            env=self.env(),
            cwd=self.path.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def discard(self) -> None:
        if self.pg:
            drop_pg_database(self.database_url)

    def engine(self) -> Engine:
        return create_engine(self.database_url, poolclass=NullPool)

    def scalar(self, sql: str) -> object:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar_one()
        finally:
            engine.dispose()


def run_vetting(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: PLW1510 - callers assert on the exit code
        [str(VETTING), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def _new_instance(path: Path) -> Instance:
    if PG_URL:
        return Instance(path=path, database_url=create_pg_database(), pg=True)
    return Instance(path=path, database_url=f"sqlite:///{path / 'vetting.db'}", pg=False)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """``vetting init`` then ``vetting demo``, once per module; their output is kept."""
    assert VETTING.exists(), f"console script not installed at {VETTING}"
    inst = _new_instance(tmp_path_factory.mktemp("cli") / "instance")
    try:
        for name, args in (("init", ("init",)), ("demo", ("demo",))):
            result = inst.run(*args)
            assert result.returncode == 0, output_of(result)
            inst.outputs[name] = result
        yield inst
    finally:
        inst.discard()


def copy_instance(instance: Instance, path: Path) -> Instance:
    """A throw-away copy of ``instance`` (keys and database) at ``path``, for tampering."""
    shutil.copytree(instance.path, path)
    if instance.pg:
        url = create_pg_database(template=make_url(instance.database_url).database)
        return Instance(path=path, database_url=url, pg=True)
    return Instance(path=path, database_url=f"sqlite:///{path / 'vetting.db'}", pg=False)
