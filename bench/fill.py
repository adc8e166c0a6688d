"""Fill a cycle with thousands of candidates for bench/scale.py (issue 17 point 7).

The demo (accounts, the Police Officer cycle and its 12 candidates) and ten template
candidates are made through the services, like any other input. The templates cover the
stages a cycle holds: not yet consented, searching, closed with findings released by a
second investigator (some withdrawn), closed with nothing found; the board's two members
have recommended on some. A closed template has 9 searches, 3 findings, 3-4 detector
mentions and 2-3 releases: about 17 such rows, as in the issue's measurements.

The rest is the fast path: each new candidate copies one template's rows (every table that
hangs off ``candidates`` by foreign key, found from the models' metadata) with new ids,
under a data key of its own: every sealed value is opened with the template's key and
sealed again under the copy's key and record ids, the consent form is stored again under
the copy's key, and the template's audit events are appended to the chain again (ids in
their data renumbered) through the app's audit writer, in one transaction per batch, so
each batch ends with a signed checkpoint like any commit.
"""

from __future__ import annotations

import io
import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import segno
from sqlalchemy import Table, false, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from vetting import demo
from vetting.audit.events import Event, Subject
from vetting.audit.writer import append
from vetting.clock import today
from vetting.crypto import DataKey, Sealed
from vetting.models import (
    AuditEvent,
    Authorship,
    BehaviourCategory,
    Candidate,
    Cycle,
    Finding,
    IdentityBasis,
    MentionResolution,
    Outcome,
    ResolutionStatus,
    SignatureMethod,
    User,
    ValidationMethod,
    ValidationResult,
)
from vetting.models.base import Base
from vetting.runtime import Runtime
from vetting.services import candidates, decisions, findings, investigation, release
from vetting.services.vault import CandidateVault, Profile, new_wrapped_key, read_profile

#: Candidates copied per transaction.
BATCH = 250
#: Threads storing a batch's files.
FILE_WRITERS = 8

FIRST_NAMES = ("Jordan", "Avery", "Riley", "Morgan", "Casey", "Taylor", "Quinn", "Reese", "Drew", "Skyler")
LAST_NAMES = ("Okafor", "Lindqvist", "Marchetti", "Nakamura", "Delacroix", "Brennan", "Haddad", "Kowalski")


@dataclass(frozen=True)
class FindingSpec:
    position: int  # the checklist item it was found under
    category: BehaviourCategory
    platform: str
    summary: str  # protected-class words in it give the firewall mentions to resolve
    excerpt: str


FINDINGS = (
    FindingSpec(
        4,
        BehaviourCategory.VIOLENCE,
        "Facebook",
        "Posted photos from her baby shower at St. Mary's parish, then threatened a neighbour over parking.",
        "Next time he blocks my truck I'll put him in the ground.",
    ),
    FindingSpec(
        6,
        BehaviourCategory.BIAS_HATE,
        "X",
        "Shared a meme mocking a coworker's wheelchair and his Muslim faith, with a slur in the caption.",
        "People like that should never wear a badge.",
    ),
    FindingSpec(
        5,
        BehaviourCategory.RECKLESS,
        "TikTok",
        "Video of street racing at night on a public road, filmed from the driver's seat.",
        "Hit 120 on the bypass, cops never saw a thing.",
    ),
)


@dataclass(frozen=True)
class Stage:
    consent: bool = True
    resolved: int = 9  # checklist items resolved, in order
    findings: int = 0  # from FINDINGS, in order
    released: int = 0  # of those, released (the rest are withdrawn when the search closes)
    closed: bool = True
    recommended: bool = False  # both board members recommend


#: The templates, copied round-robin: 1 new, 1 searching, 6 closed with findings, 2 with none.
TEMPLATES = (
    Stage(consent=False, resolved=0, closed=False),
    Stage(resolved=5, findings=1, closed=False),
    Stage(findings=3, released=2, recommended=True),
    Stage(findings=3, released=2, recommended=True),
    Stage(findings=3, released=2),
    Stage(findings=3, released=3, recommended=True),
    Stage(findings=3, released=3),
    Stage(findings=3, released=3),
    Stage(recommended=True),
    Stage(),
)

