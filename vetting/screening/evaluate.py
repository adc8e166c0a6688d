"""Measure the protected-class detector on labelled JSONL development sets.

Usage: ``python -m vetting.screening.evaluate FILE [FILE ...] [--misses N]``

Each file holds one JSON object per line, as described in tests/data/README.md: ``text``,
``kind`` (``positive`` or ``negative``) and ``mentions``, a list of ``{"text", "axis"}`` whose
span is the first occurrence of ``text`` in the sentence.

The figures, each per axis and overall:

- **cue recall**: the share of gold mentions that are *found*. A gold mention is found when
  ``screen`` reports a mention of the same axis whose span overlaps the gold span by at least one
  character.
- **sentence recall**: the share of positive sentences that are *found*. A positive sentence is
  found when, for every axis labelled in it, at least one gold mention of that axis is found (a
  reviewer then sees the sentence flagged on each of its axes). Per axis, it is the share of the
  positive sentences labelled with that axis in which at least one gold mention of that axis is
  found.
- **false-positive rate**: the share of negative sentences on which ``screen`` reports any mention
  at all, on any axis.

Mentions the detector reports in positive sentences beyond the gold labels are not counted: the
labels name what must be found, not everything that may be flagged.

The command prints an aligned plain-text table and exits 0; a file or line it cannot read is
reported on stderr with its location and the command exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vetting.screening.detector import AXES, Mention, screen

Screen = Callable[[str], list[Mention]]


class DatasetError(ValueError):
    """A development-set line that is not a valid example, with its file and line number."""


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    axis: str
    text: str


@dataclass(frozen=True)
class Example:
    source: str
    line: int
    id: str
    text: str
    positive: bool
    gold: tuple[Gold, ...]


@dataclass(frozen=True)
class AxisFigures:
    """Counts for one axis (or, with ``axis == "overall"``, for all of them)."""

    axis: str
    mentions: int = 0
    mentions_found: int = 0
    sentences: int = 0
    sentences_found: int = 0

    @property
    def cue_recall(self) -> float:
        return self.mentions_found / self.mentions if self.mentions else 1.0

    @property
    def sentence_recall(self) -> float:
        return self.sentences_found / self.sentences if self.sentences else 1.0


@dataclass(frozen=True)
class Miss:
    source: str
    id: str
    axis: str
    span: str
    text: str
    detected: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        got = ", ".join(f"{axis}:{span!r}" for span, axis in self.detected) or "nothing"
        return f"{self.id} [{self.axis}] {self.span!r} missed (detected {got}) in {self.text!r}"


@dataclass(frozen=True)
class FalseAlarm:
    source: str
    id: str
    text: str
    detected: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        got = ", ".join(f"{axis}:{span!r}" for span, axis in self.detected)
        return f"{self.id} fired {got} in {self.text!r}"


@dataclass(frozen=True)
class Figures:
    """Everything measured on a set of examples."""

    sources: tuple[str, ...]
    axes: tuple[AxisFigures, ...]
    overall: AxisFigures
    positives: int
    negatives: int
    negatives_fired: int
    misses: tuple[Miss, ...] = field(default=(), repr=False)
    false_alarms: tuple[FalseAlarm, ...] = field(default=(), repr=False)

    @property
    def cue_recall(self) -> float:
        return self.overall.cue_recall

    @property
    def sentence_recall(self) -> float:
        return self.overall.sentence_recall

    @property
    def false_positive_rate(self) -> float:
        return self.negatives_fired / self.negatives if self.negatives else 0.0

    def axis(self, name: str) -> AxisFigures:
        for figures in self.axes:
            if figures.axis == name:
                return figures
        return AxisFigures(name)

    def table(self) -> str:
        return format_table(self)

    def __str__(self) -> str:
        return self.table()


# --- loading -------------------------------------------------------------------------------------


def load(path: Path | str) -> list[Example]:
    """The examples of one JSONL file; raises DatasetError naming the file and line."""
    source = str(path)
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                examples.append(_example(source, number, raw))
    return examples


def _example(source: str, number: int, raw: str) -> Example:
    where = f"{source}:{number}"
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as error:
        raise DatasetError(f"{where}: not JSON ({error.msg})") from error
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: not a JSON object")
    text, kind, mentions = row.get("text"), row.get("kind"), row.get("mentions")
    if not isinstance(text, str) or kind not in ("positive", "negative") or not isinstance(mentions, list):
        raise DatasetError(f"{where}: needs a string text, kind positive/negative and a mentions list")
    gold = []
    for mention in mentions:
        if not isinstance(mention, dict):
            raise DatasetError(f"{where}: a mention is not an object")
        span, axis = mention.get("text"), mention.get("axis")
        if not isinstance(span, str) or not span or axis not in AXES:
            raise DatasetError(f"{where}: mention {mention!r} needs a text and one of the axes")
        start = text.find(span)
        if start < 0:
            raise DatasetError(f"{where}: mention {span!r} is not in the text")
        gold.append(Gold(start, start + len(span), str(axis), span))
    if (kind == "positive") != bool(gold):
        raise DatasetError(f"{where}: a positive needs mentions and a negative must have none")
    return Example(source, number, str(row.get("id", where)), text, kind == "positive", tuple(gold))


# --- measuring -----------------------------------------------------------------------------------


def _overlaps(gold: Gold, mention: Mention) -> bool:
    return mention.axis == gold.axis and mention.start < gold.end and gold.start < mention.end


def measure(examples: Iterable[Example], detector: Screen = screen, sources: Sequence[str] = ()) -> Figures:
    """Cue recall, sentence recall and false-positive rate of ``detector`` on ``examples``."""
    mentions: dict[str, int] = dict.fromkeys(AXES, 0)
    mentions_found = dict(mentions)
    sentences = dict(mentions)
    sentences_found = dict(mentions)
    positives = negatives = fired = all_found = 0
    misses: list[Miss] = []
    alarms: list[FalseAlarm] = []
    seen_sources: list[str] = list(sources)
    for example in examples:
        if example.source not in seen_sources:
            seen_sources.append(example.source)
        detected = detector(example.text)
        shown = tuple((example.text[m.start : m.end], m.axis) for m in detected)
        if not example.positive:
            negatives += 1
            if detected:
                fired += 1
                alarms.append(FalseAlarm(example.source, example.id, example.text, shown))
            continue
        positives += 1
        axis_hit: dict[str, bool] = {}
        for gold in example.gold:
            hit = any(_overlaps(gold, m) for m in detected)
            mentions[gold.axis] += 1
            mentions_found[gold.axis] += hit
            axis_hit[gold.axis] = axis_hit.get(gold.axis, False) or hit
            if not hit:
                misses.append(Miss(example.source, example.id, gold.axis, gold.text, example.text, shown))
        for axis, hit in axis_hit.items():
            sentences[axis] += 1
            sentences_found[axis] += hit
        all_found += all(axis_hit.values())
    per_axis = tuple(
        AxisFigures(axis, mentions[axis], mentions_found[axis], sentences[axis], sentences_found[axis]) for axis in AXES
    )
    overall = AxisFigures("overall", sum(mentions.values()), sum(mentions_found.values()), positives, all_found)
    return Figures(tuple(seen_sources), per_axis, overall, positives, negatives, fired, tuple(misses), tuple(alarms))


def evaluate(paths: Iterable[Path | str], detector: Screen = screen) -> Figures:
    """Load every file and measure ``detector`` on all their examples together."""
    names = [str(p) for p in paths]
    examples = [example for name in names for example in load(name)]
    return measure(examples, detector, names)


# --- reporting -----------------------------------------------------------------------------------

_HEADER = ("axis", "mentions", "found", "cue recall", "sentences", "found", "sentence recall")


def format_table(figures: Figures) -> str:
    rows: list[tuple[str, ...]] = [_HEADER]
    for item in (*figures.axes, figures.overall):
        rows.append(
            (
                item.axis,
                str(item.mentions),
                str(item.mentions_found),
                f"{item.cue_recall:.3f}" if item.mentions else "-",
                str(item.sentences),
                str(item.sentences_found),
                f"{item.sentence_recall:.3f}" if item.sentences else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    lines = []
    for index, row in enumerate(rows):
        if index == len(rows) - 1:
            lines.append("  ".join("-" * w for w in widths))
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        f"positives {figures.positives}, negatives {figures.negatives}, negatives with any mention "
        f"{figures.negatives_fired}, false-positive rate {figures.false_positive_rate:.3f}"
    )
    lines.append(
        f"overall: cue recall {figures.cue_recall:.3f}, sentence recall {figures.sentence_recall:.3f}, "
        f"false-positive rate {figures.false_positive_rate:.3f}"
    )
    return "\n".join(lines)


def _summary_line(name: str, figures: Figures) -> str:
    return (
        f"{name}: {figures.positives} positives, {figures.overall.mentions} mentions, {figures.negatives} negatives; "
        f"cue recall {figures.cue_recall:.3f}, sentence recall {figures.sentence_recall:.3f}, "
        f"false-positive rate {figures.false_positive_rate:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vetting.screening.evaluate",
        description="Per-axis cue recall, sentence recall and false-positive rate of the detector.",
    )
    parser.add_argument("files", nargs="+", type=Path, help="labelled JSONL development sets")
    parser.add_argument(
        "--misses", type=int, default=0, metavar="N", help="also list up to N missed mentions and N false alarms"
    )
    args = parser.parse_args(argv)
    try:
        per_file = {str(path): load(path) for path in args.files}
    except (OSError, DatasetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    names = list(per_file)
    figures = measure([e for name in names for e in per_file[name]], screen, names)
    if len(names) > 1:
        for name in names:
            print(_summary_line(name, measure(per_file[name], screen, [name])))
        print()
    print(figures.table())
    if args.misses:
        print(f"\nmissed mentions (first {args.misses} of {len(figures.misses)}):")
        for miss in figures.misses[: args.misses]:
            print(f"  {miss}")
        print(f"\nfalse alarms (first {args.misses} of {len(figures.false_alarms)}):")
        for alarm in figures.false_alarms[: args.misses]:
            print(f"  {alarm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
