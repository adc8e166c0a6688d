"""The one normalisation every screen applies first, with a map back to the original offsets.

Detector, search-query linter (PC-02), blind-review name masking and board-bound free text all
match on this form (issue 13), so a trick that hides a word from one hides it from none:

- NFKD case and accent folding ("É" -> "e", full-width letters -> ASCII);
- default-ignorable code points vanish: soft hyphen, zero-width spaces and joiners, bidi
  controls, variation selectors, tag characters ("preg\\u00adnant" reads "pregnant");
- letters of other scripts that look like Latin ones are folded to them (Unicode UTS #39
  confusables, from the ``confusable_homoglyphs`` package's data): Cyrillic "е" in "prеgnant";
- hyphens, underscores, slashes and other separators become spaces; apostrophes become "'".

Spans found on the normalised text are mapped back with :class:`OffsetMap`, so a redaction
covers the original characters, invisible ones included. Two further views are for matching
only: the detector's word view reads digits and symbols inside letter words as letters
("canc3r"), and :func:`collapse_runs` cuts repeated letters ("gaaay").
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

_APOSTROPHES = "\u2019\u2018\u02bc\u00b4`"
_SEPARATORS = "-\u2010\u2011\u2012\u2013\u2014\u2212_/\t\n\r\f\v\u00a0"
#: One character for one character: offsets in the normalised text are original offsets.
_UNIFY = {**{c: "'" for c in _APOSTROPHES}, **{c: " " for c in _SEPARATORS}}
_ASCII_TABLE = str.maketrans(_UNIFY)
_ASCII_UNIFY = "".join(c for c in _UNIFY if c.isascii())
#: ASCII text is folded by one bytes.translate: lower case, separators as spaces, "`" as "'".
_ASCII_FOLD = bytes.maketrans(
    (string.ascii_uppercase + _ASCII_UNIFY).encode(),
    (string.ascii_lowercase + "".join(_UNIFY[c] for c in _ASCII_UNIFY)).encode(),
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

#: Default-ignorable code points that are not format characters (Unicode DerivedCoreProperties).
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)


@cache
def is_ignorable(char: str) -> bool:
    """An invisible character that can sit inside a word without showing (it never separates words)."""
    if unicodedata.category(char) == "Cf":
        return True
    point = ord(char)
    return any(low <= point <= high for low, high in _IGNORABLE_RANGES)


@cache
def _confusables() -> dict[str, str]:
    """Non-ASCII characters that render like one lower-case ASCII letter or digit (UTS #39).

    Read from the data file the ``confusable_homoglyphs`` package ships (its API answers one
    string at a time; we need the table once)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    table: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            target = entry["c"]
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[char] = target.lower()
                break
    return table


@dataclass(frozen=True)
class OffsetMap:
    """Maps offsets in normalised text back to the original text, where some characters
    expanded or vanished. Only those characters are recorded; elsewhere it is a shift."""

    #: (normalised start, normalised length, original index) of each such character.
    breaks: tuple[tuple[int, int, int], ...]
    starts: tuple[int, ...]

    @classmethod
    def of(cls, breaks: list[tuple[int, int, int]]) -> OffsetMap | None:
        return cls(tuple(breaks), tuple(b[0] for b in breaks)) if breaks else None

    def to_original(self, position: int) -> int:
        i = bisect_right(self.starts, position) - 1
        if i < 0:
            return position
        start, length, original = self.breaks[i]
        if position < start + length:
            return original
        return original + 1 + (position - start - length)


def to_original(offsets: OffsetMap | None, start: int, stop: int) -> tuple[int, int]:
    """A non-empty span of normalised text as a span of the text it came from."""
    if offsets is None:
        return start, stop
    return offsets.to_original(start), offsets.to_original(stop - 1) + 1


def _fold_ascii(text: str) -> str:
    return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii")


@cache
def _fold(char: str) -> str:
    """One non-ASCII character, case-folded, accent-free and de-confused; "" when invisible."""
    if char in _UNIFY:
        return _UNIFY[char]
    if char.isspace():
        return " "
    if is_ignorable(char):
        return ""
    # The look-alike as written first: a capital can look Latin where its small form does not ("В").
    if char in _confusables():
        return _confusables()[char]
    decomposed = unicodedata.normalize("NFKD", char)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    if folded and not folded.isascii():
        folded = "".join(_confusables().get(c, c) for c in folded)
    return folded.translate(_ASCII_TABLE)


#: Chunks whose isascii() is true (a flag check) are skipped without a regex scan.
_CHUNK = 1024


def _non_ascii_runs(text: str) -> Iterator[re.Match[str]]:
    for low in range(0, len(text), _CHUNK):
        if not text[low : low + _CHUNK].isascii():
            yield from _NON_ASCII.finditer(text, low, low + _CHUNK)


def normalise(text: str) -> tuple[str, OffsetMap | None]:
    """The matching form of ``text`` and the map back to original offsets (``None`` when every
    character stayed one character)."""
    if text.isascii():
        return _fold_ascii(text), None
    parts: list[str] = []
    breaks: list[tuple[int, int, int]] = []
    last = 0
    length = 0
    for match in _non_ascii_runs(text):
        segment = _fold_ascii(text[last : match.start()])
        parts.append(segment)
        length += len(segment)
        for index, char in enumerate(match.group(), start=match.start()):
            piece = _fold(char)
            parts.append(piece)
            if len(piece) != 1:
                breaks.append((length, len(piece), index))
            length += len(piece)
        last = match.end()
    parts.append(_fold_ascii(text[last:]))
    return "".join(parts), OffsetMap.of(breaks)


# --- views for matching only ---------------------------------------------------------------

_RUN = re.compile(r"([a-z])\1{2,}")


def collapse_runs(normalised: str, keep: int) -> tuple[str, OffsetMap | None]:
    """Runs of three or more of one letter cut to ``keep`` (1 or 2), with the map back."""
    breaks: list[tuple[int, int, int]] = []
    parts: list[str] = []
    last = 0
    length = 0
    for match in _RUN.finditer(normalised):
        parts.append(normalised[last : match.start() + keep])
        length += match.start() + keep - last
        for index in range(match.start() + keep, match.end()):
            breaks.append((length, 0, index))
        last = match.end()
    parts.append(normalised[last:])
    return "".join(parts), OffsetMap.of(breaks)