#: Keys of audit event data that hold the id of a copied row, by table.
ID_KEYS = {
    "candidate_id": "candidates",
    "finding_id": "findings",
    "finding": "findings",
    "findings": "findings",
    "release_id": "finding_releases",
    "mention_id": "finding_mentions",
    "evidence_id": "evidence",
    "recommendation": "recommendations",
    "decision": "decisions",
    "notice": "notices",
    "question": "board_questions",
    "response": "candidate_responses",
}
#: Audit subjects that are copied rows.
SUBJECT_TABLES = {"candidate": "candidates", "finding": "findings", "evidence": "evidence"}


@dataclass(frozen=True)
class Filled:
    cycle_id: int
    candidates: int
    board_ready: list[int]  # closed candidates with released findings (for summaries)


def demo_people() -> tuple[object, ...]:
    return demo.investigation.PEOPLE


def _png(content: str) -> bytes:
    """A small real PNG (a QR code), as a scanned form would be."""
    buffer = io.BytesIO()
    segno.make(content, error="l").save(buffer, kind="png", scale=2)
    return buffer.getvalue()


def _user(session: Session, email: str) -> User:
    found = session.scalar(select(User).where(User.email == email))
    assert found is not None, email
    return found


def _demo_cycle(session: Session) -> Cycle:
    cycle = session.scalar(select(Cycle).where(Cycle.title == demo.DEMO_CYCLE_TITLE))
    assert cycle is not None
    return cycle


def _make_template(rt: Runtime, session: Session, cycle: Cycle, n: int, stage: Stage) -> int:
    """One template candidate, through the services as an investigator, a colleague and the board would."""
    inv1, inv2 = _user(session, "inv1@demo.test"), _user(session, "inv2@demo.test")
    author, reviewer = (inv1, inv2) if n % 2 == 0 else (inv2, inv1)
    security = rt.security
    name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}"
    candidate = candidates.add_candidate(
        session,
        author,
        security,
        cycle.id,
        candidates.CandidateInput(
            name=name,
            aliases=[],
            handles=[f"@{name.split(maxsplit=1)[0].lower()}{n}"],
            profile_urls=[f"https://www.linkedin.com/in/{name.replace(' ', '-').lower()}"],
            region="Hattiesburg, MS",
        ),
    )
    if not stage.consent:
        return candidate.id
    investigation.record_consent(
        session,
        author,
        security,
        rt.store,
        candidate.id,
        signed_on=today() - timedelta(days=30),
        method=SignatureMethod.WET_INK,
        document=_png(f"Signed disclosure and authorization - {candidate.code}"),
    )
    version = cycle.checklist_version
    assert version is not None
    items = {i.position: i for i in version.items}
    specs = FINDINGS[: stage.findings]
    for position in range(1, stage.resolved + 1):
        item = items[position]
        hits = any(s.position == position for s in specs)
        query = f'"{name}"' + (" Hattiesburg" if position == 2 else "")
        investigation.resolve_item(
            session,
            author,
            security,
            candidate.id,
            item.id,
            investigation.ResolutionInput(
                ResolutionStatus.COMPLETED if hits else ResolutionStatus.NO_RESULTS,
                item.technique_code,
                True,
                [investigation.SearchInput(query, item.source.split(" (")[0].split(",")[0], 12 if hits else 0)],
            ),
        )
    recorded = []
    for k, spec in enumerate(specs):
        finding = findings.add_finding(
            session,
            author,
            security,
            candidate.id,
            findings.FindingInput(
                item_id=items[spec.position].id,
                source_url=f"https://{spec.platform.lower()}.example/{candidate.code}/{k}",
                platform=spec.platform,
                content_date=today() - timedelta(days=90 + 30 * k),
                captured_at=None,
                summary=spec.summary,
                excerpt=spec.excerpt,
                category=spec.category,
                authorship=Authorship.AUTHORED,
                identity_basis=[IdentityBasis.NAME, IdentityBasis.PHOTO, IdentityBasis.LISTED_HANDLE],
            ),
        )
        recorded.append(finding.id)
    for finding_id in recorded[: stage.released]:
        view = findings.get_finding(session, author, security, finding_id)
        for mention in view.mentions:
            findings.resolve_mention(session, author, security, finding_id, mention.id, MentionResolution.REDACT, None)
        findings.add_validation(
            session,
            author,
            security,
            finding_id,
            method=ValidationMethod.SECOND_SOURCE,
            result=ValidationResult.CORROBORATES,
            notes="Checked against the candidate's listed handle and an archived copy.",
        )
        review = release.review(session, reviewer, security, finding_id)
        assert not review.blockers, review.blockers
        release.release(session, reviewer, security, finding_id, review.finding.revision)
    if not stage.closed:
        return candidate.id
    for finding_id in recorded[stage.released :]:
        findings.withdraw_finding(
            session, author, security, finding_id, "Not released after review: the board does not rely on it."
        )
    investigation.complete_search(session, author, candidate.id)
    if stage.recommended:
        cited = recorded[:1] if stage.released else []
        outcome = Outcome.DO_NOT_ADVANCE if cited else Outcome.ADVANCE
        for email in ("board1@demo.test", "board2@demo.test"):
            decisions.recommend(
                session,
                _user(session, email),
                security,
                candidate.id,
                outcome=outcome,
                rationale="The released findings weigh against the duties of a police officer."
                if cited
                else "Search complete on the uniform checklist; nothing job-related was found.",
                finding_ids=cited,
            )
    return candidate.id


