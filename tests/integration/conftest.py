"""Fixtures for the storage tests: moto's S3 server, a bucket per test and both store backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.stores import S3_ENV, S3_UNSET, Backend, LocalBackend, S3Backend, moto_server, new_bucket


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The endpoint of one moto S3 server (a real HTTP server on 127.0.0.1) for the session."""
    yield from moto_server()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Credentials for moto in the environment, and none of the machine user's boto3 settings."""
    for name in S3_UNSET:
        monkeypatch.delenv(name, raising=False)
    env = S3_ENV | {
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def s3_bucket(s3_endpoint: str, s3_env: dict[str, str]) -> str:
    return new_bucket(s3_endpoint)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A store of this test's own: the local folder, or a fresh bucket on the moto server."""
    if request.param == "local":
        return LocalBackend(tmp_path / "evidence")
    bucket: str = request.getfixturevalue("s3_bucket")
    return S3Backend(request.getfixturevalue("s3_endpoint"), bucket)
