"""Helpers for the web and API tests: database peeks, CSRF tokens, cookies, page structure."""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections import Counter
from contextlib import AbstractContextManager
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.support import PASSWORD, Clock, Person, csrf_from, current_code, post_form, runtime_of
from vetting.clock import utcnow
from vetting.models import Base, Duty, User
from vetting.security import totp
from vetting.services import cycles
from vetting.services.tokens import TOKEN_PREFIX


def count(app: Flask, model: type[Base], *where: Any) -> int:
    """How many rows of ``model`` match ``where`` (read in a transaction of its own)."""
    with runtime_of(app).db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def db(app: Flask) -> AbstractContextManager[Session]:
    """A transaction on the test database (``with db(app) as session: ...``)."""
    return runtime_of(app).db.transaction()


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a refused request changed nothing at all."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with runtime_of(app).db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            result = session.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(r) for r in result]
        # Alembic's bookkeeping is not a model table but must not change either.
        rows["alembic_version"] = [tuple(r) for r in session.execute(text("SELECT version_num FROM alembic_version"))]
    return rows


def page_csrf(client: FlaskClient, url: str = "/account") -> str:
    """A CSRF token for ``client``'s session (every signed-in page carries one in the sign-out form)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return csrf_from(response.get_data(as_text=True))


def cookie_name(app: Flask) -> str:
    name: str = app.config["SESSION_COOKIE_NAME"]
    return name


def session_cookie(client: FlaskClient, app: Flask) -> str | None:
    cookie = client.get_cookie(cookie_name(app))
    return cookie.value if cookie else None


def client_with_cookie(app: Flask, value: str) -> FlaskClient:
    """A new browser that presents a copied session cookie (replay)."""
    other = app.test_client()
    other.set_cookie(cookie_name(app), value)
    return other


def location_path(response: TestResponse) -> str:
    return urlsplit(response.headers["Location"]).path


def is_login_redirect(response: TestResponse) -> bool:
    return response.status_code == 302 and location_path(response) == "/login"


def next_param(response: TestResponse) -> str | None:
    values = parse_qs(urlsplit(response.headers["Location"]).query).get("next")
    return values[0] if values else None


def is_signed_in(client: FlaskClient) -> bool:
    """Whether ``client``'s cookie is a live session (a signed-in page, or a redirect to sign in)."""
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert is_login_redirect(response), response.status_code
    return False


def password_step(client: FlaskClient, person: Person, password: str = PASSWORD) -> TestResponse:
    return post_form(client, "/login", {"email": person.email, "password": password})


def code_step(client: FlaskClient, code: str) -> TestResponse:
    return post_form(client, "/login/code", {"code": code})


def full_login(client: FlaskClient, person: Person, clock: Clock) -> TestResponse:
    """Password then a fresh TOTP code; returns the final redirect (to ``next`` or home)."""
    response = password_step(client, person)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert location_path(response) == "/login/code"
    clock.advance(seconds=30)
    response = code_step(client, current_code(person))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def logout(client: FlaskClient) -> TestResponse:
    response = post_form(client, "/logout", {}, page="/account")
    assert is_login_redirect(response)
    return response


