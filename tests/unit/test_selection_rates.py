"""Selection rates, impact ratios, the four-fifths rule and Fisher's exact test (UGESP, rules-legal.md §6).

UG-02: a group selected at under 4/5 of the highest group's rate is flagged; a significance
test (Fisher's exact, two-sided) is reported beside it. Groups under the minimum size are
suppressed: no counts, no rate, never the reference. No database, no Flask.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vetting.selection_rates import (
    ALPHA,
    FOUR_FIFTHS,
    Counts,
    GroupRate,
    compare,
    fisher_exact_two_sided,
    format_p,
    significance,
    tally,
)

# --- Fisher's exact test ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # The textbook two-sided example (also SciPy's documentation): p = 0.002759.
        pytest.param((1, 9, 11, 3), 0.0027594561852200836, id="textbook-1-9-11-3"),
        # Fisher's lady tasting tea: p = 0.4857 (R: fisher.test(matrix(c(3,1,1,3), 2))).
        pytest.param((3, 1, 1, 3), 0.4857142857142857, id="tea-tasting"),
        # Perfect separation of 20 people: two tables out of C(20, 10).
        pytest.param((10, 0, 0, 10), 2 / comb(20, 10), id="perfect-separation"),
        # 5 of 10 against 9 of 10 (R: p-value = 0.1409).
        pytest.param((5, 5, 9, 1), 0.14086687306501547, id="five-of-ten-vs-nine-of-ten"),
    ],
)
def test_fisher_exact_matches_known_p_values(table: tuple[int, int, int, int], expected: float) -> None:
    assert fisher_exact_two_sided(*table) == pytest.approx(expected, rel=1e-9)


def test_the_known_values_in_round_numbers() -> None:
    assert fisher_exact_two_sided(1, 9, 11, 3) == pytest.approx(0.002759, abs=5e-7)
    assert fisher_exact_two_sided(3, 1, 1, 3) == pytest.approx(0.4857, abs=5e-5)
    assert fisher_exact_two_sided(10, 0, 0, 10) == pytest.approx(1.0825e-05, rel=1e-4)


@pytest.mark.parametrize(
    "table",
    [(2, 2, 2, 2), (5, 5, 5, 5), (3, 7, 3, 7), (0, 4, 0, 4), (4, 0, 4, 0), (1, 1, 1, 1), (0, 0, 0, 0)],
)
def test_a_table_with_identical_rows_has_p_one(table: tuple[int, int, int, int]) -> None:
    """Two groups selected at exactly the same rate: no evidence of a difference at all."""
    assert fisher_exact_two_sided(*table) == 1.0


@pytest.mark.parametrize("table", [(1, 9, 11, 3), (3, 1, 1, 3), (5, 5, 9, 1), (0, 6, 4, 2)])
def test_the_p_value_does_not_depend_on_how_the_table_is_laid_out(table: tuple[int, int, int, int]) -> None:
    a, b, c, d = table
    p = fisher_exact_two_sided(a, b, c, d)
    assert fisher_exact_two_sided(c, d, a, b) == pytest.approx(p, rel=1e-12)  # rows swapped
    assert fisher_exact_two_sided(b, a, d, c) == pytest.approx(p, rel=1e-12)  # columns swapped
    assert fisher_exact_two_sided(a, c, b, d) == pytest.approx(p, rel=1e-12)  # transposed


def test_negative_cells_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        fisher_exact_two_sided(-1, 2, 3, 4)


def _reference_p(a: int, b: int, c: int, d: int) -> Fraction:
    """Fisher's two-sided p by brute force in exact fractions: every table with the table's margins
    whose probability is at most the observed table's."""
    row1, row2, col1 = a + b, c + d, a + c

    def probability(x: int) -> Fraction:
        return Fraction(comb(row1, x) * comb(row2, col1 - x), comb(row1 + row2, col1))

    observed = probability(a)
    return sum(
        (p for x in range(0, col1 + 1) if x <= row1 and col1 - x <= row2 and (p := probability(x)) <= observed),
        Fraction(0),
    )


cells = st.integers(min_value=0, max_value=25)


@settings(max_examples=200, deadline=None)
@given(a=cells, b=cells, c=cells, d=cells)
def test_fisher_p_value_is_a_probability_and_agrees_with_brute_force(a: int, b: int, c: int, d: int) -> None:
    p = fisher_exact_two_sided(a, b, c, d)
    assert 0.0 < p <= 1.0
    assert p == pytest.approx(float(_reference_p(a, b, c, d)), rel=1e-9)


# --- the four-fifths rule --------------------------------------------------------------------------


def _by_group(results: list[GroupRate]) -> dict[str, GroupRate]:
    return {r.group: r for r in results}


def test_half_against_four_fifths_is_flagged() -> None:
    """Rates 0.5 and 0.8: impact ratio 0.625 < 0.8, flagged; the higher group is the reference."""
    results = _by_group(compare({"A": Counts(10, 5), "B": Counts(10, 8)}, minimum=5))
    assert results["A"].impact_ratio == pytest.approx(0.625)
    assert results["A"].four_fifths_flag
    assert not results["A"].is_reference
    assert results["B"].is_reference
    assert results["B"].impact_ratio == pytest.approx(1.0)
    assert not results["B"].four_fifths_flag
    assert results["A"].p_value == pytest.approx(fisher_exact_two_sided(5, 5, 8, 2))


