"""Public-records requests: the model's transitions, the due date and the approval rule (issue 15
point 4; RET-10)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.unit.test_policy import cycle_with, person
from vetting import policy
from vetting.config import ConfigError, load_settings
from vetting.errors import Conflict, ValidationFailed
from vetting.models import EXEMPTIONS, ItemDecision, RecordsRequest, RecordsRequestItem, RequestStatus, Role
from vetting.services.records_requests import due_date

AT = datetime(2026, 12, 3, 15, tzinfo=UTC)


def request(**overrides: object) -> RecordsRequest:
    values: dict[str, object] = {
        "requester_name": "Pat Reporter",
        "requester_contact": "pat@news.test",
        "received_on": date(2026, 12, 3),
        "statute": "CPRA",
        "due_on": date(2026, 12, 17),
        "description": "Hiring files",
        "cycle_ids": [1],
        "candidate_ids": [],
        "by_id": 1,
        "at": AT,
    }
    values.update(overrides)
    return RecordsRequest.log(**values)  # type: ignore[arg-type]


def item(release_id: int = 7, decision: ItemDecision = ItemDecision.WITHHOLD) -> RecordsRequestItem:
    return RecordsRequestItem(
        candidate_id=1,
        finding_id=3,
        release_id=release_id,
        decision=decision,
        exemption_code="personnel_record",
        decided_by_id=1,
        decided_at=AT,
    )


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Thursday + 3: Fri 4, Mon 7 is the holiday, Tue 8, Wed 9.
        (date(2026, 12, 3), 3, date(2026, 12, 9)),
        # Friday + 1: the weekend and the Monday holiday are skipped.
        (date(2026, 12, 4), 1, date(2026, 12, 8)),
        # Received on a Saturday: the window starts on the next business day.
        (date(2026, 12, 5), 2, date(2026, 12, 9)),
        # Thursday + 10 around the holiday: two calendar weeks and one day.
        (date(2026, 12, 3), 10, date(2026, 12, 18)),
    ],
)
def test_the_due_date_counts_business_days_around_a_weekend_and_a_holiday(received: date, days: int, due: date) -> None:
    assert due_date(received, days, {date(2026, 12, 7)}) == due


def test_a_request_moves_through_review_preparation_approval_and_release() -> None:
    r = request()
    assert r.status is RequestStatus.INTAKE
    r.decide(item())
    assert r.status is RequestStatus.IN_REVIEW
    r.decide(item(decision=ItemDecision.RELEASE_TEXT))
    assert len(r.items) == 1
    assert r.items[0].decision is ItemDecision.RELEASE_TEXT
    with pytest.raises(Conflict):
        r.approve(by_id=2, at=AT)
    r.prepare(by_id=1, at=AT, log={"counts": {"items": 1}})
    with pytest.raises(Conflict) as frozen:
        r.decide(item(8))
    assert frozen.value.code == "request_state"
    with pytest.raises(Conflict):
        r.release(by_id=1, at=AT)
    with pytest.raises(Conflict) as own:
        r.approve(by_id=1, at=AT)
    assert own.value.code == "second_person_required"
    r.approve(by_id=2, at=AT)
    r.release(by_id=1, at=AT)
    assert r.status is RequestStatus.RELEASED
    assert not r.status.open
    with pytest.raises(Conflict):
        r.close(by_id=1, at=AT, reason="Withdrawn by the requester", denied=False)


@pytest.mark.parametrize("denied", [True, False])
def test_an_open_request_is_closed_or_denied_once(denied: bool) -> None:
    r = request()
    r.close(by_id=1, at=AT, reason="Withdrawn by the requester", denied=denied)
    assert r.status is (RequestStatus.DENIED if denied else RequestStatus.CLOSED)
    with pytest.raises(Conflict):
        r.prepare(by_id=1, at=AT, log={})
    with pytest.raises(Conflict):
        r.close(by_id=1, at=AT, reason="Again and again", denied=denied)


def test_a_request_needs_a_scope_and_a_due_date_not_before_receipt() -> None:
    with pytest.raises(ValidationFailed) as empty:
        request(cycle_ids=[])
    assert empty.value.field == "scope"
    with pytest.raises(ValidationFailed) as early:
        request(due_on=date(2026, 12, 2))
    assert early.value.field == "due_on"


def test_every_exemption_has_a_label_and_a_citation() -> None:
    assert set(EXEMPTIONS) == {
        "confidential_background_file",
        "personnel_record",
        "third_party_privacy",
        "confidential_source",
        "protected_class",
    }
    for code, exemption in EXEMPTIONS.items():
        assert exemption.code == code
        assert exemption.label
        assert len(exemption.citation) > 40


def test_the_preparer_never_approves_and_nobody_with_a_duty_in_the_scope_does() -> None:
    """RET-10 and R2 extended to records."""
    preparer = person(Role.RECORDS_OFFICER)
    second = person(Role.RECORDS_OFFICER)
    cycles = [cycle_with()]
    assert policy.records_request_approval_refusal(preparer, preparer.id, cycles) == policy.PREPARER_CANNOT_APPROVE
    assert policy.records_request_approval_refusal(second, preparer.id, cycles) is None
    for role in (Role.ADMIN, Role.AUDITOR, Role.INVESTIGATOR, Role.BOARD_MEMBER):
        assert policy.records_request_approval_refusal(person(role), preparer.id, cycles) == policy.FORBIDDEN
    both = person(Role.RECORDS_OFFICER, Role.BOARD_MEMBER)
    refusal = policy.records_request_approval_refusal(both, preparer.id, [cycle_with(board_member=both)])
    assert "separation of duties" in (refusal or "")


def test_the_window_and_the_statute_come_from_the_environment_or_config_toml_and_are_checked(
    keys_dir: Path, tmp_path: Path
) -> None:
    base = {"VETTING_DATABASE_URL": "sqlite://"}
    default = load_settings(keys_dir, env=base)
    assert default.records_request_days == 10
    assert "Public Records Act" in default.records_statute
    assert load_settings(keys_dir, env={**base, "VETTING_RECORDS_REQUEST_DAYS": "5"}).records_request_days == 5
    for bad in ("0", "61", "ten", "-5"):
        with pytest.raises(ConfigError, match="records_request_days"):
            load_settings(keys_dir, env={**base, "VETTING_RECORDS_REQUEST_DAYS": bad})
    with pytest.raises(ConfigError, match="records_statute"):
        load_settings(keys_dir, env={**base, "VETTING_RECORDS_STATUTE": "x" * 201})
    instance = tmp_path / "instance"
    instance.mkdir()
    for name in ("secret_key", "master_key", "audit_signing_key.pem"):
        (instance / name).write_bytes((keys_dir / name).read_bytes())
    (instance / "config.toml").write_text(
        'records_request_days = 3\nrecords_statute = "Texas Public Information Act"\n', encoding="utf-8"
    )
    configured = load_settings(instance, env=base)
    assert configured.records_request_days == 3
    assert configured.records_statute == "Texas Public Information Act"
