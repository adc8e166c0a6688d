"""Splitting joined words: hashtags, handles and CamelCase runs ("#proudveteran", "TeamJesus").

A dynamic programme picks the split whose words are most likely, by rank in the English word
list of the ``wordfreq`` package (Zipf's law: a word's cost grows with the log of its rank),
plus the words the caller knows matter (the detector's lexicon). Unknown stretches (a surname
in "#DanaKowalczyk") are allowed, at a cost that grows with their length.
The word list loads on first use only, so screening text without a joined word never pays for it.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from functools import cache

#: Words ranked below this are unknown; 200,000 covers names and inflected forms.
_VOCABULARY = 200_000
_LONGEST_WORD = 24
#: Cost of a known word the caller marks as important: as likely as a top-thousand word.
_IMPORTANT_COST = math.log(1_000)
#: Letters that may stand alone as words.
_ONE_LETTER = frozenset("ai")


@cache
def _costs() -> dict[str, float]:
    from wordfreq import top_n_list  # heavy (tens of MB of data): only when a tag is split

    words = top_n_list("en", _VOCABULARY)
    # Zipf: the frequency of the word at rank r is about 1 / (r ln N); cost = -log p.
    scale = math.log(len(words))
    return {word: math.log((rank + 1) * scale) for rank, word in enumerate(words) if word.isalpha()}


def split(joined: str, important: Collection[str] = ()) -> list[str] | None:
    """The likeliest two or more words of ``joined`` (lower-case letters and digits), or ``None``
    when it is too short to split. A tag that is itself in the word list ("blacklivesmatter") is
    still split: the words inside are what it says."""
    costs = _costs()
    n = len(joined)
    if n < 4:
        return None
    unknown_cost = math.log(_VOCABULARY) * 2.5
    best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - _LONGEST_WORD), end):
            if best[start][0] == math.inf or (start == 0 and end == n):
                continue
            word = joined[start:end]
            if len(word) == 1 and word not in _ONE_LETTER and not word.isdigit():
                cost = math.inf
            elif word in important:
                cost = min(costs.get(word, math.inf), _IMPORTANT_COST)
            elif word in costs:
                cost = costs[word]
            elif word.isdigit():
                cost = unknown_cost / 2
            else:
                cost = unknown_cost + 2.0 * len(word)
            total = best[start][0] + cost
            if total < best[end][0]:
                best[end] = (total, start)
    if best[n][0] == math.inf:
        return None
    words: list[str] = []
    end = n
    while end > 0:
        start = best[end][1]
        words.append(joined[start:end])
        end = start
    words.reverse()
    return words
