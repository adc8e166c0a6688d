"""The protected-class detector (R3, PC-01): offsets, axes, context rules, the CLI contract."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vetting.cli import cli
from vetting.screening.detector import AXES, screen


def found(text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.axis) for m in screen(text)]


def test_the_issue_example_finds_pregnancy_and_religion_with_correct_offsets() -> None:
    text = "Posted photos from her baby shower at St. Mary's parish"
    mentions = screen(text)
    axes = {m.axis for m in mentions}
    assert {"pregnancy", "religion"} <= axes
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
    assert ("baby shower", "pregnancy") in found(text)
    assert any(span.lower().endswith("parish") and axis == "religion" for span, axis in found(text))


@pytest.mark.parametrize(
    "text",
    [
        "the page about black coffee",
        "He drove an old car in single file behind the convoy.",
        "We shipped the native app and a white paper on caching.",
        "Brown rice and a turkey sandwich at Union Station.",
        "In 2019 he was cited for speeding; the fine was paid a year ago.",
    ],
)
def test_ordinary_words_do_not_fire(text: str) -> None:
    assert screen(text) == []


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("Commented on a Black officer's arrest video.", "Black", "race_colour"),
        ("Photos from my Catholic parish picnic.", "Catholic", "religion"),
        ("Wrote that as a 62-year-old he was tired of training.", "62-year-old", "age"),
        ("Posted that women can't do this job.", "women", "sex"),
        ("Says she is turning 50 next week.", "turning 50", "age"),
        ("Graduated with the class of '98.", "class of '98", "age"),
    ],
)
def test_context_and_patterns_fire(text: str, span: str, axis: str) -> None:
    assert any(s.startswith(span) and a == axis for s, a in found(text)), found(text)


def test_offsets_survive_normalisation() -> None:
    """Accents, ligatures, typographic apostrophes and extra spaces do not shift the offsets."""
    text = "Café post — “my  mom’s breast cancer” and the ﬁnal BRCA test"
    for m in screen(text):
        assert text[m.start : m.end].strip() == text[m.start : m.end]
    spans = found(text)
    assert ("breast cancer", "disability_health") in spans
    assert any(a == "genetic" for _, a in spans)  # a relative's condition is family medical history


def test_every_axis_has_a_label() -> None:
    assert {m.axis for m in screen("a Muslim veteran, married, on Zoloft, pregnant")} <= set(AXES)


def test_cli_reads_json_lines_and_writes_one_line_each() -> None:
    runner = CliRunner()
    lines = [
        {"id": 1, "text": "Posted photos from her baby shower at St. Mary's parish"},
        {"id": "b", "text": "the page about black coffee"},
    ]
    result = runner.invoke(cli, ["screen"], input="\n".join(json.dumps(x) for x in lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    assert {m["axis"] for m in out[0]["mentions"]} >= {"pregnancy", "religion"}
    assert out[1]["mentions"] == []
    first = out[0]["mentions"][0]
    assert set(first) == {"start", "end", "axis", "rule"}


def test_cli_text_option_and_bad_input() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["screen", "--text", "the page about black coffee"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"id": None, "mentions": []}
    result = runner.invoke(cli, ["screen"], input='{"id": 1}\n')
    assert result.exit_code != 0
    assert "line 1" in result.output
