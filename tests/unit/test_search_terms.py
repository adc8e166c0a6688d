"""The search-query linter (PC-02, GINA 29 CFR 1635.8, R5): vetting.screening.search_terms.

A logged query that pairs the candidate with a medical, genetic or protected-class term
is a search for that information and must be refused; the candidate's own identifiers
are masked first so that a candidate called Church or White can still be searched.
Terms are whole words, case- and accent-insensitive, with an optional plural "s".
"""

from __future__ import annotations

import pytest

from vetting.screening.search_terms import AXIS_LABELS, TermHit, normalise, prohibited_terms

NAME = "Casey Candidate"


def terms(query: str, identifiers: tuple[str, ...] = (NAME,)) -> set[str]:
    return {hit.term for hit in prohibited_terms(query, identifiers)}


@pytest.mark.parametrize(
    ("query", "term", "axis"),
    [
        (f'"{NAME}" cancer', "cancer", "health"),
        (f"{NAME} genetic", "genetic", "genetic"),
        (f"{NAME} genetic testing", "genetic testing", "genetic"),
        (f'"{NAME}" "family history"', "family history", "genetic"),
        (f"{NAME} pregnant", "pregnant", "pregnancy"),
        (f"{NAME} church", "church", "religion"),
        (f"{NAME} PTSD", "ptsd", "health"),
        (f"{NAME} huntington's", "huntington", "genetic"),
        (f"{NAME} baby shower", "baby shower", "pregnancy"),
    ],
)
def test_name_with_a_protected_term_is_refused(query: str, term: str, axis: str) -> None:
    """PC-02 / GINA: each axis of protected information is caught, named with its axis."""
    hits = prohibited_terms(query, [NAME])
    assert TermHit(term, axis) in hits
    assert hits[0].axis_label == AXIS_LABELS[hits[0].axis]


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
    assert terms(query) & {"cancer", "genetic", "genetics", "family history", "pregnant", "church"}


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
    assert {h.axis for h in hits} == {"health", "pregnancy", "religion"}


def test_normalise_folds_case_accents_apostrophes_and_possessives() -> None:
    assert normalise("CÁNCER Huntington’s") == "cancer huntington "
    assert normalise("family  -  history") == "family history"


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
