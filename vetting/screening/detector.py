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

import gc
import json
import re
import string
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import ahocorasick

from vetting.screening import segment
from vetting.screening.text import OffsetMap, collapse_runs, is_ignorable, normalise, to_original

__all__ = ["AXES", "Mention", "OffsetMap", "normalise", "screen"]

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


#: How sure a mention is: a listed term or pattern as written, or a reading that took a
#: context rule, a split tag or an undone disguise, which a reviewer should look at twice.
CERTAIN, POSSIBLE = "certain", "possible"


class Mention(NamedTuple):
    """A mention (a named tuple: detectors make thousands a second, a dataclass costs three times as much)."""

    start: int
    end: int
    axis: str
    rule: str
    confidence: str = CERTAIN

    def as_dict(self) -> dict[str, int | str]:
        return {
            "start": self.start,
            "end": self.end,
            "axis": self.axis,
            "rule": self.rule,
            "confidence": self.confidence,
        }


# --- whole words ---------------------------------------------------------------------------

#: In the word view every character but a letter or digit is a space (apostrophes too: "mom's"
#: reads "mom s"), so an automaton key " term " only matches a whole word and the scan needs
#: no boundary checks. It is as long as the normalised text plus a space at each end. Digits and
#: symbols that stand for letters read as those letters ("canc3r", "pt$d", "g@y"): a hit that
#: needed one is kept only where the stand-in sits in a letter word (:func:`_stands_in`).
STAND_INS = {"0": "o", "1": "i", "3": "e", "4": "a", "$": "s", "@": "a"}
_WORD_VIEW = bytes.maketrans(
    bytes(range(128)),
    bytes(ord(STAND_INS.get(chr(c), chr(c))) if chr(c).isalnum() or chr(c) in STAND_INS else 32 for c in range(128)),
)
_STAND_IN_TABLE = str.maketrans(STAND_INS)
_NON_WORD = re.compile(r"[^\w ]|_")


def word_view(normalised: str) -> str:
    """The space-padded word view of normalised text (offsets shift by one)."""
    if normalised.isascii():
        return f" {normalised.encode('ascii').translate(_WORD_VIEW).decode('ascii')} "
    return f" {_NON_WORD.sub(' ', normalised.translate(_STAND_IN_TABLE))} "


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

#: Words after an ambiguous descriptor that make it about someone's identity ("an Irish flag",
#: "Mexican heritage"); the nouns for people themselves are a reviewed data file.
IDENTITY_WORDS = frozenset(
    [
        "heritage",
        "descent",
        "ancestry",
        "roots",
        "background",
        "church",
        "congregation",
        "parish",
        "flag",
        "passport",
        "citizenship",
        "accent",
        "pride",
        "culture",
        "identity",
        "community",
        "communities",
        "household",
    ]
)


def _data(name: str) -> Any:
    return json.loads(resources.files("vetting.data").joinpath(name).read_text(encoding="utf-8"))


@cache
def person_words() -> frozenset[str]:
    """Nouns for people ("nurse", "mechanic", "neighbours") and identity words: after an
    ambiguous descriptor they make it about someone ("a white nurse", "the Mexican mechanic")."""
    words = set(IDENTITY_WORDS)
    for noun in _data("person_nouns.json")["nouns"]:
        # Matched one word at a time: "security guard" counts by its head word, "fiancé" as "fiance";
        # "in-laws" and "son-in-law" by none ("whistleblower laws vary from state to state").
        head = term_key(noun).split()[-1]
        if head not in ("law", "laws"):
            words.add(head)
    return frozenset(words)


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
        "raised",
        "speaking",
        "speaks",
        "speak",
        "spoke",
        "vote",
        "voted",
        "voting",
        "half",
        "being",
        "officially",
        "born",
        "called",
    ]
)
#: Colours that are also races: they need the firmest context ("the truck was white", "black coffee").
COLOUR_WORDS = frozenset(["black", "white", "brown", "red", "yellow"])
STRONG_PAIRS = frozenset(
    {"i am", "he is", "she is", "we are", "they are", "you are", "is now", "am now"}
    # A condition one lives with: "living with MS", "diagnosed with autism", "dealing with IBS".
    | {"living with", "diagnosed with", "dealing with", "struggling with", "coping with", "battling with"}
)
_PAIRED_CUES = frozenset(pair.split()[1] for pair in STRONG_PAIRS)
#: Weaker cues ("is", "a", "my"): enough for most axes, not for colour words ("the truck was white").
WEAK_CUES = frozenset(
    ["is", "was", "am", "are", "were", "be", "been", "a", "an", "the", "my", "our", "his", "her", "their"]
)
#: Words after a descriptor that end its noun phrase in posts as a clause break would: "thank a vet
#: today", "solidarity with the union tonight", "old af", "liberal all the way", "conservative till i die".
POST_ENDINGS = frozenset(
    ["today", "tonight", "yesterday", "tomorrow", "again", "lol", "lmao", "smh", "tbh", "af", "rn", "btw"]
    + ["forever", "till", "til", "all"]
)
#: A descriptor as a way of life or a matter of one's own in a post ("retired life", "navy life",
#: "#vetlife", "custody stuff", "#adoptionjourney"); colours keep their firmer rule, and words that
#: are mostly ordinary adjectives there do not take it ("my old life", "every single thing").
_TOPIC_WORDS = frozenset(["life", "lyfe", "stuff", "thing", "things", "drama", "journey", "struggles"])
_NOT_TOPICS = frozenset(["old", "young", "new", "single", "straight", "independent", "native", "senior", "minor"])
_POSSESSIVES = frozenset(["my", "our", "his", "her", "their"])
#: After "always" in "once a marine always a marine": the descriptor again, or nothing more.
_ALWAYS_AGAIN = re.compile(r" always,?(?: an?)? ([a-z']+)|( always)(?:[^a-z0-9%']|$)")
#: Function words after a capitalised descriptor used as a noun end the noun phrase: "a Mexican in
#: a group chat", "the Vietnamese in an argument", "a Canadian for years"; a lower-case word reads
#: as the everyday noun ("a pole in the ground", "the vet on Tuesday") and keeps the firmer rule.
#: Before a service or a place of worship: attending it ("missed temple", "go to mass").
_ATTENDING = frozenset(["missed", "skipped", "skipping", "skip", "attend", "attended", "attending", "attends"])
_GOING = frozenset(["go", "goes", "going", "went", "gone", "get"])
_COLOUR_NOUN_ENDED_BY = frozenset(["in", "at", "with", "who", "from"])
_LAST_WORD = re.compile(r"\b([a-z]+) $")
_NOMINAL_AXES = frozenset(["national_origin", "race_colour", "religion"])
_NOUN_ENDED_BY = frozenset(
    ["in", "on", "at", "with", "for", "from", "to", "of", "who", "that", "is", "was", "are", "were", "has", "had"]
)
#: Who a colour word is said of, before "is"/"was": a person ("he was black", "Sam is white"),
#: unlike a thing ("the truck was white"). Capitalised names are checked on the original text.
SUBJECT_PRONOUNS = frozenset(["i", "he", "she", "they", "we", "you", "who", "u", "ur"])
_SINGULAR_COPULAS = frozenset(["is", "was", "s"])
_COPULAS = _SINGULAR_COPULAS | {"are", "were", "re"}
#: Articles that make a descriptor a noun for a person ("acting like a black"); "the" reads a
#: colour as a thing too often ("I'll take the white").
_RACE_ARTICLES = frozenset(["a", "an"])
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
        "except",
    ]
)
_BREAKS = '.;:!?()"\u201c\u201d'
_LAST_BREAK = re.compile(f"[{_BREAKS}][^{_BREAKS}]*$")
_WORD = re.compile(r"[a-z0-9%']+")
#: The first two words of the rest of the clause, and whether it opens with a comma.
_FOLLOWING = re.compile(rf"(\s*,)?[^a-z0-9%'{_BREAKS}]*([a-z0-9%']+)?[^a-z0-9%'{_BREAKS}]*([a-z0-9%']+)?")


#: The words and clause breaks before a position, read backwards: the last word (none when a
#: break comes last), then the word before it (none when a break comes first). Matched on the
#: reversed stretch, it costs what those two words do, not a tokenising of the whole stretch.
_TWO_BACK = re.compile(
    rf"[^a-z0-9%'{_BREAKS}]*(?:[{_BREAKS}]|([a-z0-9%']+)(?:[^a-z0-9%'{_BREAKS}]*(?:[{_BREAKS}]|([a-z0-9%']+)))?)?"
)


def _clause_before(text: str, low: int, start: int) -> list[str]:
    """The last two words between ``low`` and ``start`` that follow the last break there."""
    back = _TWO_BACK.match(text[low:start][::-1])
    assert back is not None  # every part is optional
    last, before = back.groups()
    if last is None:
        return []
    return [last[::-1]] if before is None else [before[::-1], last[::-1]]


