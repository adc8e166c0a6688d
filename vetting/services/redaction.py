"""Detector mentions on findings and their mandatory human resolution (R3, PC-01, PC-03).

Every field of a finding that reaches the board (platform, summary, excerpt) is screened
when the finding is saved, and again whenever its text changes. Each mention stays open
until an investigator resolves it: ``redact`` (the board sees ``[redacted]``) or
``not_protected`` with a reason, typically that a group term is part of conduct the
candidate showed toward that group (lane B of rules-legal.md §2), not the candidate's own
trait. Investigators can also redact words the detector missed.

Which class a mention belongs to is itself protected information: axis, rule and the
matched words are sealed under the candidate's data key, and audit events carry only ids
and counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from vetting.audit.events import Event
from vetting.audit.writer import record
from vetting.clock import utcnow
from vetting.errors import NotFound, Refusal, ValidationFailed
from vetting.models import (
    REDACTED,
    SCREENED_FIELDS,
    Candidate,
    Finding,
    FindingMention,
    MentionResolution,
    MentionSource,
    User,
)
from vetting.screening import identity
from vetting.screening.detector import AXES, screen
from vetting.screening.text import normalise
from vetting.services.vault import CandidateVault, read_profile

MIN_REASON = 5
MAX_REASON = 500
#: One-click reasons for the detector's common false alarms (issue 13), recorded like typed ones:
#: (button label, the reason stored).
QUICK_REASONS = (
    ("Not about the candidate", "Not about the candidate: the words describe someone else."),
    ("Not a person", "Not a person: a product, an organisation, a place or an everyday phrase."),
    ("A place, not an origin", "A place named in passing, not anyone's origin."),
)
#: Axis shown for words an investigator redacted by hand.
MANUAL_AXIS = "manual"
#: The candidate's own name or handle in a blind-review cycle: always redacted (PRODUCT.md §2).
IDENTITY_AXIS = "identity"
OTHER_AXES = {
    MANUAL_AXIS: "marked by an investigator",
    IDENTITY_AXIS: "the candidate's name or handle (blind review)",
}


def axis_label(axis: str) -> str:
    """How a mention's axis is named to investigators (and to the author of refused text)."""
    return AXES.get(axis) or OTHER_AXES[axis]


@dataclass(frozen=True)
class MentionView:
    id: int
    field: str
    start: int
    end: int
    text: str
    axis: str
    rule: str
    source: MentionSource
    resolution: MentionResolution | None
    reason: str | None
    resolved_by_id: int | None
    resolved_at: datetime | None

    @property
    def axis_label(self) -> str:
        return axis_label(self.axis)

    @property
    def open(self) -> bool:
        return self.resolution is None


def _detail(vault: CandidateVault, mention: FindingMention) -> dict[str, str]:
    detail: dict[str, str] = json.loads(vault.open_field(mention, "detail"))
    return detail


def mention_views(finding: Finding, vault: CandidateVault) -> list[MentionView]:
    views = []
    for m in finding.mentions:
        detail = _detail(vault, m)
        views.append(
            MentionView(
                id=m.id,
                field=m.field,
                start=m.start_offset,
                end=m.end_offset,
                text=detail["text"],
                axis=detail["axis"],
                rule=detail["rule"],
                source=m.source,
                resolution=m.resolution,
                reason=vault.open_optional_field(m, "reason"),
                resolved_by_id=m.resolved_by_id,
                resolved_at=m.resolved_at,
            )
        )
    return views


def _add(
    session: Session,
    finding: Finding,
    vault: CandidateVault,
    *,
    field: str,
    span: tuple[int, int],
    detail: dict[str, str],
    source: MentionSource,
    redacted: bool = False,
    actor: User | None = None,
) -> FindingMention:
    """A new mention; ``redacted`` ones are resolved at once, by ``actor`` (None: the system)."""
    mention = FindingMention(
        finding_id=finding.id, field=field, start_offset=span[0], end_offset=span[1], source=source
    )
    if redacted:
        mention.resolution = MentionResolution.REDACT
        mention.resolved_by_id = actor.id if actor else None
        mention.resolved_at = utcnow()
    finding.mentions.append(mention)
    return vault.add_sealed(session, mention, detail=json.dumps(detail, sort_keys=True))


