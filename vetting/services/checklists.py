"""Checklist templates, publication of immutable versions, and pinning one to a cycle (R6).

A published version never changes (the ORM refuses it, and no route edits it); a cycle
pins one version before it opens and cannot switch after; every candidate of the cycle
is worked against exactly that version's items.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.chain import canonical_json
from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.crypto import sha256_hex
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import (
    ChecklistDraftItem,
    ChecklistTemplate,
    ChecklistVersion,
    ChecklistVersionItem,
    Cycle,
    CycleStatus,
    User,
)
from vetting.screening.search_terms import prohibited_terms
from vetting.services import fields, techniques

MAX_ITEMS = 100


@dataclass(frozen=True)
class ItemInput:
    title: str
    source: str
    technique_code: str
    required: bool = True
    guidance: str = ""


def create_template(session: Session, actor: User, *, name: str, description: str = "") -> ChecklistTemplate:
    policy.require(actor, policy.Action.CHECKLISTS_MANAGE)
    template = ChecklistTemplate(
        name=fields.text(name, "name", "Name"),
        description=fields.text(description, "description", "Description", limit=2000, required=False),
        created_by_id=actor.id,
    )
    session.add(template)
    session.flush()
    record(session, actor, Event.CHECKLIST_TEMPLATE_CREATED, subject=template)
    return template


def get_template(session: Session, actor: User, template_id: int) -> ChecklistTemplate:
    policy.require(actor, policy.Action.CHECKLISTS_MANAGE)
    template = session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFound("No such checklist template.")
    return template


def list_templates(session: Session, actor: User) -> list[ChecklistTemplate]:
    policy.require(actor, policy.Action.CHECKLISTS_MANAGE)
    return list(session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name)))


def add_draft_item(session: Session, actor: User, template_id: int, data: ItemInput) -> ChecklistDraftItem:
    """Append an item to the template's draft; only approved techniques can be planned."""
    template = get_template(session, actor, template_id)
    if len(template.draft_items) >= MAX_ITEMS:
        raise ValidationFailed(f"A checklist has at most {MAX_ITEMS} items.", field="title")
    techniques.require_approved(data.technique_code, field="technique_code")
    for field, text in (("title", data.title), ("source", data.source)):
        hits = prohibited_terms(text)
        if hits:
            terms = ", ".join(f"“{h.term}” ({h.axis_label})" for h in hits)
            raise ValidationFailed(
                f"A checklist item may not plan a search for {terms}: searching for medical, genetic or "
                "protected-class information is a prohibited request (GINA, rule PC-02).",
                code="prohibited_search",
                field=field,
            )
    item = ChecklistDraftItem(
        template=template,
        position=len(template.draft_items) + 1,
        title=fields.text(data.title, "title", "What to search"),
        source=fields.text(data.source, "source", "Where to search"),
        technique_code=data.technique_code.strip().upper(),
        required=data.required,
        guidance=fields.text(data.guidance, "guidance", "Guidance", limit=2000, required=False),
    )
    session.add(item)
    session.flush()
    record(
        session,
        actor,
        Event.CHECKLIST_DRAFT_ITEM_ADDED,
        subject=template,
        position=item.position,
        technique=item.technique_code,
    )
    return item


def remove_draft_item(session: Session, actor: User, template_id: int, item_id: int) -> None:
    template = get_template(session, actor, template_id)
    item = next((i for i in template.draft_items if i.id == item_id), None)
    if item is None:
        raise NotFound("No such draft item.")
    template.draft_items.remove(item)
    for position, remaining in enumerate(template.draft_items, start=1):
        remaining.position = position
    session.flush()
    record(session, actor, Event.CHECKLIST_DRAFT_ITEM_REMOVED, subject=template)


