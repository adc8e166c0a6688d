"""A production bundle of about ``pages`` case-file pages, as a ratio to rendering the same pages
as one plain PDF (issue 15 point 5).

A throwaway instance (SQLite in its folder, or ``--database-url``) is filled with the demo cycle
grown by bench/fill.py (each candidate with its checklist work, searches, findings, mentions,
releases, consent file and audit events, under its own data key), and a records officer is added.
Ten candidates are produced first to learn the pages per case file; then enough candidates for
``pages`` pages:

- **production**: :func:`vetting.services.production.make` as the job runs it (each candidate
  opened and audited, its files read and checked, a case-file PDF per candidate with Bates numbers
  running on, the redaction log, the manifest hashed and signed, the ZIP);
- **baseline**: the same case files' HTML, collected beforehand, rendered once as one plain PDF by
  the same locked-down renderer (no database, files, numbering, hashing, signing or ZIP).

    .venv/bin/python bench/production.py [pages]      # default 500
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from fill import fill  # bench/ is the script's folder, first on sys.path
from sqlalchemy import select

from vetting.config import load_settings
from vetting.models import Candidate, Role, User
from vetting.runtime import Runtime
from vetting.services import production, users

VETTING = str(Path(sys.executable).with_name("vetting"))
PASSWORD = "bench passphrase, long enough"
AGENCY = "Production Bench Police Department"


def _params(ids: list[int]) -> dict[str, Any]:
    return {"candidate_ids": ids, "purpose": "inspection", "reference": "Bench", "version": "recorded"}


def produce(rt: Runtime, officer_id: int, ids: list[int]) -> tuple[bytes, float]:
    """The bundle and the seconds it took, in one transaction as the job does it."""
    t0 = time.perf_counter()
    with rt.db.transaction() as session:
        officer = session.get(User, officer_id)
        assert officer is not None
        _name, bundle = production.make(
            session, officer, rt.security, rt.store, rt.reports, rt.settings.audit_signing_key, AGENCY,
            "bench", _params(ids),
        )  # fmt: skip
    return bundle, time.perf_counter() - t0


def case_file_pages(bundle: bytes) -> int:
    with zipfile.ZipFile(BytesIO(bundle)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    return sum(
        int(f["bates_last"].rsplit("-", 1)[1]) - int(f["bates_first"].rsplit("-", 1)[1]) + 1
        for f in manifest["files"]
        if f["path"].startswith("case-files/")
    )


def plain_html(rt: Runtime, officer_id: int, ids: list[int]) -> str:
    """Every candidate's case file (the template production renders) as one plain document."""
    request = production.parse_request(_params(ids))
    bodies = []
    with rt.db.transaction() as session:
        names = users.names(session)
        for candidate in session.scalars(select(Candidate).where(Candidate.id.in_(ids)).order_by(Candidate.id)):
            collected = production._collect(session, rt.security, rt.store, candidate, request, names)  # noqa: SLF001
            html = rt.reports.html(
                "production_case_file.html", c=collected.case, agency=AGENCY, purpose="", version="",
                reference="Bench", production="bench", generated_at="", generated_by="",
            )  # fmt: skip
            bodies.append(html.split("<body>", 1)[1].rsplit("</body>", 1)[0])
    head = '<!doctype html><html><head><link rel="stylesheet" href="asset:report.css"></head><body>'
    # Each case file on its own pages, as in the bundle (a bench document, not a served page).
    return head + '<div style="break-before: page"></div>'.join(bodies) + "</body></html>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="?", type=int, default=500, help="Case-file pages in the bundle")
    parser.add_argument("--database-url", help="An empty database to fill (default: SQLite in a temporary instance)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vetting-production-") as temp:
        env = {**os.environ, "VETTING_INSTANCE_PATH": str(Path(temp) / "instance")}
        env.pop("VETTING_QUEUE_URL", None)
        if args.database_url:
            env["VETTING_DATABASE_URL"] = args.database_url
        else:
            env.pop("VETTING_DATABASE_URL", None)
        subprocess.run([VETTING, "init", "--agency-name", AGENCY], env=env, check=True)  # noqa: S603
        os.environ.update(env)
        rt = Runtime.build(load_settings(Path(temp) / "instance"))
        filled = fill(rt, 40)
        with rt.db.transaction() as session:
            officer_id = users.create_user(
                session, None, rt.security, email="records@bench.test", name="Records Bench", password=PASSWORD,
                roles=frozenset({Role.RECORDS_OFFICER}),
            ).id  # fmt: skip
            ids = list(session.scalars(select(Candidate.id).where(Candidate.cycle_id == filled.cycle_id)))
        trial, _ = produce(rt, officer_id, ids[:10])
        per_candidate = case_file_pages(trial) / 10
        wanted = math.ceil(args.pages / per_candidate)
        if wanted > len(ids):
            filled = fill(rt, wanted)
            with rt.db.transaction() as session:
                ids = list(session.scalars(select(Candidate.id).where(Candidate.cycle_id == filled.cycle_id)))
        chosen = sorted(ids)[:wanted]
        bundle, made = produce(rt, officer_id, chosen)
        pages = case_file_pages(bundle)
        html = plain_html(rt, officer_id, chosen)
        plain_pages = rt.reports.page_count(html)
        t0 = time.perf_counter()
        rt.reports.render_html(html)
        plain = time.perf_counter() - t0
        rt.db.dispose()
    print(f"production bundle: {len(chosen)} candidates, {pages} case-file pages, {len(bundle)} bytes: {made:.2f} s")
    print(f"one plain PDF of the same case files ({plain_pages} pages): {plain:.2f} s")
    print(f"production / plain PDF: {made / plain:.2f}")


if __name__ == "__main__":
    main()
