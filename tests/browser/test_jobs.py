"""The job status page in a real browser (issue 17): an auditor's report job waits for the worker,
and the page's status region turns to "Ready to download" by itself when the job finishes, with
no reload, no CSP violation and no serious accessibility violation; the download link is reached
from the keyboard.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import sign_in_demo
from tests.browser.test_axe import Checker, axe_context
from tests.support import Clock, runtime_of
from vetting.config import Settings
from vetting.demo import DemoAccount
from vetting.models import JobKind
from vetting.services import cycles, jobs, users

pytestmark = pytest.mark.browser

__all__ = ["axe_context"]  # the fixture, shared with the accessibility tests

AUDITOR_EMAIL = "auditor@demo.test"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


def _start_report(app: Flask) -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        auditor = users.find_user_by_email(session, AUDITOR_EMAIL)
        assert auditor is not None
        cycle_id = cycles.list_cycles(session, auditor)[0].id
        return jobs.start_job(session, auditor, JobKind.AUDIT_REPORT, cycle_id=cycle_id).id


def test_the_status_page_follows_the_job_until_its_file_is_ready(
    app: Flask, axe_context: BrowserContext, demo_accounts: dict[str, DemoAccount], clock: Clock
) -> None:
    page = axe_context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    checker = Checker(page)
    sign_in_demo(page, demo_accounts[AUDITOR_EMAIL], clock)
    job_id = _start_report(app)

    page.goto(f"/jobs/{job_id}")
    status = page.get_by_role("status").filter(has_text="Status:")
    expect(status).to_contain_text("Waiting for the worker")
    expect(status).to_have_attribute("aria-live", "polite")
    checker.check()

    # The worker's part, done here: the page was loaded before, and must notice by itself.
    rt = runtime_of(app)
    rt.queue.immediate = True
    rt.queue.enqueue(job_id)
    expect(status).to_contain_text("Ready to download", timeout=20_000)
    assert page.url.endswith(f"/jobs/{job_id}")  # updated in place, not reloaded elsewhere
    link = page.get_by_role("link", name=re.compile(r"^Download audit-report-cycle-\d+\.pdf$"))
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the download link is not reached with the Tab key")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.startswith("audit-report-cycle-")
    checker.check()
    checker.assert_clean()
    assert [m for m in console if "Content Security Policy" in m or m.startswith("error")] == []


def test_the_audit_log_button_runs_the_full_chain_check_in_the_background(
    app: Flask, axe_context: BrowserContext, demo_accounts: dict[str, DemoAccount], clock: Clock
) -> None:
    page = axe_context.new_page()
    checker = Checker(page)
    sign_in_demo(page, demo_accounts[AUDITOR_EMAIL], clock)
    page.goto("/audit")
    checker.check()  # the page with its new buttons
    page.get_by_role("button", name="Check every entry from the first, in the background").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    status = page.get_by_role("status").filter(has_text="Status:")
    expect(status).to_contain_text("Waiting for the worker")

    rt = runtime_of(app)
    rt.queue.immediate = True
    rt.queue.enqueue(int(page.url.rsplit("/", 1)[1]))
    expect(status).to_contain_text("Ready to download", timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download audit-chain-check-\d+\.json$")).click()
    report = json.loads(Path(download.value.path()).read_text())
    assert (report["full"], report["ok"]) == (True, True)
    assert report["marker"] is not None
    checker.check()
    checker.assert_clean()
