"""The queue's configuration (issue 17): the embedded SQLite file by default, Redis or another file
by ``VETTING_QUEUE_URL`` / ``queue_url``, anything else refused at start, naming the setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey

from tests.cli.conftest import VETTING
from vetting.config import ConfigError, load_settings
from vetting.jobs.queue import QUEUE_FILE, QUEUE_NAME, JobQueue, open_huey, queue_name
from vetting.storage import LocalStore


@pytest.fixture
def instance(keys_dir: Path, tmp_path: Path) -> Path:
    """A copy of the run's instance folder, so a config.toml written here stays here."""
    copy = tmp_path / "instance"
    shutil.copytree(keys_dir, copy)
    return copy


def test_the_default_queue_is_a_file_in_the_instance(instance: Path) -> None:
    settings = load_settings(instance, env={})
    assert settings.queue_url is None
    huey = open_huey(settings.queue_url, instance)
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str(instance / QUEUE_FILE)


def test_the_environment_names_redis_and_the_queue(instance: Path) -> None:
    settings = load_settings(instance, env={"VETTING_QUEUE_URL": "redis://127.0.0.1:6379/3?queue=agency-a"})
    huey = open_huey(settings.queue_url, instance)
    assert isinstance(huey, RedisHuey)
    assert huey.name == "agency-a"


def test_config_toml_names_the_queue_and_the_environment_wins(instance: Path) -> None:
    (instance / "config.toml").write_text('queue_url = "redis://queue.internal:6379/0"\n', encoding="utf-8")
    assert load_settings(instance, env={}).queue_url == "redis://queue.internal:6379/0"
    other = f"sqlite:///{instance / 'other.sqlite3'}"
    assert load_settings(instance, env={"VETTING_QUEUE_URL": other}).queue_url == other


@pytest.mark.parametrize("url", ["ftp://queue.internal", "amqp://rabbit", "queue.sqlite3", "sqlite://relative.db"])
def test_an_unknown_queue_is_refused_naming_the_setting(instance: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="queue_url"):
        load_settings(instance, env={"VETTING_QUEUE_URL": url})


def test_the_queue_parameter_is_not_passed_to_redis() -> None:
    assert queue_name("redis://:secret@h:6379/0?queue=a&socket_timeout=5") == (
        "redis://:secret@h:6379/0?socket_timeout=5",
        "a",
    )
    assert queue_name("sqlite:////var/lib/vetting/q.sqlite3") == ("sqlite:////var/lib/vetting/q.sqlite3", QUEUE_NAME)


def test_building_a_queue_opens_nothing(tmp_path: Path) -> None:
    JobQueue(None, tmp_path, LocalStore(tmp_path / "results"))
    assert not (tmp_path / QUEUE_FILE).exists()


def test_the_worker_command_is_listed() -> None:
    import subprocess

    shown = subprocess.run([str(VETTING), "worker", "--help"], capture_output=True, text=True, timeout=60, check=True)
    assert "--workers" in shown.stdout
    assert "--lease" in shown.stdout
