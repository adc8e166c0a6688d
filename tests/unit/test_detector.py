"""The protected-class detector (R3, PC-01): offsets, axes, context rules, the CLI contract."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vetting.cli import cli
from vetting.screening import detector
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
    # The public contract's four keys, extended with how sure the mention is (issue 13).
    assert set(first) == {"start", "end", "axis", "rule", "confidence"}


def test_cli_text_option_and_bad_input() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["screen", "--text", "the page about black coffee"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"id": None, "mentions": []}
    result = runner.invoke(cli, ["screen"], input='{"id": 1}\n')
    assert result.exit_code != 0
    assert "line 1" in result.output


def test_a_relatives_condition_named_before_the_relative_is_family_history() -> None:
    """GEN-P03: "her disabled mother" is genetic information about the candidate (GINA)."""
    assert ("disabled mother", "genetic") in found("Posted about caring for her disabled mother.")


#: One sentence per pattern rule: each must be found whole, and near one of the rule's anchors.
PATTERN_PROBES = {
    "AGE-P01": "Wrote that as a 62-year-old he was tired.",
    "AGE-P02": "Listed as aged 34 on the roster.",
    "AGE-P03": "Says she is turning 50 next week.",
    "AGE-P04": "Born on March 3, 1985 in Laurel.",
    "AGE-P05": "His D.O.B. is on the flyer.",
    "AGE-P06": "Graduated with the class of '98.",
    "AGE-P07": "Graduated from Oak Grove High School in 2004.",
    "AGE-P08": "Happy 40th birthday, brother!",
    "AGE-P09": "A man in his forties posted it.",
    "AGE-P10": "Joined a league for players over 40.",
    "AGE-P11": "He said she's 45 now.",
    "AGE-P12": "Ran in the 40-49 age group.",
    "AGE-P13": "Résumé: B.A. in 1998, Southern Miss.",
    "AGE-P14": "Celebrated 25 years of marriage.",
    "AGE-P15": "Retiring after 30 years on the job.",
    "AGE-P16": "The youngest of five, he enlisted at 19.",
    "AGE-P17": "She was only 19 when she joined.",
    "PREG-P01": "She is due in May.",
    "PREG-P02": "Announced she is 12 weeks pregnant.",
    "PREG-P04": "Our due date is in March.",
    "PREG-P03": "Baby #2 on the way!",
    "REL-P01": "Quoted Psalms 23:4 under the photo.",
    "MIL-P01": "He served two tours overseas.",
    "GEN-P01": "Said heart trouble runs in his family.",
    "FAM-P01": "She is caring for her elderly mother.",
    "AGE-P20": "Bio: 58yo, still riding.",
    "AGE-P21": "Planning my 21st with the whole crew.",
    "ACT-P01": "She reported the racial harassment to her sergeant.",
    "POL-P01": "Vote Dana Ortiz for sheriff this fall.",
}


@pytest.mark.parametrize(("rule", "text"), sorted(PATTERN_PROBES.items()))
def test_each_pattern_fires_on_its_probe(rule: str, text: str) -> None:
    assert rule in {m.rule for m in screen(text)}, found(text)


def test_every_pattern_has_anchors_a_lead_and_a_probe() -> None:
    rules = {rule for _axis, rule, _rx in detector.PATTERNS}
    assert rules == set(detector.ANCHORS) == set(detector.LEADS) == set(PATTERN_PROBES)


def _alternatives(regex: str) -> list[str]:
    """The top-level alternatives of a regex (split on "|" outside groups and classes)."""
    parts, depth, in_class, escaped, last = [], 0, False, False, 0
    for at, char in enumerate(regex):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[last:at])
            last = at + 1
    return [*parts, regex[last:]]


def test_patterns_with_a_lead_open_on_a_word() -> None:
    """A pattern with a lead is tried only where a word opens before its anchor (for speed): so
    each of its alternatives must start with a word boundary and a letter or digit."""
    for _axis, rule, regex in detector.PATTERNS:
        if detector.LEADS[rule]:
            for alternative in _alternatives(regex):
                # "\b", then (inside groups) a letter, a digit or a class of them.
                assert re.match(r"\\b(?:\(\?:)*(?:[a-z]|\\d|\[[0-9a-z])", alternative), (rule, alternative)


def test_anchors_hide_no_pattern_match() -> None:
    """Patterns are tried only just before an anchor word (for speed, up to the rule's lead): on
    the probes and the development set, that finds exactly the matches of each regex over the
    whole text."""
    devset = Path(__file__).resolve().parent.parent / "data" / "detector_devset.jsonl"
    texts = [json.loads(line)["text"] for line in devset.read_text(encoding="utf-8").splitlines() if line.strip()]
    for text in [*PATTERN_PROBES.values(), *texts]:
        normalised, _ = detector.normalise(text)
        padded = f" {normalised} "
        windows = detector._scan(padded, detector.word_view(normalised), None).windows
        everywhere = {
            (m.start(), m.end(), axis, rule) for axis, rule, rx in detector._patterns() for m in rx.finditer(padded)
        }
        assert set(detector._pattern_matches(padded, windows)) == everywhere, text


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("Photos from my Catholic parish picnic.", "Catholic parish"),
        ("She leads the Baptist church youth group.", "Baptist church youth group"),
        ("Helped with the union organising drive.", "union organising drive"),
        ("Posted that my due date is close.", "my due date"),
    ],
)
def test_the_whole_protected_phrase_is_covered(text: str, covered: str) -> None:
    """R3: redacting only part ("my [redacted] parish") would still disclose the trait."""
    start = text.index(covered)
    spans = [(m.start, m.end) for m in screen(text)]
    assert min(s for s, _ in spans) <= start
    assert max(e for _, e in spans) >= start + len(covered)


def test_an_invoice_due_date_is_not_a_pregnancy() -> None:
    assert screen("The invoice due date is Friday.") == []


def _development_texts() -> list[str]:
    folder = Path(__file__).resolve().parent.parent / "data"
    return [
        json.loads(line)["text"]
        for path in sorted(folder.glob("detector_devset*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_the_scan_decides_each_hit_as_the_full_rules_do() -> None:
    """The scan settles most hits by rules worked out once per lexicon key (a term that always
    fires, one that needs the person context, a health term): on every development text, as
    written and in capitals, that gives exactly the spans of asking every rule of every hit."""
    for written in _development_texts():
        for text in (written, written.upper()):
            normalised, offsets = detector.normalise(text)
            padded, view = f" {normalised} ", detector.word_view(normalised)
            capitalised = detector._capitals(text, offsets)
            expected = []
            for end, (back, term, _extra) in detector._automaton().iter(view):
                start = end - back
                if term is None or not detector.starts_word(padded, start):
                    continue
                if detector._fires(padded, view, start, end, term, capitalised):
                    for axis in (term[0], *term[5]):
                        span = (start, end, axis, term[1], detector._confidence(padded, start, end))
                        religion = axis == "religion"
                        expected.append(
                            detector._with_place_of_worship(padded, span, capitalised) if religion else span
                        )
            assert sorted(detector._scan(padded, view, capitalised).lexical) == sorted(expected), text


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # A hyphen at the very start used to end the search for hyphenated words.
        ("-x and a Cau-casian", "Cau-casian"),
        # Spaced-out letters are found where a lexicon word begins, after other single letters.
        ("a a a b l a c k", "b l a c k"),
    ],
)
def test_broken_up_words_are_found(text: str, span: str) -> None:
    assert (span, "race_colour") in found(text)


def test_screening_leaves_the_garbage_collector_as_it_was() -> None:
    """Screening pauses the collector (it makes no cycles) and restores it, on or off."""
    assert gc.isenabled()
    screen("a Catholic veteran")
    assert gc.isenabled()
    gc.disable()
    try:
        screen("a Catholic veteran")
        assert not gc.isenabled()
    finally:
        gc.enable()
