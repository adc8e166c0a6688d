"""A blind-review candidate's own name and handles in text, however they are written (issue 13).

The board of a blind-review cycle reads candidates by code, so their name must not reach it in a
finding, a question or an answer. Text is normalised first (:mod:`vetting.screening.text`: case,
accents, invisible characters, look-alike letters). Then:

- a full name, alias or handle is found written together or with separators, in a hashtag or a
  handle: "Dana Kowalczyk", "dana_kowalczyk", "dana.kowalczyk", "#DanaKowalczyk", "@danakowalczyk";
- each part of a name is found as a whole word ("Kowalczyk said"), or anywhere inside a hashtag or
  handle, which then goes whole ("#TeamDana"); a part inside an ordinary word ("dana" in
  "mandanas") is not.

A surname that is also a common word is over-redacted: the safe direction when the board must not
learn who the candidate is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vetting.screening.text import normalise, to_original

#: Shorter joined forms are too likely to sit inside unrelated words.
MIN_JOINED = 5
_TAG = re.compile(r"[#@][a-z0-9]+")


def _compact(value: str) -> str:
    return "".join(c for c in normalise(value)[0] if c.isalnum())


def find(text: str, names: Iterable[str], handles: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` (original offsets) that name the candidate, longest first where they overlap."""
    names = [n for n in names if n.strip()]
    joined = {_compact(v) for v in (*names, *handles)}
    joined = {j for j in joined if len(j) >= MIN_JOINED}
    parts = {p for n in names for p in normalise(n)[0].split() if len(p) >= 2}
    parts |= {j for j in (_compact(h) for h in handles) if 2 <= len(j) < MIN_JOINED}
    if not text or not (joined or parts):
        return []
    normalised, offsets = normalise(text)
    found: list[tuple[int, int]] = []
    if joined:
        kept = [i for i, c in enumerate(normalised) if c.isalnum()]
        compact = "".join(normalised[i] for i in kept)
        pattern = re.compile("|".join(re.escape(j) for j in sorted(joined, key=len, reverse=True)))
        for match in pattern.finditer(compact):
            found.append((kept[match.start()], kept[match.end() - 1] + 1))
    if parts:
        alternation = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
        found += [m.span() for m in re.finditer(rf"(?<![\w@])(?:{alternation})(?!\w)", normalised)]
        # In a tag any part counts, and the whole tag goes: "#TeamDana".
        inside = [p for p in parts if len(p) >= 3]
        found += [t.span() for t in _TAG.finditer(normalised) if any(p in t.group() for p in inside)]
    spans = sorted({to_original(offsets, start, stop) for start, stop in found}, key=lambda s: (s[0], -s[1]))
    merged: list[tuple[int, int]] = []
    for start, stop in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged
