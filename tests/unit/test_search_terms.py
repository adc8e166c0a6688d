"""The search-query linter (PC-02, GINA 29 CFR 1635.8, R5): vetting.screening.search_terms.

A logged query that pairs the candidate with a medical, genetic or protected-class term
is a search for that information and must be refused; the candidate's own identifiers
are masked first so that a candidate called Church or White can still be searched.
The protected-class detector is the source of terms, with a short list of query-only words;
axes are the detector's. Terms are whole words, case- and accent-insensitive, with plurals.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from vetting.screening.detector import AXES, screen
from vetting.screening.search_terms import TermHit, prohibited_terms

NAME = "Casey Candidate"


def terms(query: str, identifiers: tuple[str, ...] = (NAME,)) -> set[str]:
    return {hit.term for hit in prohibited_terms(query, identifiers)}


@pytest.mark.parametrize(
    ("query", "term", "axis"),
    [
        (f'"{NAME}" cancer', "cancer", "disability_health"),
        (f"{NAME} genetic", "genetic", "genetic"),
        (f"{NAME} genetic testing", "genetic testing", "genetic"),
        (f'"{NAME}" "family history"', "family history", "genetic"),
        (f"{NAME} pregnant", "pregnant", "pregnancy"),
        (f"{NAME} church", "church", "religion"),
        (f"{NAME} PTSD", "ptsd", "disability_health"),
        (f"{NAME} huntington's", "huntington", "genetic"),
        (f"{NAME} baby shower", "baby shower", "pregnancy"),
    ],
)
def test_name_with_a_protected_term_is_refused(query: str, term: str, axis: str) -> None:
    """PC-02 / GINA: each axis of protected information is caught, named with its axis."""
    hits = prohibited_terms(query, [NAME])
    assert TermHit(term, axis) in hits
    assert hits[0].axis_label == AXES[hits[0].axis]


@pytest.mark.parametrize(
    "query",
    [
        f"{NAME} Cancers",  # plural and capitals
        f"{NAME} CÁNCER",  # accent folded
        f"{NAME} cáncer",
        f"{NAME} ＣＡＮＣＥＲ",  # full-width letters (NFKD)
        f"{NAME} (cancer)",
        f'{NAME} "cancer."',
        f"{NAME} #cancer",
        f"{NAME} cancer-free",
        f"{NAME} GENETICS",
        f"{NAME} Family History",
        f"{NAME} family\u00a0history",  # a no-break space is a space
        f"{NAME} Pregnant",
        f"{NAME} CHURCH",
    ],
)
def test_case_accents_plurals_and_punctuation_do_not_hide_a_term(query: str) -> None:
    assert terms(query) & {"cancer", "cancer free", "genetic", "genetics", "family history", "pregnant", "church"}


@pytest.mark.parametrize(
    "query",
    [
        f"{NAME} cancerous",  # a longer word is not the term
        f"{NAME} Cancerian",
        f"{NAME} churchill",
        f"{NAME} agency",  # "age" inside a word
        f"{NAME} marriott hotel",
        f"{NAME} stage play",
        f"{NAME} arrest",
        f'"{NAME}" Hattiesburg',
        "",
    ],
)
def test_terms_inside_other_words_do_not_fire(query: str) -> None:
    """Whole words only: "cancerous", "Churchill", "agency" are not protected searches."""
    assert prohibited_terms(query, [NAME]) == []


def test_candidate_identifiers_are_masked() -> None:
    """A candidate whose surname is a listed word can still be searched by name."""
    assert prohibited_terms('"Hope Church" arrest', ["Hope Church"]) == []
    assert prohibited_terms('"HOPE CHURCH" Laurel', ["Hope Church"]) == []  # masking is case-insensitive
    assert prohibited_terms("Hópe Chúrch arrest", ["Hope Church"]) == []  # and accent-insensitive
    assert prohibited_terms('"Carol Christian" DUI', ["Carol Christian"]) == []
    assert prohibited_terms("@hope.church posts", ["Hope Knight", "@hope.church"]) == []
    assert terms("@hope.church posts", ()) == {"church"}


def test_masking_removes_only_the_identifier_not_a_term_beside_it() -> None:
    """The name is masked; the same word used as a term elsewhere in the query is still refused."""
    assert terms('"Hope Church" church', ("Hope Church",)) == {"church"}
    assert terms('"Hope Church" cancer', ("Hope Church",)) == {"cancer"}
    # Without the identifier the surname itself is a term: the mask is what lets it through.
    assert terms('"Hope Church" arrest', ()) == {"church"}


def test_several_terms_are_all_reported_once() -> None:
    hits = prohibited_terms(f"{NAME} cancer pregnant cancer church", [NAME])
    assert sorted(h.term for h in hits) == ["cancer", "church", "pregnant"]
    assert {h.axis for h in hits} == {"disability_health", "pregnancy", "religion"}


def test_queries_are_folded_by_the_detector() -> None:
    """One folding (detector.normalise): case, accents, typographic apostrophes, possessives, hyphens."""
    assert terms("CÁNCER Huntington’s", ()) == {"cancer", "huntington"}
    assert terms(f"{NAME} family  -  history") == {"family history"}


def test_a_short_alias_does_not_mask_part_of_a_protected_term() -> None:
    """PC-02: 'Ed Smith medical records' is a medical search even when the candidate goes by 'Ed'."""
    assert terms("Ed Smith medical records", ("Edward Smith", "Ed")) == {"medical"}
    assert terms("Casey chemo", ("Casey Candidate", "@chem", "chem")) == {"chemo"}


def test_extra_spaces_inside_a_multi_word_term_do_not_hide_it() -> None:
    assert terms(f"{NAME} family  history") == {"family history"}
    assert terms(f"{NAME} family-history") == {"family history"}


def test_a_possessive_does_not_hide_a_term() -> None:
    assert terms(f"{NAME} church's bake sale") == {"church"}
    assert terms(f"{NAME} cancer’s treatment") == {"cancer"}


@pytest.mark.parametrize(
    ("query", "term", "axis"),
    [
        (f"{NAME} medical records", "medical", "disability_health"),  # query-only: the detector needs context
        (f"{NAME} born in 1985", "born in 1985", "age"),  # a detector pattern
        (f"{NAME} Black officer", "black", "race_colour"),  # a detector context rule
        (f"{NAME} DD214", "dd214", "military_veteran"),
        (f"{NAME} DD 214", "dd-214", "military_veteran"),  # the term as listed
        (f"{NAME} union organizing", "union organizing", "protected_activity"),
    ],
)
def test_the_detector_is_the_source_of_terms(query: str, term: str, axis: str) -> None:
    """PC-02 refuses what the PC-01 detector flags, named with the detector's axis and label."""
    hits = prohibited_terms(query, [NAME])
    assert TermHit(term, axis) in hits
    assert next(h for h in hits if h.term == term).axis_label == AXES[axis]


def test_lawful_searches_pass() -> None:
    for query in (
        f'"{NAME}" Hattiesburg MS',
        f"{NAME} arrest record",
        f"{NAME} Facebook",
        "@casey_c",
        f"{NAME} white truck",
    ):
        assert prohibited_terms(query, [NAME]) == [], query


def query_only_terms() -> list[tuple[str, str]]:
    data = json.loads(resources.files("vetting.data").joinpath("search_terms.json").read_text(encoding="utf-8"))
    return [(term, axis) for axis, listed in data["axes"].items() for term in listed]


@pytest.mark.parametrize(("term", "axis"), query_only_terms())
def test_each_query_only_term_is_refused_and_needed(term: str, axis: str) -> None:
    """The query-only list adds only what the detector does not find in a query ("<term> records")."""
    assert axis in AXES
    assert TermHit(term, axis) in prohibited_terms(f"{NAME} {term} records", [NAME])
    assert screen(f"{term} records") == []