def _provisional(field: str, span: tuple[int, int], words: str, axis: str, rule: str, redacted: bool) -> MentionView:
    return MentionView(
        id=0,
        field=field,
        start=span[0],
        end=span[1],
        text=words,
        axis=axis,
        rule=rule,
        source=MentionSource.DETECTOR,
        resolution=MentionResolution.REDACT if redacted else None,
        reason=None,
        resolved_by_id=None,
        resolved_at=None,
    )


def unscreened_mentions(finding: Finding, vault: CandidateVault, texts: dict[str, str]) -> list[MentionView]:
    """What :func:`screen_fields` would record on a finding never screened, unsaved (id 0): the
    detector's hits open, the candidate's identity in a blind cycle redacted. A read shows them
    so the finding cannot be released before ``vetting findings screen-backfill`` screens it (R3)."""
    views = []
    for name in SCREENED_FIELDS:
        text = texts[name]
        for hit in screen(text):
            views.append(_provisional(name, (hit.start, hit.end), text[hit.start : hit.end], hit.axis, hit.rule, False))
        for span in _identity_spans(text, finding.candidate, vault):
            views.append(_provisional(name, span, text[span[0] : span[1]], IDENTITY_AXIS, "BLIND-ID", True))
    return views


def _occurrences(text: str, words: str) -> list[tuple[int, int]]:
    """Every case-insensitive whole-word occurrence of ``words`` in ``text``, as offsets into ``text``
    itself (folding a copy could shift them: "İ" lowercases to two characters)."""
    if not words:
        return []
    # Whole words only: redacting "Lent" must not cut into "excellent".
    pattern = rf"(?<!\w){re.escape(words)}(?!\w)"
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def screen_fields(
    session: Session,
    actor: User | None,
    finding: Finding,
    vault: CandidateVault,
    texts: dict[str, str],
    previous: dict[str, str] | None = None,
) -> list[str]:
    """Screen the fields whose text is new or changed; return their names.

    A changed field loses its mentions and is screened afresh. Redactions carry over
    (the safe direction: the same words on the same axis stay redacted), while a
    ``not_protected`` judgement depends on context and must be made again. ``actor`` None:
    the system (the back-fill of findings recorded before screening existed).
    """
    if finding.screened_at is None:
        previous = None  # never screened (recorded before screening existed): every field
    changed = [f for f in SCREENED_FIELDS if previous is None or previous[f] != texts[f]]
    finding.screened_at = utcnow()
    for name in changed:
        old = [m for m in finding.mentions if m.field == name]
        details = [_detail(vault, m) for m in old if m.resolution is MentionResolution.REDACT]
        redacted = {(d["text"].casefold(), d["axis"], d["rule"]) for d in details}
        # Words redacted by hand keep their own spelling: casefolding "ß" to "ss" would lose them.
        manual = sorted({d["text"] for d in details if d["axis"] == MANUAL_AXIS})
        for m in old:
            finding.mentions.remove(m)
        session.flush()
        text = texts[name]
        for hit in screen(text):
            words = text[hit.start : hit.end]
            carried = (words.casefold(), hit.axis, hit.rule) in redacted
            _add(
                session,
                finding,
                vault,
                field=name,
                span=(hit.start, hit.end),
                detail={"axis": hit.axis, "rule": hit.rule, "text": words},
                source=MentionSource.DETECTOR,
                redacted=carried,
                actor=actor,
            )
        # Always redacted: the blind candidate's identity, then words once redacted by hand.
        always = [
            (span, IDENTITY_AXIS, "BLIND-ID", MentionSource.DETECTOR)
            for span in _identity_spans(text, finding.candidate, vault)
        ]
        always += [
            (span, MANUAL_AXIS, "manual", MentionSource.MANUAL)
            for words in manual
            for span in _occurrences(text, words)
        ]
        for span, axis, rule, source in always:
            if not _covered(finding, name, span):
                _add(
                    session,
                    finding,
                    vault,
                    field=name,
                    span=span,
                    detail={"axis": axis, "rule": rule, "text": text[span[0] : span[1]]},
                    source=source,
                    redacted=True,
                    actor=actor,
                )
    if changed:
        session.flush()
        record(
            session,
            actor,
            Event.FINDING_SCREENED,
            subject=finding,
            fields=changed,
            mentions=len(finding.mentions),
            open=open_count(finding),
        )
    return changed


