"""The agency's clock (issue 16 point 7): stored moments stay UTC; days, windows and what a person
reads follow ``VETTING_TIME_ZONE``, across daylight-saving changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from vetting import clock
from vetting.config import ConfigError, check_time_zone, configured_time_zone
from vetting.instance import save_agency_name, save_time_zone


@pytest.fixture
def chicago() -> Iterator[None]:
    clock.set_zone("America/Chicago")
    yield
    clock.set_zone("UTC")


def test_a_day_ends_at_its_own_local_midnight_across_the_autumn_change(chicago: None) -> None:
    # 1 November 2026: clocks go back at 02:00 CDT, so the day lasts 25 hours.
    assert clock.start_of(date(2026, 11, 1)) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    assert clock.end_of(date(2026, 11, 1)) == datetime(2026, 11, 2, 5, 59, 59, 999999, tzinfo=UTC)
    assert clock.end_of(date(2026, 11, 1)) - clock.start_of(date(2026, 11, 1)) == timedelta(hours=25, microseconds=-1)


def test_a_day_ends_at_its_own_local_midnight_across_the_spring_change(chicago: None) -> None:
    # 14 March 2027: clocks go forward at 02:00 CST, so the day lasts 23 hours.
    assert clock.end_of(date(2027, 3, 14)) - clock.start_of(date(2027, 3, 14)) == timedelta(hours=23, microseconds=-1)
    assert clock.end_of(date(2027, 3, 18)) == datetime(2027, 3, 19, 4, 59, 59, 999999, tzinfo=UTC)


def test_today_is_the_agency_s_date_not_utc_s(chicago: None) -> None:
    evening = datetime(2026, 11, 10, 3, 30, tzinfo=UTC)  # 21:30 CST on the 9th
    clock.set_clock(lambda: evening)
    try:
        assert clock.today() == date(2026, 11, 9)
        assert clock.shown_date(evening) == date(2026, 11, 9)
        assert clock.shown_time(evening) == "09 Nov 2026 21:30 CST"
    finally:
        clock.set_clock(None)


def test_utc_until_configured() -> None:
    moment = datetime(2026, 11, 10, 3, 30, tzinfo=UTC)
    assert clock.zone_name() == "UTC"
    assert clock.shown_time(moment) == "10 Nov 2026 03:30 UTC"
    assert configured_time_zone({}, {}) == "UTC"


@pytest.mark.parametrize(
    "bad",
    ["Mars/Olympus", "America/Chicago/../../etc/passwd", "../UTC", "", "America/Chic\u0430go", "EST5EDT\x00"],
)
def test_a_name_the_tz_database_does_not_know_is_refused_naming_the_setting(bad: str) -> None:
    with pytest.raises(ConfigError, match="VETTING_TIME_ZONE"):
        configured_time_zone({"VETTING_TIME_ZONE": bad or " "}, {})


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    assert configured_time_zone({"VETTING_TIME_ZONE": "Europe/Paris"}, {"time_zone": "America/Chicago"}) == (
        "Europe/Paris"
    )
    with pytest.raises(ConfigError, match="time_zone in config.toml"):
        configured_time_zone({}, {"time_zone": 5})


def test_saving_the_zone_keeps_the_rest_of_config_toml(tmp_path: Path) -> None:
    save_agency_name(tmp_path, "Hattiesburg Police Department")
    save_time_zone(tmp_path, check_time_zone("America/Chicago"))
    save_time_zone(tmp_path, check_time_zone("America/Denver"))
    text = (tmp_path / "config.toml").read_text()
    assert 'time_zone = "America/Denver"' in text
    assert 'agency_name = "Hattiesburg Police Department"' in text
    assert "America/Chicago" not in text
