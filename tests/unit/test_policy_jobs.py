"""Who may start a job of each kind, and read its status and result (issue 17), for every role."""

from __future__ import annotations

import pytest

from tests.unit.test_policy import person
from vetting import policy
from vetting.models import JobKind, Role

pytestmark = pytest.mark.usefixtures("clock")

#: Every (role, kind) pair, decided explicitly: a new kind or role fails the first test until decided here.
STARTS: dict[tuple[Role, JobKind], bool] = {
    (Role.ADMIN, JobKind.AUDIT_REPORT): False,
    (Role.INVESTIGATOR, JobKind.AUDIT_REPORT): False,
    (Role.BOARD_MEMBER, JobKind.AUDIT_REPORT): False,
    (Role.AUDITOR, JobKind.AUDIT_REPORT): True,
    (Role.ADMIN, JobKind.CHAIN_CHECK): False,
    (Role.INVESTIGATOR, JobKind.CHAIN_CHECK): False,
    (Role.BOARD_MEMBER, JobKind.CHAIN_CHECK): False,
    (Role.AUDITOR, JobKind.CHAIN_CHECK): True,
    (Role.ADMIN, JobKind.UNIFORMITY_CSV): False,
    (Role.INVESTIGATOR, JobKind.UNIFORMITY_CSV): False,
    (Role.BOARD_MEMBER, JobKind.UNIFORMITY_CSV): False,
    (Role.AUDITOR, JobKind.UNIFORMITY_CSV): True,
    (Role.ADMIN, JobKind.AUDIT_EXPORT): False,
    (Role.INVESTIGATOR, JobKind.AUDIT_EXPORT): False,
    (Role.BOARD_MEMBER, JobKind.AUDIT_EXPORT): False,
    (Role.AUDITOR, JobKind.AUDIT_EXPORT): True,
    # The records officer keeps records; the audit's own jobs are the auditors' (issue 15).
    (Role.RECORDS_OFFICER, JobKind.AUDIT_REPORT): False,
    (Role.RECORDS_OFFICER, JobKind.CHAIN_CHECK): False,
    (Role.RECORDS_OFFICER, JobKind.UNIFORMITY_CSV): False,
    (Role.RECORDS_OFFICER, JobKind.AUDIT_EXPORT): False,
    # A production bundle is the records officer's (issue 15 point 5, RET-08).
    (Role.ADMIN, JobKind.PRODUCTION): False,
    (Role.INVESTIGATOR, JobKind.PRODUCTION): False,
    (Role.BOARD_MEMBER, JobKind.PRODUCTION): False,
    (Role.AUDITOR, JobKind.PRODUCTION): False,
    (Role.RECORDS_OFFICER, JobKind.PRODUCTION): True,
}
#: Kinds another holder of the action reads too, decided here as well.
SHARED = {JobKind.AUDIT_REPORT}


def test_table_decides_every_role_and_kind() -> None:
    assert set(STARTS) == {(r, k) for r in Role for k in JobKind}
    assert set(policy.JOB_ACTIONS) == set(JobKind)
    assert policy.SHARED_JOB_KINDS == SHARED


@pytest.mark.parametrize(("role", "kind", "allowed"), [(r, k, a) for (r, k), a in STARTS.items()])
def test_start(role: Role, kind: JobKind, allowed: bool) -> None:
    assert policy.can_start_job(person(role), kind) is allowed


@pytest.mark.parametrize(("role", "kind", "allowed"), [(r, k, a) for (r, k), a in STARTS.items()])
def test_requester_reads_while_they_hold_the_action(role: Role, kind: JobKind, allowed: bool) -> None:
    actor = person(role)
    assert policy.can_read_job(actor, kind, requested_by_id=actor.id) is allowed


@pytest.mark.parametrize(("role", "kind", "allowed"), [(r, k, a) for (r, k), a in STARTS.items()])
def test_another_person_reads_a_shared_kind_only_with_its_action(role: Role, kind: JobKind, allowed: bool) -> None:
    requester, other = person(Role.AUDITOR), person(role)
    expected = allowed and kind in policy.SHARED_JOB_KINDS
    assert policy.can_read_job(other, kind, requested_by_id=requester.id) is expected


def test_a_kind_not_shared_is_read_by_its_requester_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "SHARED_JOB_KINDS", frozenset())
    requester, colleague = person(Role.AUDITOR), person(Role.AUDITOR)
    assert policy.can_read_job(requester, JobKind.AUDIT_REPORT, requested_by_id=requester.id)
    assert not policy.can_read_job(colleague, JobKind.AUDIT_REPORT, requested_by_id=requester.id)


@pytest.mark.parametrize("role", list(Role))
def test_an_inactive_account_neither_starts_nor_reads(role: Role) -> None:
    actor = person(role, active=False)
    for kind in JobKind:
        assert not policy.can_start_job(actor, kind)
        assert not policy.can_read_job(actor, kind, requested_by_id=actor.id)