def _identity_spans(text: str, candidate: Candidate, vault: CandidateVault) -> list[tuple[int, int]]:
    """In a blind-review cycle, where ``text`` names the candidate: their name, aliases, handles
    and name parts, however written (:func:`vetting.screening.identity.find`)."""
    if not candidate.cycle.blind_review:
        return []
    profile = read_profile(vault, candidate)
    return identity.find(text, (profile.name, *profile.aliases), profile.handles)


@dataclass(frozen=True)
class TextHit:
    """Protected-class information (or, in a blind cycle, the candidate's identity) in free text."""

    start: int
    end: int
    words: str
    axis: str

    @property
    def axis_label(self) -> str:
        return axis_label(self.axis)


def text_hits(text: str, candidate: Candidate, vault: CandidateVault) -> list[TextHit]:
    """What the firewall stops in free text that travels between investigators and the board
    (rationales, questions, answers, the candidate's response): detector hits, and the
    candidate's name in blind-review cycles."""
    hits = [TextHit(m.start, m.end, text[m.start : m.end], m.axis) for m in screen(text)]
    hits += [TextHit(a, b, text[a:b], IDENTITY_AXIS) for a, b in _identity_spans(text, candidate, vault)]
    return sorted(hits, key=lambda h: (h.start, -h.end))


def refuse_protected(
    actor: User,
    text: str,
    field: str,
    label: str,
    candidate: Candidate,
    vault: CandidateVault,
    cleared: Iterable[str] = (),
) -> None:
    """Refuse free text bound for (or written by) the board when the firewall finds anything
    in it; the author is told what and why, so they can reword it (R3, PC-01).

    Words that stand in ``cleared``, the released text of the findings the author cites, pass:
    two investigators already judged them not protected there ("putting a man in hospital").

    The refusal is audited (``firewall.refused``, issue 14): who, about which candidate, the
    field, the code and the axes' names, never the words, which were not saved."""
    released = [f" {' '.join(_NON_WORD.sub(' ', normalise(t)[0]).split())} " for t in cleared]
    hits = [
        h
        for h in text_hits(text, candidate, vault)
        if h.axis == IDENTITY_AXIS or not any(_as_phrase(h.words) in r for r in released)
    ]
    if hits:
        found = "; ".join(f"\u201c{h.words}\u201d ({h.axis_label})" for h in hits)
        raise ValidationFailed(
            f"The {label} mentions protected-class information: {found}. Reword it so that it rests only on "
            "job-related conduct shown in released findings.",
            field=field,
            code="protected_class_content",
            refusal=Refusal.of(
                Event.FIREWALL_REFUSED,
                actor,
                subject=candidate,
                field=field,
                axes=sorted({h.axis for h in hits}),
                code="protected_class_content",
            ),
        )


_NON_WORD = re.compile(r"[^\w]|_")


def _as_phrase(words: str) -> str:
    return f" {' '.join(_NON_WORD.sub(' ', normalise(words)[0]).split())} "


def redact_free_text(text: str, candidate: Candidate, vault: CandidateVault) -> str:
    """``text`` with every firewall hit replaced by ``[redacted]`` (no person to resolve them:
    the safe direction for text the candidate wrote)."""
    return redact(text, merge_spans((h.start, h.end) for h in text_hits(text, candidate, vault)))


def _covered(finding: Finding, field: str, span: tuple[int, int]) -> bool:
    return any(
        m.field == field
        and m.resolution is MentionResolution.REDACT
        and m.start_offset <= span[0]
        and span[1] <= m.end_offset
        for m in finding.mentions
    )


def open_count(finding: Finding) -> int:
    return sum(1 for m in finding.mentions if m.resolution is None)


def withdraw_release(session: Session, actor: User, finding: Finding, why: str) -> None:
    """The board stops reading a finding whose board-facing text changed (R3)."""
    if finding.current_release_id is None:
        return
    release_id = finding.current_release_id
    finding.current_release = None
    session.flush()
    record(session, actor, Event.FINDING_RELEASE_WITHDRAWN, subject=finding, release_id=release_id, why=why)


