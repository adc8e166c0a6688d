"""The search-query linter (PC-02, GINA 29 CFR 1635.8, R5).

A logged search is a search on the candidate, so a query (or a planned checklist item)
that names a protected characteristic is a search for that information about the candidate
and is refused before anything is written. The protected-class detector (PC-01) is the
source of terms: a query is refused when the detector finds a mention in it. A query has no
person context (the candidate is always its subject), so the few words the detector leaves
to context in notes or does not list ("church", "medical", "age") are listed for queries in
vetting/data/search_terms.json and matched the detector's way: whole words after its case
and accent folding, with plurals and possessives. Runs of spaces count as one space. The
candidate's own name, aliases and handles are masked first, as whole words: a candidate
called White or Church can still be searched, and a short alias cannot hide part of a term.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ahocorasick

from vetting.screening import detector


@dataclass(frozen=True)
class TermHit:
    term: str
    #: A detector axis (detector.AXES).
    axis: str

    @property
    def axis_label(self) -> str:
        return detector.AXES[self.axis]


@cache
def _query_terms() -> ahocorasick.Automaton:
    """The query-only terms, keyed like the detector's lexicon: (key length - 2, term as listed, axis)."""
    data = json.loads(resources.files("vetting.data").joinpath("search_terms.json").read_text(encoding="utf-8"))
    automaton = ahocorasick.Automaton()
    for axis, terms in data["axes"].items():
        for term in terms:
            for key, _plural in detector.word_keys(term):
                automaton.add_word(key, (len(key) - 2, term, axis))
    automaton.make_automaton()
    return automaton


def _fold(text: str) -> str:
    return " ".join(detector.normalise(text)[0].split())


def _mask(query: str, identifiers: Iterable[str]) -> str:
    """Blank out the candidate's own identifiers, where they stand as whole words."""
    for identifier in identifiers:
        ident = _fold(identifier)
        if ident:
            pattern = rf"(?<![\w']){re.escape(ident)}(?![\w'])"
            query = re.sub(pattern, lambda m: " " * len(m.group(0)), query)
    return query


def prohibited_terms(text: str, candidate_identifiers: Iterable[str] = ()) -> list[TermHit]:
    """The protected-class terms in a search query ``text``, each once, in order (empty when it is lawful)."""
    query = _mask(_fold(text), candidate_identifiers)
    found: list[tuple[int, str, str]] = []
    for mention in detector.screen(query):
        # A lexicon hit is named by its term as listed ("cancers" is "cancer"); a pattern hit by its text.
        term = detector.lexicon_term(mention.rule) or query[mention.start : mention.end]
        found.append((mention.start, term, mention.axis))
    padded = f" {query} "
    for end, (back, term, axis) in _query_terms().iter(detector.word_view(query)):
        if detector.starts_word(padded, end - back):
            found.append((end - back - 1, term, axis))
    hits: dict[str, TermHit] = {}
    for _start, term, axis in sorted(found):
        hits.setdefault(term, TermHit(term, axis))
    return list(hits.values())