def test_a_small_gap_is_not_flagged() -> None:
    """Rates 0.8 and 0.9: impact ratio 0.889, not flagged."""
    results = _by_group(compare({"A": Counts(10, 8), "B": Counts(10, 9)}, minimum=5))
    assert results["A"].impact_ratio == pytest.approx(0.8889, abs=1e-4)
    assert not results["A"].four_fifths_flag
    assert not results["A"].significant
    assert results["B"].is_reference


def test_exactly_four_fifths_is_not_flagged_but_just_under_is() -> None:
    """'Less than four-fifths' (1607.4(D)): 0.8 itself does not raise the flag."""
    at = _by_group(compare({"A": Counts(10, 4), "B": Counts(10, 5)}, minimum=5))
    assert at["A"].impact_ratio == pytest.approx(FOUR_FIFTHS)
    assert not at["A"].four_fifths_flag
    under = _by_group(compare({"A": Counts(100, 39), "B": Counts(100, 49)}, minimum=5))
    assert under["A"].impact_ratio == pytest.approx(39 / 49)
    assert under["A"].four_fifths_flag


def test_the_flag_and_significance_are_separate_indicators() -> None:
    flagged_only = GroupRate("g", False, Counts(10, 5), impact_ratio=0.55, p_value=0.14)
    assert flagged_only.four_fifths_flag
    assert not flagged_only.significant
    significant_only = GroupRate("g", False, Counts(1000, 850), impact_ratio=0.9, p_value=0.001)
    assert not significant_only.four_fifths_flag
    assert significant_only.significant
    at_alpha = GroupRate("g", False, Counts(10, 5), impact_ratio=0.9, p_value=ALPHA)
    assert not at_alpha.significant
    nothing = GroupRate("g", True, None, None, None)
    assert not nothing.four_fifths_flag
    assert not nothing.significant


def test_a_large_gap_in_large_groups_is_significant() -> None:
    results = _by_group(compare({"A": Counts(100, 30), "B": Counts(100, 60)}, minimum=5))
    assert results["A"].four_fifths_flag
    assert results["A"].significant
    assert results["A"].p_value is not None
    assert results["A"].p_value < 0.001


# --- suppression of small groups -------------------------------------------------------------------


def test_a_group_under_the_minimum_is_suppressed_and_never_the_reference() -> None:
    """Two people selected at 100% would be the 'highest rate': suppressed, they are not compared."""
    results = compare({"A": Counts(10, 5), "B": Counts(10, 9), "Small": Counts(2, 2)}, minimum=5)
    small = _by_group(results)["Small"]
    assert small.suppressed
    assert small.counts is None
    assert small.impact_ratio is None
    assert small.p_value is None
    assert not small.is_reference
    assert not small.four_fifths_flag
    reference = [r.group for r in results if r.is_reference]
    assert reference == ["B"]
    assert _by_group(results)["A"].impact_ratio == pytest.approx(5 / 9)


def test_the_minimum_is_inclusive() -> None:
    results = _by_group(compare({"A": Counts(5, 1), "B": Counts(5, 5), "C": Counts(4, 4)}, minimum=5))
    assert not results["A"].suppressed
    assert not results["B"].suppressed
    assert results["C"].suppressed
    assert results["B"].is_reference
    assert results["A"].impact_ratio == pytest.approx(0.2)


def test_with_only_one_group_shown_it_is_the_reference_at_one() -> None:
    """Issue 18: the top group read "1.00" on one axis and "—" on the other. The highest-rate group
    is the reference, at 1 by definition, whether or not another group is shown; it is never tested
    against itself (no p-value) and never flagged."""
    results = _by_group(compare({"A": Counts(10, 4), "Small": Counts(3, 0)}, minimum=5))
    assert results["Small"].suppressed
    shown = results["A"]
    assert not shown.suppressed
    assert shown.counts == Counts(10, 4)
    assert shown.is_reference
    assert shown.impact_ratio == 1.0
    assert shown.p_value is None
    assert not shown.four_fifths_flag
    assert not shown.significant
    (alone,) = compare({"A": Counts(10, 4)}, minimum=5)
    assert (alone.is_reference, alone.impact_ratio, alone.p_value) == (True, 1.0, None)


def test_the_reference_reads_one_and_has_no_p_value_beside_other_groups() -> None:
    results = _by_group(compare({"A": Counts(10, 5), "B": Counts(10, 8)}, minimum=5))
    assert (results["B"].is_reference, results["B"].impact_ratio, results["B"].p_value) == (True, 1.0, None)
    assert results["A"].p_value is not None


def test_no_groups_gives_nothing() -> None:
    assert compare({}, minimum=5) == []


def test_when_nobody_is_selected_there_is_no_ratio() -> None:
    """A highest rate of 0 is no yardstick: no division, no flag."""
    results = compare({"A": Counts(10, 0), "B": Counts(10, 0)}, minimum=5)
    assert [r.impact_ratio for r in results] == [None, None]
    assert not any(r.four_fifths_flag for r in results)


