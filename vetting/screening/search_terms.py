"""The search-query linter (PC-02, GINA 29 CFR 1635.8, R5).

A logged search is a search on the candidate, so a query containing a medical, genetic
or protected-class term is a search for that information about the candidate and is
refused before anything is written. Terms are whole words, case- and accent-insensitive,
matched with an Aho–Corasick automaton built once. The candidate's own name, aliases
and handles are masked first: a candidate called White or Church can still be searched.
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


@dataclass(frozen=True)
class TermHit:
    term: str
    axis: str

    @property
    def axis_label(self) -> str:
        return AXIS_LABELS[self.axis]


def normalise(text: str) -> str:
    """Fold case and accents, unify apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u2019", "'")


@cache
def _automaton() -> ahocorasick.Automaton:
    data = json.loads(resources.files("vetting.data").joinpath("search_terms.json").read_text(encoding="utf-8"))
    automaton = ahocorasick.Automaton()
    for axis, terms in data["axes"].items():
        for term in terms:
            base = normalise(term)
            for form in (base, base + "s"):
                automaton.add_word(form, (len(form), base, axis))
    automaton.make_automaton()
    return automaton


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "'"


def _mask(text: str, identifiers: Iterable[str]) -> str:
    for identifier in identifiers:
        ident = normalise(identifier).strip()
        if ident:
            text = re.sub(re.escape(ident), lambda m: " " * len(m.group(0)), text)
    return text


def prohibited_terms(query: str, candidate_identifiers: Iterable[str] = ()) -> list[TermHit]:
    """The medical, genetic or protected-class terms in ``query`` (empty when it is lawful)."""
    text = _mask(normalise(query), candidate_identifiers)
    hits: dict[str, TermHit] = {}
    for end, (length, base, axis) in _automaton().iter(text):
        start = end - length + 1
        before = text[start - 1] if start > 0 else " "
        after = text[end + 1] if end + 1 < len(text) else " "
        if not (_is_word_char(before) or _is_word_char(after)):
            hits.setdefault(base, TermHit(base, axis))
    return list(hits.values())
