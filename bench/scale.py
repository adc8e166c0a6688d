"""Agency scale (issue 17 point 7): the requests people wait for, at 1,000 and 10,000 candidates.

A throwaway PostgreSQL database (``vetting_scale_<pid>`` on 127.0.0.1:5432, dropped at the
end; SQLite with a warning when PostgreSQL does not answer) gets the demo cycle filled to
each size by ``bench/fill.py``; the real ``vetting serve`` (gunicorn) and ``vetting worker``
run in subprocesses, and this process loads them on 127.0.0.1 with 8 threads (``requests``),
each request for at least ``--seconds`` and ``--min-requests``:

- board dashboard ``GET /api/v1/board/cycles/{id}/candidates`` (first page), as a board member;
- board summary ``GET /api/v1/board/candidates/{id}/summary`` and its PDF, over closed candidates;
- uniformity matrix ``GET /api/v1/audit/cycles/{id}/uniformity``, as the auditor;
- routine chain check ``GET /api/v1/audit/verify`` after 10,000 new events (marked first);
- the audit report job: ``POST .../report-jobs``, poll ``GET /api/v1/jobs/{id}``, download the
  PDF; time to done, one at a time (no throughput share);
- ``/healthz`` in the same run, the throughput baseline.

It prints each request's p50 at each size, the p50 ratio of the largest size to the smallest,
throughput as a percentage of ``/healthz``'s at the largest size, the latency of a request alone
and the server's CPU time per request (steadier than throughput on a shared machine); the last
line is ``worst 10k/1k p50 ratio R; lowest share of /healthz S`` with S in percent.

    .venv/bin/python bench/scale.py [--sizes 1000,10000 | --quick] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from fill import Filled, fill  # bench/ is the script's folder, first on sys.path
from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting.audit.events import Event, Subject
from vetting.audit.writer import append
from vetting.config import load_settings
from vetting.models import User
from vetting.runtime import Runtime
from vetting.services import audit_log, tokens

VETTING = str(Path(sys.executable).with_name("vetting"))
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CONCURRENCY = 8
NEW_EVENTS = 10_000
#: Events per transaction when adding NEW_EVENTS (each commit signs a checkpoint, as the app's do).
EVENTS_PER_COMMIT = 25
#: Seconds a request may take before it counts as unanswered.
REQUEST_TIMEOUT = 300
#: Requests made one at a time (nothing else in flight) before the load, for the latency alone.
SOLO = 3
API = "/api/v1"


@dataclass
class Sample:
    """One request's latencies under load, and the throughput reached."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    throughput: float | None = None  # requests/s at CONCURRENCY; None: measured one at a time
    unfinished: float | None = None  # a job given up on after this many seconds
    alone: float | None = None  # median latency of SOLO requests one after another, before the load
    cpu: float | None = None  # CPU seconds of the server (or, for the job, the worker) per request

    @property
    def p50_or_bound(self) -> float:
        """The p50, or the time given up after when nothing finished (a lower bound)."""
        return self.p50 if self.latencies else (self.unfinished or float("nan"))

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