def resolve(
    session: Session,
    actor: User,
    vault: CandidateVault,
    finding: Finding,
    mention_id: int,
    resolution: MentionResolution,
    reason: str | None,
) -> FindingMention:
    """Record a person's decision on one mention; the caller has checked access."""
    finding.candidate.require_cycle_not_closed()
    mention = next((m for m in finding.mentions if m.id == mention_id), None)
    if mention is None:
        raise NotFound("No such mention on this finding (the text may have changed and been screened again).")
    if mention.source is MentionSource.MANUAL and resolution is not MentionResolution.REDACT:
        raise ValidationFailed("Words redacted by hand stay redacted.", field="resolution")
    if resolution is not MentionResolution.REDACT and _detail(vault, mention)["axis"] == IDENTITY_AXIS:
        raise ValidationFailed(
            "This is a blind-review cycle: the board never sees the candidate's name or handles.", field="resolution"
        )
    reason = (reason or "").strip()
    if resolution is MentionResolution.NOT_PROTECTED:
        if len(reason) < MIN_REASON:
            raise ValidationFailed(
                "Say why this is not the candidate's protected information, for example that it is reported "
                "conduct toward a group (lane B).",
                field="reason",
            )
        if len(reason) > MAX_REASON:
            raise ValidationFailed(f"The reason must be at most {MAX_REASON} characters.", field="reason")
    before = (mention.resolution, vault.open_optional_field(mention, "reason"))
    after = (resolution, reason if resolution is MentionResolution.NOT_PROTECTED else None)
    if before == after:
        return mention
    mention.resolution = resolution
    vault.seal_field(mention, "reason", after[1])
    mention.resolved_by_id = actor.id
    mention.resolved_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        Event.FINDING_MENTION_RESOLVED,
        subject=finding,
        mention_id=mention.id,
        resolution=resolution.value,
        open=open_count(finding),
    )
    withdraw_release(session, actor, finding, "redaction changed")
    return mention


def redact_words(
    session: Session,
    actor: User,
    vault: CandidateVault,
    finding: Finding,
    field: str,
    words: str,
    texts: dict[str, str],
) -> list[FindingMention]:
    """Redact every occurrence of ``words`` in one field: what the detector missed (R3)."""
    finding.candidate.require_cycle_not_closed()
    if field not in SCREENED_FIELDS:
        raise ValidationFailed("Choose the platform, summary or excerpt.", field="field")
    words = words.strip()
    if not words or len(words) > 500:
        raise ValidationFailed("Give the exact words to redact (1–500 characters).", field="text")
    spans = [s for s in _occurrences(texts[field], words) if not _covered(finding, field, s)]
    if not spans:
        if _occurrences(texts[field], words):
            raise ValidationFailed(f"These words are already redacted in the {field}.", field="text")
        raise ValidationFailed(f"These words do not appear in the {field}.", field="text")
    added = [
        _add(
            session,
            finding,
            vault,
            field=field,
            span=span,
            detail={"axis": MANUAL_AXIS, "rule": "manual", "text": words},
            source=MentionSource.MANUAL,
            redacted=True,
            actor=actor,
        )
        for span in spans
    ]
    session.flush()
    record(
        session,
        actor,
        Event.FINDING_WORDS_REDACTED,
        subject=finding,
        field=field,
        mention_ids=[m.id for m in added],
        open=open_count(finding),
    )
    withdraw_release(session, actor, finding, "redaction changed")
    return added


def redacted_spans(mentions: Iterable[MentionView], field: str) -> list[tuple[int, int]]:
    """Merged spans to redact in ``field``."""
    return merge_spans(
        (m.start, m.end) for m in mentions if m.field == field and m.resolution is MentionResolution.REDACT
    )


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping and touching ones made one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact_parts(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The board-facing text as (text, is_redaction) parts, for showing where redactions fall."""
    parts, at = [], 0
    for start, end in spans:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((REDACTED, True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def redact(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The board-facing text: each span becomes ``[redacted]``, with nothing about its axis."""
    return "".join(part for part, _ in redact_parts(text, spans))


@dataclass(frozen=True)
class Segment:
    """A run of text, highlighted when it belongs to a mention."""

    text: str
    mention: MentionView | None = None


def segments(text: str, mentions: Iterable[MentionView], field: str) -> list[Segment]:
    """Text cut at mention boundaries for inline highlighting; overlapping mentions
    after the first are listed separately, not highlighted twice."""
    out, at = [], 0
    for m in sorted((m for m in mentions if m.field == field), key=lambda m: (m.start, -m.end)):
        if m.start < at:
            continue
        if m.start > at:
            out.append(Segment(text[at : m.start]))
        out.append(Segment(text[m.start : m.end], m))
        at = m.end
    if at < len(text):
        out.append(Segment(text[at:]))
    return out
