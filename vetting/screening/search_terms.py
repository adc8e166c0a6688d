"""The search-query linter (PC-02, GINA 29 CFR 1635.8, R5).

A logged search is a search on the candidate, so a query (or a planned checklist item)
containing a medical, genetic or protected-class term is a search for that information
about the candidate and is refused before anything is written. Terms are whole words,
case- and accent-insensitive, with plurals (-s, -es, -ies) and possessives ('s), and
runs of spaces or hyphens count as one space. The candidate's own name, aliases and
handles are masked first, as whole words: a candidate called White or Church can still
be searched, and a short alias cannot hide part of a term.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ahocorasick

AXIS_LABELS = {
    "genetic": "genetic information or family medical history",
    "health": "health or disability",
    "pregnancy": "pregnancy",
    "religion": "religion",
    "race_national_origin": "race, national origin or citizenship",
    "sex_orientation_gender": "sexual orientation or gender identity",
    "age": "age",
    "family_marital": "marital or family status",
    "military_veteran": "military or veteran status",
    "political_protected_activity": "political affiliation or protected activity",
}

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_]+")
#: A possessive ending is not part of the word: "cancer's" is "cancer" for matching.
_POSSESSIVE = re.compile(r"'s\b")


@dataclass(frozen=True)
class TermHit:
    term: str
    axis: str

    @property
    def axis_label(self) -> str:
        return AXIS_LABELS[self.axis]


def normalise(text: str) -> str:
    """Fold case and accents, unify apostrophes, make runs of spaces and hyphens one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u2019", "'")
    return _SEPARATORS.sub(" ", _POSSESSIVE.sub(" ", folded))


def _plurals(term: str) -> set[str]:
    forms = {term, term + "s", term + "es"}
    if term.endswith("y") and len(term) > 2 and term[-2] not in "aeiou":
        forms.add(term[:-1] + "ies")
    return forms


@cache
def _automaton() -> ahocorasick.Automaton:
    data = json.loads(resources.files("vetting.data").joinpath("search_terms.json").read_text(encoding="utf-8"))
    automaton = ahocorasick.Automaton()
    for axis, terms in data["axes"].items():
        for term in terms:
            base = normalise(term).strip()
            for form in _plurals(base):
                automaton.add_word(form, (len(form), base, axis))
    automaton.make_automaton()
    return automaton


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "'"


def _mask(text: str, identifiers: Iterable[str]) -> str:
    """Blank out the candidate's own identifiers, where they stand as whole words."""
    for identifier in identifiers:
        ident = normalise(identifier).strip()
        if ident:
            pattern = rf"(?<![\w']){re.escape(ident)}(?![\w'])"
            text = re.sub(pattern, lambda m: " " * len(m.group(0)), text)
    return text


def prohibited_terms(text: str, candidate_identifiers: Iterable[str] = ()) -> list[TermHit]:
    """The medical, genetic or protected-class terms in ``text`` (empty when it is lawful)."""
    normalised = _mask(normalise(text), candidate_identifiers)
    hits: dict[str, TermHit] = {}
    for end, (length, base, axis) in _automaton().iter(normalised):
        start = end - length + 1
        before = normalised[start - 1] if start > 0 else " "
        after = normalised[end + 1] if end + 1 < len(normalised) else " "
        if not (_is_word_char(before) or _is_word_char(after)):
            hits.setdefault(base, TermHit(base, axis))
    return list(hits.values())
