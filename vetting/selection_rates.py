"""Selection rates, impact ratios, the four-fifths rule and Fisher's exact test (no I/O).

UGESP 29 CFR 1607.4(D) (rules-legal.md §6): a group selected at less than four-fifths of
the rate of the group with the highest rate shows evidence of adverse impact; the
significance of a difference is a second, separate indicator. Groups smaller than the
minimum are suppressed: neither their counts nor their rates are shown, and they are never
the reference group (a rate over two people identifies them and says nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import comb

#: UGESP 1607.4(D): below this share of the highest group's rate, the flag is raised.
FOUR_FIFTHS = 0.8
#: Two-sided significance level for Fisher's exact test.
ALPHA = 0.05
#: Relative tolerance when comparing table probabilities (exact ties differ by rounding only).
_TIE = 1e-9


def fisher_exact_two_sided(a: int, b: int, c: int, d: int) -> float:
    """p-value of Fisher's exact test on the 2x2 table [[a, b], [c, d]].

    Sums the hypergeometric probability of every table with the same margins that is no
    more likely than the observed one (the usual two-sided definition, as in R's
    ``fisher.test``). Exact integer arithmetic: hiring groups are small. Written here
    rather than pulling in SciPy (tens of megabytes) for one function.
    """
    if min(a, b, c, d) < 0:
        raise ValueError("table cells must be non-negative")
    row1, row2, col1 = a + b, c + d, a + c
    total = row1 + row2
    denominator = comb(total, col1)
    low, high = max(0, col1 - row2), min(col1, row1)

    def weight(x: int) -> int:
        return comb(row1, x) * comb(row2, col1 - x)

    observed = weight(a)
    tail = sum(w for x in range(low, high + 1) if (w := weight(x)) <= observed * (1 + _TIE))
    return min(1.0, tail / denominator)


@dataclass(frozen=True)
class Counts:
    """One group's people at one step: how many were considered, how many selected."""

    considered: int
    selected: int

    @property
    def rate(self) -> float | None:
        return self.selected / self.considered if self.considered else None


@dataclass(frozen=True)
class GroupRate:
    group: str
    #: True when the group is under the minimum size: nothing else about it is shown.
    suppressed: bool
    counts: Counts | None
    impact_ratio: float | None
    #: Fisher's exact test against the reference (highest-rate) group.
    p_value: float | None
    is_reference: bool = False

    @property
    def four_fifths_flag(self) -> bool:
        return self.impact_ratio is not None and self.impact_ratio < FOUR_FIFTHS

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def p_text(self) -> str | None:
        """``p = 0.455`` (or ``p < 0.001``); ``None`` when the group was not tested."""
        return None if self.p_value is None else f"p {format_p(self.p_value)}"

    @property
    def significance_text(self) -> str | None:
        """:func:`significance` of this group's test; ``None`` when it was not tested."""
        return None if self.p_value is None else significance(self.p_value)


def compare(groups: Mapping[str, Counts], minimum: int) -> list[GroupRate]:
    """Rates per group against the highest-rate group among those large enough to show.

    Groups are returned in the order given. The reference group's ratio is 1 by definition, even
    when it is the only group shown (then nothing else is compared); it has no p-value, being
    what the others are tested against. With a highest rate of 0 there is no yardstick: no
    reference and no ratios.
    """
    shown = {g: c for g, c in groups.items() if c.considered >= minimum}
    rated = {g: c for g, c in shown.items() if c.rate}
    reference = max(rated, key=lambda g: (rated[g].rate or 0.0, rated[g].considered), default=None)
    best = rated[reference] if reference is not None else None
    results = []
    for group, counts in groups.items():
        if group not in shown:
            results.append(GroupRate(group, True, None, None, None))
            continue
        ratio = p_value = None
        if best is not None and best.rate and counts.rate is not None:
            ratio = 1.0 if group == reference else counts.rate / best.rate
            if group != reference:
                p_value = fisher_exact_two_sided(
                    counts.selected,
                    counts.considered - counts.selected,
                    best.selected,
                    best.considered - best.selected,
                )
        results.append(GroupRate(group, False, counts, ratio, p_value, is_reference=group == reference))
    return results


def format_p(p_value: float) -> str:
    """A p-value as the reports print it: three decimals, or "< 0.001"."""
    return "< 0.001" if p_value < 0.001 else f"= {p_value:.3f}"


def significance(p_value: float) -> str:
    """What the test says, in words a reader of the report can repeat, e.g. "not statistically
    significant (Fisher's exact test, p = 0.455)"."""
    verdict = "statistically significant" if p_value < ALPHA else "not statistically significant"
    return f"{verdict} (Fisher's exact test, two-sided, p {format_p(p_value)})"


def tally(rows: Iterable[tuple[str, bool, bool]]) -> dict[str, Counts]:
    """Counts per group from (group, considered, selected) rows; a selection implies consideration."""
    considered: dict[str, int] = {}
    selected: dict[str, int] = {}
    for group, was_considered, was_selected in rows:
        considered.setdefault(group, 0)
        selected.setdefault(group, 0)
        if was_considered or was_selected:
            considered[group] += 1
        if was_selected:
            selected[group] += 1
    return {g: Counts(considered[g], selected[g]) for g in considered}