def move_draft_item(session: Session, actor: User, template_id: int, item_id: int, offset: int) -> None:
    """Move an item up (-1) or down (+1) in the draft."""
    template = get_template(session, actor, template_id)
    items = list(template.draft_items)
    index = next((n for n, i in enumerate(items) if i.id == item_id), None)
    if index is None:
        raise NotFound("No such draft item.")
    target = index + offset
    if 0 <= target < len(items):
        items[index].position, items[target].position = items[target].position, items[index].position
        session.flush()
        record(
            session, actor, Event.CHECKLIST_DRAFT_ITEM_MOVED, subject=template, **{"from": index + 1, "to": target + 1}
        )


def publish(session: Session, actor: User, template_id: int) -> ChecklistVersion:
    """Freeze the draft as the next version; from now on it cannot change."""
    template = get_template(session, actor, template_id)
    drafts = sorted(template.draft_items, key=lambda i: i.position)
    if not drafts:
        raise ValidationFailed("Add at least one item before publishing.", field="items")
    payload = [
        {
            "position": n,
            "title": d.title,
            "source": d.source,
            "technique": d.technique_code,
            "required": d.required,
            "guidance": d.guidance,
        }
        for n, d in enumerate(drafts, start=1)
    ]
    version = ChecklistVersion(
        template=template,
        number=len(template.versions) + 1,
        published_at=utcnow(),
        published_by_id=actor.id,
        content_hash=sha256_hex(canonical_json(payload)),
    )
    version.items = [
        ChecklistVersionItem(
            position=p["position"],
            title=p["title"],
            source=p["source"],
            technique_code=p["technique"],
            required=p["required"],
            guidance=p["guidance"],
        )
        for p in payload
    ]
    session.add(version)
    session.flush()
    record(
        session,
        actor,
        Event.CHECKLIST_PUBLISHED,
        subject=version,
        template_id=template.id,
        number=version.number,
        items=len(payload),
        content_hash=version.content_hash,
    )
    return version


def get_version(session: Session, actor: User, version_id: int) -> ChecklistVersion:
    """Anyone who manages checklists or cycles, or works or sits in a cycle using it, may read it."""
    version = session.get(ChecklistVersion, version_id)
    if version is None:
        raise NotFound("No such checklist version.")
    if policy.role_allows(actor, policy.Action.CHECKLISTS_MANAGE) or policy.role_allows(
        actor, policy.Action.CYCLES_VIEW_ALL
    ):
        return version
    in_use = session.scalars(select(Cycle).where(Cycle.checklist_version_id == version.id))
    if any(policy.can_view_cycle(actor, c) for c in in_use):
        return version
    raise NotFound("No such checklist version.")


def published_versions(session: Session, actor: User) -> list[ChecklistVersion]:
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    return list(session.scalars(select(ChecklistVersion).order_by(ChecklistVersion.published_at.desc())))


def set_cycle_checklist(
    session: Session, actor: User, cycle_id: int, version_id: int | None, identity_match_minimum: int | None = None
) -> Cycle:
    """Pin a published version (and the identity-match minimum) while the cycle is a draft."""
    policy.require(actor, policy.Action.CYCLES_MANAGE)
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.")
    if cycle.status is not CycleStatus.DRAFT:
        raise Conflict(
            "The cycle is open: its checklist version and identity-match minimum are frozen so every candidate "
            "is vetted the same way (R6).",
            code="checklist_locked",
        )
    if version_id is not None:
        version = session.get(ChecklistVersion, version_id)
        if version is None:
            raise ValidationFailed(f"No published checklist version {version_id}.", field="checklist_version_id")
        cycle.checklist_version = version
    if identity_match_minimum is not None:
        if not 1 <= identity_match_minimum <= 8:
            raise ValidationFailed(
                "The identity-match minimum must be between 1 and 8.", field="identity_match_minimum"
            )
        cycle.identity_match_minimum = identity_match_minimum
    session.flush()
    record(
        session,
        actor,
        Event.CYCLE_CHECKLIST_SET,
        subject=cycle,
        checklist_version_id=cycle.checklist_version_id,
        identity_match_minimum=cycle.identity_match_minimum,
    )
    return cycle