def _word(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word.rstrip("'")


#: Whether the word that starts at a position of the padded text is capitalised in the original.
Capitalised = Callable[[int], bool]


def _person_context(
    text: str, start: int, end: int, plural: bool, axis: str, capitalised: Capitalised | None = None
) -> bool:
    if plural:
        return True  # "Asians", "natives", "conservatives": a group of people
    after = _FOLLOWING.match(text, end, end + 60)
    assert after is not None  # every group is optional
    comma, first, second = after.groups()
    people = person_words()
    head = None if first is None else (_word(first) if "'" in first else first)
    if head in people or (second is not None and (_word(second) if "'" in second else second) in people):
        return True
    low = max(0, start - 40)
    word = text[start:end]
    colour = word in COLOUR_WORDS
    goes_on = not (head is None or comma is not None or head in CLAUSE_END or head in POST_ENDINGS)
    if goes_on and colour and "%" not in text[low:start]:
        # "defended a black in an argument": a colour as a noun for a person, before a preposition.
        article = _LAST_WORD.search(text, low, start) if head in _COLOUR_NOUN_ENDED_BY else None
        return article is not None and article.group(1) in _RACE_ARTICLES
    # The last two words of the clause before the descriptor, as written and without "'s".
    words = _clause_before(text, low, start)
    last_raw = words[-1] if words else ""
    last = _word(last_raw) if "'" in last_raw else last_raw
    if last.endswith("%"):
        return True  # "40% Irish": ancestry
    before = _word(words[0]) if len(words) == 2 else ""
    # "he's" is both a cue as written and "he" once the possessive is stripped: test the word as written.
    strong = (
        last in STRONG_CUES or last_raw in STRONG_CUES or (last in _PAIRED_CUES and f"{before} {last}" in STRONG_PAIRS)
    )
    if strong and not colour:
        return True  # "being Asian on this job is tiring", "got called Mexican like it's an insult"
    if not colour and _post_frame(text, start, end, head, last_raw, before, goes_on, axis, capitalised):
        return True
    if goes_on:
        return False  # the clause goes on: "black coffee"
    if not words or strong:
        return True  # "I'm Catholic.", "because he's black", "as a Marine,", "Conservative, Christian, and proud"
    if not colour:
        return last in WEAK_CUES
    return _colour_said_of_someone(text, low, start, last, before, capitalised)


def _colour_said_of_someone(
    text: str, low: int, start: int, last: str, before: str, capitalised: Capitalised | None
) -> bool:
    """A colour word at the end of its clause, said of a person: "acting like a black", "he was
    black", "my neighbor is black", "Sam was black"; not "the truck was white"."""
    if last in _RACE_ARTICLES:
        return True  # "acting like a black"
    if last in _COPULAS and (before in SUBJECT_PRONOUNS or before in person_words()):
        return True  # "he was black", "they were white", "my neighbor is black"
    if last in _SINGULAR_COPULAS and before and capitalised is not None:
        # "Sam was black", not "the truck was white": the subject's capital, in the original.
        subject = text.rfind(before, low, start)
        return subject >= 0 and capitalised(subject)
    return False


def _post_frame(
    text: str,
    start: int,
    end: int,
    head: str | None,
    last_raw: str,
    before: str,
    goes_on: bool,
    axis: str,
    capitalised: Capitalised | None,
) -> bool:
    """The frames of posts and notes that make a descriptor (not a colour) about someone although
    the clause goes on after it (issue 13)."""
    last = _word(last_raw) if "'" in last_raw else last_raw
    if axis == "religion" and (last in _ATTENDING or (last == "to" and before in _GOING)):
        return True  # "missed Mass", "skipped temple", "asked to go to confession"
    if head == "always" and "once" in (last, before):
        again = _ALWAYS_AGAIN.search(text, end, end + 40)
        # "once a marine always a marine", "once Navy, always"; not "once deployed, always restarts".
        return again is not None and (again.group(2) is not None or again.group(1) == text[start:end])
    if not goes_on:
        return False
    if head in _TOPIC_WORDS and text[start:end] not in _NOT_TOPICS:
        return True  # "retired life", "navy life", "custody stuff": a way of life or a matter of one's own
    if last in _POSSESSIVES and head in ("years", "days"):
        return True  # "my navy years", "my single days"
    if last in ("every", "any") and head in ("i", "we", "you", "who"):
        return True  # "every sailor i know"
    # "a Mexican in a group chat"; not "The Navy in..." opening a sentence.
    return (
        head in _NOUN_ENDED_BY
        and axis in _NOMINAL_AXES
        and last in ("a", "an", "the")
        and capitalised is not None
        and capitalised(start)
        and not capitalised(start - len(last_raw) - 1)
    )


#: Words of a clause that put a person in it: pronouns, and what people do with an institution
#: ("served in the Coast Guard", "donated to the Green Party", "filed with the EEOC").
_SOMEONE = frozenset(
    [
        *("i", "i'm", "im", "i've", "i'd", "me", "my", "mine", "we", "we're", "us", "our", "you", "you're", "your"),
        *("u", "ur", "he", "he's", "him", "his", "she", "she's", "her", "they", "they're", "them", "their", "who"),
        *("proud", "served", "serve", "serving", "joined", "join", "joining", "enlisted", "enlist", "member"),
        *("members", "retired", "former", "ex", "fellow", "vote", "voted", "voting", "donated", "volunteered"),
        *("volunteer", "filed", "file", "filing", "called", "reported", "sued", "applied", "claim", "claims"),
    ]
)


def _someone_in_clause(text: str, start: int, end: int) -> bool:
    """An institution, a party or a programme as something a person has to do with ("he joined
    the army", "my workers' comp claim"), not as the subject of general text ("The army built the
    bridge", "The Green Party won two seats", "OSHA sets standards"): issue 13, encyclopaedia text."""
    low = max(0, start - 80)
    cut = _LAST_BREAK.search(text, low, start)
    words = _WORD.findall(text, cut.start() + 1 if cut else low, start)
    following = _CLAUSE_REST.match(text, end, end + 60)
    after = _WORD.findall(following.group()) if following is not None else []
    if after and (after[0] in LABOUR_AFTER or after[0] in POST_ENDINGS or after[0] in _TOPIC_WORDS):
        return True  # "EEOC stuff at work again", "army life", "National Guard strong"
    people = person_words()
    return any(w in _SOMEONE or _word(w) in people for w in words + after)


_CLAUSE_REST = re.compile(f"[^{_BREAKS}]*")


#: Words right after a labour word that make it a union, a strike or a complaint someone takes part
#: in ("union meeting", "strike day 3", "picket strong", "talked to the union people", "#strikeready").
LABOUR_AFTER = frozenset(
    [
        *("meeting", "meetings", "people", "stuff", "strong", "day", "days", "line", "lines", "vote", "rally"),
        *("fund", "pay", "captain", "sign", "signs", "member", "members", "rep", "reps", "dues", "hall", "card"),
        *("brothers", "sisters", "family", "ready", "made", "proud", "pride", "solidarity", "busting", "buster"),
        *("busters", "organizer", "organizers", "organizing", "leader", "leaders", "contract", "talk", "chat"),
        *("update", "life", "complaint", "complaints", "report", "tip", "inspector", "claim", "claims", "yes"),
    ]
)
#: Words shortly before a labour word that make it someone's: "on the picket", "solidarity with the
#: union", "joined the strike", "went to OSHA", "my teamster", "the nurses' strike".
LABOUR_BEFORE = frozenset(
    [
        *("on", "join", "joined", "joining", "solidarity", "support", "supporting", "supported", "honk", "back"),
        *("to", "called", "call", "calling", "contacted", "reported", "reporting", "member", "members"),
        *("nurse", "nurses", "teacher", "teachers", "worker", "workers", "staff", "vote", "voted"),
    ]
)
#: "due to the strike", "according to OSHA": the word "to" there names a cause or a source.
_NOT_LABOUR_TO = frozenset(["due", "according", "owing", "thanks", "compared", "subject", "next", "prior"])


def _labour_context(text: str, start: int, end: int) -> bool:
    """A union, strike, picket or OSHA as something someone takes part in (ACT-, rules-legal.md §2.2),
    not a lightning strike, a bowling strike, a picket fence or a union in history (issue 13)."""
    after = _FOLLOWING.match(text, end, end + 40)
    assert after is not None  # every group is optional
    comma, first, _second = after.groups()
    if first is not None and comma is None and (_word(first) in LABOUR_AFTER or first in POST_ENDINGS):
        return True
    low = max(0, start - 40)
    cut = _LAST_BREAK.search(text, low, start)
    words = [_word(w) for w in _WORD.findall(text, cut.start() + 1 if cut else low, start)][-3:]
    if words and words[-1] in _POSSESSIVES:
        return True  # "my union", "our teamster"
    for at, word in enumerate(words):
        if word != "to":
            if word in LABOUR_BEFORE:
                return True
        # "went to OSHA", "to the union"; not "due to the strike", nor the verb in "to strike".
        elif (at == 0 or words[at - 1] not in _NOT_LABOUR_TO) and (
            at == len(words) - 2 or (at == len(words) - 1 and text[start:end] in ("osha", "union"))
        ):
            return True
    # "union workers", "strike captains"; or the word standing alone ("#strike", "Union!").
    return (first is not None and _word(first) in person_words()) or (first is None and not words)


#: Words before a place that make it someone's origin ("born in Mexico", "my family is from Ireland").
ORIGIN_CUES = frozenset(
    [
        "born",
        "raised",
        "immigrated",
        "immigrate",
        "immigrating",
        "emigrated",
        "emigrate",
        "fled",
        "deported",
        "citizen",
        "citizens",
        "citizenship",
        "native",
        "natives",
        "nationality",
        "roots",
        "heritage",
        "descent",
        "ancestry",
        "ancestors",
        "ancestral",
        "family",
        "families",
        "parents",
        "parent",
        "grandparents",
        "grandma",
        "grandpa",
        "abuela",
        "abuelo",
        "abuelita",
        "lola",
        "lolo",
        "grandmother",
        "grandfather",
        "relatives",
        "hometown",
        "homeland",
        "home",
        "originally",
        "hails",
        "hail",
        "visa",
        "passport",
        "refugee",
        "refugees",
        "asylum",
        "immigrant",
        "immigrants",
        "migrant",
        "migrants",
        "expat",
    ]
)
#: Words right after a place that make it someone's origin ("a Mexico native", "Cuba-born").
ORIGIN_AFTER = frozenset(
    [
        "native",
        "natives",
        "born",
        "descent",
        "heritage",
        "roots",
        "citizen",
        "citizens",
        "national",
        "nationals",
        "passport",
        "immigrant",
        "immigrants",
        "expat",
        "expats",
        "ancestry",
        "pride",
        "flag",
    ]
)
#: "from" makes a place an origin after a person or a copula ("I'm from", "people from"), not a thing
#: ("exports from Poland").
_FROM_SUBJECTS = frozenset(
    [
        "i'm",
        "im",
        "i",
        "he",
        "she",
        "we",
        "they",
        "you",
        "he's",
        "she's",
        "we're",
        "they're",
        "you're",
        "is",
        "am",
        "are",
        "was",
        "were",
        "comes",
        "come",
        "came",
        "coming",
        "originally",
    ]
)
_ORIGIN_WINDOW = 60
_ORIGIN_NOUNS = frozenset(["national", "nationals", "foreigner", "foreigners", "alien", "aliens"])
_SEND_BACK = frozenset(["send", "sent", "sending", "go", "goes", "going", "went", "deport", "ship", "shipped"])


def _origin_context(text: str, start: int, end: int) -> bool:
    """A country or city named as someone's origin, not as a place in passing (issue 13)."""
    after = _FOLLOWING.match(text, end, end + 40)
    assert after is not None  # every group is optional
    if after.group(2) is not None and _word(after.group(2)) in ORIGIN_AFTER:
        return True
    low = max(0, start - _ORIGIN_WINDOW)
    cut = _LAST_BREAK.search(text, low, start)
    words = [_word(w) for w in _WORD.findall(text, cut.start() + 1 if cut else low, start)]
    if any(w in ORIGIN_CUES for w in words[-6:]):
        return True
    if "grew" in words[-6:] and "up" in words[-5:]:
        return True  # "grew up in Laos"; not "unions grew rapidly in Britain"
    if "trip" in words[-4:] and "back" in words[-3:]:
        return True  # "first trip back to Nigeria since i was a kid"
    if "from" in words[-3:]:
        at = len(words) - 1 - words[::-1].index("from")
        before = words[max(0, at - 2) : at]
        people = person_words()
        return any(w in _FROM_SUBJECTS or w in people or w in ORIGIN_CUES or w in _ORIGIN_NOUNS for w in before)
    # "send them back to Mexico", "go back to China": told to return to an origin.
    return "back" in words[-3:] and any(w in _SEND_BACK for w in words[-6:])


#: Clinicians: a health condition, a pregnancy or a genetic test only when they are someone's own
#: ("my therapist", "seeing an oncologist"), not when the profession is named ("psychiatrists in
#: the eighteenth century", "the hospital is recruiting obstetricians").
CLINICIANS = frozenset(
    [
        "therapist",
        "psychotherapist",
        "psychiatrist",
        "psychologist",
        "psychoanalyst",
        "counselor",
        "counsellor",
        "oncologist",
        "obstetrician",
        "gynecologist",
        "gynaecologist",
        "obgyn",
        "neurologist",
        "cardiologist",
        "endocrinologist",
        "rheumatologist",
        "urologist",
        "nephrologist",
        "hematologist",
        "haematologist",
        "pulmonologist",
        "gastroenterologist",
        "physiotherapist",
        "midwife",
        "doula",
        "perinatologist",
        "geneticist",
        "audiologist",
    ]
)
#: Occupations after a health word: "psychiatric nurses", "genetic counsellors", "hospice aides".
CARE_OCCUPATIONS = frozenset(
    [
        "nurse",
        "counselor",
        "counsellor",
        "therapist",
        "technician",
        "tech",
        "aide",
        "worker",
        "specialist",
        "practitioner",
        "physician",
        "doctor",
        "professional",
        "researcher",
        "scientist",
        "educator",
        "technologist",
        "assistant",
        "staff",
        "clinician",
        "chaplain",
        "volunteer",
        "administrator",
        "provider",
        # Departments and wards, named as places of care: "oncology wards", "a psychiatric unit";
        # fields and fittings named in general text: "psychiatric nursing", "wheelchair ramps".
        "ward",
        "department",
        "unit",
        "wing",
        "nursing",
        "medicine",
        "ramp",
    ]
)
#: Before a clinician: the person is someone's own, or is being seen ("my", "sees a", "referred to").
_OWN_CUES = frozenset(
    [
        "my",
        "his",
        "her",
        "their",
        "our",
        "your",
        "see",
        "sees",
        "seeing",
        "saw",
        "seen",
        "visit",
        "visits",
        "visited",
        "visiting",
        "appointment",
        "appointments",
        "referred",
        "referral",
        "prescribed",
        "treated",
        "treating",
        "session",
        "sessions",
        "with",
        "admitted",
        "meeting",
        "met",
    ]
)


_CARE_AXES = frozenset(["disability_health", "pregnancy", "genetic"])


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _clinician(text: str, start: int, end: int) -> bool:
    """Whether a hit names a clinician or a health occupation ("psychiatric nurses")."""
    last = _singular(text[start:end].rsplit(" ", 1)[-1].rstrip("'"))
    return last in CLINICIANS or _care_occupation_after(text, end)


#: The next word of the clause (the second group of :data:`_FOLLOWING`).
_NEXT_WORD = re.compile(rf"[^a-z0-9%'{_BREAKS}]*([a-z0-9%']+)")


#: The first three letters of each care occupation: most words after a health term ("cancer
#: survivor") are told apart without a regex.
_CARE_PREFIXES = frozenset(word[:3] for word in CARE_OCCUPATIONS)
_WORD_CHARS = frozenset(string.ascii_lowercase + string.digits + "%'")


def _care_occupation_after(text: str, end: int) -> bool:
    # When the next word starts right after the space, it is a care occupation only if it starts like one.
    next_word_follows = text[end : end + 1] == " " and text[end + 1 : end + 2] in _WORD_CHARS
    if next_word_follows and text[end + 1 : end + 4] not in _CARE_PREFIXES:
        return False
    following = _NEXT_WORD.match(text, end, end + 40)
    return following is not None and _singular(_word(following.group(1))) in CARE_OCCUPATIONS


def _own_clinician(text: str, start: int, end: int) -> bool:
    low = max(0, start - 40)
    cut = _LAST_BREAK.search(text, low, start)
    words = _WORD.findall(text, cut.start() + 1 if cut else low, start)[-4:]
    people = person_words()
    # "my therapist", "mom's oncologist", "seeing a psychiatrist"; not "the county's psychiatrists".
    return any(_word(w) in _OWN_CUES or (w.endswith("'s") and _word(w) in people) for w in words)


def _care_fires(padded: str, start: int, end: int, term: Term, capitalised: Capitalised | None) -> bool:
    """:func:`_fires` for an undisguised health, pregnancy or genetic term that names no one."""
    if term[6] == _CLINICIAN or _care_occupation_after(padded, end):
        return _own_clinician(padded, start, end)
    if term[2] != "person":
        return True
    return _person_context(padded, start, end, term[3] and "-S" not in term[1], term[0], capitalised)


# --- lexicon -------------------------------------------------------------------------------

#: (axis, rule, its context rule ("person", "origin" or none), is a plural form, the form as
#: written for a term with digits or symbols ("12-step", "brca1"), else ``None``, the other axes
#: a slur is reported on, which rules of :func:`_fires` it needs when it stands undisguised
#: (:func:`_kind`), the key's word as the word view reads it) of a lexicon key.
Term = tuple[str, str, str | None, bool, str | None, tuple[str, ...], int, str]
_NOT_WORD = re.compile(r"[^\w]|_")


def _as_words(text: str) -> str:
    return _NOT_WORD.sub(" ", text)


#: (start, stop, axis, rule) of a mention before offsets are mapped back.
Span = tuple[int, int, str, str]


@cache
def _lexicon_files() -> tuple[dict[str, Any], ...]:
    """Each axis's lexicon, then each axis's slurs (a reviewed file of its own: a slur is a
    mention of the group it targets, usually resolved as reported conduct, lane B)."""
    folder = resources.files("vetting.data").joinpath("lexicon")
    files = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.iterdir(), key=lambda p: p.name)
        if path.name.endswith(".json")
    ]
    files += [{"axis": axis, "terms": terms} for axis, terms in _data("slurs.json")["axes"].items()]
    return tuple(files)


