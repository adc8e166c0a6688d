"""Accuracy is measured, not assumed: recall and false positives on the labelled development set.

tests/data/detector_devset.jsonl holds investigator-note and social-media sentences written
for this project: positives on every axis and hard negatives. A gold mention is found when a
detected span of the same axis overlaps it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from vetting.screening.detector import AXES, screen

DEVSET = Path(__file__).resolve().parent.parent / "data" / "detector_devset.jsonl"


def load() -> list[dict[str, object]]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_recall_on_explicit_mentions_is_at_least_95_percent() -> None:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed: list[str] = []
    for example in load():
        text = str(example["text"])
        detected = screen(text)
        for gold in example["mentions"]:  # type: ignore[attr-defined]
            start = text.find(gold["text"])
            end = start + len(gold["text"])
            total[gold["axis"]] += 1
            if any(m.axis == gold["axis"] and m.start < end and start < m.end for m in detected):
                found[gold["axis"]] += 1
            else:
                missed.append(f"{gold['axis']}: {gold['text']!r} in {text!r}")
    assert set(total) == set(AXES), "every axis is in the development set"
    recall = sum(found.values()) / sum(total.values())
    assert recall >= 0.95, f"recall {recall:.3f}; missed:\n" + "\n".join(missed)


def test_false_positive_rate_on_neutral_text_is_at_most_3_percent() -> None:
    negatives = [e for e in load() if e["kind"] == "negative"]
    assert len(negatives) >= 100
    fired = [(str(e["text"]), screen(str(e["text"]))) for e in negatives]
    false = [(text, [(text[m.start : m.end], m.axis) for m in found]) for text, found in fired if found]
    rate = len(false) / len(negatives)
    assert rate <= 0.03, f"false-positive rate {rate:.3f}:\n" + "\n".join(map(str, false))