def wrong_code(secret: str) -> str:
    """Six digits that match none of the codes accepted right now (previous, current, next step)."""
    now = utcnow()
    accepted = {totp.current_code(secret, now + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
    candidate = 0
    while f"{candidate:06d}" in accepted:
        candidate += 1
    return f"{candidate:06d}"


SECRET_RE = re.compile(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>')


def setup_key(page: str) -> str | None:
    """The TOTP setup key shown on the enrolment page (displayed in groups of four)."""
    match = SECRET_RE.search(page)
    return match.group(1).replace(" ", "") if match else None


RECOVERY_RE = re.compile(r"<li><code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code></li>")


def field_error(html: str, field_id: str) -> str | None:
    """The error message shown beside a form field (``<p class="error" id="<field>-error">``)."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else None


class PageStructure(HTMLParser):
    """Landmarks, headings and form controls with their labels, from one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.label_targets: set[str] = set()
        #: (tag, attributes, inside a <label>)
        self.controls: list[tuple[str, dict[str, str | None], bool]] = []
        self.label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags[tag] += 1
        if tag == "label":
            self.label_depth += 1
            target = attributes.get("for")
            if target:
                self.label_targets.add(target)
        if tag in {"input", "select", "textarea"}:
            self.controls.append((tag, attributes, self.label_depth > 0))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "label":
            self.label_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1

    def unlabelled_controls(self) -> list[str]:
        """Controls a screen reader cannot name: no id tied to a ``<label for>`` (checkboxes may sit inside one)."""
        missing = []
        for tag, attributes, wrapped in self.controls:
            kind = attributes.get("type") or "text"
            if tag == "input" and kind in {"hidden", "submit", "button", "reset", "image"}:
                continue
            control_id = attributes.get("id")
            named = bool(control_id) and control_id in self.label_targets
            if kind in {"checkbox", "radio"}:
                named = named or (bool(control_id) and wrapped)
            if not named:
                missing.append(f"<{tag} name={attributes.get('name')!r} id={control_id!r}>")
        return missing


def structure_of(html: str) -> PageStructure:
    parser = PageStructure()
    parser.feed(html)
    parser.close()
    return parser


def new_cycle(app: Flask, admin_id: int, title: str = "Patrol officer 2026", **duties: Duty) -> int:
    """A draft cycle made through the service, with ``<email local part>=<duty>`` assignments."""
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin_id)
        assert actor is not None
        cycle = cycles.create_cycle(session, actor, title=title, position="Patrol officer", blind_review=False)
        for local_part, duty in duties.items():
            user = session.scalar(select(User).where(User.email == f"{local_part}@x.test"))
            assert user is not None, local_part
            cycles.assign(session, actor, cycle.id, user.id, duty)
        return cycle.id


def pdf_text(content: bytes) -> str:
    """The PDF's text on one line (pdftotext wraps and pads with spaces)."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


#: Letters the app draws at random for machines, never from data: a form's signed CSRF token
#: (``payload.timestamp.signature``, new every second) and an API token's prefix (``vt_`` and seven).
#: Read as words they spell seeded words by chance: a CSRF token once spelt "wife" on the 89 pages
#: of a board walk served in one second. Only these exact shapes are masked, so no text the app
#: writes from data (a phrase, a URL, another attribute) can hide in them.
_CSRF_INPUT_RE = re.compile(r'<input\b[^>]*\bname="[\w-]*csrf_token"[^>]*>')
_SIGNED_VALUE_RE = re.compile(r'\bvalue="[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"')
_TOKEN_PREFIX_RE = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(TOKEN_PREFIX)}[A-Za-z0-9_-]{{7}}(?![A-Za-z0-9_-])")


def _mask_random(text: str) -> str:
    text = _CSRF_INPUT_RE.sub(lambda tag: _SIGNED_VALUE_RE.sub('value="(csrf)"', tag.group()), text)
    return _TOKEN_PREFIX_RE.sub(f"{TOKEN_PREFIX}(random)", text)


def text_of(response: TestResponse) -> str:
    """The words a reader gets: PDF text, JSON, HTML with entities decoded, other bytes as is
    (evidence files are binary); the Location of a redirect too; whitespace folded. CSRF tokens
    and API token prefixes are masked (``_mask_random``)."""
    kind = response.mimetype or ""
    if kind == "application/pdf":
        done = subprocess.run(
            ["pdftotext", "-", "-"], input=response.get_data(), capture_output=True, check=True, timeout=30
        )
        text = done.stdout.decode("utf-8", "replace")
    elif kind.endswith("json"):
        text = json.dumps(response.get_json(), ensure_ascii=False)
    else:
        text = html.unescape(response.get_data().decode("utf-8", "replace"))
    if location := response.headers.get("Location"):
        text += "\n" + location
    return " ".join(_mask_random(text).split())


def get_closed(client: FlaskClient, url: str, headers: dict[str, str] | None = None) -> TestResponse:
    """GET ``url`` (with ``headers`` for API paths only) and close the response (route walks make many)."""
    response = client.get(url, headers=headers if url.startswith("/api/") else None)
    response.close()
    return response