@cache
def _rule_terms() -> dict[str, str]:
    return {entry["rule"]: entry["term"] for data in _lexicon_files() for entry in data["terms"]}


def lexicon_term(rule: str) -> str | None:
    """The lexicon term of a rule id, as listed (lower case); ``None`` for a pattern rule."""
    return _rule_terms().get(rule)


def lexicon_forms() -> set[str]:
    """Every lexicon form as normalised text ("black", "blacks", "mary's parish"...): what a raw
    Aho–Corasick scan of the lexicon looks for (the baseline of bench/detector.py)."""
    return set(_lexicon_forms())


@cache
def _lexicon_forms() -> frozenset[str]:
    return frozenset(
        form for data in _lexicon_files() for e in data["terms"] for form, _ in _plural_forms(term_key(e["term"]))
    )


# --- patterns ------------------------------------------------------------------------------

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
_YEAR = r"(?:19|20)\d{2}"
#: Relatives, as whole words (each regex that names them ends them with ``\b``).
_FAMILY_WORDS = (
    *("mom", "mother", "mum", "dad", "father", "parent", "parents", "grandmother", "grandfather"),
    *("grandma", "grandpa", "granny", "sister", "brother", "aunt", "uncle", "son", "daughter"),
    *("husband", "wife", "spouse", "cousin", "niece", "nephew", "grandson", "granddaughter", "kid", "kids"),
)
_FAMILY = f"(?:{'|'.join(_FAMILY_WORDS)})"

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
        r"\b(?:happy )?\d{2}(?:st|nd|rd|th)(?: (?:birthday|bday|b day))?\b(?= birthday| bday| b day|!|,| old)"
        r"|\bhappy \d{2}(?:st|nd|rd|th)\b",
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
    ("age", "AGE-P17", r"\b(?:only|just|barely) \d{1,2}\b(?= ?(?:[.,;:!?)]|$| and | when | at | years?\b| yrs?\b))"),
    ("pregnancy", "PREG-P01", rf"\bdue (?:in|on) {_MONTH}\b"),
    (
        "pregnancy",
        "PREG-P02",
        r"\b\d{1,2} (?:weeks (?:along|pregnant|expecting)|months (?:pregnant|expecting|with child(?! ?care)))\b",
    ),
    ("pregnancy", "PREG-P04", r"\b(?:my|our|her|their|your) (?:baby's |expected )?due date\b"),
    (
        "pregnancy",
        "PREG-P03",
        rf"\bbaby (?:# ?\d+ |number \w+ )?(?:one )?on the way\b|\b(?:little one|baby) (?:# ?\d+ )?(?:arrives|arriving|is coming"
        rf"|coming|comes|is due|due) (?:in |on |this |next )?(?:{_MONTH}|spring|summer|fall|autumn|winter)\b",
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
    # "58yo", "29 y/o", "29 yo": the short form of "years old".
    ("age", "AGE-P20", r"(?<![.,])\b\d{1,2} ?y ?o\b"),
    # "my 21st is next week", "celebrating her 50th": a birthday named by its ordinal alone.
    (
        "age",
        "AGE-P21",
        r"\b(?:my|his|her|your|their) (?:1[3-9]|[2-9]\d)(?:st|nd|rd|th)\b(?! (?:floor|street|st|avenue|ave|place|time|"
        r"anniversary|year|grade|century|percentile|round|pick|season|game|mile|lap|day|week|month|attempt|try|birthday))",
    ),
    # Reporting a wrong at work (ACT-, Title VII §704): "reported the racial harassment on my crew",
    # "testified about the wage theft", "went to the labor board over the unsafe conditions".
    (
        "protected_activity",
        "ACT-P01",
        r"\b(?:reported|testified about|complained about|labor board over) (?:the |my |our |a |his |her )?"
        r"(?:[a-z]+ ){0,2}?(?:harassment|wage theft|discrimination|unsafe conditions|safety violations|retaliation"
        r"|misconduct|safety hazards?)\b",
    ),
    # "Vote Kessler for sheriff", "voted Ortega for senate": campaigning for a candidate (POL-).
    (
        "political",
        "POL-P01",
        r"\b(?:vote|voted|voting|elect|reelect|re elect) [a-z]+(?: [a-z]+)? for "
        r"(?:sheriff|mayor|senate|state senate|congress|governor|president|city council|council|school board|judge"
        r"|assembly|state rep)\b",
    ),
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
    "AGE-P08": ("birthday", "bday", "b day ", "happy "),
    "AGE-P09": ("twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties"),
    "AGE-P10": ("over ", "under "),
    "AGE-P11": ("i m ", "im ", "i am ", "he s ", "she s ", "he is ", "she is ", "who is ", "who s "),
    "AGE-P12": ("division", "age group", "bracket", "category"),
    "AGE-P13": ("b a ", "b s ", "m a ", "m s ", "ba ", "bs ", "ma ", "ms ", "ged ", "diploma", "degree"),
    "AGE-P14": ("marriage", "married"),
    "AGE-P15": ("years in the ", "years on the "),
    "AGE-P16": ("oldest", "youngest"),
    "AGE-P17": ("only ", "just ", "barely "),
    "PREG-P01": ("due ",),
    "PREG-P04": ("due ",),
    "PREG-P02": ("weeks ", "months "),
    "PREG-P03": ("little one ", "baby "),
    "REL-P01": tuple(book + " " for book in _BOOKS),
    "MIL-P01": ("served ",),
    "GEN-P01": ("family",),
    # In the word view, as the automaton reads them: "21st" is "2ist" there (:data:`STAND_INS`).
    "AGE-P20": tuple(
        f"{n}{form} ".translate(_STAND_IN_TABLE) for n in range(1, 100) for form in ("yo", " yo", " y o", "y o")
    ),
    "AGE-P21": tuple(
        f"{n}{'th' if n <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')} ".translate(_STAND_IN_TABLE)
        for n in range(13, 100)
    ),
    "ACT-P01": ("reported ", "testified about ", "complained about ", "labor board over "),
    "POL-P01": tuple(
        f"for {office} "
        for office in (
            "sheriff",
            "mayor",
            "senate",
            "state senate",
            "congress",
            "governor",
            "president",
            "city council",
            "council",
            "school board",
            "judge",
            "assembly",
            "state rep",
        )
    ),
    "FAM-P01": ("care", "caring "),
}
#: How far around an anchor a pattern's match may reach.
_WINDOW = 90
#: How far before its anchor a match of the rule can start (the longest text its regex allows
#: there: "40 years of " before "marriage"), so the regex is tried only at those few positions
#: instead of across the whole window; ``None`` where a match need not hold an anchor (AGE-P08
#: matches "30th!" with no "birthday"): the whole window is searched.
LEADS: dict[str, int | None] = {
    "AGE-P01": 4,
    "AGE-P02": 0,
    "AGE-P03": 0,
    "AGE-P04": 0,
    "AGE-P05": 0,
    "AGE-P06": 0,
    "AGE-P07": 0,
    "AGE-P08": None,
    "AGE-P09": 11,
    "AGE-P10": 0,
    "AGE-P11": 0,
    "AGE-P12": 10,
    "AGE-P13": 0,
    "AGE-P14": 12,
    "AGE-P15": 3,
    "AGE-P16": 0,
    "AGE-P17": 0,
    "PREG-P01": 0,
    "PREG-P04": 15,
    "PREG-P02": 3,
    "PREG-P03": 0,
    "REL-P01": 0,
    "MIL-P01": 0,
    "GEN-P01": 12,
    "AGE-P20": 0,
    "AGE-P21": 6,
    "ACT-P01": 0,
    "POL-P01": 30,
    "FAM-P01": 10,
}


