"""Detector throughput, as a ratio to a raw Aho–Corasick scan of the same lexicon.

The baseline is pyahocorasick iterating an automaton of the same lexicon forms (every
term with its plurals, as plain text) over the same text, already lower-cased, with no
boundaries, context rules, patterns, exceptions or offset mapping: the floor for any
lexicon detector in Python. Target: at least one third of its throughput, and a
10 KB note in a few milliseconds.

    .venv/bin/python bench/detector.py [megabytes]
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import ahocorasick

from vetting.screening import detector

ROOT = Path(__file__).resolve().parent.parent
FILLER = [
    "the",
    "candidate",
    "posted",
    "about",
    "a",
    "road",
    "trip",
    "with",
    "friends",
    "and",
    "a",
    "new",
    "truck",
    "at",
    "the",
    "lake",
    "last",
    "summer",
    "he",
    "shared",
    "a",
    "video",
    "of",
    "the",
    "county",
    "fair",
    "and",
    "a",
    "link",
    "about",
    "the",
    "football",
    "game",
    "on",
    "friday",
    "night",
    "she",
    "wrote",
    "a",
    "review",
    "of",
    "a",
    "coffee",
    "shop",
    "downtown",
    "and",
    "complained",
    "about",
    "traffic",
    "on",
    "the",
    "interstate",
]


def corpus(megabytes: float) -> str:
    """Investigator-note-like text: the labelled development sentences mixed with filler."""
    rng = random.Random(7)
    lines = ROOT.joinpath("tests/data/detector_devset.jsonl").read_text(encoding="utf-8").splitlines()
    sentences = [json.loads(line)["text"] for line in lines if line.strip()]
    parts: list[str] = []
    size = 0
    target = int(megabytes * 1024 * 1024)
    while size < target:
        piece = rng.choice(sentences) if rng.random() < 0.3 else " ".join(rng.choices(FILLER, k=20)) + "."
        parts.append(piece)
        size += len(piece) + 1
    return "\n".join(parts)


def best(runs: int, fn: object) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    text = corpus(megabytes)
    automaton = ahocorasick.Automaton()  # built outside the timings, like the detector's (below)
    for form in detector.lexicon_forms():
        automaton.add_word(form, (len(form), form))
    automaton.make_automaton()
    lowered = text.lower()
    raw = best(3, lambda: sum(1 for _ in automaton.iter(lowered)))
    full = best(3, lambda: detector.screen(text))
    note = text[: 10 * 1024]
    per_note = best(20, lambda: detector.screen(note))
    size = len(text.encode()) / 1024 / 1024
    print(f"corpus: {size:.1f} MB, {len(detector.screen(text)):,} mentions")
    print(f"raw Aho-Corasick scan (baseline): {size / raw:8.1f} MB/s")
    print(f"detector (vetting screen)       : {size / full:8.1f} MB/s   ratio to raw {raw / full:.2f} (target >= 0.33)")
    print(f"one 10 KB note                  : {per_note * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
