"""Accuracy is measured, not assumed: recall and false positives on the labelled development sets.

tests/data/ holds sentences and posts written for this project (tests/data/README.md): the original
investigator-note set, social-media posts, adversarial spellings, investigator and news context, and
hard negatives. vetting.screening.evaluate measures them; a gold mention is found when a detected
span of the same axis overlaps it. Every assertion message carries the whole table.

The original set keeps its thresholds. The newer files carry floors just under what the detector
reaches today (issue 13, second generation), so a change that loses recall or precision fails here;
the issue's targets, not yet reached, are noted next to each.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from vetting.screening.detector import AXES
from vetting.screening.evaluate import Figures, evaluate, load

DATA = Path(__file__).resolve().parent.parent / "data"
ORIGINAL = DATA / "detector_devset.jsonl"
SOCIAL = DATA / "detector_devset_social.jsonl"
ADVERSARIAL = DATA / "detector_devset_adversarial.jsonl"
CONTEXT = DATA / "detector_devset_context.jsonl"
NEGATIVES = DATA / "detector_devset_negatives.jsonl"
ALL = (ORIGINAL, SOCIAL, ADVERSARIAL, CONTEXT, NEGATIVES)


@cache
def figures(*paths: Path) -> Figures:
    return evaluate(paths)


def report(result: Figures, misses: int = 40) -> str:
    lines = [result.table(), "", "missed:"]
    lines += [f"  {miss}" for miss in result.misses[:misses]]
    lines += ["", "false alarms:"]
    lines += [f"  {alarm}" for alarm in result.false_alarms[:misses]]
    return "\n".join(lines)


# --- the data itself ----------------------------------------------------------------------------


def test_the_development_sets_are_large_and_cover_every_axis() -> None:
    examples = [example for path in ALL for example in load(path)]
    negatives = [e for e in examples if not e.positive]
    assert len(examples) >= 3000
    assert len(negatives) >= 1000
    ids = [e.id for e in examples]
    assert len(ids) == len(set(ids)), "ids are unique across the files"
    for path in (ORIGINAL, SOCIAL, ADVERSARIAL, CONTEXT):
        axes = {gold.axis for example in load(path) if example.positive for gold in example.gold}
        assert axes == set(AXES), f"{path.name} lacks {sorted(set(AXES) - axes)}"


def test_gold_spans_sit_on_word_boundaries() -> None:
    for path in ALL:
        for example in load(path):
            for gold in example.gold:
                before = example.text[gold.start - 1] if gold.start else " "
                after = example.text[gold.end] if gold.end < len(example.text) else " "
                assert not (gold.text[0].isalnum() and before.isalnum()), (path.name, example.id, gold.text)
                assert not (gold.text[-1].isalnum() and after.isalnum()), (path.name, example.id, gold.text)


# --- the original investigator-note set: its thresholds hold -------------------------------------


def test_recall_on_explicit_mentions_is_at_least_95_percent() -> None:
    result = figures(ORIGINAL)
    assert {a.axis for a in result.axes if a.mentions} == set(AXES), "every axis is in the development set"
    assert result.cue_recall >= 0.95, f"cue recall {result.cue_recall:.3f}\n" + report(result)


def test_false_positive_rate_on_neutral_text_is_at_most_3_percent() -> None:
    result = figures(ORIGINAL)
    assert result.negatives >= 100
    assert result.false_positive_rate <= 0.03, f"false-positive rate {result.false_positive_rate:.3f}\n" + report(
        result
    )


# --- the newer files: thresholds at what the detector reached, xfail during the rewrite ----------


def test_social_media_recall() -> None:
    # Issue 13 targets: sentence recall >= 0.97, cue recall >= 0.90 on every axis.
    result = figures(SOCIAL)
    assert result.cue_recall >= 0.92, report(result)
    assert result.sentence_recall >= 0.92, report(result)
    assert result.false_positive_rate <= 0.03, report(result)


def test_adversarial_spellings_recall() -> None:
    # Invisible characters, look-alike letters, leetspeak, misspellings: the normalisation layer's job.
    result = figures(ADVERSARIAL)
    assert result.cue_recall >= 0.96, report(result)
    assert result.false_positive_rate <= 0.03, report(result)


def test_context_recall() -> None:
    # Adjectives before person nouns and after a subject, nominal uses, ages, places of worship, health.
    result = figures(CONTEXT)
    assert result.cue_recall >= 0.97, report(result)
    assert result.sentence_recall >= 0.97, report(result)


def test_false_positive_rate_on_hard_negatives() -> None:
    # Issue 13 target: at most 2% on neutral text, including professions, places and other people.
    result = figures(NEGATIVES)
    assert result.negatives >= 1000
    assert result.false_positive_rate <= 0.01, report(result)


def test_every_axis_over_all_files() -> None:
    # Issue 13 target: cue recall >= 0.90 on every axis.
    result = figures(*ALL)
    weakest = min(result.axes, key=lambda a: a.cue_recall)
    assert weakest.cue_recall >= 0.90, f"weakest axis {weakest.axis} {weakest.cue_recall:.3f}\n" + report(result)