#: Where a word opens: the only places a pattern with a lead can start (each opens on ``\b``).
_WORD_OPENING = re.compile(r"\b\w")


@cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    return tuple((axis, rule, re.compile(rx)) for axis, rule, rx in PATTERNS)


_FAMILY_POSSESSIVE = re.compile(rf"\b(?:(?:my|our|his|her|their) )?{_FAMILY}(?:'s)?\b")
_FAMILY_AFTER = re.compile(rf" {_FAMILY}\b")
_RELATIVE_HAS = re.compile(
    r" (?:both )?(?:has|had|have|is|was|are|were)(?: been)?(?: (?:diagnosed with|on|living with|battling|fighting))?"
    r"(?: (?:early|severe|late|mild))? "
)


def _family_history(text: str, health: list[Found], relatives: list[int]) -> Iterator[Span]:
    """A relative's health condition is genetic information (GINA): "Dad's MS", "my mom's
    breast cancer" (GEN-P02), "her disabled mother" (GEN-P03).

    ``relatives`` are where the automaton saw a relative's word (:data:`FAMILY`), in order: the
    regexes run only beside one. Two ways past that list are checked as well: a "$" or "@", which
    the word view reads as a letter ("@dad's" is no word "dad" there), and a relative's word cut
    by the start of the window ("mom's" of "stepmom's"), which the regex reads as a whole word."""
    odd = "$" in text or "@" in text
    following = frozenset(relatives)
    for start, stop, *_ in health:
        low = max(0, start - 30)
        window = text[low:start]
        nearest = bisect_left(relatives, low)
        if (
            (nearest < len(relatives) and relatives[nearest] < start)
            or (odd and ("$" in window or "@" in window))
            or _FAMILY_POSSESSIVE.match(window) is not None
        ):
            matches = list(_FAMILY_POSSESSIVE.finditer(window))
            if matches:
                relative = matches[-1]  # the nearest relative before the condition
                # "my mom's MS", "dad MS"; or said of the relative: "my son has autism", "both his
                # parents are on insulin", "grandfather and uncle both had early Alzheimer's".
                if (
                    "'" in relative.group(0)
                    or relative.end() == len(window) - 1
                    or _RELATIVE_HAS.fullmatch(window, relative.end()) is not None
                ):
                    yield low + relative.start(), stop, "genetic", "GEN-P02"
        if stop + 1 in following or odd:
            after = _FAMILY_AFTER.match(text, stop)
            if after is not None:
                yield start, after.end(), "genetic", "GEN-P03"


# --- the detector --------------------------------------------------------------------------


#: What :func:`_scan` asks of an undisguised hit of a key, decided once per key from the rules
#: of :func:`_fires`: nothing (it always fires), the person-context rule alone, the clinician rule
#: (then the person-context rule when it has one), the clinician rule for a word naming a
#: clinician ("psychiatrist"), or all of :func:`_fires` (names, origins, slurs on several axes,
#: the military "of" rule, a congregation's name).
_GENERAL, _PLAIN, _PERSON, _CARE, _CLINICIAN = range(5)


#: Context rules of their own, decided in :func:`_fires`: an origin, a labour word, and a word that is
#: a mention only when it is someone's ("my genome", "your pronouns", "our choir director").
_OWN_CONTEXTS = frozenset(["origin", "labour", "own", "someone"])