# --- copying -------------------------------------------------------------------------------------


def _owned_tables() -> list[Table]:
    """Tables whose rows belong to one candidate: ``candidates`` and those hanging off it, parents first."""
    owned: list[Table] = []
    for table in Base.metadata.sorted_tables:
        if table.name == "candidates" or any(fk.column.table in owned for fk in table.foreign_keys):
            owned.append(table)
    return owned


def _models() -> dict[str, type[Any]]:
    return {m.local_table.name: m.class_ for m in Base.registry.mappers if isinstance(m.local_table, Table)}


def _deferred(table: Table) -> set[str]:
    """Columns pointing to a copied table inserted later (a cycle of foreign keys): set after the insert."""
    return {fk.parent.name for fk in table.foreign_keys if fk.use_alter or fk.constraint.use_alter}  # type: ignore[union-attr]


@dataclass
class _Template:
    candidate_id: int
    rows: dict[str, list[dict[str, Any]]]  # table -> rows, in id order
    events: list[AuditEvent]
    texts: dict[tuple[str, int, str], str | None]  # (table, id, sealed name) -> plaintext
    files: dict[tuple[str, int, str], bytes]
    profile: Profile


class Copier:
    """Copies template candidates' rows under new ids and new data keys (see the module docstring)."""

    def __init__(self, rt: Runtime, session: Session, template_ids: list[int]) -> None:
        self.rt = rt
        self.files: list[tuple[str, DataKey, bytes, str]] = []  # stored files of the batch being copied
        self.tables = _owned_tables()
        self.models = _models()
        self.templates = [self._read(session, cid) for cid in template_ids]
        self.next_id = {t.name: (session.scalar(select(func.max(t.c.id))) or 0) + 1 for t in self.tables}
        cycle_id = session.scalar(select(Candidate.cycle_id).where(Candidate.id == template_ids[0]))
        assert cycle_id is not None
        self.cycle_id = cycle_id
        self.number = session.scalar(select(func.count()).where(Candidate.cycle_id == cycle_id)) or 0

    def _fk_targets(self, table: Table) -> dict[str, str]:
        owned = {t.name for t in self.tables}
        return {
            fk.parent.name: fk.column.table.name
            for fk in table.foreign_keys
            if fk.column.table.name in owned and fk.column.name == "id"
        }

    def _read(self, session: Session, candidate_id: int) -> _Template:
        ids: dict[str, set[int]] = {"candidates": {candidate_id}}
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in self.tables:
            if table.name == "candidates":
                found = [dict(r) for r in session.execute(select(table).where(table.c.id == candidate_id)).mappings()]
            else:
                targets = self._fk_targets(table)
                query = select(table).where(
                    or_(false(), *(table.c[col].in_(ids[target]) for col, target in targets.items() if ids.get(target)))
                )
                found = [dict(r) for r in session.execute(query.order_by(table.c.id)).mappings()]
            rows[table.name] = found
            ids[table.name] = {r["id"] for r in found}
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        vault = CandidateVault(self.rt.security.keyring, candidate)
        texts: dict[tuple[str, int, str], str | None] = {}
        files: dict[tuple[str, int, str], bytes] = {}
        for table in self.tables:
            model = self.models[table.name]
            for row in rows[table.name]:
                obj = model(**row)
                for name, declared in getattr(model, "sealed", {}).items():
                    if declared.stored:
                        files[(table.name, row["id"], name)] = self.rt.store.get(
                            row[_storage_column(table, name)], vault.key, vault.file_purpose(obj, name)
                        )
                    else:
                        texts[(table.name, row["id"], name)] = vault.open_optional_field(obj, name)
        subjects = [
            (kind, str(i)) for kind, table_name in SUBJECT_TABLES.items() for i in sorted(ids.get(table_name, ()))
        ]
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(
                    func.coalesce(AuditEvent.subject_type, "")
                    .concat(":")
                    .concat(func.coalesce(AuditEvent.subject_id, ""))
                    .in_([f"{k}:{i}" for k, i in subjects])
                )
                .order_by(AuditEvent.seq)
            )
        )
        session.expunge_all()
        return _Template(candidate_id, rows, events, texts, files, read_profile(vault, candidate))

    def copy(self, session: Session, count: int) -> list[int]:
        """``count`` more candidates, templates round-robin, in ``session``'s transaction; their ids."""
        inserts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        later: dict[str, list[dict[str, Any]]] = defaultdict(list)
        made: list[int] = []
        for k in range(count):
            template = self.templates[(self.number + k) % len(self.templates)]
            made.append(self._copy_one(session, template, inserts, later))
        # Each file is fsynced: written side by side, they wait on the disk together.
        with ThreadPoolExecutor(FILE_WRITERS) as pool:
            list(pool.map(lambda f: self.rt.store.put(*f), self.files))
        self.files.clear()
        for table in self.tables:
            if inserts[table.name]:
                session.execute(insert(table), inserts[table.name])
        for table in self.tables:
            for row in later[table.name]:
                values = {c: v for c, v in row.items() if c != "id"}
                session.execute(update(table).where(table.c.id == row["id"]).values(**values))
        return made

    def _copy_one(
        self,
        session: Session,
        template: _Template,
        inserts: dict[str, list[dict[str, Any]]],
        later: dict[str, list[dict[str, Any]]],
    ) -> int:
        new_ids: dict[str, dict[int, int]] = defaultdict(dict)
        for table in self.tables:
            for row in template.rows[table.name]:
                new_ids[table.name][row["id"]] = self.next_id[table.name]
                self.next_id[table.name] += 1
        self.number += 1
        code = f"C-{self.number:03d}"
        candidate_id = new_ids["candidates"][template.candidate_id]
        keyring = self.rt.security.keyring
        wrapped = new_wrapped_key(keyring, candidate_id)
        vault = CandidateVault(keyring, Candidate(id=candidate_id, wrapped_key=wrapped))
        n = self.number
        profile = replace(template.profile, name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[n % 8]} {n}")
        for table in self.tables:
            model = self.models[table.name]
            targets = self._fk_targets(table)
            deferred = _deferred(table)
            for old in template.rows[table.name]:
                row = dict(old)
                row["id"] = new_ids[table.name][old["id"]]
                for col, target in targets.items():
                    if row[col] is not None:
                        row[col] = new_ids[target][row[col]]
                if table.name == "candidates":
                    row.update(code=code, wrapped_key=wrapped)
                for column in _token_hashes(table):
                    if row[column] is not None:  # a one-time link's token: the copy's is its own
                        row[column] = secrets.token_hex(32)
                obj = model(**row)
                for name, declared in getattr(model, "sealed", {}).items():
                    self._seal(table, vault, obj, row, old["id"], name, declared, template, profile)
                if deferred & {c for c, v in row.items() if v is not None}:
                    later[table.name].append({"id": row["id"], **{c: row[c] for c in deferred}})
                    row.update({c: None for c in deferred})
                inserts[table.name].append(row)
        for event in template.events:
            self._append_event(session, event, new_ids, code)
        return candidate_id

    def _seal(
        self,
        table: Table,
        vault: CandidateVault,
        obj: Any,
        row: dict[str, Any],
        old_id: int,
        name: str,
        declared: Sealed,
        template: _Template,
        profile: Profile,
    ) -> None:
        if declared.stored:
            column = _storage_column(table, name)
            row[column] = self.rt.store.new_name()
            plaintext = template.files[(table.name, old_id, name)]
            self.files.append((row[column], vault.key, plaintext, vault.file_purpose(obj, name)))
            return
        value = profile.to_json() if table.name == "candidates" else template.texts[(table.name, old_id, name)]
        row[f"{name}_enc"] = None if value is None else vault.sealed(obj, name, value)

    def _append_event(
        self, session: Session, event: AuditEvent, new_ids: Mapping[str, Mapping[int, int]], code: str
    ) -> None:
        data = json.loads(event.data)
        for key, value in list(data.items()):
            table = ID_KEYS.get(key)
            if table is None or value is None:
                continue
            mapping = new_ids.get(table, {})
            data[key] = [mapping.get(v, v) for v in value] if isinstance(value, list) else mapping.get(value, value)
        if "code" in data:
            data["code"] = code
        subject = None
        if event.subject_type is not None and event.subject_id is not None:
            table = SUBJECT_TABLES.get(event.subject_type)
            sid = event.subject_id
            if table is not None:
                sid = str(new_ids[table].get(int(sid), int(sid)))
            subject = Subject(event.subject_type, sid)
        append(session, event.actor_id, Event(event.event), subject, data)


