"""The protected-class detector (R3, PC-01, rules-legal.md §2).

It brings every mention of a protected characteristic before a person; it does not
decide anything. Lexicon terms per axis (reviewed data files with a rule id each) are
matched as whole words, with plurals, possessives and hyphen/space variants, over
Unicode-normalised, case-folded text; ambiguous words ("black", "native", "single") fire
only in a person context. Regular patterns cover ages, birth dates, graduation years, due
dates, military service and family medical history; each runs only near one of its anchor
words. One Aho–Corasick pass finds lexicon terms, pattern anchors and exception phrases
together. Offsets are character offsets into the original text.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate
from typing import Any

import ahocorasick

AXES: dict[str, str] = {
    "race_colour": "race and colour",
    "national_origin": "national origin, ancestry, citizenship or immigration status",
    "religion": "religion and creed",
    "sex": "sex",
    "pregnancy": "pregnancy",
    "sexual_orientation": "sexual orientation",
    "gender_identity": "gender identity and expression",
    "age": "age",
    "disability_health": "disability and health",
    "genetic": "genetic information and family medical history",
    "military_veteran": "military and veteran status",
    "marital_family": "marital and family status",
    "political": "political affiliation",
    "protected_activity": "protected activity",
}


@dataclass(frozen=True, order=True)
class Mention:
    start: int
    end: int
    axis: str
    rule: str

    def as_dict(self) -> dict[str, int | str]:
        return {"start": self.start, "end": self.end, "axis": self.axis, "rule": self.rule}


# --- normalisation with an offset map ----------------------------------------------------

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


@dataclass(frozen=True)
class OffsetMap:
    """Maps offsets in normalised text back to the original text, where some characters
    expanded or vanished. Only those characters are recorded; elsewhere it is a shift."""

    #: (normalised start, normalised length, original index) of each such character.
    breaks: tuple[tuple[int, int, int], ...]
    starts: tuple[int, ...]

    def to_original(self, position: int) -> int:
        i = bisect_right(self.starts, position) - 1
        if i < 0:
            return position
        start, length, original = self.breaks[i]
        if position < start + length:
            return original
        return original + 1 + (position - start - length)


def _fold_ascii(text: str) -> str:
    return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii")


@cache
def _fold(char: str) -> str:
    """One non-ASCII character, case-folded and accent-free ("É" -> "e", "ﬁ" -> "fi")."""
    if char in _UNIFY:
        return _UNIFY[char]
    if char.isspace():
        return " "
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_ASCII_TABLE)


#: Chunks whose isascii() is true (a flag check) are skipped without a regex scan.
_CHUNK = 4096


def _non_ascii_runs(text: str) -> Iterator[re.Match[str]]:
    for low in range(0, len(text), _CHUNK):
        if not text[low : low + _CHUNK].isascii():
            yield from _NON_ASCII.finditer(text, low, low + _CHUNK)


def normalise(text: str) -> tuple[str, OffsetMap | None]:
    """Case-folded, accent-free text with hyphens and other separators as spaces, and the map
    back to original offsets (``None`` when every character stayed one character).

    This is the one case and accent folding of the package: the PC-02 search linter uses it too."""
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
    return "".join(parts), (OffsetMap(tuple(breaks), tuple(b[0] for b in breaks)) if breaks else None)


# --- whole words ---------------------------------------------------------------------------

#: In the word view every character but a letter or digit is a space (apostrophes too: "mom's"
#: reads "mom s"), so an automaton key " term " only matches a whole word and the scan needs
#: no boundary checks. It is as long as the normalised text plus a space at each end.
_WORD_VIEW = bytes.maketrans(bytes(range(128)), bytes(c if chr(c).isalnum() else 32 for c in range(128)))
_NON_WORD = re.compile(r"[^\w ]|_")


def word_view(normalised: str) -> str:
    """The space-padded word view of normalised text (offsets shift by one)."""
    if normalised.isascii():
        return f" {normalised.encode('ascii').translate(_WORD_VIEW).decode('ascii')} "
    return f" {_NON_WORD.sub(' ', normalised)} "


def term_key(term: str) -> str:
    """A listed term as it is matched: normalised, one space between words."""
    return " ".join(normalise(term)[0].split())


def word_keys(term: str) -> list[tuple[str, bool]]:
    """(automaton key, is_plural) for each form of a listed term, as whole words of the word view."""
    return [(word_view(form), plural) for form, plural in _plural_forms(term_key(term))]


def starts_word(padded: str, start: int) -> bool:
    """False for the tail of a contraction or name ("don't", "o'neill"), whose apostrophe the
    word view reads as a space. ``padded`` is the normalised text with a space at each end."""
    return padded[start - 1] != "'" or not padded[start - 2].isalnum()


def _plural_forms(term: str) -> list[tuple[str, bool]]:
    """(form, is_plural) for a lexicon term; the last word takes the plural ending."""
    forms = [(term, False), (term + "s", True), (term + "es", True)]
    if term.endswith("y") and len(term) > 2 and term[-2] not in "aeiou":
        forms.append((term[:-1] + "ies", True))
    return forms


# --- context -------------------------------------------------------------------------------

#: Words that make an ambiguous descriptor refer to a person ("a Black officer"), or to a
#: person's identity ("an Irish flag").
PERSON_WORDS = frozenset(
    [
        "man",
        "men",
        "woman",
        "women",
        "guy",
        "guys",
        "girl",
        "girls",
        "boy",
        "boys",
        "lady",
        "ladies",
        "gentleman",
        "gentlemen",
        "person",
        "people",
        "folks",
        "folk",
        "kid",
        "kids",
        "child",
        "children",
        "family",
        "families",
        "community",
        "communities",
        "neighbor",
        "neighbors",
        "neighbour",
        "neighbours",
        "friend",
        "friends",
        "colleague",
        "colleagues",
        "coworker",
        "coworkers",
        "officer",
        "officers",
        "cop",
        "cops",
        "deputy",
        "deputies",
        "recruit",
        "recruits",
        "candidate",
        "candidates",
        "applicant",
        "applicants",
        "student",
        "students",
        "teen",
        "teens",
        "teenager",
        "teenagers",
        "mother",
        "father",
        "mom",
        "dad",
        "wife",
        "husband",
        "son",
        "daughter",
        "sons",
        "daughters",
        "parent",
        "parents",
        "citizen",
        "citizens",
        "american",
        "americans",
        "heritage",
        "descent",
        "ancestry",
        "roots",
        "background",
        "immigrant",
        "immigrants",
        "church",
        "congregation",
        "parish",
        "voter",
        "voters",
        "veteran",
        "veterans",
        "member",
        "members",
        "couple",
        "couples",
        "household",
        "grandmother",
        "grandfather",
        "grandma",
        "grandpa",
        "brother",
        "sister",
        "brothers",
        "sisters",
        "male",
        "female",
        "males",
        "females",
        "individual",
        "individuals",
        "resident",
        "residents",
        "worker",
        "workers",
        "employee",
        "employees",
        "flag",
        "passport",
        "citizenship",
        "accent",
        "pride",
        "culture",
        "identity",
    ]
)
#: Just before a descriptor used as a predicate or noun: a self-description ("I'm", "as a").
STRONG_CUES = frozenset(
    [
        "i'm",
        "im",
        "he's",
        "she's",
        "we're",
        "they're",
        "you're",
        "as",
        "proud",
        "openly",
        "fellow",
        "being",
        "officially",
        "born",
    ]
)
STRONG_PAIRS = frozenset({"i am", "he is", "she is", "we are", "they are", "you are", "is now", "am now"})
#: Weaker cues ("is", "a"): enough for most axes, not for colour words ("the truck was white").
WEAK_CUES = frozenset(["is", "was", "am", "are", "were", "be", "been", "a", "an"])
CLAUSE_END = frozenset(
    [
        "and",
        "or",
        "but",
        "who",
        "myself",
        "herself",
        "himself",
        "themselves",
        "too",
        "here",
        "now",
        "since",
        "because",
        "so",
        "yet",
    ]
)
_BREAKS = '.;:!?()"\u201c\u201d'
_CLAUSE_BREAK = re.compile(f"[{_BREAKS}]")
_WORD = re.compile(r"[a-z0-9%']+")
#: The first two words of the rest of the clause, and whether it opens with a comma.
_FOLLOWING = re.compile(rf"(\s*,)?[^a-z0-9%'{_BREAKS}]*([a-z0-9%']+)?[^a-z0-9%'{_BREAKS}]*([a-z0-9%']+)?")


def _word(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


def _person_context(text: str, start: int, end: int, plural: bool, axis: str) -> bool:
    if plural:
        return True  # "Asians", "natives", "conservatives": a group of people
    after = _FOLLOWING.match(text, end, end + 60)
    assert after is not None  # every group is optional
    comma, first, second = after.groups()
    following = [_word(w) for w in (first, second) if w is not None]
    if any(word in PERSON_WORDS for word in following):
        return True
    previous = [_word(w) for w in _WORD.findall(_CLAUSE_BREAK.split(text[max(0, start - 40) : start])[-1])]
    last = previous[-1] if previous else ""
    if last.endswith("%"):
        return True  # "40% Irish": ancestry
    ends_here = not following or following[0] in CLAUSE_END or comma is not None
    if not ends_here:
        return False
    pair = " ".join(previous[-2:])
    if last in STRONG_CUES or pair in STRONG_PAIRS or not previous:
        return True  # "I'm Catholic.", "as a Marine,", "Conservative, Christian, and proud"
    return last in WEAK_CUES and axis != "race_colour"


# --- lexicon -------------------------------------------------------------------------------

#: (axis, rule, needs a person context, is a plural form) of a lexicon key.
Term = tuple[str, str, bool, bool]
#: (start, stop, axis, rule) of a mention before offsets are mapped back.
Span = tuple[int, int, str, str]


def _lexicon_files() -> Iterator[dict[str, Any]]:
    folder = resources.files("vetting.data").joinpath("lexicon")
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".json"):
            yield json.loads(path.read_text(encoding="utf-8"))


@cache
def _rule_terms() -> dict[str, str]:
    return {entry["rule"]: entry["term"] for data in _lexicon_files() for entry in data["terms"]}


def lexicon_term(rule: str) -> str | None:
    """The lexicon term of a rule id, as listed (lower case); ``None`` for a pattern rule."""
    return _rule_terms().get(rule)


def lexicon_forms() -> set[str]:
    """Every lexicon form as normalised text ("black", "blacks", "mary's parish"...): what a raw
    Aho–Corasick scan of the lexicon looks for (the baseline of bench/detector.py)."""
    return {form for data in _lexicon_files() for e in data["terms"] for form, _ in _plural_forms(term_key(e["term"]))}


# --- patterns ------------------------------------------------------------------------------

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
_YEAR = r"(?:19|20)\d{2}"
_FAMILY = r"(?:mom|mother|mum|dad|father|parents?|grandmother|grandfather|grandma|grandpa|granny|sister|brother|aunt|uncle|son|daughter|husband|wife|spouse)"

_BOOKS = (
    *("genesis", "exodus", "psalm", "psalms", "proverbs", "isaiah", "jeremiah", "matthew", "mark", "luke", "john"),
    *("acts", "romans", "corinthians", "galatians", "ephesians", "philippians", "hebrews", "james", "peter"),
    "revelation",
)

PATTERNS: tuple[tuple[str, str, str], ...] = (
    # (axis, rule, regex over normalised text: lower case, hyphens as spaces). Each runs only
    # near one of its anchors (ANCHORS below), never over the whole text.
    ("age", "AGE-P01", r"\b\d{1,3} years? olds?\b"),
    ("age", "AGE-P02", r"\b(?:aged?|age of) \d{2}\b"),
    ("age", "AGE-P03", r"\bturn(?:s|ed|ing)? (?:[2-9]0|1[3-9]|\d{2})\b(?! ?(?:minutes?|hours?|days?|percent|%))"),
    ("age", "AGE-P04", rf"\bborn (?:in |on )?(?:{_MONTH} \d{{1,2}},? )?{_YEAR}\b|\bborn (?:in |on )?{_MONTH}\b"),
    ("age", "AGE-P05", r"\b(?:dob|d\.o\.b\.?|date of birth)\b"),
    ("age", "AGE-P06", rf"\bclass of (?:'\d{{2}}|{_YEAR})\b"),
    (
        "age",
        "AGE-P07",
        rf"\bgraduat(?:ed|ing|e|ion) (?:from [a-z ]{{3,40}}? )?(?:high school |college )?in (?:'\d{{2}}|{_YEAR})\b",
    ),
    (
        "age",
        "AGE-P08",
        r"\b(?:happy )?\d{2}(?:st|nd|rd|th)(?: birthday)?\b(?= birthday|!|,| old)|\bhappy \d{2}(?:st|nd|rd|th)\b",
    ),
    (
        "age",
        "AGE-P09",
        r"\b(?:in|into) (?:his|her|my|their|your|our) (?:twenties|thirties|forties|fifties|sixties|seventies|eighties)\b",
    ),
    ("age", "AGE-P10", r"\b(?:over|under) (?:40|50|60|65)\b"),
    (
        "age",
        "AGE-P11",
        r"\b(?:i'm|im|i am|he's|she's|he is|she is|who is|who's) \d{2}\b(?! ?(?:minutes?|hours?|days?|weeks?|months?|miles?|percent|%|dollars?|feet|ft|pounds?|lbs|kg|km|mph|times|points))",
    ),
    ("age", "AGE-P12", r"\b\d{2} \d{2} (?:age )?(?:division|age group|bracket|category)\b"),
    (
        "age",
        "AGE-P13",
        rf"\b(?:b\.?a|b\.?s|m\.?a|m\.?s|ged|diploma|degree)\.? (?:awarded |earned |received |conferred )?in {_YEAR}\b",
    ),
    ("age", "AGE-P14", r"\b\d{2} years of marriage\b|\bmarried (?:for )?\d{2} years\b"),
    ("age", "AGE-P15", r"\b[2-5]\d years (?:in|on) the (?:trade|job|force|field|department|business)\b"),
    ("age", "AGE-P16", r"\b(?:oldest|youngest)\b[^.]{0,40}? at \d{2}\b"),
    ("pregnancy", "PREG-P01", rf"\bdue (?:in|on) {_MONTH}\b"),
    ("pregnancy", "PREG-P02", r"\b\d{1,2} weeks (?:along|pregnant)\b"),
    ("pregnancy", "PREG-P04", r"\b(?:my|our|her|their|your) (?:baby's |expected )?due date\b"),
    (
        "pregnancy",
        "PREG-P03",
        rf"\bbaby (?:# ?\d+ |number \w+ )?on the way\b|\b(?:little one|baby) (?:arrives|arriving|is coming|comes) (?:in|on) {_MONTH}\b",
    ),
    (
        "religion",
        "REL-P01",
        rf"\b(?:{'|'.join(_BOOKS)}) \d{{1,3}}:\d{{1,3}}\b",
    ),
    (
        "military_veteran",
        "MIL-P01",
        r"\bserved (?:\w+ ){0,3}(?:tours?|in the (?:army|navy|marines|air force|coast guard|military|national guard|reserves?))\b",
    ),
    ("genetic", "GEN-P01", r"\bruns? in (?:my|the|our|his|her) family\b"),
    (
        "marital_family",
        "FAM-P01",
        rf"\b(?:cares?|caring) for (?:my|his|her|their|our) (?:\w+ )?{_FAMILY}\b|\b(?:full time |full-time )?caregiver (?:for|to) (?:my|his|her|their|our) (?:\w+ )?{_FAMILY}\b",
    ),
)


#: Words of the word view one of which every match of the rule contains (its prefilter). Each
#: starts a word; a trailing space makes it a whole word ("ged " is not "gedney").
ANCHORS: dict[str, tuple[str, ...]] = {
    "AGE-P01": ("year",),
    "AGE-P02": ("age",),
    "AGE-P03": ("turn",),
    "AGE-P04": ("born",),
    "AGE-P05": ("dob ", "d o b ", "date of birth "),
    "AGE-P06": ("class of ",),
    "AGE-P07": ("graduat",),
    "AGE-P08": ("birthday", "happy "),
    "AGE-P09": ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties"),
    "AGE-P10": ("over ", "under "),
    "AGE-P11": ("i m ", "im ", "i am ", "he s ", "she s ", "he is ", "she is ", "who is ", "who s "),
    "AGE-P12": ("division", "age group", "bracket", "category"),
    "AGE-P13": ("b a ", "b s ", "m a ", "m s ", "ba ", "bs ", "ma ", "ms ", "ged ", "diploma", "degree"),
    "AGE-P14": ("marriage", "married"),
    "AGE-P15": ("years in the ", "years on the "),
    "AGE-P16": ("oldest", "youngest"),
    "PREG-P01": ("due ",),
    "PREG-P04": ("due ",),
    "PREG-P02": ("weeks ",),
    "PREG-P03": ("little one ", "baby "),
    "REL-P01": tuple(book + " " for book in _BOOKS),
    "MIL-P01": ("served ",),
    "GEN-P01": ("family",),
    "FAM-P01": ("care", "caring "),
}
#: How far around an anchor a pattern's match may reach.
_WINDOW = 90


@cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    return tuple((axis, rule, re.compile(rx)) for axis, rule, rx in PATTERNS)


_FAMILY_POSSESSIVE = re.compile(rf"\b(?:(?:my|our|his|her|their) )?{_FAMILY}(?:'s)?\b")
_FAMILY_AFTER = re.compile(rf" {_FAMILY}\b")


def _family_history(text: str, health: list[Span]) -> Iterator[Span]:
    """A relative's health condition is genetic information (GINA): "Dad's MS", "my mom's
    breast cancer" (GEN-P02), "her disabled mother" (GEN-P03)."""
    for start, stop, _axis, _rule in health:
        window = text[max(0, start - 30) : start]
        relatives = list(_FAMILY_POSSESSIVE.finditer(window))
        if relatives:
            relative = relatives[-1]  # the nearest relative before the condition
            if "'" in relative.group(0) or relative.end() == len(window) - 1:
                yield max(0, start - 30) + relative.start(), stop, "genetic", "GEN-P02"
        after = _FAMILY_AFTER.match(text, stop)
        if after is not None:
            yield start, after.end(), "genetic", "GEN-P03"