def _kind(axis: str, rule: str, context: str | None, plural: bool, word: str, also: tuple[str, ...]) -> int:
    """Which rules an undisguised hit of ``word`` (a key of the word view, unpadded) needs."""
    if also or axis == "religion" or context in _OWN_CONTEXTS or word in _NAME_LIKE or word in _MILITARY_OF_WORDS:
        return _GENERAL
    if context == "person" and "-S" in rule:
        return _GENERAL  # an epithet with an everyday sense: its frames of abuse are read in :func:`_fires`
    if axis in _CARE_AXES:
        return _CLINICIAN if _singular(word.rsplit(" ", 1)[-1]) in CLINICIANS else _CARE
    if context is None or (plural and "-S" not in rule):
        return _PLAIN  # no context rule, or a plural, which is always a group of people
    return _PERSON


def _term(axis: str, entry: dict[str, Any], form: str, plural: bool, literal: bool, key: str) -> Term:
    context = entry.get("context")
    also = tuple(entry.get("also", ()))
    kind = _kind(axis, entry["rule"], context, plural, key[1:-1], also)
    # A term written with digits ("e-4", "brca1") must be met as written: "3 a.m." reads "e a"
    # in the word view too.
    return (axis, entry["rule"], context, plural, _as_words(form) if literal else None, also, kind, key[1:-1])


@cache
def _automaton() -> ahocorasick.Automaton:
    """One automaton over the word view finds lexicon terms, pattern anchors and exception
    phrases in one pass. A key's value: (key length - 2, its lexicon term or ``None``, and
    ``None`` or (the indices of the patterns it anchors, whether it is an exception phrase,
    whether it marks a sign that a word is disguised: :data:`RUN`, a letter three times
    ("gaaay"), or :data:`SPACED`, single letters in a row that begin a lexicon word ("b l a c k"),
    which :func:`screen` then reads again undisguised; or :data:`FAMILY`, a relative's word))."""
    entries: dict[str, tuple[Term | None, list[int], bool]] = {}
    # A spaced-out word is looked up whole (:func:`_broken_sites`): only the first three letters
    # of a one-word lexicon form can begin one, and marking those alone keeps "a a" quiet.
    spaced: set[str] = set()
    for data in _lexicon_files():
        axis = data["axis"]
        for entry in data["terms"]:
            literal = _STAND_IN_CHAR.search(entry["term"]) is not None
            for form, plural in _plural_forms(term_key(entry["term"])):
                # The first entry for a key wins; lexicon reviews keep normalised forms unique.
                key = word_view(form)
                if key not in entries:
                    entries[key] = (_term(axis, entry, form, plural, literal, key), [], False)
                if " " not in form and "'" not in form and len(form) >= 3:
                    spaced.add(form[:3])
    for index, (_axis, rule, _rx) in enumerate(PATTERNS):
        for anchor in ANCHORS[rule]:
            entries.setdefault(" " + anchor, (None, [], False))[1].append(index)
    data = json.loads(resources.files("vetting.data").joinpath("detector_exceptions.json").read_text(encoding="utf-8"))
    for phrase in data["phrases"]:
        key = word_view(term_key(phrase))
        found, rules, _ = entries.get(key, (None, [], False))
        entries[key] = (found, rules, True)
    marks = {letter * 3: RUN for letter in string.ascii_lowercase}
    marks |= {f" {' '.join(start)} ": SPACED for start in spaced if start.isalpha()}
    marks |= {f" {word} ": FAMILY for word in _FAMILY_WORDS}
    automaton = ahocorasick.Automaton()
    for key, (term, rules, exception) in entries.items():
        mark = marks.pop(key, "")
        extra = (tuple(rules), exception, mark) if rules or exception or mark else None
        automaton.add_word(key, (len(key) - 2, term, extra))
    for key, mark in marks.items():
        automaton.add_word(key, (len(key) - 2, None, ((), False, mark)))
    automaton.make_automaton()
    return automaton


_STAND_IN_CHAR = re.compile("[0134$@]")
_STAND_IN_RUN = re.compile(r"[0134$@]+")


def _stands_in(padded: str, start: int, end: int) -> bool:
    """Whether the digits and symbols in a hit stand for letters: each run of them follows a letter
    and comes before one or ends a word of three letters or more ("canc3r", "c4uc4$14n", "r3fug33";
    not "44" read as "aa", nor "3d")."""
    letters = sum(c.isalpha() for c in padded[start:end])
    for run in _STAND_IN_RUN.finditer(padded, start, end):
        if not padded[run.start() - 1].isalpha():
            return False
        if not padded[run.end()].isalpha() and (padded[run.end()].isalnum() or letters < 3):
            return False
    return letters >= 2


#: Where a pattern runs: (low, high, where each of its anchors starts), in offsets of the padded text.
Window = tuple[int, int, tuple[int, ...]]


class Scan(NamedTuple):
    """What one pass of the automaton found, in offsets of the padded text."""

    lexical: list[Found]
    windows: dict[int, list[Window]]
    blocked: list[tuple[int, int]]
    #: Signs of a disguised word (:data:`RUN`, :data:`SPACED`) and relatives' words
    #: (:data:`FAMILY`), and where they start.
    marks: dict[str, list[int]]


def _fires(padded: str, view: str, start: int, end: int, term: Term, capitalised: Capitalised | None) -> bool:
    """Whether a lexicon hit is a mention: read as written, in the context its term needs."""
    axis, rule, context, plural, as_written, _also, _kind, _word_read = term
    if view[start:end] != padded[start:end]:
        if as_written is not None:
            if _as_words(padded[start:end]) != as_written:
                return False  # "3 a.m." is not "e-4"
        elif not _stands_in(padded, start, end):
            return False  # "44" is not "aa"
    if padded[start:end] in _NAME_LIKE and _named(padded, start, end, capitalised):
        return False
    if context == "origin":
        return _origin_context(padded, start, end)
    if context == "labour":
        return _labour_context(padded, start, end)
    if context == "own":
        return _own_clinician(padded, start, end)  # "my genome", not "the fruit fly genome"
    if context == "someone":
        # Joined or disguised words ("#ArmyStrong", "E E O C") are posts, someone's own words.
        return capitalised is None or _someone_in_clause(padded, start, end)
    if axis in _CARE_AXES and _clinician(padded, start, end):
        return _own_clinician(padded, start, end)
    if axis == "military_veteran" and not _military_of(padded, start, end):
        return False
    if context == "person" and axis == "religion" and _named_congregation(padded, start, end, capitalised):
        return True
    # A slur's plural is no sign of people ("monkeys"): it keeps its context rule, or a frame of abuse.
    slur = "-S" in rule
    # A whole-word key ends on the space after its word: ``end`` is the word's end.
    return (
        context != "person"
        or (slur and _abuse_frame(padded, start, end))
        or _person_context(padded, start, end, plural and not slur, axis, capitalised)
    )


#: Words around an epithet that has an everyday sense ("coon", "fossil", "breeder", "squid") that
#: make it abuse of people: "typical X behavior", "which of you Xs", "get these Xs out", "another X
#: moved in", "all Xs should be banned", "called him a X" (issue 13, real posts).
_ABUSE_BEFORE = frozenset(["you", "typical", "another", "called", "dirty", "filthy", "stupid"])
_ABUSE_AFTER = frozenset(["behavior", "behaviour", "everywhere", "ruining", "moved", "parked", "should"])


def _abuse_frame(padded: str, start: int, end: int) -> bool:
    following = _NEXT_WORD.match(padded, end, end + 30)
    if following is not None and following.group(1) in _ABUSE_AFTER:
        return True
    before = _LAST_WORD.search(padded, max(0, start - 20), start)
    if before is None:
        return False
    word = before.group(1)
    if word in ("these", "those"):
        return following is not None and following.group(1) == "out"  # "get these Xs out of here"
    # "got called a mutant": the article after a verb of calling counts too.
    if word in ("a", "an"):
        earlier = _LAST_WORD.search(padded, max(0, before.start() - 20), before.start())
        return earlier is not None and earlier.group(1) in ("called", "call", "calling", "typical")
    return word in _ABUSE_BEFORE


#: Before a surname: "Dr. Black", "Mr. Brown", "Judge White".
TITLES = frozenset(
    ["mr", "mrs", "ms", "miss", "dr", "judge", "officer", "sgt", "sergeant", "det", "detective", "lt", "capt"]
)
#: Words that are also first names: "Christian Ortiz, the gym manager".
FIRST_NAMES = frozenset(["christian", "faith", "trinity", "chastity"])
_NAME_LIKE = FIRST_NAMES | COLOUR_WORDS | {"young", "old", "english", "french", "irish", "german", "welsh", "scott"}


def _named(padded: str, start: int, end: int, capitalised: Capitalised | None) -> bool:
    """Whether the hit is part of someone's name (after a title, or a first name before a surname)."""
    if capitalised is None or not capitalised(start):
        return False
    before = _WORD.findall(padded, max(0, start - 12), start)
    if before and before[-1] in TITLES:
        return True
    if padded[start:end] in FIRST_NAMES:
        after = _NAME_WORD.match(padded, end)
        return after is not None and capitalised(after.start(1))
    return False


#: "a veteran of the grocery business", "an army of volunteers": not military unless a military
#: word follows ("a veteran of the Gulf War").
_OF_MILITARY = re.compile(
    r" of (?:the |two |three |four |\d+ )?(?:[a-z']+ ){0,2}?(?:war|wars|army|navy|marines?|corps|air force|coast guard"
    r"|national guard|military|armed forces|service|gulf|iraq|afghanistan|vietnam|korea|wwii|ww2|desert storm)\b"
)