def _token_hashes(table: Table) -> list[str]:
    """Unique hashes of one-time tokens (self-identification and candidate links)."""
    return [c.name for c in table.columns if c.unique and c.name.endswith("sha256") and not c.foreign_keys]


def _storage_column(table: Table, name: str) -> str:
    column = f"{name}_storage_name"
    return column if column in table.c else "storage_name"


def _reset_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move each to its table's largest id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in _owned_tables():
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 (table names from the models)
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def fill(rt: Runtime, size: int, progress: Callable[[int], None] | None = None) -> Filled:
    """Grow the demo cycle to ``size`` candidates (loading the demo and the templates first if missing)."""
    with rt.db.transaction() as session:
        if session.scalar(select(Cycle.id).where(Cycle.title == demo.DEMO_CYCLE_TITLE)) is None:
            # Once only: loading the demo again would invite every candidate to self-identify.
            demo.load_demo(session, rt.security, rt.store)
    with rt.db.transaction() as session:
        cycle = _demo_cycle(session)
        cycle_id = cycle.id
        fresh = session.scalar(select(func.count()).where(Candidate.cycle_id == cycle_id)) == len(demo_people())
        template_ids = (
            [_make_template(rt, session, cycle, n, stage) for n, stage in enumerate(TEMPLATES)] if fresh else []
        )
    with rt.db.transaction() as session:
        if not template_ids:  # filled before: the templates follow the demo's candidates
            template_ids = list(
                session.scalars(
                    select(Candidate.id)
                    .where(Candidate.cycle_id == cycle_id)
                    .order_by(Candidate.id)
                    .offset(len(demo_people()))
                    .limit(len(TEMPLATES))
                )
            )
        copier = Copier(rt, session, template_ids)
    while copier.number < size:
        with rt.db.transaction() as session:
            copier.copy(session, min(BATCH, size - copier.number))
            _reset_sequences(session)
        if progress is not None:
            progress(copier.number)
    if rt.db.engine.dialect.name == "postgresql":
        # Fresh statistics, as autovacuum keeps them on a database that grew over months: without
        # them the planner takes the cycle for a few rows and picks nested loops over thousands.
        with rt.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    with rt.db.transaction() as session:
        board_ready = list(
            session.scalars(
                select(Candidate.id)
                .where(
                    Candidate.cycle_id == cycle_id,
                    Candidate.search_completed_at.is_not(None),
                    Candidate.id.in_(select(Finding.candidate_id).where(Finding.current_release_id.is_not(None))),
                )
                .order_by(Candidate.id)
            )
        )
        total = session.scalar(select(func.count()).where(Candidate.cycle_id == cycle_id)) or 0
    return Filled(cycle_id, total, board_ready)
