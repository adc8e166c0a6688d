"""A production's parameters (issue 15 point 5): each bad value is refused naming its field, and the
Bates numbering's stylesheet takes only a checked prefix."""

from __future__ import annotations

from typing import Any

import pytest

from vetting.errors import ValidationFailed
from vetting.services import production

GOOD: dict[str, Any] = {
    "candidate_ids": [3, 1, 3],
    "purpose": "records_request",
    "reference": "  PRA-2026-041   (city clerk) ",
    "version": "released",
    "prefix": "PRA-26",
}


def test_a_good_request_is_normalised() -> None:
    request = production.parse_request(GOOD)
    assert request.candidate_ids == [3, 1]  # listed order, each once
    assert request.reference == "PRA-2026-041 (city clerk)"
    assert request.prefix == "PRA-26"
    assert production.parse_request({k: v for k, v in GOOD.items() if k != "prefix"}).prefix == "VET"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"candidate_ids": []}, "candidate_ids"),
        ({"candidate_ids": "1"}, "candidate_ids"),
        ({"candidate_ids": [0]}, "candidate_ids"),
        ({"candidate_ids": [True]}, "candidate_ids"),
        ({"candidate_ids": list(range(1, production.MAX_CANDIDATES + 2))}, "candidate_ids"),
        ({"purpose": "curiosity"}, "purpose"),
        ({"version": "draft"}, "version"),
        ({"reference": "   "}, "reference"),
        ({"reference": "x" * (production.MAX_REFERENCE + 1)}, "reference"),
        ({"prefix": "vet"}, "prefix"),
        ({"prefix": 'VET"; } @page {'}, "prefix"),
        ({"prefix": "A" * 13}, "prefix"),
        ({"cycle_id": 1}, "cycle_id"),
    ],
)
def test_each_bad_value_is_refused_naming_its_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        production.parse_request({**GOOD, **change})
    assert refused.value.field == field


def test_the_numbering_stylesheet_starts_where_asked() -> None:
    css = production.bates_css("VET", 41)
    assert '"VET-" counter(page, bates)' in css
    assert "counter-reset: page 41" in css
    with pytest.raises(ValueError, match="Bates prefix"):
        production.bates_css('VET"', 1)