_MILITARY_OF_WORDS = frozenset(["veteran", "veterans", "army", "armies"])


def _military_of(padded: str, start: int, end: int) -> bool:
    if padded[start:end] not in _MILITARY_OF_WORDS or not padded.startswith(" of ", end):
        return True
    return _OF_MILITARY.match(padded, end) is not None


def _scan(padded: str, view: str, capitalised: Capitalised | None) -> Scan:
    """Lexicon spans, pattern windows per pattern index, exception phrases and whether a letter
    runs three times, in offsets of ``padded``: the normalised text with a space at each end, as
    long as its word ``view``."""
    lexical: list[Found] = []
    windows: dict[int, list[Window]] = {}
    blocked: list[tuple[int, int]] = []
    marks: dict[str, list[int]] = {}
    # Names bound locally: this loop runs once per hit, some 8,000 times in 1 MB of notes.
    add, block, person, care, fires_fully = lexical.append, blocked.append, _person_context, _care_fires, _fires
    worship, plain, person_kind, certain = _with_place_of_worship, _PLAIN, _PERSON, CERTAIN
    for end, (back, term, extra) in _automaton().iter(view):
        start = end - back  # after the key's leading space
        # Not the tail of a contraction or name (:func:`starts_word`, inlined: this loop is the hot path).
        if term is not None and (padded[start - 1] != "'" or not padded[start - 2].isalnum()):
            kind = term[6]
            # Undisguised: the text reads as the key's word (``view[start:end]``) with no stand-in.
            if kind and padded.startswith(term[7], start):
                if kind == plain:
                    fires = True
                elif kind == person_kind:
                    fires = person(padded, start, end, False, term[0], capitalised)
                else:
                    fires = care(padded, start, end, term, capitalised)
                if fires:
                    add((start, end, term[0], term[1], certain))
                elif " " in term[7]:
                    block((start, end))  # "the Dominican Republic" named as a place: not "Dominican"
            elif fires_fully(padded, view, start, end, term, capitalised):
                # A hit read through a stand-in ("canc3r") is a reading to look at twice.
                disguised = not padded.startswith(term[7], start) and _DISGUISE.search(padded, start, end)
                confidence = POSSIBLE if disguised else certain
                for axis in (term[0], *term[5]):
                    span = (start, end, axis, term[1], confidence)
                    add(worship(padded, span, capitalised) if axis == "religion" else span)
            elif " " in padded[start:end]:
                block((start, end))
        if extra is not None:
            _note(extra, start, end, windows, blocked, marks)
    return Scan(lexical, windows, blocked, marks)


def _note(
    extra: tuple[tuple[int, ...], bool, str],
    start: int,
    end: int,
    windows: dict[int, list[Window]],
    blocked: list[tuple[int, int]],
    marks: dict[str, list[int]],
) -> None:
    """Record a pattern anchor, an exception phrase or a sign of a disguised word."""
    rules, exception, mark = extra
    if mark:
        marks.setdefault(mark, []).append(start)
    for index in rules:
        low, high = start - _WINDOW, end + 1 + _WINDOW
        spans = windows.setdefault(index, [])
        if spans and low <= spans[-1][1]:
            last = spans[-1]  # anchors are found in order: merge overlaps
            spans[-1] = (last[0], high, (*last[2], start))
        else:
            spans.append((max(0, low), high, (start,)))
    if exception:
        blocked.append((start, end))


def _pattern_matches(padded: str, windows: dict[int, list[Window]]) -> Iterator[Span]:
    """What each pattern's regex finds across its windows (as ``finditer`` would), trying it
    only where a match can start: up to its lead (:data:`LEADS`) before one of its anchors."""
    patterns = _patterns()
    for index, spans in windows.items():
        axis, rule, pattern = patterns[index]
        lead = LEADS[rule]
        for low, high, anchors in spans:
            if lead is None:
                for match in pattern.finditer(padded, low, high):
                    yield match.start(), match.end(), axis, rule
                continue
            reached = low  # positions before it were tried, or lie inside the last match
            for anchor in anchors:  # in order
                first = max(reached, anchor - lead)
                if first > anchor:
                    continue
                # A pattern with a lead opens on a word (``\b``, then a letter or digit): only the
                # starts of words before the anchor are tried.
                starts = (
                    [anchor] if lead == 0 else [w.start() for w in _WORD_OPENING.finditer(padded, first, anchor + 1)]
                )
                for at in starts:
                    if at < reached:
                        continue  # inside the last match: finditer goes on after it
                    hit = pattern.match(padded, at, high)
                    if hit is not None:
                        yield hit.start(), hit.end(), axis, rule
                        reached = hit.end()
                reached = max(reached, anchor + 1)


#: Ages written beside a name, which no word anchors: "Brooks, 29, of Hattiesburg" (AGE-P18),
#: "Dana Brooks (29)" (AGE-P19). The age is the span; a capital on the word before it is checked.
#: Each is tried only where its opening character is (``str.find``, a ``memchr``), not at every position.
_AGE_BESIDE_NAME = (
    (
        "AGE-P18",
        ",",
        re.compile(
            r", (\d{1,2}), (?=(?:of|from|who|was|is|and|a|an|the|has|had|said|lives|died|faces|told)\b|([a-z]+))"
        ),
    ),
    ("AGE-P19", "(", re.compile(r"\((\d{1,2})\)")),
)
_HAS_DIGIT = re.compile(r"\d")
_WORD_BEFORE = re.compile(r"[a-z']+$")


def _ages_beside_names(padded: str, capitalised: Capitalised | None) -> Iterator[Span]:
    if capitalised is None or _HAS_DIGIT.search(padded) is None:
        return
    for rule, opening, pattern in _AGE_BESIDE_NAME:
        reached = 0
        for at in _all(padded, opening):
            match = pattern.match(padded, at) if at >= reached else None
            if match is None:
                continue
            reached = match.end()  # as finditer: no match inside the last one
            # Right after a word: "Brooks, 29," and "Brooks (29)", not "12, 29," or "((29)".
            name = _WORD_BEFORE.search(padded, max(0, match.start() - 30), match.start() - (rule == "AGE-P19"))
            # "(29)" needs a name that does not open the sentence ("said Brooks (29)") or a first
            # name before it ("Dana Brooks (29)"): "Comments (29)" is a count.
            if name is None:
                continue
            if rule == "AGE-P18" and match.group(2) is not None and match.group(2) not in person_words():
                continue  # "Brooks, 29, dispatcher", not "Tulsa, 29, 31 and 40"
            if not capitalised(name.start()):
                # "The candidate, 49, told", "the driver (35)": a person noun, not a count ("Comments (29)").
                if name.group() in person_words():
                    yield match.start(1), match.end(1), "age", rule
                continue
            before = _WORD_BEFORE.search(padded, max(0, name.start() - 30), name.start() - 1)
            opens = before is None or padded[before.end() : name.start()].strip() in {".", "!", "?"}
            if rule == "AGE-P18" or not opens or (before is not None and capitalised(before.start())):
                yield match.start(1), match.end(1), "age", rule


#: Things whose age is given like a person's: "a 40-year-old pickup", "a 15-year-old single
#: malt". A leak is worse than a false alarm, so an age stays a mention unless a thing follows.
AGED_THINGS = frozenset(
    [
        "pickup",
        "truck",
        "car",
        "vehicle",
        "jeep",
        "tractor",
        "boat",
        "motorcycle",
        "bike",
        "engine",
        "barn",
        "house",
        "home",
        "farmhouse",
        "building",
        "bridge",
        "church",
        "school",
        "store",
        "shop",
        "restaurant",
        "bar",
        "company",
        "business",
        "firm",
        "tradition",
        "law",
        "statute",
        "record",
        "photo",
        "photograph",
        "picture",
        "painting",
        "tree",
        "oak",
        "wine",
        "whiskey",
        "whisky",
        "bourbon",
        "scotch",
        "rum",
        "brandy",
        "cheese",
        "cheddar",
        "single",
        "malt",
        "bottle",
        "barrel",
        "vintage",
        "recipe",
        "song",
        "album",
        "movie",
        "film",
        "book",
        "case",
        "mystery",
        "tree",
        "fence",
        "roof",
        "furnace",
        "computer",
        "phone",
        "router",
        "model",
        "version",
    ]
)
_AGE_NUMBER = re.compile(r"\d+")
_OF_THINGS = re.compile(r" (?:years? in|months?|weeks?|days?)\b")


def _thing_subject(padded: str, start: int) -> bool:
    """Whether the clause before an age names a thing and no one ("the barn is 90 years old", not
    "my son, who drives a truck, is 20 years old")."""
    low = max(0, start - 60)
    cut = _LAST_BREAK.search(padded, low, start)
    words = [_word(w) for w in _WORD.findall(padded, cut.start() + 1 if cut else low, start)]
    if not any(_singular(w) in AGED_THINGS for w in words):
        return False
    people = person_words()
    return not any(w in people or w in SUBJECT_PRONOUNS or w in _POSSESSIVES or w == "me" for w in words)


def _age_of_a_thing(padded: str, span: Span) -> bool:
    """An age pattern that dates a thing: "a 40-year-old pickup", "cheddar aged 18 months", "a
    200-year-old barn". People's ages stand alone or before a person ("a 29-year-old man")."""
    start, stop, axis, rule = span
    if axis != "age" or rule not in {"AGE-P01", "AGE-P02"}:
        return False
    number = _AGE_NUMBER.search(padded, start, stop)
    if number is not None and int(number.group()) > 115:
        return True
    if rule == "AGE-P02":
        return _OF_THINGS.match(padded, stop) is not None
    if _thing_subject(padded, start):
        return True  # "The farmhouse on the property is roughly 90 years old"
    after = _FOLLOWING.match(padded, stop, stop + 40)
    assert after is not None  # every group is optional
    comma, first, _second = after.groups()
    if first is None or comma is not None or not padded[stop : stop + 40].lstrip().startswith(first):
        return False
    return _singular(_word(first)) in AGED_THINGS