# --- the detector --------------------------------------------------------------------------


@cache
def _automaton() -> ahocorasick.Automaton:
    """One automaton over the word view finds lexicon terms, pattern anchors and exception
    phrases in one pass. A key's value: (key length - 2, its lexicon term or ``None``, the
    indices of the patterns it anchors, whether it is an exception phrase)."""
    entries: dict[str, tuple[Term | None, list[int], bool]] = {}
    for data in _lexicon_files():
        for entry in data["terms"]:
            for key, plural in word_keys(entry["term"]):
                # The first entry for a key wins; lexicon reviews keep normalised forms unique.
                lexical: Term = (data["axis"], entry["rule"], entry.get("context") == "person", plural)
                entries.setdefault(key, (lexical, [], False))
    for index, (_axis, rule, _rx) in enumerate(PATTERNS):
        for anchor in ANCHORS[rule]:
            entries.setdefault(" " + anchor, (None, [], False))[1].append(index)
    data = json.loads(resources.files("vetting.data").joinpath("detector_exceptions.json").read_text(encoding="utf-8"))
    for phrase in data["phrases"]:
        key = word_view(term_key(phrase))
        found, rules, _ = entries.get(key, (None, [], False))
        entries[key] = (found, rules, True)
    automaton = ahocorasick.Automaton()
    for key, (term, rules, exception) in entries.items():
        automaton.add_word(key, (len(key) - 2, term, tuple(rules), exception))
    automaton.make_automaton()
    return automaton


