"""The protected-class detector (R3, PC-01, rules-legal.md §2).

It brings every mention of a protected characteristic before a person; it does not
decide anything. Lexicon terms per axis (reviewed data files with a rule id each) are
matched with one Aho–Corasick automaton over Unicode-normalised, case-folded text, as
whole words, with plurals, possessives and hyphen/space variants; ambiguous words
("black", "native", "single") fire only in a person context. Regular patterns cover
ages, birth dates, graduation years, due dates, military service and family medical
history. Offsets are character offsets into the original text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate

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
_ASCII_TABLE = str.maketrans({**{c: "'" for c in _APOSTROPHES}, **{c: " " for c in _SEPARATORS}})
_SEPARATOR_RE = re.compile("[" + re.escape(_SEPARATORS) + "]")
_APOSTROPHE_RE = re.compile("[" + re.escape(_APOSTROPHES) + "]")


def _unify(text: str) -> str:
    """Separators become spaces and typographic apostrophes "'" (regexes: the rare case is fast)."""
    return _APOSTROPHE_RE.sub("'", _SEPARATOR_RE.sub(" ", text))


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


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


def _fold(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " " if char.isspace() else folded.translate(_ASCII_TABLE)


def normalise(text: str) -> tuple[str, OffsetMap | None]:
    """Case-folded, accent-free text with hyphens and other separators as spaces, and the map
    back to original offsets (``None`` when every character stayed one character)."""
    folded = _unify(text)
    if folded.isascii():
        return folded.lower(), None
    parts: list[str] = []
    breaks: list[tuple[int, int, int]] = []
    last = 0
    length = 0
    for match in _NON_ASCII.finditer(folded):
        index = match.start()
        segment = folded[last:index].lower()
        parts.append(segment)
        length += len(segment)
        piece = _fold(folded[index])
        parts.append(piece)
        if len(piece) != 1:
            breaks.append((length, len(piece), index))
        length += len(piece)
        last = index + 1
    parts.append(folded[last:].lower())
    return "".join(parts), (OffsetMap(tuple(breaks), tuple(b[0] for b in breaks)) if breaks else None)


def _key(term: str) -> str:
    return " ".join(normalise(term)[0].split())


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
_CLAUSE_BREAK = re.compile(r"[.;:!?()\"\u201c\u201d]")
_WORD = re.compile(r"[a-z0-9%']+")


def _words(fragment: str) -> list[str]:
    return [w[:-2] if w.endswith("'s") else w.rstrip("'") for w in _WORD.findall(fragment)]


def _person_context(text: str, start: int, end: int, plural: bool, axis: str) -> bool:
    if plural:
        return True  # "Asians", "natives", "conservatives": a group of people
    tail = text[end : end + 60]
    stop = _CLAUSE_BREAK.search(tail)
    clause_tail = tail[: stop.start()] if stop else tail
    following = _words(clause_tail)[:2]
    if any(word in PERSON_WORDS for word in following):
        return True
    head = text[max(0, start - 40) : start]
    breaks = list(_CLAUSE_BREAK.finditer(head))
    previous = _words(head[breaks[-1].end() :] if breaks else head)
    last = previous[-1] if previous else ""
    if last.endswith("%"):
        return True  # "40% Irish": ancestry
    ends_here = not following or following[0] in CLAUSE_END or clause_tail.lstrip().startswith(",")
    if not ends_here:
        return False
    pair = " ".join(previous[-2:])
    if last in STRONG_CUES or pair in STRONG_PAIRS or not previous:
        return True  # "I'm Catholic.", "as a Marine,", "Conservative, Christian, and proud"
    return last in WEAK_CUES and axis != "race_colour"


# --- lexicon -------------------------------------------------------------------------------


@cache
def _lexicon() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    folder = resources.files("vetting.data").joinpath("lexicon")
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["terms"]:
            base = _key(entry["term"])
            for form, plural in _plural_forms(base):
                # The first entry for a form wins; lexicon reviews keep forms unique per axis.
                if form not in automaton:
                    automaton.add_word(
                        form, (len(form), data["axis"], entry["rule"], entry.get("context") == "person", plural)
                    )
    automaton.make_automaton()
    return automaton


def _word_char(c: str) -> bool:
    return c.isalnum()


def _lexicon_matches(text: str) -> Iterator[tuple[int, int, str, str]]:
    padded = f" {text}  "  # no bounds checks below; offsets shift by one
    for end, (length, axis, rule, needs_person, plural) in _lexicon().iter(padded):
        start = end - length + 1
        before = padded[start - 1]
        if before.isalnum() or (before == "'" and padded[start - 2].isalnum()):
            continue
        if padded[end + 1].isalnum():
            continue  # inside a word ("cancerous"); "mom's" and a closing quote are fine
        if needs_person and not _person_context(text, start - 1, end, plural, axis):
            continue
        yield start - 1, end, axis, rule


# --- patterns ------------------------------------------------------------------------------

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
_YEAR = r"(?:19|20)\d{2}"
_FAMILY = r"(?:mom|mother|mum|dad|father|parents?|grandmother|grandfather|grandma|grandpa|granny|sister|brother|aunt|uncle|son|daughter|husband|wife|spouse)"

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
    (
        "pregnancy",
        "PREG-P03",
        rf"\bbaby (?:# ?\d+ |number \w+ )?on the way\b|\b(?:little one|baby) (?:arrives|arriving|is coming|comes) (?:in|on) {_MONTH}\b",
    ),
    (
        "religion",
        "REL-P01",
        r"\b(?:genesis|exodus|psalms?|proverbs|isaiah|jeremiah|matthew|mark|luke|john|acts|romans|corinthians|galatians|ephesians|philippians|hebrews|james|peter|revelation) \d{1,3}:\d{1,3}\b",
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


#: Literal words one of which every match of the rule contains (its prefilter).
ANCHORS: dict[str, tuple[str, ...]] = {
    "AGE-P01": ("year",),
    "AGE-P02": ("age",),
    "AGE-P03": ("turn",),
    "AGE-P04": ("born",),
    "AGE-P05": ("dob", "d.o.b", "date of birth"),
    "AGE-P06": ("class of",),
    "AGE-P07": ("graduat",),
    "AGE-P08": ("birthday", "happy"),
    "AGE-P09": ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties"),
    "AGE-P10": ("over ", "under "),
    "AGE-P11": ("i'm ", "im ", "i am ", "he's ", "she's ", "he is ", "she is ", "who is ", "who's "),
    "AGE-P12": ("division", "age group", "bracket", "category"),
    "AGE-P13": ("b.a", "b.s", "m.a", "m.s", "ba ", "bs ", "ma ", "ms ", "ged", "diploma", "degree"),
    "AGE-P14": ("marriage", "married"),
    "AGE-P15": ("years in the", "years on the"),
    "AGE-P16": ("oldest", "youngest"),
    "PREG-P01": ("due ",),
    "PREG-P02": ("weeks",),
    "PREG-P03": ("on the way", "little one", "baby"),
    "REL-P01": (":",),
    "MIL-P01": ("served",),
    "GEN-P01": ("family",),
    "FAM-P01": ("care",),
}
#: How far around an anchor a pattern's match may reach.
_WINDOW = 90


@cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    return tuple((axis, rule, re.compile(rx)) for axis, rule, rx in PATTERNS)


@cache
def _anchors() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    index = {rule: n for n, (_axis, rule, _rx) in enumerate(PATTERNS)}
    by_anchor: dict[str, list[int]] = {}
    for rule, words in ANCHORS.items():
        for word in words:
            by_anchor.setdefault(word, []).append(index[rule])
    for word, rules in by_anchor.items():
        automaton.add_word(word, (len(word), tuple(rules)))
    automaton.make_automaton()
    return automaton


_FAMILY_POSSESSIVE = re.compile(rf"\b(?:(?:my|our|his|her|their) )?{_FAMILY}(?:'s)?\b")
_FAMILY_AFTER = re.compile(rf"^ {_FAMILY}\b")


def _pattern_matches(text: str) -> Iterator[tuple[int, int, str, str]]:
    windows: dict[int, list[tuple[int, int]]] = {}
    for end, (length, rules) in _anchors().iter(text):
        low, high = max(0, end - length + 1 - _WINDOW), min(len(text), end + 1 + _WINDOW)
        for rule in rules:
            spans = windows.setdefault(rule, [])
            if spans and low <= spans[-1][1]:
                spans[-1] = (spans[-1][0], high)  # anchors are found in order: merge overlaps
            else:
                spans.append((low, high))
    patterns = _patterns()
    for rule, spans in windows.items():
        axis, name, pattern = patterns[rule]
        for low, high in spans:
            for match in pattern.finditer(text, low, high):
                yield match.start(), match.end(), axis, name


def _family_history(text: str, health: list[tuple[int, int, str, str]]) -> Iterator[tuple[int, int, str, str]]:
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
def _exceptions() -> ahocorasick.Automaton:
    data = json.loads(resources.files("vetting.data").joinpath("detector_exceptions.json").read_text(encoding="utf-8"))
    automaton = ahocorasick.Automaton()
    for phrase in data["phrases"]:
        key = _key(phrase)
        automaton.add_word(key, len(key))
    automaton.make_automaton()
    return automaton


def _outside_exceptions(text: str, spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Drop spans that lie inside an exception phrase ("New Mexico", "Salvation Army")."""
    blocked = []
    for end, length in _exceptions().iter(text):
        start = end - length + 1
        if (start == 0 or not _word_char(text[start - 1])) and (end + 1 == len(text) or not _word_char(text[end + 1])):
            blocked.append((start, end + 1))
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


def _resolve(spans: Iterable[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Per axis, keep the longest of overlapping spans (leftmost-longest), in one sweep."""
    kept: list[tuple[int, int, str, str]] = []
    reach: dict[str, int] = {}
    for span in sorted(set(spans), key=lambda s: (s[0], -(s[1] - s[0]))):
        start, stop, axis, _ = span
        if stop <= reach.get(axis, -1):
            continue  # inside a longer span of the same axis that starts earlier or here
        reach[axis] = stop
        kept.append(span)
    return kept


def screen(text: str) -> list[Mention]:
    """Every protected-class mention in ``text``, with character offsets into it."""
    if not text:
        return []
    normalised, offsets = normalise(text)
    lexical = list(_lexicon_matches(normalised))
    spans = lexical + list(_pattern_matches(normalised))
    spans += list(_family_history(normalised, [s for s in lexical if s[2] == "disability_health"]))
    mentions = []
    for start, stop, axis, rule in _resolve(_outside_exceptions(normalised, spans)):
        if offsets is None:
            mentions.append(Mention(start, stop, axis, rule))
        else:
            mentions.append(Mention(offsets.to_original(start), offsets.to_original(stop - 1) + 1, axis, rule))
    return mentions