def _reach(blocked: list[tuple[int, int]]) -> dict[int, int]:
    """The furthest end of an exception phrase ("New Mexico", "Salvation Army") over each of its
    positions (phrases are short): a span that starts at one and ends within lies inside it."""
    reach: dict[int, int] = {}
    for start, stop in blocked:
        for at in range(start, stop):
            if reach.get(at, -1) < stop:
                reach[at] = stop
    return reach


def _outside(spans: list[Found], reach: dict[int, int]) -> list[Found]:
    """Spans of the padded text outside exception phrases, in offsets of the normalised text."""
    if not reach:
        return [(s[0] - 1, s[1] - 1, s[2], s[3], s[4]) for s in spans]
    return [(s[0] - 1, s[1] - 1, s[2], s[3], s[4]) for s in spans if reach.get(s[0], -1) < s[1]]


#: A span as :func:`_resolve` sorts it: (start, -stop, is possible, rule, axis).
Keyed = tuple[int, int, bool, str, str]


def _keyed(spans: Iterable[Found]) -> list[Keyed]:
    return [(s[0], -s[1], s[4] != CERTAIN, s[3], s[2]) for s in spans]


def _resolve(text: str, keyed: list[Keyed]) -> list[Mention]:
    """Per axis, keep the longest of overlapping spans (leftmost-longest, a certain reading
    before a possible one; of equal spans of one axis from two rules, a lexicon phrase and a
    pattern, the first rule id), in one sweep, as mentions of ``text``."""
    mentions: list[Mention] = []
    # Names bound locally: this loop runs once per span, some 20,000 times in 4 MB of notes.
    add, new, possibly, certainly = mentions.append, tuple.__new__, POSSIBLE, CERTAIN
    reach: dict[str, int] = {}
    plain = text.isascii()
    length = len(text)
    keyed.sort()
    for start, back, possible, rule, axis in keyed:
        stop = -back
        if stop <= reach.get(axis, -1):
            continue  # a repeat, or inside a longer span of the same axis that starts earlier or here
        reach[axis] = stop
        if not plain:
            while stop < length and not text[stop].isascii() and is_ignorable(text[stop]):
                stop += 1  # an invisible character right after the word goes with it
        add(new(Mention, (start, stop, axis, rule, possibly if possible else certainly)))
    return mentions


#: A congregation named right after a religion ("Catholic parish", "Baptist church") belongs to
#: the mention: redacting only the adjective would leave "my [redacted] parish".
_PLACE_OF_WORSHIP = re.compile(
    r"(?: (?:parish|church|congregation|chapel|mosque|temple|synagogue|cathedral|diocese|ministry"
    r"|youth group|bible study|masjid|gurdwara|mandir|shul)(?:e?s)?\b)+"
)
#: A saint's title before a parish name: "St. Mary's parish", "Saint Jude's".
_SAINT_BEFORE = re.compile(r"(?:\bst|\bsaint|\bste|\bsan|\bsanta|\bsao|\bour lady of)\.? ?$")
_NAME_WORD = re.compile(r" ([a-z][a-z']*)")
_WORSHIP_NOUN = re.compile(
    r"\b(?:parish|church|congregation|chapel|mosque|temple|synagogue|cathedral|masjid|gurdwara|mandir|shul)"
)


#: Nouns that end a congregation's name: "Sacred Heart Church", "St. Nicholas Cathedral".
_CONGREGATION_NOUNS = frozenset(["church", "cathedral", "temple", "chapel", "basilica", "tabernacle", "parish"])
_HOLY_NAMES = frozenset(
    ["christ", "lady", "holy", "sacred", "saint", "st", "trinity", "blessed", "immaculate", "redeemer"]
)


def _named_congregation(padded: str, start: int, end: int, capitalised: Capitalised | None) -> bool:
    """A capitalised worship noun after a capitalised word is a congregation's name ("Sacred Heart
    Church", "Sri Venkateswara Temple"), not "the temple" of the head nor "Dr. Temple"."""
    if capitalised is None or padded[start:end] not in _CONGREGATION_NOUNS:
        return False
    if padded[start:end] == "parish" or not capitalised(start):
        # "Christ the King parish", "Our Lady of Guadalupe church": a religious name before the noun
        # (a parish needs one even when capitalised: "Jefferson Parish" is a county).
        return any(w in _HOLY_NAMES for w in _WORD.findall(padded, max(0, start - 30), start))
    name = _WORD_BEFORE.search(padded, max(0, start - 30), start - 1)
    if name is None or not capitalised(name.start()) or name.group() in TITLES or name.group() in ("the", "a", "an"):
        return False
    return padded[name.end() : start] in (" ", ". ")


def _with_place_of_worship(padded: str, span: Found, capitalised: Capitalised | None) -> Found:
    """A religion mention grown to the whole name of a congregation: "St. Mary's parish",
    "Temple Beth El", "Al-Noor mosque" (the capitalised words of the name, in the original)."""
    start, stop, axis, rule, confidence = span
    following = _PLACE_OF_WORSHIP.match(padded, stop)
    if following is not None:
        stop = following.end()
    saint = _SAINT_BEFORE.search(padded, max(0, start - 14), start)
    if saint is not None:
        start = saint.start()
    if capitalised is not None and _WORSHIP_NOUN.search(padded, start, stop):
        # Capitalised words just before the noun ("Al Noor mosque") or after it ("Temple Beth El").
        while True:
            before = re.search(r"([a-z][a-z']*) $", padded[max(0, start - 25) : start])
            if before is None or not capitalised(start - len(before.group(0))):
                break
            start -= len(before.group(0))
        while True:
            after = _NAME_WORD.match(padded, stop)
            if after is None or not capitalised(after.start(1)):
                break
            stop = after.end()
        saint = _SAINT_BEFORE.search(padded, max(0, start - 14), start)
        if saint is not None:
            start = saint.start()  # "St. Nicholas Cathedral": the title before the grown name
    if (start, stop) == span[:2]:
        return span
    return start, stop, axis, rule, _confidence(padded, start, stop)


def _confidence(padded: str, start: int, stop: int) -> str:
    """A span read through a stand-in digit or symbol ("canc3r") is only possibly a mention."""
    return POSSIBLE if _DISGUISE.search(padded, start, stop) else CERTAIN


def _detect_padded(
    normalised: str, capitalised: Capitalised | None
) -> tuple[list[Found], dict[int, int], dict[str, list[int]]]:
    """Lexicon, pattern and context spans of normalised text with how sure each is, in offsets of
    the padded text (one more); the reach of its exception phrases (:func:`_reach`), which the
    caller drops spans by; and the signs of disguised words in it (in normalised offsets)."""
    padded = f" {normalised} "
    lexical, windows, blocked, marks = _scan(padded, word_view(normalised), capitalised)
    others: list[Span] = [s for s in _pattern_matches(padded, windows) if not _age_of_a_thing(padded, s)]
    health = [s for s in lexical if s[2] == "disability_health"]
    others += _family_history(padded, health, marks.pop(FAMILY, []))
    others += _ages_beside_names(padded, capitalised)
    # Lexical religion spans have grown to the congregation's name in the scan already.
    found: list[Found] = [(*s, _confidence(padded, s[0], s[1])) for s in others]
    lexical += [_with_place_of_worship(padded, s, capitalised) if s[2] == "religion" else s for s in found]
    return lexical, _reach(blocked), {mark: [at - 1 for at in starts] for mark, starts in marks.items()}


def _detect(normalised: str, capitalised: Capitalised | None) -> tuple[list[Found], dict[str, list[int]]]:
    """:func:`_detect_padded`, exceptions removed, in offsets of the normalised text."""
    spans, reach, marks = _detect_padded(normalised, capitalised)
    return _outside(spans, reach), marks


# --- hashtags, handles and joined words ----------------------------------------------------

#: "#proudveteran", "@dana k" (underscores read as spaces): a tag runs to the next space.
_TAG = re.compile(r"[#@]([a-z0-9]{4,})")


@cache
def _important_words() -> frozenset[str]:
    """Single lexicon words, which a split should prefer to find ("gaypride": "gay pride")."""
    return frozenset(form for form in _lexicon_forms() if " " not in form and "'" not in form)


def _tags(text: str) -> Iterator[re.Match[str]]:
    """The matches of :data:`_TAG`, found by their first character (a regex that opens on a class
    of characters tries every position of a long text; ``str.find`` does not)."""
    starts = [at for sign in "#@" for at in _all(text, sign)]
    for at in sorted(starts):
        tag = _TAG.match(text, at)
        if tag is not None:
            yield tag


def _all(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)


_ORDINAL_SPLIT = re.compile(r"\b(\d+) (st|nd|rd|th)\b")


def _tag_spans(matching: str) -> Iterator[Found]:
    """A hashtag or handle whose words carry a mention is a mention as a whole ("#TeamJesus")."""
    for tag in _tags(matching):
        body = tag.group(1)
        words = segment.split(body, _important_words())
        # The tag read whole as well ("#retired" is not "re tired"), and an ordinal kept with its
        # number ("#30thbirthday": "30th birthday").
        text = body if words is None else body + " . " + _ORDINAL_SPLIT.sub(r"\1\2", " ".join(words))
        for span in _detect(text, None)[0]:
            yield tag.start(), tag.end(), span[2], span[3], POSSIBLE