def _scan(padded: str, view: str) -> tuple[list[Span], dict[int, list[tuple[int, int]]], list[tuple[int, int]]]:
    """Lexicon spans, pattern windows per pattern index and exception phrases, in offsets of
    ``padded``: the normalised text with a space at each end, as long as its word ``view``."""
    lexical: list[Span] = []
    windows: dict[int, list[tuple[int, int]]] = {}
    blocked: list[tuple[int, int]] = []
    for end, (back, term, rules, exception) in _automaton().iter(view):
        start = end - back  # after the key's leading space
        if term is not None and starts_word(padded, start):
            axis, rule, needs_person, plural = term
            # A whole-word key ends on the space after its word: ``end`` is the word's end.
            if not needs_person or _person_context(padded, start, end, plural, axis):
                lexical.append((start, end, axis, rule))
        for index in rules:
            low, high = start - _WINDOW, end + 1 + _WINDOW
            spans = windows.setdefault(index, [])
            if spans and low <= spans[-1][1]:
                spans[-1] = (spans[-1][0], high)  # anchors are found in order: merge overlaps
            else:
                spans.append((max(0, low), high))
        if exception:
            blocked.append((start, end))
    return lexical, windows, blocked


def _pattern_matches(padded: str, windows: dict[int, list[tuple[int, int]]]) -> Iterator[Span]:
    patterns = _patterns()
    for index, spans in windows.items():
        axis, rule, pattern = patterns[index]
        for low, high in spans:
            for match in pattern.finditer(padded, low, high):
                yield match.start(), match.end(), axis, rule


