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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

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

_APOSTROPHES = {"\u2019", "\u2018", "\u02bc", "\u00b4", "`"}
_DASHES = {"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "_", "/"}


def normalise(text: str) -> tuple[str, list[int]]:
    """Case-folded, accent-free text with one space between words, and for every character
    of it the index of the original character it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _APOSTROPHES:
            pieces = "'"
        elif char in _DASHES or char.isspace():
            pieces = " "
        else:
            pieces = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).casefold()
        for piece in pieces:
            if piece == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(piece)
            origin.append(index)
    return "".join(chars), origin


def _key(term: str) -> str:
    return normalise(term)[0].strip()


def _plural_forms(term: str) -> list[tuple[str, bool]]:
    """(form, is_plural) for a lexicon term; the last word takes the plural ending."""
    forms = [(term, False), (term + "s", True), (term + "es", True)]
    if term.endswith("y") and len(term) > 2 and term[-2] not in "aeiou":
        forms.append((term[:-1] + "ies", True))
    return forms


# --- context -------------------------------------------------------------------------------

#: Words that make an ambiguous descriptor refer to a person ("a Black officer").
PERSON_WORDS = frozenset(
    """man men woman women guy guys girl girls boy boys lady ladies gentleman gentlemen person people
    folks folk kid kids child children family families community communities neighbor neighbors neighbour
    neighbours friend friends colleague colleagues coworker coworkers officer officers cop cops deputy
    deputies recruit recruits candidate candidates applicant applicants student students teen teens
    teenager teenagers mother father mom dad wife husband son daughter sons daughters parent parents
    citizen citizens american americans heritage descent ancestry roots background immigrant immigrants
    church congregation parish voter voters veteran veterans member members couple couples household
    grandmother grandfather grandma grandpa brother sister brothers sisters male female males females
    individual individuals resident residents worker workers employee employees""".split()
)
#: Words just before a descriptor that make it a self-description ("as a", "I'm").
SELF_CUES = ("i'm", "i am", "im", "as a", "as an", "being", "proud", "we're", "we are", "he's", "she's", "they're")


def _next_words(text: str, end: int, count: int) -> list[str]:
    return re.findall(r"[a-z0-9']+", text[end : end + 60])[:count]


def _person_context(text: str, start: int, end: int, plural: bool) -> bool:
    if plural:
        return True  # "Asians", "natives", "conservatives": a group of people
    if any(word in PERSON_WORDS for word in _next_words(text, end, 2)):
        return True
    before = text[max(0, start - 24) : start].rstrip()
    return any(before.endswith(cue) or before.endswith(cue + " a") or before.endswith(cue + " an") for cue in SELF_CUES)


# --- lexicon -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    length: int
    axis: str
    rule: str
    needs_person: bool
    plural: bool


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
                        form,
                        _Entry(len(form), data["axis"], entry["rule"], entry.get("context") == "person", plural),
                    )
    automaton.make_automaton()
    return automaton


def _word_char(c: str) -> bool:
    return c.isalnum()


def _lexicon_matches(text: str) -> Iterator[tuple[int, int, str, str]]:
    for end, entry in _lexicon().iter(text):
        start = end - entry.length + 1
        stop = end + 1
        if start > 0 and (_word_char(text[start - 1]) or (text[start - 1] == "'" and start > 1 and _word_char(text[start - 2]))):
            continue
        after = text[stop] if stop < len(text) else " "
        if after == "'" and text[stop + 1 : stop + 2] == "s" and not _word_char(text[stop + 2 : stop + 3] or " "):
            pass  # possessive: "mom's"
        elif _word_char(after):
            continue
        if entry.needs_person and not _person_context(text, start, stop, entry.plural):
            continue
        yield start, stop, entry.axis, entry.rule


# --- patterns ------------------------------------------------------------------------------

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
_YEAR = r"(?:19|20)\d{2}"
_FAMILY = r"(?:mom|mother|mum|dad|father|parents?|grandmother|grandfather|grandma|grandpa|granny|sister|brother|aunt|uncle|son|daughter)"

PATTERNS: tuple[tuple[str, str, str], ...] = (
    # (axis, rule, regex over normalised text)
    ("age", "AGE-P01", r"\b\d{1,3} years? old\b"),
    ("age", "AGE-P02", r"\b(?:aged?|age of) \d{2}\b"),
    ("age", "AGE-P03", r"\bturn(?:s|ed|ing)? (?:[2-9]0|1[3-9]|\d{2}) ?(?:this|next|in|on|today|tomorrow|soon|\b)"),
    ("age", "AGE-P04", rf"\bborn (?:in |on )?(?:{_MONTH} \d{{1,2}},? )?{_YEAR}\b|\bborn (?:in |on )?{_MONTH}\b"),
    ("age", "AGE-P05", r"\b(?:dob|d\.o\.b\.?|date of birth)\b"),
    ("age", "AGE-P06", rf"\bclass of (?:'\d{{2}}|{_YEAR})\b"),
    ("age", "AGE-P07", rf"\bgraduat(?:ed|ing|e) (?:from [a-z ]{{3,40}}? )?(?:high school |college )?in (?:'\d{{2}}|{_YEAR})\b"),
    ("age", "AGE-P08", r"\b\d{2}(?:st|nd|rd|th) birthday\b"),
    ("age", "AGE-P09", r"\b(?:in|into) (?:his|her|my|their|your|our) (?:twenties|thirties|forties|fifties|sixties|seventies|eighties)\b"),
    ("age", "AGE-P10", r"\b(?:over|under) (?:40|50|60|65)\b"),
    ("pregnancy", "PREG-P01", rf"\bdue (?:in|on) {_MONTH}\b|\bdue date\b"),
    ("pregnancy", "PREG-P02", r"\b\d{1,2} weeks (?:along|pregnant)\b"),
    ("military_veteran", "MIL-P01", r"\bserved (?:\w+ ){0,3}(?:tours?|in the (?:army|navy|marines|air force|coast guard|military|national guard|reserves?))\b"),
    ("genetic", "GEN-P01", r"\bruns? in (?:my|the|our|his|her) family\b"),
)


@cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    return tuple((axis, rule, re.compile(rx)) for axis, rule, rx in PATTERNS)


_FAMILY_POSSESSIVE = re.compile(rf"\b(?:my|our|his|her) {_FAMILY}(?:'s)?\b")


def _pattern_matches(text: str) -> Iterator[tuple[int, int, str, str]]:
    for axis, rule, pattern in _patterns():
        for match in pattern.finditer(text):
            yield match.start(), match.end(), axis, rule


def _family_history(text: str, health: list[tuple[int, int, str, str]]) -> Iterator[tuple[int, int, str, str]]:
    """A health condition of a relative is genetic information (GINA, GEN-P02)."""
    for start, stop, _axis, _rule in health:
        window = text[max(0, start - 40) : start]
        relative = None
        for relative in _FAMILY_POSSESSIVE.finditer(window):
            pass
        if relative is not None:
            yield max(0, start - 40) + relative.start(), stop, "genetic", "GEN-P02"


# --- the detector --------------------------------------------------------------------------


def _resolve(spans: Iterable[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Per axis, keep the longest of overlapping spans (leftmost-longest)."""
    kept: list[tuple[int, int, str, str]] = []
    for span in sorted(set(spans), key=lambda s: (s[0], -(s[1] - s[0]))):
        start, stop, axis, _ = span
        if any(k[2] == axis and k[0] <= start and stop <= k[1] for k in kept):
            continue
        kept = [k for k in kept if not (k[2] == axis and start <= k[0] and k[1] <= stop)]
        kept.append(span)
    return sorted(kept)


def screen(text: str) -> list[Mention]:
    """Every protected-class mention in ``text``, with character offsets into it."""
    if not text:
        return []
    normalised, origin = normalise(text)
    lexical = list(_lexicon_matches(normalised))
    spans = lexical + list(_pattern_matches(normalised))
    spans += list(_family_history(normalised, [s for s in lexical if s[2] == "disability_health"]))
    mentions = []
    for start, stop, axis, rule in _resolve(spans):
        mentions.append(Mention(origin[start], origin[stop - 1] + 1, axis, rule))
    return mentions