def test_groups_come_back_in_the_order_given() -> None:
    groups = {"Z": Counts(10, 1), "A": Counts(2, 1), "M": Counts(10, 9)}
    assert [r.group for r in compare(groups, minimum=5)] == ["Z", "A", "M"]


def test_a_tie_for_the_highest_rate_has_one_reference() -> None:
    results = compare({"A": Counts(10, 5), "B": Counts(20, 10), "C": Counts(10, 2)}, minimum=5)
    assert sum(r.is_reference for r in results) == 1
    by = _by_group(results)
    assert by["A"].impact_ratio == pytest.approx(1.0)
    assert by["B"].impact_ratio == pytest.approx(1.0)
    assert by["C"].impact_ratio == pytest.approx(0.4)
    assert by["B"].is_reference  # the larger of the tied groups


# --- tally -----------------------------------------------------------------------------------------


def test_tally_counts_considered_and_selected_per_group() -> None:
    rows = [
        ("F", True, True),
        ("F", True, False),
        ("F", False, False),  # not considered at this step: listed, not counted
        ("M", True, True),
        ("M", False, True),  # selected implies considered
    ]
    assert tally(rows) == {"F": Counts(2, 1), "M": Counts(2, 2)}


def test_tally_keeps_groups_with_nobody_considered() -> None:
    counts = tally([("F", False, False), ("M", True, False)])
    assert counts == {"F": Counts(0, 0), "M": Counts(1, 0)}
    assert counts["F"].rate is None
    assert counts["M"].rate == 0.0


def test_tally_keeps_first_seen_order_and_accepts_any_iterable() -> None:
    rows = ((g, True, g == "B") for g in ["C", "A", "B", "A"])
    assert list(tally(rows)) == ["C", "A", "B"]
    assert tally([]) == {}


def test_counts_rate() -> None:
    assert Counts(4, 1).rate == 0.25
    assert Counts(0, 0).rate is None


# --- properties --------------------------------------------------------------------------------------


@st.composite
def group_counts(draw: st.DrawFn) -> dict[str, Counts]:
    names = draw(st.lists(st.sampled_from("ABCDEFGH"), min_size=0, max_size=6, unique=True))
    result = {}
    for name in names:
        considered = draw(st.integers(min_value=0, max_value=40))
        result[name] = Counts(considered, draw(st.integers(min_value=0, max_value=considered)))
    return result


@settings(max_examples=300, deadline=None)
@given(groups=group_counts(), minimum=st.integers(min_value=1, max_value=10))
def test_compare_never_flags_the_reference_and_never_shows_a_small_group(
    groups: dict[str, Counts], minimum: int
) -> None:
    results = compare(groups, minimum)
    assert [r.group for r in results] == list(groups)
    references = [r for r in results if r.is_reference]
    assert len(references) <= 1
    for r in results:
        if r.is_reference:
            assert not r.four_fifths_flag
            assert not r.suppressed
        if groups[r.group].considered < minimum:
            assert r.suppressed
            assert r.counts is None
            assert r.impact_ratio is None
            assert r.p_value is None
            assert not r.is_reference
        else:
            assert r.counts == groups[r.group]
        if r.impact_ratio is not None:
            assert 0.0 <= r.impact_ratio <= 1.0 + 1e-12
            assert r.four_fifths_flag == (r.impact_ratio < FOUR_FIFTHS)
            if r.is_reference:
                assert r.impact_ratio == 1.0
                assert r.p_value is None
            else:
                assert r.p_value is not None
                assert 0.0 < r.p_value <= 1.0
    shown_rates = [r.counts.rate for r in results if r.counts is not None and r.counts.rate is not None]
    if references:
        best = references[0]
        assert best.counts is not None
        assert best.counts.rate == max(shown_rates)
    else:
        # No reference only when nobody shown was selected: then no group has a ratio.
        assert not any(shown_rates)
        assert all(r.impact_ratio is None for r in results)


# --- how the reports say it ------------------------------------------------------------------------


def test_significance_is_said_in_words_with_the_test_and_the_p_value() -> None:
    assert significance(0.4550) == "not statistically significant (Fisher's exact test, two-sided, p = 0.455)"
    assert significance(0.0123) == "statistically significant (Fisher's exact test, two-sided, p = 0.012)"
    assert significance(ALPHA).startswith("not statistically significant")  # "less than" alpha
    assert significance(0.00002) == "statistically significant (Fisher's exact test, two-sided, p < 0.001)"
    assert format_p(1.0) == "= 1.000"


def test_a_group_reads_its_test_in_words() -> None:
    results = _by_group(compare({"A": Counts(10, 5), "B": Counts(10, 9)}, minimum=5))
    assert results["A"].p_text == "p = 0.141"
    assert results["A"].significance_text == significance(fisher_exact_two_sided(5, 5, 9, 1))
    assert results["A"].significance_text is not None
    assert results["A"].significance_text.startswith("not statistically significant")
    assert (results["B"].p_text, results["B"].significance_text) == (None, None)  # the reference