def _outside(spans: list[Span], blocked: list[tuple[int, int]]) -> list[Span]:
    """Drop spans that lie inside an exception phrase ("New Mexico", "Salvation Army")."""
    if not blocked:
        return spans
    blocked.sort()
    starts = [b[0] for b in blocked]
    reach = list(accumulate((b[1] for b in blocked), max))
    kept = []
    for span in spans:
        i = bisect_right(starts, span[0]) - 1
        # Some exception starting at or before the span reaches past its end: it holds the span.
        if i >= 0 and reach[i] >= span[1]:
            continue
        kept.append(span)
    return kept


def _resolve(spans: Iterable[Span]) -> list[Span]:
    """Per axis, keep the longest of overlapping spans (leftmost-longest), in one sweep."""
    kept: list[Span] = []
    reach: dict[str, int] = {}
    # Equal spans of one axis from two rules (a lexicon phrase and a pattern): the first rule id wins.
    for span in sorted(set(spans), key=lambda s: (s[0], -s[1], s[3])):
        start, stop, axis, _ = span
        if stop <= reach.get(axis, -1):
            continue  # inside a longer span of the same axis that starts earlier or here
        reach[axis] = stop
        kept.append(span)
    return kept


#: A congregation named right after a religion ("Catholic parish", "Baptist church") belongs to
#: the mention: redacting only the adjective would leave "my [redacted] parish".
_PLACE_OF_WORSHIP = re.compile(
    r"(?: (?:parish|church|congregation|chapel|mosque|temple|synagogue|cathedral|diocese|ministry"
    r"|youth group|bible study)(?:e?s)?\b)+"
)


def _with_place_of_worship(padded: str, span: Span) -> Span:
    following = _PLACE_OF_WORSHIP.match(padded, span[1])
    return span if following is None else (span[0], following.end(), span[2], span[3])


def screen(text: str) -> list[Mention]:
    """Every protected-class mention in ``text``, with character offsets into it."""
    if not text:
        return []
    normalised, offsets = normalise(text)
    padded = f" {normalised} "
    lexical, windows, blocked = _scan(padded, word_view(normalised))
    spans = lexical + list(_pattern_matches(padded, windows))
    spans += _family_history(padded, [s for s in lexical if s[2] == "disability_health"])
    mentions = []
    spans = [_with_place_of_worship(padded, span) if span[2] == "religion" else span for span in spans]
    for start, stop, axis, rule in _resolve(_outside(spans, blocked)):
        # Padded offsets are one more than normalised ones.
        if offsets is None:
            mentions.append(Mention(start - 1, stop - 1, axis, rule))
        else:
            mentions.append(Mention(offsets.to_original(start - 1), offsets.to_original(stop - 2) + 1, axis, rule))
    return mentions
