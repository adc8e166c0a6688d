"""Candidates of a cycle: adding them (one by one or by CSV), listing, progress."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, case, false, func, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import Assignment, Candidate, Consent, Cycle, CycleStatus, Duty, Finding, User
from vetting.services.context import Security
from vetting.services.fields import split_list
from vetting.services.paging import Key, Page, PageRequest, paginate
from vetting.services.vault import DISPOSED, CandidateVault, Profile, new_wrapped_key, read_profile

MAX_FIELD = 200
MAX_LIST = 20
MAX_IMPORT_ROWS = 500
MAX_IMPORT_BYTES = 1024 * 1024
CSV_COLUMNS = ("name", "aliases", "handles", "profile_urls", "region")


@dataclass(frozen=True)
class CandidateInput:
    name: str
    aliases: list[str]
    handles: list[str]
    profile_urls: list[str]
    region: str


def _clean_list(values: list[str], field: str, label: str) -> list[str]:
    cleaned = [v.strip() for v in values if v.strip()]
    if len(cleaned) > MAX_LIST:
        raise ValidationFailed(f"At most {MAX_LIST} {label} per candidate.", field=field)
    for value in cleaned:
        if len(value) > MAX_FIELD:
            raise ValidationFailed(f"Each of the {label} must be at most {MAX_FIELD} characters.", field=field)
    return cleaned


def validate_input(data: CandidateInput) -> Profile:
    """Check one candidate's fields; raise naming the field at fault."""
    name = data.name.strip()
    if not name:
        raise ValidationFailed("The candidate's name is required.", field="name")
    if len(name) > MAX_FIELD:
        raise ValidationFailed(f"Name must be at most {MAX_FIELD} characters.", field="name")
    urls = _clean_list(data.profile_urls, "profile_urls", "profile URLs")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationFailed(f"“{url}” is not a web address (http:// or https://).", field="profile_urls")
    region = data.region.strip()
    if len(region) > MAX_FIELD:
        raise ValidationFailed(f"City/region must be at most {MAX_FIELD} characters.", field="region")
    return Profile(
        name=name,
        aliases=_clean_list(data.aliases, "aliases", "aliases"),
        handles=_clean_list(data.handles, "handles", "handles"),
        profile_urls=urls,
        region=region,
    )


def _cycle_for_candidates(session: Session, actor: User, cycle_id: int, *, lock: bool = False) -> Cycle:
    cycle = session.get(Cycle, cycle_id, with_for_update=lock)
    if cycle is None or not policy.can_view_cycle(actor, cycle):
        raise NotFound("No such cycle.")
    policy.require(actor, policy.Action.CANDIDATES_MANAGE, cycle)
    return cycle


def _insert(
    session: Session, security: Security, actor: User, cycle: Cycle, profile: Profile, number: int
) -> Candidate:
    # The data key's wrapping binds the candidate's id too: written first, then keyed and sealed.
    candidate = Candidate(cycle_id=cycle.id, code=f"C-{number:03d}", profile_enc="", created_by_id=actor.id)
    session.add(candidate)
    session.flush()
    candidate.wrapped_key = new_wrapped_key(security.keyring, candidate.id)
    CandidateVault(security.keyring, candidate).seal_field(candidate, "profile", profile.to_json())
    session.flush()
    record(session, actor, Event.CANDIDATE_ADDED, subject=candidate, cycle_id=cycle.id, code=candidate.code)
    return candidate


def _next_number(session: Session, cycle: Cycle) -> int:
    count = session.scalar(select(func.count()).select_from(Candidate).where(Candidate.cycle_id == cycle.id))
    return (count or 0) + 1


def _check_open(cycle: Cycle) -> None:
    if cycle.status is CycleStatus.CLOSED:
        raise Conflict("This cycle is closed; no candidates can be added.", code="cycle_closed")


def add_candidate(session: Session, actor: User, security: Security, cycle_id: int, data: CandidateInput) -> Candidate:
    """Add one candidate; the profile is stored only encrypted under a new data key."""
    cycle = _cycle_for_candidates(session, actor, cycle_id, lock=True)
    _check_open(cycle)
    return _insert(session, security, actor, cycle, validate_input(data), _next_number(session, cycle))


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is row 0)
    field: str
    message: str