#: Runs of capitalised words written together ("BlackLivesMatter", "VeteranOwned"), in the original.
_CAMEL = re.compile(r"[A-Z][a-z]+[A-Z][a-z]+(?:[A-Z][a-z]+)*")


#: Upper case as "U", lower case as "l", the rest as spaces: "lU" is a cheap sign of a CamelCase run.
_CASES = bytes.maketrans(
    bytes(range(128)),
    bytes(ord("U") if chr(c).isupper() else ord("l") if chr(c).islower() else 32 for c in range(128)),
)
_CAMEL_HINT = re.compile(b"lU")


def _camel_spans(text: str) -> Iterator[Found]:
    """Capitalised words run together ("BlackLivesMatter"), in ASCII text (elsewhere the original
    and the normalised text are not aligned one for one; tags are screened there all the same)."""
    reached = -1
    for hint in _CAMEL_HINT.finditer(text.encode("ascii").translate(_CASES)):
        begin = hint.start()
        while begin > 0 and text[begin - 1].isalpha():
            begin -= 1
        run = _CAMEL.match(text, begin)
        if run is None or run.end() <= reached:
            continue
        reached = run.end()
        if (run.start() and text[run.start() - 1] in "#@") or (run.end() < len(text) and text[run.end()].isalnum()):
            continue  # part of a longer word, or a tag (screened as one)
        words = re.findall(r"[A-Z][a-z]+", run.group())
        for span in _detect(" ".join(w.lower() for w in words), None)[0]:
            yield run.start(), run.end(), span[2], span[3], POSSIBLE


# --- words broken up to hide them ----------------------------------------------------------

#: Letters spaced out to hide a word ("B l a c k", "b.l.a.c.k").
_SPACED_OUT = re.compile(r"(?<!\S)[^\W\d_](?:[ .][^\W\d_]){2,}(?![^\W_])")
_PATCH_WINDOW = 40
_BREAKS_INVISIBLE = str.maketrans({"-": "\u00ad", " ": "\u00ad", ".": "\u00ad"})


def _broken_sites(text: str, spaced: list[int]) -> Iterator[tuple[int, int]]:
    """Broken-up words that read as a lexicon word once joined ("Cau-casian", "B l a c k"): the
    joined form is looked up first, so ordinary compounds ("year-old", "e-mail") cost nothing more."""
    for at in _all(text, "-"):
        if at > 0 and text[at - 1].isalpha() and text[at + 1 : at + 2].isalpha():
            left, right = _letters_from(text, at), _letters_to(text, at + 1)
            if _joined(text[left:right], _NO_HYPHENS) in _important_words():
                yield left, right
    reached = -1
    for at in spaced:  # where the automaton saw single letters in a row
        if at <= reached:
            continue
        run = _SPACED_OUT.search(text, max(0, at - 1), at + 80)
        if run is not None:
            reached = run.end()
            if _joined(run.group(), _NO_SPACES) in _important_words():
                yield run.span()


#: Runs of letters; a run that is not all ``isalpha`` (it may hold "²", which ``\w`` counts) is
#: walked a character at a time instead.
_LETTERS = re.compile(r"[^\W\d_]+")
_LONGEST_RUN = 40


def _letters_from(text: str, at: int) -> int:
    """Where the run of letters that ends at ``at`` starts."""
    low = max(0, at - _LONGEST_RUN)
    # Matched on the reversed stretch: a search would try every start in it.
    run = _LETTERS.match(text[low:at][::-1])
    if run is not None and run.group().isalpha() and (run.end() < at - low or low == 0):
        return at - run.end()
    while at > 0 and text[at - 1].isalpha():
        at -= 1
    return at


def _letters_to(text: str, at: int) -> int:
    """Where the run of letters that starts at ``at`` ends."""
    run = _LETTERS.match(text, at)
    if run is not None and run.group().isalpha():
        return run.end()
    while at < len(text) and text[at].isalpha():
        at += 1
    return at


#: Deletion tables for the breaks a broken-up word is joined across: hyphens, spaces and dots.
_NO_HYPHENS = str.maketrans("", "", "-")
_NO_SPACES = str.maketrans("", "", " .")


def _joined(broken: str, breaks: dict[int, int | None]) -> str:
    joined = broken.translate(breaks).lower()
    return joined if joined.isascii() else normalise(joined)[0]


def _broken_spans(text: str, spaced: list[int]) -> Iterator[Found]:
    """Each broken-up word, read again with its breaks made invisible (so offsets still map)."""
    for begin, finish in _broken_sites(text, spaced):
        low, high = max(0, begin - _PATCH_WINDOW), finish + _PATCH_WINDOW
        window = text[low:begin] + text[begin:finish].translate(_BREAKS_INVISIBLE) + text[finish:high]
        normalised, offsets = normalise(window)
        for start, stop, axis, rule, _sure in _detect(normalised, None)[0]:
            first, last = to_original(offsets, start, stop)
            if first < finish - low and begin - low < last:
                yield low + first, low + last, axis, rule, POSSIBLE


# --- emoji and symbols ---------------------------------------------------------------------

_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
#: Man, woman, girl, boy (and their skin tones) joined into a family; the joiners have vanished.
_FAMILY_EMOJI = re.compile(
    "(?:[\U0001f468\U0001f469\U0001f466\U0001f467\U0001f9d1\U0001f9d2][\U0001f3fb-\U0001f3ff]?){3,}"
    # A parent and a child (the joiner gone): "👨‍👧", a single parent's family.
    "|[\U0001f468\U0001f469\U0001f9d1][\U0001f3fb-\U0001f3ff]?[\U0001f466\U0001f467\U0001f9d2][\U0001f3fb-\U0001f3ff]?"
)
_SKIN_TONE = re.compile(".[\U0001f3fb-\U0001f3ff]")


@cache
def _emoji() -> tuple[re.Pattern[str], dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    data = _data("emoji.json")
    table = {e["emoji"]: (axis, e["rule"]) for axis, entries in data["axes"].items() for e in entries}
    # Longest first: a person with a white cane before the white cane alone.
    pattern = re.compile("|".join(re.escape(e) for e in sorted(table, key=len, reverse=True)))
    kinds = {kind: (data[kind]["axis"], data[kind]["rule"]) for kind in ("flags", "skin_tones", "families")}
    return pattern, table, kinds


def _emoji_spans(normalised: str) -> Iterator[Found]:
    """Symbols that state a trait: religious symbols, pride and transgender flags, pregnancy,
    disability symbols, country flags and skin-tone modifiers on people."""
    if normalised.isascii():
        return
    pattern, table, kinds = _emoji()
    for match in pattern.finditer(normalised):
        yield match.start(), match.end(), *table[match.group()], CERTAIN
    for kind, regex in (("flags", _FLAG), ("skin_tones", _SKIN_TONE), ("families", _FAMILY_EMOJI)):
        for match in regex.finditer(normalised):
            yield match.start(), match.end(), *kinds[kind], CERTAIN


# --- the detector --------------------------------------------------------------------------

#: Signs of a disguised word that the automaton marks: a letter three times, spaced-out letters;
#: and the words for relatives, beside which a health condition may be family history.
RUN, SPACED, FAMILY = "run", "spaced", "family"
#: A span with how sure it is.
Found = tuple[int, int, str, str, str]
#: A stand-in digit or symbol next to a letter: a hit read through a disguise ("canc3r").
_DISGUISE = re.compile("[a-z][0134$@]|[0134$@][a-z]")


def _capitals(text: str, offsets: OffsetMap | None) -> Capitalised:
    """Whether the word at a padded offset of the normalised text starts with a capital in ``text``."""

    def capitalised(position: int) -> bool:
        index = position - 1 if offsets is None else offsets.to_original(position - 1)
        # "Sam", not "SUV": a capital followed by a small letter (or standing alone).
        return 0 <= index < len(text) and text[index].isupper() and not text[index + 1 : index + 2].isupper()

    return capitalised


def screen(text: str) -> list[Mention]:
    """Every protected-class mention in ``text``, with character offsets into it."""
    if not text:
        return []
    # Screening makes no reference cycles, only tuples and lists by the ten thousand, each of
    # which would count towards a collection that walks every long-lived object (the word list
    # of the tag splitter alone holds 200,000 strings): a fifth of the time on a long text.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _screen(text)
    finally:
        if enabled:
            gc.enable()


def _screen(text: str) -> list[Mention]:
    normalised, offsets = normalise(text)
    spans, reach, marks = _detect_padded(normalised, _capitals(text, offsets))
    found: list[Found] = []
    if RUN in marks:
        for keep in (2, 1):
            variant, back = collapse_runs(normalised, keep)
            found += [(*to_original(back, s[0], s[1]), s[2], s[3], POSSIBLE) for s in _detect(variant, None)[0]]
    if "#" in normalised or "@" in normalised:
        found += _tag_spans(normalised)
    found += _emoji_spans(normalised)
    if offsets is None:
        # The lexical spans (thousands in a long text) go from padded offsets to sort keys at once.
        keyed = [(s[0] - 1, 1 - s[1], s[4] != CERTAIN, s[3], s[2]) for s in spans if reach.get(s[0], -1) < s[1]]
    else:
        keyed = []
        found = [(*to_original(offsets, f[0], f[1]), f[2], f[3], f[4]) for f in _outside(spans, reach) + found]
    # From here on, spans of the original text.
    spaced = [to_original(offsets, at, at + 1)[0] for at in marks.get(SPACED, ())]
    found += _broken_spans(text, spaced)
    if text.isascii():
        found += _camel_spans(text)
    return _resolve(text, keyed + _keyed(found))
