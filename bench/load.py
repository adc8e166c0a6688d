"""Under load (issue 17 point 6): concurrent clients doing a realistic mix on ``vetting serve``.

A throwaway instance and database (PostgreSQL at 127.0.0.1:5432 by default, a SQLite file with
``--sqlite``) get an open cycle, its people and ``--candidates`` candidates with consent through
the services; a quarter of the candidates are then worked to the board through the JSON API
(searches, findings, mentions, validation, a second investigator's release, the search closed).
Then ``--clients`` clients (50; 8 with ``--sqlite``) work for ``--duration`` seconds, each with
its own bearer token:

- investigators log searches (re-resolving checklist items) and findings on their own
  candidates, resolve the findings' screening mentions and validate them;
- reviewers (other investigators of the cycle: the two-person rule) open each such finding's
  review and release it;
- board members read released summaries and record recommendations;
- auditors filter the audit log (by candidate, by event, by actor).

Beside them ``vetting audit verify`` (the routine, incremental check) runs in a loop, and a
probe times ``/healthz`` every half second. ``/healthz`` throughput is measured alone first,
in the same run, as the baseline.

Afterwards: every 2xx write's row is looked up with SQL (lost writes), ``vetting audit verify
--full`` checks the chain, the server log is searched for "database is locked", and the
database is dropped. Prints p50/p95 per request kind; the last line reads
``mixed writes W/s = S% of /healthz; 5xx E; lost L; chain ok|BROKEN; verify-loop breaks B``.

    .venv/bin/python bench/load.py [--duration 300] [--clients 50] [--candidates 200]
    .venv/bin/python bench/load.py --sqlite              # concurrency 8 on SQLite

Issue 17's acceptance: mixed writes reach at least 5% of ``/healthz`` on PostgreSQL, no 5xx,
no lost write, the chain verifies, the verify loop never reports a break, and on SQLite no
"database is locked".
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
VETTING = str(Path(sys.executable).parent / "vetting")
API = "/api/v1"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ITEMS = 3
#: Screened words of several protected axes: every finding gets mentions to resolve before release.
SUMMARY = "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour."
WRITES = frozenset({"search", "finding", "mention", "validation", "release", "recommend", "complete"})


# --- the instance, the database, the server ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def throwaway_database(sqlite: bool, instance: Path, server_url: str) -> Iterator[str]:
    """A new, empty database (dropped afterwards with every connection to it)."""
    if sqlite:
        yield f"sqlite:///{instance / 'vetting.db'}"
        return
    name = f"vetting_load_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command
        [VETTING, *args], env=env, capture_output=True, text=True, check=False
    )


@contextmanager
def server(env: dict[str, str], port: int, log: Path, serve_args: list[str]) -> Iterator[int]:
    """``vetting serve`` (gunicorn) on ``port``; yields its process id."""
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own command
            [VETTING, "serve", "--host", "127.0.0.1", "--port", str(port), *serve_args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"vetting serve stopped: see {log}\n{log.read_text()[-2000:]}")
                try:
                    if request(port, "GET", "/healthz", None, timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("vetting serve did not answer /healthz within 60 s")
                time.sleep(0.3)
            yield proc.pid
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- HTTP --------------------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, token: str | None, body: Any = None, timeout: float = 120
) -> tuple[int, Any]:
    """One request on a new connection: (status, parsed JSON or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        if response.getheader("Content-Type", "").startswith("application/json"):
            return response.status, json.loads(raw)
        return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


@dataclass
class Stats:
    """Every request of the load phase, by kind; and each 2xx write's created row."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    created: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    samples: list[str] = field(default_factory=list)  # bodies of 5xx and failed connections
    #: The end of the measured window (perf_counter): writes answered later count as made, not as throughput.
    until: float = float("inf")
    in_window: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, status: int, seconds: float, body: Any) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if 200 <= status < 300 and time.perf_counter() <= self.until:
                self.in_window[kind] += 1
            if (status >= 500 or status == 0) and len(self.samples) < 20:
                self.samples.append(f"{kind} {status}: {str(body)[:300]}")

    def created_row(self, table: str, row_id: int) -> None:
        with self.lock:
            self.created[table].append(row_id)


class Client:
    """One person's bearer token, timing every request by kind."""

    def __init__(self, port: int, token: str, stats: Stats) -> None:
        self.port, self.token, self.stats = port, token, stats

    def call(self, kind: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            status, data = request(self.port, method, path, self.token, body)
        except OSError as error:  # refused, reset or timed out: counted with the server errors
            status, data = 0, repr(error)
        self.stats.add(kind, status, time.perf_counter() - started, data)
        return status, data


# --- the people and their work -----------------------------------------------------------------


@dataclass
class Shared:
    """What the clients hand each other: findings waiting for a second investigator."""

    to_release: deque[int] = field(default_factory=deque)
    board_candidates: list[int] = field(default_factory=list)
    investigator_ids: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def search_body(query: str) -> dict[str, Any]:
    return {
        "status": "no_results",
        "technique": "A1",
        "attestation": True,
        "searches": [{"query": query, "source": "Search engine", "result_count": 0}],
    }


def finding_body(item_id: int, n: int) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "source_url": f"https://social.example/post/{n}",
        "platform": "Social",
        "content_date": "2026-10-01",
        "summary": SUMMARY,
        "excerpt": "Next time I will hurt him.",
        "behaviour_category": "violence_threats",
        "authorship": "authored",
        "identity_basis": ["name", "photo", "listed_handle"],
    }


def log_search(c: Client, candidate: int, item: int) -> None:
    status, body = c.call(
        "search", "POST", f"{API}/candidates/{candidate}/checklist/{item}", search_body('"Load Test"')
    )
    if status == 200:
        c.stats.created_row("search_log", max(s["id"] for s in body["searches"]))


def write_finding(c: Client, candidate: int, item: int) -> int | None:
    """A finding with its mentions resolved and one validation: ready for a second investigator."""
    status, body = c.call(
        "finding", "POST", f"{API}/candidates/{candidate}/findings", finding_body(item, random.randrange(10**6))
    )
    if status != 201:
        return None
    fid = body["id"]
    c.stats.created_row("findings", fid)
    for mention in body["mentions"]:
        if mention["resolution"] is not None:
            continue
        status, _ = c.call(
            "mention", "POST", f"{API}/findings/{fid}/mentions/{mention['id']}", {"resolution": "redact"}
        )
        if status == 200:
            c.stats.created_row("finding_mentions", mention["id"])
    status, body = c.call(
        "validation",
        "POST",
        f"{API}/findings/{fid}/validations",
        {"method": "second_source", "result": "corroborates", "notes": "Archived copy matches."},
    )
    if status == 201:
        c.stats.created_row("validation_steps", max(v["id"] for v in body["validations"]))
    return int(fid)


def release(c: Client, fid: int) -> bool:
    status, review = c.call("review", "GET", f"{API}/findings/{fid}/review")
    if status != 200 or review["blockers"]:
        return False
    status, body = c.call(
        "release",
        "POST",
        f"{API}/findings/{fid}/release",
        {"revision": review["finding"]["revision"], "reviewed_sha256": review["reviewed_sha256"]},
    )
    if status == 200:
        c.stats.created_row("finding_releases", body["id"])
    return status == 200


def investigator(c: Client, shared: Shared, candidates: list[int], items: list[int]) -> None:
    rng = random.Random()
    while not shared.stop.is_set():
        candidate = rng.choice(candidates)
        roll = rng.random()
        if roll < 0.6:
            log_search(c, candidate, rng.choice(items))
        elif roll < 0.85:
            fid = write_finding(c, candidate, rng.choice(items))
            if fid is not None:
                shared.to_release.append(fid)
        else:
            c.call("findings list", "GET", f"{API}/candidates/{candidate}/findings")


def reviewer(c: Client, shared: Shared) -> None:
    while not shared.stop.is_set():
        try:
            fid = shared.to_release.popleft()
        except IndexError:
            c.call("review queue", "GET", f"{API}/reviews")
            shared.stop.wait(0.2)
            continue
        release(c, fid)


def board_member(c: Client, shared: Shared) -> None:
    rng = random.Random()
    outcomes = ["advance", "do_not_advance", "needs_more_information"]
    while not shared.stop.is_set():
        candidate = rng.choice(shared.board_candidates)
        status, summary = c.call("summary", "GET", f"{API}/board/candidates/{candidate}/summary")
        if status != 200 or rng.random() >= 0.4:
            continue
        released = [f["finding_id"] for g in summary["groups"] for f in g["findings"]]
        body = {
            "outcome": rng.choice(outcomes),
            "rationale": "Read the released summary; the findings speak to conduct on duty.",
            "finding_ids": released[:1],
        }
        status, answer = c.call("recommend", "POST", f"{API}/board/candidates/{candidate}/recommendations", body)
        if status == 201:
            c.stats.created_row("recommendations", answer["id"])


def auditor(c: Client, shared: Shared) -> None:
    rng = random.Random()
    while not shared.stop.is_set():
        roll = rng.random()
        if roll < 0.4:
            query = f"candidate_id={rng.choice(shared.board_candidates)}"
        elif roll < 0.7:
            query = f"event={rng.choice(['finding.created', 'finding.released', 'checklist.item_resolved'])}"
        else:
            query = f"actor_id={rng.choice(shared.investigator_ids)}"
        c.call("audit log", "GET", f"{API}/audit/events?{query}&limit=50")


# --- set-up through the services ---------------------------------------------------------------


@dataclass
class People:
    cycle_id: int
    items: list[int]
    candidates: list[int]
    investigators: list[tuple[int, str]]  # (user id, token)
    reviewers: list[tuple[int, str]]
    board: list[tuple[int, str]]
    auditors: list[tuple[int, str]]


def tiny_pdf() -> bytes:
    """A minimal well-formed one-page PDF: the signed consent form."""
    stream = b"BT /F1 12 Tf 72 720 Td (Signed) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def set_up(instance: Path, env: dict[str, str], candidates: int, roles: dict[str, int]) -> People:
    """Accounts, tokens, an open cycle on a 3-item checklist and its candidates with consent."""
    from vetting import create_app
    from vetting.clock import today, utcnow
    from vetting.config import PasswordHashing, load_settings
    from vetting.models import CycleStatus, Duty, Role, SensitiveDesignation, SignatureMethod, User
    from vetting.security import totp
    from vetting.services import candidates as candidate_service
    from vetting.services import checklists, cycles, investigation, tokens, users
    from vetting.services.accounts import seal_totp_secret

    # Nobody signs in with a password here: the cheapest hashing keeps set-up short.
    settings = load_settings(
        instance, env, password_hashing=PasswordHashing(time_cost=1, memory_cost_kib=64, parallelism=1)
    )
    rt = create_app(settings).extensions["vetting"]
    security, store = rt.security, rt.store

    def account(email: str, role: Role) -> int:
        """One account per transaction: its audit event names it, so it must exist first."""
        with rt.db.transaction() as session:
            user = users.create_user(
                session,
                None,
                security,
                email=email,
                name=email.split("@", maxsplit=1)[0].title(),
                password=secrets.token_hex(16),
                roles=frozenset({role}),
            )
            # Tokens are issued only to accounts enrolled in a second factor.
            seal_totp_secret(security, user, totp.new_secret())
            user.totp_enrolled_at = utcnow()
            if role is Role.INVESTIGATOR:
                day = utcnow().date()
                session.add(
                    SensitiveDesignation(
                        user_id=user.id,
                        clearance_date=day - timedelta(days=300),
                        training_date=day - timedelta(days=30),
                        acknowledgement_date=day - timedelta(days=30),
                        review_date=day + timedelta(days=200),
                    )
                )
            return int(user.id)

    admin_id = account("admin@load.test", Role.ADMIN)
    kinds = {
        "investigators": ("inv", Role.INVESTIGATOR),
        "reviewers": ("rev", Role.INVESTIGATOR),
        "board": ("board", Role.BOARD_MEMBER),
        "auditors": ("audit", Role.AUDITOR),
    }
    group_ids = {
        kind: [account(f"{prefix}{i}@load.test", role) for i in range(roles[kind])]
        for kind, (prefix, role) in kinds.items()
    }
    with rt.db.transaction() as session:
        admin = session.get(User, admin_id)
        assert admin is not None
        groups = {kind: [session.get(User, uid) for uid in uids] for kind, uids in group_ids.items()}
        template = checklists.create_template(session, admin, name="Standard search")
        for n in range(1, ITEMS + 1):
            checklists.add_draft_item(
                session, admin, template.id, checklists.ItemInput(f"Item {n}: name search", f"Source {n}", "A1")
            )
        version = checklists.publish(session, admin, template.id)
        cycle = cycles.create_cycle(session, admin, title="Patrol 2026", position="Patrol officer", blind_review=False)
        checklists.set_cycle_checklist(session, admin, cycle.id, version.id)
        for duty, members in (
            (Duty.INVESTIGATOR, groups["investigators"] + groups["reviewers"]),
            (Duty.BOARD_MEMBER, groups["board"]),
        ):
            for user in members:
                cycles.assign(session, admin, cycle.id, user.id, duty)
        cycles.change_status(session, admin, cycle.id, CycleStatus.OPEN)
        issued = {
            kind: [(u.id, tokens.create_token(session, None, u)) for u in members] for kind, members in groups.items()
        }
        cycle_id, items = cycle.id, [i.id for i in version.items]
        first_investigator = groups["investigators"][0].id

    document = tiny_pdf()
    ids: list[int] = []
    for start in range(0, candidates, 50):
        with rt.db.transaction() as session:
            actor = session.get(User, first_investigator)
            for n in range(start, min(start + 50, candidates)):
                candidate = candidate_service.add_candidate(
                    session,
                    actor,
                    security,
                    cycle_id,
                    candidate_service.CandidateInput(
                        name=f"Candidate Number{n}",
                        aliases=[],
                        handles=[f"@cand{n}"],
                        profile_urls=[],
                        region="Jackson, MS",
                    ),
                )
                investigation.record_consent(
                    session,
                    actor,
                    security,
                    store,
                    candidate.id,
                    signed_on=today() - timedelta(days=1),
                    method=SignatureMethod.WET_INK,
                    document=document,
                )
                ids.append(candidate.id)
    rt.db.dispose()
    return People(cycle_id, items, ids, **issued)


def work_to_board(port: int, people: People, board_ids: list[int], stats: Stats) -> None:
    """Through the API: each candidate searched, one finding released by a second investigator,
    the search closed (R1), so the board can read it."""
    inv = Client(port, people.investigators[0][1], stats)
    rev = Client(port, people.reviewers[0][1], stats)

    def one(candidate: int) -> None:
        fid = write_finding(inv, candidate, people.items[0])
        if fid is None or not release(rev, fid):
            raise SystemExit(f"set-up: finding {fid} of candidate {candidate} was not released")
        for item in people.items:
            log_search(inv, candidate, item)
        status, body = inv.call("complete", "POST", f"{API}/candidates/{candidate}/complete")
        if status != 200:
            raise SystemExit(f"set-up: closing the search of {candidate}: {status} {body}")

    failures: list[str] = []

    def some(part: list[int]) -> None:
        for candidate in part:
            try:
                one(candidate)
            except SystemExit as error:
                failures.append(str(error))
                return

    threads = [threading.Thread(target=some, args=(board_ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit("; ".join(failures))


# --- measuring ---------------------------------------------------------------------------------


def _healthz_worker(port: int, threads: int, seconds: float) -> int:
    done = [0] * threads
    until = time.monotonic() + seconds

    def loop(i: int) -> None:
        while time.monotonic() < until:
            if request(port, "GET", "/healthz", None)[0] == 200:
                done[i] += 1

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done)


def healthz_rate(port: int, concurrency: int, seconds: float) -> float:
    """``/healthz`` answers per second at ``concurrency``, from two client processes (one Python
    process would measure its own interpreter lock as much as the server)."""
    processes = 2
    with ProcessPoolExecutor(processes) as pool:
        counts = list(
            pool.map(_healthz_worker, [port] * processes, [concurrency // processes] * processes, [seconds] * processes)
        )
    return sum(counts) / seconds


def healthz_probe(port: int, stop: threading.Event, seen: list[float]) -> None:
    while not stop.wait(0.5):
        started = time.perf_counter()
        try:
            status = request(port, "GET", "/healthz", None, timeout=60)[0]
        except OSError:
            status = 0
        seen.append(time.perf_counter() - started if status == 200 else float("inf"))


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of ``pid``'s child processes: gunicorn's workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def pg_sampler(url: str, stop: threading.Event, seen: Counter[str]) -> None:
    """What the server's database sessions are doing, five times a second (PostgreSQL only):
    waiting for the audit chain's advisory lock, running a statement, or idle inside a
    transaction while the application works between statements."""
    engine = create_engine(url, poolclass=NullPool)
    name = make_url(url).database
    query = text(
        "SELECT CASE WHEN wait_event = 'advisory' THEN 'waiting for the chain lock' "
        "WHEN wait_event_type = 'Lock' THEN 'waiting for a row lock' "
        "WHEN state = 'idle in transaction' THEN 'idle in transaction (the app works)' "
        "WHEN wait_event_type = 'IO' THEN 'waiting for I/O (WAL sync)' "
        "ELSE 'running a statement' END FROM pg_stat_activity "
        "WHERE datname = :db AND pid <> pg_backend_pid() AND state <> 'idle' "
        "AND application_name NOT LIKE 'vetting-verify%'"
    )
    with engine.connect() as conn:
        while not stop.wait(0.2):
            seen.update(row[0] for row in conn.execute(query, {"db": name}))
            seen["samples"] += 1
            conn.rollback()
    engine.dispose()


@dataclass
class VerifyLoop:
    runs: int = 0
    breaks: int = 0
    failures: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)


def verify_loop(env: dict[str, str], stop: threading.Event, out: VerifyLoop) -> None:
    """``vetting audit verify`` (routine, incremental) again and again while the clients write."""
    env = {**env, "PGAPPNAME": "vetting-verify"}  # told apart from the server's sessions
    while not stop.is_set():
        started = time.perf_counter()
        done = run_cli(env, "audit", "verify")
        out.durations.append(time.perf_counter() - started)
        out.runs += 1
        if done.returncode != 0:
            out.breaks += 1
            out.failures.append((done.stdout + done.stderr).strip()[-500:])


def lost_writes(url: str, created: dict[str, list[int]]) -> dict[str, int]:
    """Per table: created ids (2xx answers) missing from the database."""
    engine = create_engine(url)
    missing: dict[str, int] = {}
    with engine.connect() as conn:
        for table, wanted in created.items():
            extra = " AND resolution IS NOT NULL" if table == "finding_mentions" else ""
            query = text(f"SELECT id FROM {table} WHERE id > 0{extra}")  # noqa: S608 - our own table names
            found = {row[0] for row in conn.execute(query)}
            missing[table] = len(set(wanted) - found)
    engine.dispose()
    return missing


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def split_roles(clients: int) -> dict[str, int]:
    """Half investigators, a fifth reviewers, a quarter board members, the rest (at least one) auditors."""
    investigators = max(1, clients // 2)
    reviewers = max(1, clients // 5)
    board = max(1, clients // 4)
    return {
        "investigators": investigators,
        "reviewers": reviewers,
        "board": board,
        "auditors": max(1, clients - investigators - reviewers - board),
    }


@dataclass
class Outcome:
    stats: Stats
    elapsed: float
    probe: list[float]
    checks: VerifyLoop
    sessions: Counter[str]
    cpu: dict[str, float]  # CPU seconds used in the window, by whom


def load_phase(
    port: int, env: dict[str, str], url: str, people: People, board_ids: list[int], duration: float, server_pid: int
) -> Outcome:
    """The clients, the ``/healthz`` probe and the verify loop for ``duration`` seconds."""
    stats, shared = Stats(), Shared()
    shared.board_candidates = board_ids
    shared.investigator_ids = [uid for uid, _ in people.investigators]
    open_ids = [c for c in people.candidates if c not in set(board_ids)]
    workers: list[threading.Thread] = []

    def spawn(target: Callable[..., None], *targs: Any) -> None:
        workers.append(threading.Thread(target=target, args=targs, daemon=True))

    for n, (_, token) in enumerate(people.investigators):
        # Each investigator keeps to their own candidates, as a team splits a cycle.
        mine = open_ids[n :: len(people.investigators)] or open_ids
        spawn(investigator, Client(port, token, stats), shared, mine, people.items)
    for _, token in people.reviewers:
        spawn(reviewer, Client(port, token, stats), shared)
    for _, token in people.board:
        spawn(board_member, Client(port, token, stats), shared)
    for _, token in people.auditors:
        spawn(auditor, Client(port, token, stats), shared)
    probe: list[float] = []
    checks = VerifyLoop()
    spawn(healthz_probe, port, shared.stop, probe)
    spawn(verify_loop, env, shared.stop, checks)
    sessions: Counter[str] = Counter()
    if url.startswith("postgresql"):
        spawn(pg_sampler, url, shared.stop, sessions)
    cpu_before = cpu_seconds(server_pid)
    began = time.perf_counter()
    stats.until = began + duration
    for t in workers:
        t.start()
    shared.stop.wait(duration)
    elapsed = time.perf_counter() - began
    cpu = {"server": cpu_seconds(server_pid) - cpu_before}
    shared.stop.set()
    for t in workers:
        t.join(timeout=180)
    return Outcome(stats, elapsed, probe, checks, sessions, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--duration", type=float, default=300, help="Seconds of load (default 300).")
    parser.add_argument("--clients", type=int, default=None, help="Concurrent clients (default 50; 8 with --sqlite).")
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="A SQLite file instead of PostgreSQL.")
    parser.add_argument("--pg", default=PG_SERVER, help="A PostgreSQL server URL (the database is created there).")
    parser.add_argument("--healthz-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, help="vetting serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, help="vetting serve --threads (default: its own)")
    parser.add_argument("--timeout", type=int, help="vetting serve --timeout (default: its own)")
    parser.add_argument("--keep", action="store_true", help="Keep the instance folder (and server log).")
    args = parser.parse_args()
    clients = args.clients or (8 if args.sqlite else 50)
    roles = split_roles(clients)
    serve_args = [f"--{name}={value}" for name in ("workers", "threads", "timeout") if (value := getattr(args, name))]

    tmp = Path(tempfile.mkdtemp(prefix="vetting-load-"))
    instance = tmp / "instance"
    log = tmp / "server.log"
    try:
        with throwaway_database(args.sqlite, instance, args.pg) as url:
            env = {
                **os.environ,
                "VETTING_INSTANCE_PATH": str(instance),
                "VETTING_DATABASE_URL": url,
                "VETTING_AGENCY_NAME": "Load Test Police Department",
            }
            done = run_cli(env, "init")
            if done.returncode != 0:
                raise SystemExit(done.stdout + done.stderr)
            started = time.perf_counter()
            people = set_up(instance, env, args.candidates, roles)
            port = free_port()
            with server(env, port, log, serve_args) as server_pid:
                board_ids = people.candidates[: max(4, args.candidates // 4)]
                setup_stats = Stats()
                work_to_board(port, people, board_ids, setup_stats)
                print(
                    f"set-up: {len(people.candidates)} candidates with consent, {len(board_ids)} worked to the board, "
                    f"{clients} clients {roles}, {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
                cpu_before = cpu_seconds(server_pid)
                baseline = healthz_rate(port, 8, args.healthz_seconds)
                healthz_cpu = (cpu_seconds(server_pid) - cpu_before) / max(baseline * args.healthz_seconds, 1)
                print(
                    f"/healthz alone at concurrency 8: {baseline:.0f} req/s, "
                    f"server CPU {healthz_cpu * 1000:.2f} ms a request",
                    flush=True,
                )
                outcome = load_phase(port, env, url, people, board_ids, args.duration, server_pid)
            server_log = log.read_text(errors="replace")
            locked = server_log.count("database is locked") + sum(
                s.count("database is locked") for s in outcome.stats.samples
            )
            created = defaultdict(list, outcome.stats.created)
            for table, ids in setup_stats.created.items():
                created[table] += ids
            missing = lost_writes(url, created)
            full = run_cli(env, "audit", "verify", "--full")
        report(outcome, baseline, missing, full, locked, args.sqlite, clients)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(
    outcome: Outcome,
    baseline: float,
    missing: dict[str, int],
    full: subprocess.CompletedProcess[str],
    locked: int,
    sqlite: bool,
    clients: int,
) -> None:
    stats, elapsed, probe, checks = outcome.stats, outcome.elapsed, outcome.probe, outcome.checks
    print(f"\n{'request':<14} {'n':>7} {'2xx':>7} {'4xx':>5} {'5xx':>5} {'p50 ms':>8} {'p95 ms':>8}")
    errors = writes = 0
    for kind in sorted(stats.latencies):
        codes = stats.statuses[kind]
        ok = sum(n for s, n in codes.items() if 200 <= s < 300)
        bad = sum(n for s, n in codes.items() if s >= 500 or s == 0)
        errors += bad
        if kind in WRITES:
            writes += stats.in_window[kind]
        lat = stats.latencies[kind]
        print(
            f"{kind:<14} {len(lat):>7} {ok:>7} {sum(n for s, n in codes.items() if 400 <= s < 500):>5} {bad:>5} "
            f"{pct(lat, 0.5) * 1000:>8.0f} {pct(lat, 0.95) * 1000:>8.0f}"
        )
    for sample in stats.samples[:5]:
        print(f"  {sample}")
    rate = writes / elapsed
    share = 100 * rate / baseline if baseline else float("nan")
    answered = [p for p in probe if p != float("inf")]
    print(
        f"\n{'SQLite' if sqlite else 'PostgreSQL'}, {clients} clients, {elapsed:.0f} s: {writes} mixed writes "
        f"({rate:.1f}/s), all requests {sum(len(v) for v in stats.latencies.values()) / elapsed:.1f}/s; "
        f"/healthz alone {baseline:.0f}/s"
    )
    print(
        f"/healthz under load: {len(answered)}/{len(probe)} answered, p50 {pct(answered, 0.5) * 1000:.0f} ms, "
        f"max {max(answered, default=float('nan')) * 1000:.0f} ms"
    )
    print(f"verify loop: {checks.runs} runs, p50 {pct(checks.durations, 0.5):.1f} s, {checks.breaks} reported a break")
    for failure in checks.failures[:3]:
        print(f"  {failure}")
    requests = sum(len(v) for v in stats.latencies.values())
    print(
        f"server CPU: {outcome.cpu['server']:.0f} s in {elapsed:.0f} s on {os.cpu_count()} cores, "
        f"{1000 * outcome.cpu['server'] / max(requests, 1):.0f} ms a request"
    )
    samples = outcome.sessions.pop("samples", 0)
    if samples:
        print("server's database sessions, on average:")
        for what, n in outcome.sessions.most_common():
            print(f"  {n / samples:5.1f} {what}")
    lost = sum(missing.values())
    print(f"lost writes by table: {dict(missing)}")
    chain_ok = full.returncode == 0
    said = (full.stdout.strip() or full.stderr.strip()).splitlines()
    print(f"vetting audit verify --full: {said[-1] if said else full.returncode}")
    if sqlite:
        print(f'"database is locked": {locked}')
    print(
        f"mixed writes {rate:.1f}/s = {share:.1f}% of /healthz; 5xx {errors}; lost {lost}; "
        f"chain {'ok' if chain_ok else 'BROKEN'}; verify-loop breaks {checks.breaks}"
    )


if __name__ == "__main__":
    main()