class ImportRejected(ValidationFailed):
    """The CSV had invalid rows; nothing was imported."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            f"Nothing was imported: {len(errors)} problem(s) in the file. "
            + "; ".join(f"row {e.row}, {e.field}: {e.message}" for e in errors[:10]),
            field="file",
        )
        self.errors = errors


def import_csv(session: Session, actor: User, security: Security, cycle_id: int, text: str) -> list[Candidate]:
    """Import candidates from CSV (columns: name, aliases, handles, profile_urls, region;
    lists separated by ';'). All rows are checked first: one bad row imports nothing."""
    cycle = _cycle_for_candidates(session, actor, cycle_id, lock=True)
    _check_open(cycle)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "name" not in header:
        raise ValidationFailed("The first line must be a header with at least a 'name' column.", field="file")
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        raise ValidationFailed(
            f"Unknown column(s): {', '.join(unknown)}. Allowed: {', '.join(CSV_COLUMNS)}.", field="file"
        )
    reader.fieldnames = header
    errors: list[RowError] = []
    profiles: list[Profile] = []
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not readable CSV: {exc}.", field="file") from exc
    for number, row in enumerate(rows, start=1):
        if number > MAX_IMPORT_ROWS:
            raise ValidationFailed(f"At most {MAX_IMPORT_ROWS} candidates per file.", field="file")
        try:
            profiles.append(
                validate_input(
                    CandidateInput(
                        name=row.get("name") or "",
                        aliases=split_list(row.get("aliases")),
                        handles=split_list(row.get("handles")),
                        profile_urls=split_list(row.get("profile_urls")),
                        region=row.get("region") or "",
                    )
                )
            )
        except ValidationFailed as error:
            errors.append(RowError(number, error.field or "row", error.message))
    if errors:
        raise ImportRejected(errors)
    if not profiles:
        raise ValidationFailed("The file has a header but no candidates.", field="file")
    start = _next_number(session, cycle)
    return [_insert(session, security, actor, cycle, p, start + i) for i, p in enumerate(profiles)]


@dataclass(frozen=True)
class CandidateSummary:
    """A candidate as listed: the name only for those who may see it."""

    id: int
    code: str
    cycle_id: int
    cycle_title: str
    name: str | None
    stage: str
    resolved: int
    total: int
    findings: int


#: A candidate's stages in the search, in order.
STAGES = ("awaiting consent", "searching", "search complete")


def stage_of(candidate: Candidate) -> str:
    if candidate.consent is None:
        return STAGES[0]
    if candidate.search_completed_at is None:
        return STAGES[1]
    return STAGES[2]


def stage_rank() -> ColumnElement[int]:
    """:func:`stage_of` of the candidate row of the enclosing query, as the :data:`STAGES` index."""
    consented = select(Consent.id).where(Consent.candidate_id == Candidate.id).exists()
    return case((Candidate.search_completed_at.is_not(None), 2), (consented, 1), else_=0)


def progress(candidate: Candidate) -> tuple[int, int]:
    """(items resolved, items on the cycle's checklist)."""
    version = candidate.cycle.checklist_version
    if version is None:
        return 0, 0
    item_ids = {i.id for i in version.items}
    return sum(1 for r in candidate.resolutions if r.item_id in item_ids), len(item_ids)


def summarise(session: Session, actor: User, security: Security, candidate: Candidate) -> CandidateSummary:
    return _summaries(session, actor, security, [candidate])[0]


def _summaries(session: Session, actor: User, security: Security, rows: list[Candidate]) -> list[CandidateSummary]:
    """Each candidate as listed, with their findings counted in one query for the whole page."""
    ids = [c.id for c in rows]
    counts: dict[int, int] = {}
    if ids:
        query = select(Finding.candidate_id, func.count()).where(Finding.candidate_id.in_(ids))
        counts = {i: n for i, n in session.execute(query.group_by(Finding.candidate_id))}
    listed = []
    for candidate in rows:
        name = DISPOSED if candidate.wrapped_key is None else None
        if policy.can_see_candidate_name(actor, candidate.cycle) and candidate.wrapped_key is not None:
            name = read_profile(CandidateVault(security.keyring, candidate), candidate).name
        resolved, total = progress(candidate)
        listed.append(
            CandidateSummary(
                id=candidate.id,
                code=candidate.code,
                cycle_id=candidate.cycle_id,
                cycle_title=candidate.cycle.title,
                name=name,
                stage=stage_of(candidate),
                resolved=resolved,
                total=total,
                findings=counts.get(candidate.id, 0),
            )
        )
    return listed


def list_candidates(
    session: Session, actor: User, security: Security, cycle_id: int, page: PageRequest | None = None
) -> Page[CandidateSummary]:
    return _listed(session, actor, security, _cycle_for_candidates(session, actor, cycle_id), page or PageRequest())


def _listed(
    session: Session, actor: User, security: Security, cycle: Cycle, page: PageRequest
) -> Page[CandidateSummary]:
    """One page of the cycle's candidates in the order they were added; listing their names is
    audited (§4). The statements are as many for 10,000 candidates as for 10 (issue 17)."""
    rows = paginate(
        session,
        select(Candidate).where(Candidate.cycle_id == cycle.id),
        [Key(Candidate.id)],
        page,
        name=f"cycle/{cycle.id}/candidates",
    )
    listed = rows.with_items(_summaries(session, actor, security, rows.items))
    if any(c.name is not None for c in listed.items):
        record(session, actor, Event.CYCLE_CANDIDATES_LISTED, subject=cycle)
    return listed


@dataclass(frozen=True)
class VersionLabel:
    label: str


@dataclass(frozen=True)
class CycleHeading:
    """A cycle as the pages about its candidates head it."""

    id: int
    title: str
    position: str
    status: CycleStatus
    blind_review: bool
    checklist_version: VersionLabel | None

    @classmethod
    def of(cls, cycle: Cycle) -> CycleHeading:
        version = cycle.checklist_version
        return cls(
            cycle.id,
            cycle.title,
            cycle.position,
            cycle.status,
            cycle.blind_review,
            VersionLabel(version.label) if version else None,
        )


@dataclass(frozen=True)
class CyclePage:
    cycle: CycleHeading
    candidates: Page[CandidateSummary]


def cycle_page(
    session: Session, actor: User, security: Security, cycle_id: int, page: PageRequest | None = None
) -> CyclePage:
    """The page of a cycle's candidates, for those who manage them."""
    cycle = _cycle_for_candidates(session, actor, cycle_id)
    return CyclePage(CycleHeading.of(cycle), _listed(session, actor, security, cycle, page or PageRequest()))


def my_candidates(
    session: Session, actor: User, security: Security, page: PageRequest | None = None
) -> Page[CandidateSummary]:
    """One page of the candidates of every cycle the actor searches in, newest cycle first, for
    the investigator's start page."""
    query = (
        select(Candidate)
        .join(Assignment, Assignment.cycle_id == Candidate.cycle_id)
        .where(Assignment.user_id == actor.id, Assignment.duty == Duty.INVESTIGATOR)
    )
    if not policy.can(actor, policy.Action.INVESTIGATE):
        query = query.where(false())
    rows = paginate(
        session,
        query,
        [Key(Candidate.cycle_id, descending=True), Key(Candidate.id)],
        page or PageRequest(),
        name="my-candidates",
    )
    listed = rows.with_items(_summaries(session, actor, security, rows.items))
    if listed.items:
        record(session, actor, Event.CANDIDATES_LISTED, count=len(listed.items))
    return listed


def get_for_work(session: Session, actor: User, candidate_id: int) -> Candidate:
    """A candidate the actor may work on as a searcher (R4, POL-01); others see 404/403."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or not policy.can_view_cycle(actor, candidate.cycle):
        raise NotFound("No such candidate.")
    policy.require(actor, policy.Action.INVESTIGATE, candidate.cycle)
    return candidate


@dataclass(frozen=True)
class SearchClosing:
    """What closing a candidate's search would meet: the confirmation page shows it first (R1)."""

    id: int
    code: str
    completed: bool
    consented: bool
    #: "3. Court records", for each checklist item not resolved yet.
    open_items: list[str]
    #: Findings neither released nor withdrawn.
    unsettled: list[int]


def unsettled_findings(session: Session, candidate_id: int) -> list[int]:
    """The candidate's findings neither released nor withdrawn: each stops the search closing (R1)."""
    return list(
        session.scalars(
            select(Finding.id)
            .where(
                Finding.candidate_id == candidate_id,
                Finding.current_release_id.is_(None),
                Finding.withdrawn_at.is_(None),
            )
            .order_by(Finding.id)
        )
    )


def search_closing(session: Session, actor: User, candidate_id: int) -> SearchClosing:
    """The state :meth:`Candidate.complete_search` checks, read without changing anything."""
    candidate = get_for_work(session, actor, candidate_id)
    version = candidate.cycle.checklist_version
    done = {r.item_id for r in candidate.resolutions}
    unsettled = unsettled_findings(session, candidate.id)
    return SearchClosing(
        id=candidate.id,
        code=candidate.code,
        completed=candidate.search_completed_at is not None,
        consented=candidate.consent is not None,
        open_items=[f"{i.position}. {i.title}" for i in (version.items if version else []) if i.id not in done],
        unsettled=list(unsettled),
    )
