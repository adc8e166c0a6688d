"""Test helpers shared by every layer: a controllable clock, users, logins, tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from vetting.clock import set_clock, utcnow
from vetting.http.runtime import Runtime
from vetting.models import CycleStatus, Role, User
from vetting.security import totp
from vetting.services import checklists, cycles, tokens, users
from vetting.services.accounts import seal_totp_secret

PASSWORD = "correct horse battery staple"


class Clock:
    """A clock tests move by hand; installed for every test by the autouse fixture."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def install(self) -> None:
        set_clock(self)

    @staticmethod
    def uninstall() -> None:
        set_clock(None)


START = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


@dataclass
class Person:
    id: int
    email: str
    name: str
    roles: frozenset[Role]
    totp_secret: str | None


def runtime_of(app: Flask) -> Runtime:
    found: Runtime = app.extensions["vetting"]
    return found


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block (issue 17: counts that must not
    grow with the cycle)."""
    seen: list[str] = []
    engine = runtime_of(app).db.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def make_user(
    app: Flask,
    email: str,
    *roles: Role,
    name: str | None = None,
    designation: bool = True,
    enrolled: bool = True,
) -> Person:
    """Create an account (enrolled in TOTP, with a current designation if investigator)."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        user = users.create_user(
            session,
            None,
            rt.security,
            email=email,
            name=name or email.split("@", maxsplit=1)[0].title(),
            password=PASSWORD,
            roles=frozenset(roles),
        )
        secret = None
        if enrolled:
            secret = totp.new_secret()
            seal_totp_secret(rt.security, user, secret)
            user.totp_enrolled_at = utcnow()
        if designation and Role.INVESTIGATOR in roles:
            from vetting.models import SensitiveDesignation

            today = utcnow().date()
            session.add(
                SensitiveDesignation(
                    user_id=user.id,
                    clearance_date=today - timedelta(days=300),
                    training_date=today - timedelta(days=30),
                    acknowledgement_date=today - timedelta(days=30),
                    review_date=today + timedelta(days=200),
                )
            )
        return Person(user.id, user.email, user.name, frozenset(roles), secret)


def current_code(person: Person) -> str:
    assert person.totp_secret is not None
    return totp.current_code(person.totp_secret, utcnow())


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None) -> Any:
    """POST a form with the CSRF token taken from ``page`` (default: the login page)."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


def login(client: FlaskClient, person: Person, clock: Clock) -> None:
    """Sign in through the web forms with password and a fresh TOTP code."""
    response = post_form(client, "/login", {"email": person.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/login/code")
    clock.advance(seconds=30)  # every login needs a code of a new time step (codes are single-use)
    response = post_form(client, "/login/code", {"code": current_code(person)})
    assert response.status_code == 302, response.get_data(as_text=True)


def api_headers(app: Flask, person: Person) -> dict[str, str]:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        user = users.find_user_by_email(session, person.email)
        assert user is not None
        token = tokens.create_token(session, None, user)
    return {"Authorization": f"Bearer {token}"}


def days_from_today(days: int) -> date:
    return utcnow().date() + timedelta(days=days)


def published_checklist(app: Flask, admin_id: int, items: int = 3, name: str = "Standard search") -> int:
    """A template with ``items`` search-engine (A1) items, published; its version id."""
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin_id)
        assert actor is not None
        template = checklists.create_template(session, actor, name=name)
        for n in range(1, items + 1):
            checklists.add_draft_item(
                session,
                actor,
                template.id,
                checklists.ItemInput(f"Item {n}: name search", f"Source {n}", "A1"),
            )
        return checklists.publish(session, actor, template.id).id


def open_cycle(app: Flask, admin_id: int, cycle_id: int, version_id: int | None = None) -> int:
    """Pin a published checklist version (a new 3-item one by default) and open the cycle; the version id."""
    version_id = version_id or published_checklist(app, admin_id)
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin_id)
        assert actor is not None
        checklists.set_cycle_checklist(session, actor, cycle_id, version_id)
        cycles.change_status(session, actor, cycle_id, CycleStatus.OPEN)
    return version_id