# --- the database and the processes ---------------------------------------------------------------


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """The given URL, or a throwaway PostgreSQL database dropped at the end (SQLite when none answers)."""
    if url is not None:
        yield url
        return
    import psycopg

    name = f"vetting_scale_{os.getpid()}"
    try:
        admin = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True)
    except psycopg.OperationalError as error:
        print(f"WARNING: PostgreSQL does not answer on 127.0.0.1:5432 ({error}); falling back to SQLite")
        yield ""
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_options() -> list[str]:
    """A long timeout where ``vetting serve`` takes one: a slow request is measured, not killed."""
    shown = subprocess.run([VETTING, "serve", "--help"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    return ["--timeout", str(REQUEST_TIMEOUT)] if "--timeout" in shown else []


def cpu_seconds(root: int) -> float | None:
    """CPU time of process ``root`` and its children (gunicorn's workers), from /proc; None elsewhere."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if root in {int(stat.parent.name), int(fields[1])}:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK") if Path("/proc/self/stat").exists() else None


@dataclass(frozen=True)
class Servers:
    base: str  # the server's URL
    server: int  # process ids
    worker: int


@contextlib.contextmanager
def processes(env: dict[str, str], folder: Path) -> Iterator[Servers]:
    """``vetting serve`` and ``vetting worker``."""
    port = free_port()
    started = []
    try:
        for name, argv in (
            ("serve", [VETTING, "serve", "--host", "127.0.0.1", "--port", str(port), *serve_options()]),
            ("worker", [VETTING, "worker"]),
        ):
            log = (folder / f"{name}.log").open("ab")
            started.append(subprocess.Popen(argv, env=env, stdout=log, stderr=log))  # noqa: S603
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline or started[0].poll() is not None:
                raise RuntimeError(f"vetting serve did not start: see {folder / 'serve.log'}")
            time.sleep(0.2)
        yield Servers(base, started[0].pid, started[1].pid)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- the load -----------------------------------------------------------------------------------


def load(urls: Callable[[int], str], headers: dict[str, str], seconds: float, minimum: int, budget: float) -> Sample:
    """GET ``urls(n)`` from CONCURRENCY threads until ``seconds`` and ``minimum`` requests have passed
    (no new request after ``budget`` seconds); throughput over the whole run."""
    sample = Sample()
    lock = threading.Lock()
    issued = 0

    def worker() -> None:
        nonlocal issued
        with requests.Session() as http:
            while True:
                with lock:
                    elapsed = time.perf_counter() - start
                    if elapsed > budget or (elapsed >= seconds and issued >= minimum):
                        return
                    n = issued
                    issued += 1
                t0 = time.perf_counter()
                try:
                    response = http.get(urls(n), headers=headers, timeout=REQUEST_TIMEOUT)
                    ok = response.status_code == 200
                    problem = f"{response.status_code} {response.text[:200]}"
                except requests.RequestException as error:
                    ok, problem = False, repr(error)
                took = time.perf_counter() - t0
                with lock:
                    if ok:
                        sample.latencies.append(took)
                    else:
                        sample.errors.append(problem)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.throughput = len(sample.latencies) / (time.perf_counter() - start)
    return sample


def report_job(base: str, headers: dict[str, str], cycle_id: int, runs: int, timeout: float) -> Sample:
    """Start the audit report job, poll until done, download the PDF: time to done, ``runs`` times."""
    sample = Sample()
    with requests.Session() as http:
        for _ in range(runs):
            t0 = time.perf_counter()
            started = http.post(f"{base}{API}/audit/cycles/{cycle_id}/report-jobs", headers=headers, timeout=60)
            if started.status_code != 202:
                sample.errors.append(f"{started.status_code} {started.text[:200]}")
                continue
            job = started.json()
            status = job
            while status["status"] not in {"done", "failed"} and time.perf_counter() - t0 < timeout:
                time.sleep(0.25)
                status = http.get(f"{base}{API}/jobs/{job['id']}", headers=headers, timeout=60).json()
            if status["status"] not in {"done", "failed"}:
                sample.errors.append(f"not done within {timeout:.0f} s ({status['status']})")
                sample.unfinished = timeout
                continue
            result = http.get(f"{base}{API}/jobs/{job['id']}/result", headers=headers, timeout=REQUEST_TIMEOUT)
            if status["status"] != "done" or result.status_code != 200 or not result.content.startswith(b"%PDF"):
                sample.errors.append(f"{status['status']} {status.get('error')} download {result.status_code}")
                continue
            sample.latencies.append(time.perf_counter() - t0)
    return sample


# --- one size -----------------------------------------------------------------------------------


def bearer(rt: Runtime, email: str) -> dict[str, str]:
    with rt.db.transaction() as session:
        user = tokens_user(session, email)
        issued = tokens.issue_token(session, None, user, default_days=rt.settings.token_days, name="scale bench")
    return {"Authorization": f"Bearer {issued.secret}"}


def tokens_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def mark_and_add_events(rt: Runtime, filled: Filled) -> float:
    """A routine check that marks the chain (the next one starts after it), then NEW_EVENTS audited
    reads of released summaries by a board member; returns the marking check's seconds."""
    t0 = time.perf_counter()
    with rt.db.transaction() as session:
        result = audit_log.verify_and_mark(session, rt.settings.audit_signing_key.public_key(), [], full=False)
    marked = time.perf_counter() - t0
    assert result.ok, result.summary()
    with rt.db.transaction() as session:
        actor_id = tokens_user(session, "board2@demo.test").id
    for first in range(0, NEW_EVENTS, EVENTS_PER_COMMIT):
        with rt.db.transaction() as session:
            for n in range(first, min(first + EVENTS_PER_COMMIT, NEW_EVENTS)):
                candidate = filled.board_ready[n % len(filled.board_ready)]
                append(session, actor_id, Event.BOARD_SUMMARY_VIEWED, Subject("candidate", str(candidate)), {})
    return marked


@dataclass
class Measured:
    size: int
    fill_seconds: float
    mark_seconds: float
    samples: dict[str, Sample]


def measure(
    rt: Runtime, env: dict[str, str], folder: Path, filled: Filled, fill_seconds: float, args: argparse.Namespace
) -> Measured:
    board_headers = bearer(rt, "board2@demo.test")
    auditor = bearer(rt, "auditor@demo.test")
    ready = filled.board_ready
    # Spread over the cycle: the first page of the dashboard, summaries of candidates all along it.
    pick = [ready[(i * 7919) % len(ready)] for i in range(len(ready))]
    seconds, minimum, budget = args.seconds, args.min_requests, args.budget
    samples: dict[str, Sample] = {}
    with processes(env, folder) as servers:
        base = servers.base
        load(lambda n: f"{base}/healthz", {}, 2.0, 100, 10.0)  # every worker and thread started

        def run(label: str, urls: Callable[[int], str], headers: dict[str, str], slow: bool = False) -> None:
            first = requests.get(urls(0), headers=headers, timeout=REQUEST_TIMEOUT)  # warm up, and fail early
            if first.status_code != 200:
                print(f"  {label}: {first.status_code} {first.text[:300]}", file=sys.stderr)
            alone = []
            for n in range(1, SOLO + 1):
                t0 = time.perf_counter()
                requests.get(urls(n), headers=headers, timeout=REQUEST_TIMEOUT)
                alone.append(time.perf_counter() - t0)
            before = cpu_seconds(servers.server)
            samples[label] = load(urls, headers, seconds, minimum if not slow else CONCURRENCY, budget)
            after = cpu_seconds(servers.server)
            s = samples[label]
            s.alone = statistics.median(alone)
            if before is not None and after is not None and s.latencies:
                s.cpu = (after - before) / (len(s.latencies) + len(s.errors))
            print(
                f"  {filled.candidates:>6} {label:<22} p50 {s.p50 * 1000:9.1f} ms  {s.throughput:8.1f} req/s"
                f"  ({len(s.latencies)} ok, {len(s.errors)} failed)",
                file=sys.stderr,
            )

        run("/healthz", lambda n: f"{base}/healthz", {})
        run("board dashboard", lambda n: f"{base}{API}/board/cycles/{filled.cycle_id}/candidates", board_headers)
        run("board summary", lambda n: f"{base}{API}/board/candidates/{pick[n % len(pick)]}/summary", board_headers)
        run(
            "summary PDF",
            lambda n: f"{base}{API}/board/candidates/{pick[n % len(pick)]}/summary.pdf",
            board_headers,
            slow=True,
        )
        run("uniformity matrix", lambda n: f"{base}{API}/audit/cycles/{filled.cycle_id}/uniformity", auditor, True)
        mark_seconds = mark_and_add_events(rt, filled)
        run("chain check (routine)", lambda n: f"{base}{API}/audit/verify", auditor, slow=True)
        before = cpu_seconds(servers.worker)
        samples["audit report job"] = report_job(base, auditor, filled.cycle_id, args.job_runs, args.job_timeout)
        after = cpu_seconds(servers.worker)
        if before is not None and after is not None:
            samples["audit report job"].cpu = (after - before) / max(1, args.job_runs)
        job = samples["audit report job"]
        done = f"{job.p50:9.2f} s to done" if job.latencies else f"not done within {args.job_timeout:.0f} s"
        print(f"  {filled.candidates:>6} audit report job       {done}", file=sys.stderr)
    return Measured(filled.candidates, fill_seconds, mark_seconds, samples)


# --- the run ------------------------------------------------------------------------------------


def table(results: list[Measured]) -> tuple[float, float]:
    """Print the table; return the worst ratio and the lowest share (percent) at the largest size."""
    small, large = results[0], results[-1]
    healthz = large.samples["/healthz"].throughput or float("nan")
    sizes = "".join(f"{'p50 at ' + format(r.size, ','):>16}" for r in results)
    alone_head = f"alone at {large.size:,}"
    cpu_head = f"CPU at {large.size:,}"
    print(
        f"{'request':<24}{sizes}{'ratio':>8}{'req/s':>9}{'of /healthz':>13}{alone_head:>16}{cpu_head:>14}{'failed':>8}"
    )
    worst, lowest = 0.0, float("inf")
    for label in large.samples:
        if label == "/healthz":
            continue
        ratio = large.samples[label].p50_or_bound / small.samples[label].p50_or_bound
        worst = max(worst, ratio)
        bounded = any(not r.samples[label].latencies for r in results)
        cells = "".join(
            f"{('>' if not r.samples[label].latencies else '') + _seconds(r.samples[label].p50_or_bound):>16}"
            for r in results
        )
        throughput = large.samples[label].throughput
        share = "-" if throughput is None else f"{100 * throughput / healthz:.1f}%"
        rate = "-" if throughput is None else f"{throughput:.1f}"
        if throughput is not None:
            lowest = min(lowest, 100 * throughput / healthz)
        failed = sum(len(r.samples[label].errors) for r in results)
        alone = large.samples[label].alone
        solo = "-" if alone is None else _seconds(alone)
        mark = "~" if bounded else ""
        cpu = large.samples[label].cpu
        used = "-" if cpu is None else _seconds(cpu)
        print(f"{label:<24}{cells}{mark + format(ratio, '.2f'):>8}{rate:>9}{share:>13}{solo:>16}{used:>14}{failed:>8}")
    print(
        f"(ratio: p50 at {large.size:,} / p50 at {small.size:,}; share: req/s at concurrency {CONCURRENCY} as a "
        f"percentage of /healthz's at {large.size:,}; alone: median of {SOLO} requests one at a time; CPU: the "
        "server's CPU time per request under load (the job: the worker's per job); "
        "'>': nothing done within --job-timeout, a lower bound)"
    )
    rates = "".join(f"{format(r.samples['/healthz'].throughput or 0, ',.0f') + ' req/s':>16}" for r in results)
    healthz_cpu = large.samples["/healthz"].cpu
    used = "" if healthz_cpu is None else f"   CPU {healthz_cpu * 1000:.2f} ms per request at {large.size:,}"
    print(f"{'/healthz':<24}{rates}{used}")
    for r in results:
        print(
            f"fill to {r.size:,}: {r.fill_seconds:.0f} s; routine check marking the chain before the "
            f"{NEW_EVENTS:,} new events: {r.mark_seconds:.1f} s"
        )
    for r in results:
        for label, s in r.samples.items():
            for problem in s.errors[:3]:
                print(f"failed at {r.size:,}: {label}: {problem}")
    return worst, lowest


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="Candidates in the cycle, smallest first")
    parser.add_argument("--quick", action="store_true", help="Sizes 100,1000 and shorter runs (development)")
    parser.add_argument("--database-url", help="An empty database to fill (default: a throwaway PostgreSQL one)")
    parser.add_argument("--seconds", type=float, default=10.0, help="Least seconds of load per request")
    parser.add_argument("--min-requests", type=int, default=40, help="Least requests per request kind")
    parser.add_argument("--budget", type=float, default=90.0, help="No new request of a kind after this many seconds")
    parser.add_argument("--job-runs", type=int, default=1, help="Audit report jobs per size")
    parser.add_argument(
        "--job-timeout", type=float, default=1200.0, help="Seconds to wait for a report job before giving up"
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seconds, args.min_requests, args.budget, args.job_runs = "100,1000", 3.0, 16, 30.0, 1
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="vetting-scale-") as temp, database(args.database_url) as url:
        folder = Path(temp)
        env = {**os.environ, "VETTING_INSTANCE_PATH": str(folder / "instance")}
        env.pop("VETTING_QUEUE_URL", None)
        if url:
            env["VETTING_DATABASE_URL"] = url
        else:
            env.pop("VETTING_DATABASE_URL", None)
        subprocess.run(  # noqa: S603
            [VETTING, "init", "--agency-name", "Scale Bench Police Department"],
            env=env,
            check=True,
            capture_output=True,
        )
        os.environ.update(env)
        rt = Runtime.build(load_settings(folder / "instance"))
        where = re.sub(r"//[^@/]*@", "//", url) if url else "SQLite in the instance folder"
        print(f"database: {where}; concurrency {CONCURRENCY}; serve {' '.join(serve_options()) or '(defaults)'}")
        results = []
        spent = 0.0
        for size in sizes:
            t0 = time.perf_counter()
            filled = fill(rt, size, lambda n: print(f"  filled {n}", file=sys.stderr) if n % 1000 == 0 else None)
            spent += time.perf_counter() - t0
            results.append(measure(rt, env, folder, filled, spent, args))
        rt.db.dispose()
        worst, lowest = table(results)
    print(f"worst 10k/1k p50 ratio {worst:.2f}; lowest share of /healthz {lowest:.1f}%")


if __name__ == "__main__":
    main()
