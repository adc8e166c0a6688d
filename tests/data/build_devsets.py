"""Write the detector development sets from the hand-written sentences and slot fillers below.

Run `python tests/data/build_devsets.py` from the repository root; it rewrites
detector_devset_social.jsonl, detector_devset_adversarial.jsonl, detector_devset_context.jsonl
and detector_devset_negatives.jsonl (detector_devset.jsonl is hand-kept and never touched).
Everything here was written for this project: people, handles, towns and events are invented.

Markup inside a sentence: ``[[span|code]]`` is a labelled mention; ``<<span|code>>`` labels a span
that is already in the text (for overlapping mentions such as ``his husband`` / ``husband``);
``{T}`` is the frame's slot. The builder checks that each labelled span is the first occurrence of
its text and sits on word boundaries, as tests/data/README.md requires.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

# fmt: off
# The sentence data below is laid out by hand, several fillers a line, as it reads best.

HERE = Path(__file__).resolve().parent

CODES = {
    "race": "race_colour",
    "nat": "national_origin",
    "rel": "religion",
    "sex": "sex",
    "preg": "pregnancy",
    "orient": "sexual_orientation",
    "gid": "gender_identity",
    "age": "age",
    "dis": "disability_health",
    "gen": "genetic",
    "mil": "military_veteran",
    "fam": "marital_family",
    "pol": "political",
    "act": "protected_activity",
}

_MARK = re.compile(r"\[\[(.+?)\|(\w+)\]\]")
_EXTRA = re.compile(r"\s?<<(.+?)\|(\w+)>>")
# Characters written as \u escapes in the files so that a reader sees them.
_ESCAPE = {chr(c) for c in (0x00AD, 0x200B, 0x200C, 0x2060, 0xFEFF)} | {chr(c) for c in range(0x0400, 0x0500)}


class Rejected(Exception):
    pass


def parse(marked: str) -> tuple[str, list[dict[str, str]]]:
    extras = _EXTRA.findall(marked)
    marked = _EXTRA.sub("", marked).rstrip()
    spans: list[tuple[int, str, str]] = []
    text = ""
    last = 0
    for match in _MARK.finditer(marked):
        text += marked[last : match.start()]
        spans.append((len(text), match.group(1), CODES[match.group(2)]))
        text += match.group(1)
        last = match.end()
    text += marked[last:]
    if "[[" in text or "]]" in text or "{T}" in text or "|" in text:
        raise Rejected(f"markup left in {text!r}")
    mentions: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for position, span, axis in spans:
        first = text.find(span)
        if first != position and not any(p == first and s == span for p, s, _ in spans):
            raise Rejected(f"{span!r} first occurs elsewhere in {text!r}")
        _check_boundary(text, first, span)
        if (span, axis) not in seen:
            seen.add((span, axis))
            mentions.append({"text": span, "axis": axis})
    for span, code in extras:
        first = text.find(span)
        if first < 0:
            raise Rejected(f"extra {span!r} not in {text!r}")
        _check_boundary(text, first, span)
        if (span, CODES[code]) not in seen:
            seen.add((span, CODES[code]))
            mentions.append({"text": span, "axis": CODES[code]})
    return text, mentions


def _check_boundary(text: str, start: int, span: str) -> None:
    end = start + len(span)
    if span[0].isalnum() and start > 0 and text[start - 1].isalnum():
        raise Rejected(f"{span!r} starts inside a word in {text!r}")
    if span[-1].isalnum() and end < len(text) and text[end].isalnum():
        raise Rejected(f"{span!r} ends inside a word in {text!r}")


def dumps(row: dict[str, object]) -> str:
    line = json.dumps(row, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if c in _ESCAPE else c for c in line)


class Builder:
    def __init__(self, name: str, prefix: str) -> None:
        self.name = name
        self.prefix = prefix
        self.rows: list[dict[str, object]] = []
        self.texts: set[str] = set()
        self.rejected: list[str] = []

    def add(self, marked: str, *, negative: bool = False) -> bool:
        try:
            text, mentions = parse(marked)
        except Rejected as error:
            self.rejected.append(str(error))
            return False
        if text in self.texts:
            return False
        if negative != (not mentions):
            self.rejected.append(f"kind mismatch: {text!r}")
            return False
        self.texts.add(text)
        kind = "negative" if negative else "positive"
        number = sum(1 for r in self.rows if r["kind"] == kind) + 1
        tag = "neg" if negative else "pos"
        self.rows.append({"id": f"{self.prefix}-{tag}-{number:04d}", "text": text, "mentions": mentions, "kind": kind})
        return True

    def write(self) -> None:
        path = HERE / self.name
        path.write_text("".join(dumps(r) + "\n" for r in self.rows), encoding="utf-8")


def slot(term: str, code: str) -> str:
    return term if "[[" in term else f"[[{term}|{code}]]"


def fill(builder: Builder, rng: random.Random, code: str, frames: list[str], terms: list[str], count: int,
         styles: tuple[str, ...] = ("plain",), *, articles: bool = False) -> None:
    """Up to ``count`` sentences: each frame with varied terms, no frame-term pair twice."""
    pairs = [(f, t) for f in frames for t in terms]
    rng.shuffle(pairs)
    used_frames: dict[str, int] = {}
    cap = max(2, -(-count // len(frames)) + 1)
    made = 0
    for frame, term in pairs:
        if made >= count:
            break
        if used_frames.get(frame, 0) >= cap:
            continue
        shaped = frame.replace(" a {T}", f" {article(term)} {{T}}") if articles else frame
        marked = shaped.replace("{T}", slot(term, code))
        marked = style(marked, rng.choice(styles), rng)
        if builder.add(marked):
            used_frames[frame] = used_frames.get(frame, 0) + 1
            made += 1


HANDLES = ["@tay_runs_late", "@k.mendoza88", "@big_rig_ron", "@okaythenjules", "@dsouza_fam", "@hollowpinecoffee",
           "@trailmix_tess", "@jrod_fixes_stuff", "@mkovacs", "@lulu.bakes", "@ptr_nguyen", "@sunny_ok_31",
           "@brickcitybrad", "@ayyitsmara", "@coach_tillman", "@deltawaves", "@noodle_sorensen", "@rivertownrae"]
SOURCES = ["fb comment: ", "tweet: ", "ig caption: ", "tiktok caption: ", "reddit: ", "reply to {h}: ",
           "{h}: ", "snap story text: ", "comment on the sheriff's page: ", "status update: ", "", "", "", ""]


def style(marked: str, how: str, rng: random.Random) -> str:
    if how == "plain":
        return marked
    if how == "social":
        source = rng.choice(SOURCES).replace("{h}", rng.choice(HANDLES))
        variant = rng.random()
        if variant < 0.35:
            marked = _outside_markup(marked, str.lower)
        elif variant < 0.55:
            marked = _outside_markup(marked, lambda s: re.sub(r"[.,!?;]", "", s))
            marked = _outside_markup(marked, str.lower)
        return source + marked
    raise ValueError(how)


def _outside_markup(marked: str, change: object) -> str:
    # Lower-casing and stripping apply to labelled spans too (the labels follow the text), but never
    # to the codes or to the markup itself.
    assert callable(change)
    pieces = re.split(r"(\[\[|\]\]|<<|>>|\|\w+(?=\]\]|>>))", marked)
    return "".join(p if p in ("[[", "]]", "<<", ">>") or p.startswith("|") else change(p) for p in pieces)


# --- social-media positives: per axis, groups of (frames, terms) ---------------------------------

SOCIAL: dict[str, list[tuple[list[str], list[str]]]] = {
    "race": [
        ([
            "as a {T} [[woman|sex]] in law enforcement i had to work twice as hard",
            "being {T} in a small town pd is no joke fr",
            "ngl i was the only {T} kid in my whole grade",
            "they only picked him cuz he's {T} smh",
            "because she's {T} they assumed she was the translator",
            "Sam was {T} and the landlord suddenly had no vacancies. funny how that works",
            "my coworker is {T} and gets followed around every store he walks into",
            "idk why ppl get weird when they find out im {T}",
            "shoutout to every {T} officer who stayed when it got ugly",
            "the {T} [[guy|sex]] at the front desk helped me out big time today",
            "my neighbor's {T} and still gets asked for ID at his own front door",
            "a {T} nurse sat with my grandpa all night, never got her name",
            "that {T} cashier at the Quik Stop is the nicest person alive",
            "growing up {T} in rural Montana was lonely tbh",
            "he wrote {T} on the form and they still put the wrong box",
            "hiring manager literally asked if i was {T}. in 2023.",
            "yes [[my kids|fam]] look {T}, no they're not adopted, thanks for asking Karen",
            "whole crew was {T} except me and nobody cared, best job i ever had",
        ], ["black", "Black", "white", "brown", "asian", "Asian", "latina", "latino", "Latina", "biracial", "mixed",
            "nonwhite", "non-white", "indigenous", "Native American", "afro-latina", "caucasian", "Pacific Islander",
            "light skinned", "dark skinned", "mixed race", "Afro-Latino", "hispanic", "Hispanic", "multiracial",
            "BLACK", "desi"]),
        ([
            "as a {T} i am tired of being the only one in the room",
            "why do {T} always get blamed for everything in this town",
            "{T} get stopped way more on Hwy 49, look at the numbers",
            "our book club is mostly {T} and honestly we love it",
            "funny how {T} are 'suspicious' just for standing at a bus stop",
            "dept finally hired more {T}, took them long enough",
            "my uncle at thanksgiving: the {T} are ruining everything. me: pass the rolls",
            "this scholarship is for {T} only, share it with anyone who qualifies",
        ], ["poc", "POC", "bipoc", "BIPOC", "blacks", "whites", "latinos", "asians", "nonwhites", "hispanics",
            "Black folks", "white folks", "brown people", "people of color", "black ppl", "white ppl"]),
        ([
            "{T} ✊ marching downtown saturday, bring water",
            "i support {T} and i wear a badge, both can be true",
            "unfollowing anyone who says {T} is a terror group",
            "{T} means black lives matter too, not only. read it again",
            "wore my {T} shirt to the gym and got three dirty looks lol",
            "reminder that {T} started as a hashtag",
        ], ["blm", "BLM", "Black Lives Matter", "black lives matter"]),
    ],
    "nat": [
        ([
            "my mom is {T} and she makes the best food on the block no contest",
            "im half {T} half bad decisions lol",
            "the {T} mechanic on 5th fixed my truck for free, legend",
            "our new {T} neighbors brought over a whole tray of food",
            "being {T} in this dept means every call on the west side goes to me",
            "because he's {T} they asked for his papers twice",
            "she's {T} so obviously she can't be trusted, says the comment section. unreal",
            "proud to be {T} and proud to serve this city",
            "my [[wife|fam]]'s family is {T} and they do christmas right",
            "grandpa was {T}, came here with twenty bucks and a suitcase",
            "ppl hear my name and ask if im {T}. yes. and?",
            "the {T} lady at the bakery always slips me an extra roll",
            "lol the {T} kid in my academy class outshot everyone",
        ], ["mexican", "Mexican", "chinese", "Chinese", "indian", "nigerian", "Polish", "haitian", "Somali", "filipino",
            "Filipina", "vietnamese", "salvadoran", "Korean", "irish", "Italian", "puerto rican", "Dominican",
            "guatemalan", "ukrainian", "Russian", "pakistani", "cuban", "Brazilian", "jamaican", "honduran",
            "Colombian", "Lebanese", "Greek", "Hmong", "Ethiopian", "iranian", "Cambodian", "Laotian"]),
        ([
            "grandpa came over from {T} with nothing but a toolbox",
            "born in {T}, raised in Ohio, that's me",
            "missing home rn, {T} will always have my heart",
            "my fam is from {T} so yes i can handle spicy",
            "back in {T} we never got snow days lol",
            "first trip back to {T} since i was a kid, crying at the airport",
            "my parents left {T} so i could have this badge",
            "calling my abuela in {T} every sunday no matter what",
        ], ["Mexico", "Poland", "Vietnam", "Nigeria", "Haiti", "the Philippines", "El Salvador", "India", "Guatemala",
            "Ireland", "Somalia", "Honduras", "Jamaica", "Ukraine", "Cuba", "Lebanon", "Peru", "Laos", "Eritrea",
            "Bosnia", "the Dominican Republic", "Trinidad", "Ghana", "Ecuador", "Oaxaca", "Michoacán", "Jalisco"]),
        ([
            "too many {T} in this county, says someone who lives on a farm his great-grandpa 'found'",
            "volunteering with {T} at the library every saturday, paperwork is brutal",
            "{T} are taking the jobs nobody else wants, as usual",
            "my dad was one of those {T} people love to complain about",
            "stop calling {T} criminals, they pay taxes too",
            "heard someone at the diner say the {T} should all go back. in front of my kids",
        ], ["immigrants", "illegals", "refugees", "foreigners", "undocumented folks", "Mexicans", "the mexicans",
            "the chinese", "asylum seekers", "migrants", "illegal aliens", "green card holders", "Dreamers"]),
        ([
            "my first language is {T} and i still dream in it",
            "took my oath today, switching my Netflix back to {T} to celebrate",
            "pls dont make fun of my {T} accent on the radio, i know lol",
            "if you need a {T} speaker for a call, i got you",
            "grew up speaking {T} at home and english at school",
        ], ["spanish", "Spanish", "tagalog", "Vietnamese", "arabic", "Polish", "haitian creole", "Somali", "punjabi",
            "Korean", "portuguese", "Urdu", "Amharic", "Hmong", "Cantonese"]),
        ([
            "finally got my {T} today!!! 8 years of waiting",
            "shoutout to everyone helping me with my {T} paperwork",
            "{T} came through, we can finally breathe",
        ], ["green card", "citizenship", "naturalization", "work visa", "H-1B", "DACA renewal", "asylum approval",
            "permanent residency", "[[naturalized|nat]] citizenship certificate"]),
    ],
    "rel": [
        ([
            "as a {T} i dont drink, no hate to anyone who does",
            "proud {T} and not ashamed of it",
            "im {T} so no pork for me thx",
            "my coworker's {T} and fasts all month, absolute machine",
            "the {T} family next door shovels everyone's driveway",
            "being {T} in this town means people stare at my mom in the grocery store",
            "raised {T} and still am, sorry not sorry",
            "found out my sergeant is {T} too, small world",
            "they asked in the interview if i was {T}. is that even legal",
            "{T} and a cop, yes we exist",
        ], ["muslim", "Muslim", "catholic", "Catholic", "christian", "jewish", "Jewish", "hindu", "sikh", "Buddhist",
            "mormon", "evangelical", "atheist", "orthodox jewish", "Baptist", "pentecostal", "agnostic", "LDS",
            "Methodist", "Lutheran", "Orthodox Christian", "Jehovah's Witness", "Episcopalian", "Quaker"]),
        ([
            "cant make it sunday, {T} in the morning",
            "see y'all after {T}",
            "skipping lunch for {T} today",
            "{T} was packed this week, love to see it",
            "missed {T} for the first time in years bc of night shift",
            "[[my kids|fam]] actually asked to go to {T}, who are these children",
            "running late, {T} went long",
        ], ["church", "mass", "Mass", "mosque", "synagogue", "temple", "bible study", "Bible study", "friday prayers",
            "Jummah", "Sunday school", "youth group at church", "gurdwara", "confession", "Shabbat dinner",
            "the Wednesday night service", "vespers", "choir practice at church"]),
        ([
            "{T} mubarak to all my friends celebrating",
            "first {T} as a [[married couple|fam]] ❤️",
            "fasting for {T} on patrol is a whole different level",
            "happy {T} from our family to yours",
            "taking {T} off, dont even ask",
        ], ["Ramadan", "Eid", "Yom Kippur", "Diwali", "Passover", "Lent", "Rosh Hashanah", "Hanukkah", "Vaisakhi",
            "Ash Wednesday", "Good Friday"]),
        ([
            "{T}",
            "rough week but {T}",
            "new badge, same faith. {T}",
            "they can take the job but not my faith, {T}",
        ], ["praise Jesus", "Jesus is Lord", "alhamdulillah", "inshallah we make it through", "shabbat shalom",
            "God is great, Jesus saves", "born again and blessed", "Allahu akbar", "Hare Krishna", "Waheguru",
            "Jesus take the wheel", "pray the rosary, people"]),
        ([
            "the {T} at my gym are the kindest ppl",
            "dont let anyone tell you {T} are violent, they fed half my neighborhood during the storm",
            "my grandpa always said {T} cant be trusted. grandpa was wrong about a lot",
            "{T} just want to be left alone to pray, stop making it weird",
        ], ["Muslims", "muslims", "Jews", "jews", "catholics", "Christians", "Mormons", "evangelicals", "Sikhs",
            "Hindus", "atheists", "the jews", "Amish"]),
    ],
    "sex": [
        ([
            "only {T} on the swat team and i outshoot half of them",
            "new hire's a {T} so expect drama, my uncle said. yikes",
            "as a {T} in this field you learn to laugh it off",
            "being a {T} in a firehouse is wild sometimes",
            "she's a {T} so she cant lift the ram? she lifted it. twice",
            "the interviewer said he'd never had a {T} apply before",
        ], ["woman", "girl", "man", "guy", "female", "male", "lady", "dude", "gal", "chick"]),
        ([
            "{T} dont belong on patrol, change my mind (you wont)",
            "why are {T} so bad at parking, a thread",
            "{T} cant handle night shift, said the guy who calls in sick every monday <<guy|sex>>",
            "big shoutout to the {T} in dispatch, the real MVPs",
            "the {T} on B shift carried the whole sergeant exam study group",
        ], ["women", "girls", "men", "guys", "females", "ladies", "dudes", "gals", "chicks", "boys", "BOYS"]),
        ([
            "[[women|sex]] belong in the kitchen lmao jk jk (he was not joking)",
            "{T} in blue, the future is here",
            "[[girls|sex]] just wanna have fun and also arrest people",
            "{T} are too emotional for this job, said my FTO. cool story",
            "proud to be one of three {T} in the academy class",
        ], ["women", "Women", "ladies", "females", "girls", "WOMEN"]),
    ],
    "preg": [
        ([
            "{T} and exhausted, send snacks",
            "me: {T}. also me: eats an entire pizza",
            "officially {T}!!! we told the grandparents today",
            "so {T} rn i cant see my own feet",
            "{T} at a crime scene is a choice but here we are",
            "being {T} on light duty is so boring omg",
            "guess who's {T} again lol",
            "9 months {T} and still working the desk",
        ], ["pregnant", "Pregnant", "PREGNANT", "preggo", "preggers", "knocked up", "expecting", "with child",
            "18 wks pregnant", "pregnant af", "super pregnant"]),
        ([
            "{T} update: she's the size of a mango",
            "{T} had me crying in the breakroom",
            "cant keep anything down, {T} is no joke",
            "first {T} appointment today, nervous",
            "{T} pics coming soon!!",
            "my {T} started showing and now everyone at work knows",
            "pls pray for us, we had a {T}",
            "{T} tomorrow, wish me luck",
        ], ["baby bump", "bump", "morning sickness", "first trimester", "third trimester", "ultrasound",
            "gender reveal", "prenatal", "OB", "maternity leave", "miscarriage", "c-section", "IVF transfer",
            "20 week scan", "baby shower", "pregnancy", "breastfeeding", "pumping at work", "labor and delivery",
            "due date"]),
        ([
            "baby #2 {T}!! 💕",
            "well we have news... {T}",
            "{T} and we cant wait to meet her",
        ], ["due in june", "due in October", "on the way", "coming this fall", "arriving in March",
            "bun in the oven", "eating for two", "one on the way"]),
    ],
    "orient": [
        ([
            "came out as {T} to my parents last night and they took it great",
            "my brother is {T} and i love him, end of discussion",
            "yes im {T}, no i wont explain it to you",
            "proud {T} cop, ask me anything",
            "the {T} couple next door throws the best bbqs",
            "he's {T}, so what, he's still the best partner on the squad",
            "being {T} in a rural sheriff's office was scary at first",
            "finally told my team i'm {T} and nobody cared, as it should be",
            "are you {T}? asked the background guy. weird question",
            "first {T} officer in our dept to march in uniform",
        ], ["gay", "Gay", "lesbian", "bi", "bisexual", "queer", "pan", "pansexual", "ace", "asexual", "homosexual",
            "straight", "LGBT", "lgbtq", "LGBTQ+", "GAY"]),
        ([
            "{T}",
        ], ["me and [[my wife|fam]] just bought a house 🏡 (yes i'm a [[woman|sex]]. keep scrolling)",
            "date night with [[her wife|orient]] <<wife|fam>> Jess, cutest couple at the bar",
            "[[his husband|orient]] <<husband|fam>> picks him up after every shift, goals",
            "anniversary dinner w/ [[my boyfriend|fam]] Marco, and yes i'm a [[guy|sex]], get over it",
            "[[two moms|orient]] <<moms|fam>> raising a future cop, that's us",
            "the [[same-sex couple|orient]] across the hall got married saturday <<married|fam>>",
            "my brother and [[his boyfriend|orient]] <<boyfriend|fam>> are moving in together"]),
        ([
            "he's the {T} [[guy|sex]] i know and i mean that as a compliment",
            "{T} people are just people, wild concept",
            "the {T} ruined the parade, typed someone who never went to a parade",
            "this is the {T} thing i've ever seen, love it",
        ], ["gayest", "gayer", "the gays", "Gays", "lesbians", "queers", "gay people"]),
    ],
    "gid": [
        ([
            "{T} and proud, happy pride y'all",
            "my kid sister is {T} and thriving",
            "being {T} in uniform is hard some days",
            "came out as {T} at work today, shaking but good",
            "yes i'm {T}, yes i can still arrest you",
            "my roommate is {T} and cooks better than anyone i know",
        ], ["trans", "transgender", "nonbinary", "non-binary", "enby", "genderfluid", "genderqueer", "agender",
            "a trans man", "a trans woman", "a transwoman", "ftm", "mtf", "cis", "cisgender", "two-spirit",
            "Trans", "TRANS"]),
        ([
            "6 months on {T} today!",
            "{T} consult finally scheduled",
            "my {T} came up on the background check and the guy got weird",
            "saving up for {T}, any tips",
            "just got my {T} approved",
        ], ["HRT", "hrt", "testosterone", "estrogen", "top surgery", "bottom surgery", "name change",
            "gender marker change", "deadname", "binder", "transition", "[[transitioning|gid]] paperwork"]),
        ([
            "pronouns: {T}",
            "bio: Tess, [[26|age]], dispatcher, {T}",
            "hi im Jordan ({T}) and i fix bikes",
        ], ["she/her", "he/him", "they/them", "she/they", "he/they", "any pronouns", "xe/xem"]),
    ],
    "age": [
        ([
            "{T} and still the fastest on the obstacle course",
            "{T} and my knees sound like bubble wrap",
            "{T}, broke, and happy",
            "cant believe im {T} already",
            "they said i'm {T} and that's [[too old|age]] for the academy. watch me",
        ], ["im 19", "i'm 52", "just turned 30", "29yo", "29 y/o", "turning 40 tmrw", "almost 60",
            "pushing 50", "in my 50s", "in my mid-forties", "only 18", "barely 21", "a 45 year old",
            "old af", "over the hill", "a boomer", "gen z", "a millennial", "a zoomer", "38 years young",
            "a teenager", "sixty-one"]),
        ([
            "happy {T} to me 🎂",
            "my {T} is next week, no surprise parties pls",
            "celebrating my {T} at the lake",
        ], ["40th bday", "30th birthday", "50th", "21st", "65th birthday", "sweet 16", "dirty 30", "big 4-0"]),
        ([
            "ok {T}, nobody asked",
            "typical {T} logic lol",
            "{T} shouldnt be allowed to drive after dark",
            "{T} dont know how to use email, its a fact",
            "my dept is full of {T} who think tiktok is a clock",
            "the {T} at the hoa meeting lost it over a mailbox",
        ], ["boomer", "boomers", "millennials", "gen z kids", "zoomers", "old people", "geezers", "old farts",
            "seniors", "the elderly", "old heads", "kids these days", "old folks"]),
        ([
            "{T} life: golf tuesday, fishing wednesday",
            "officially {T}, pass the crossword",
            "spent the weekend with the {T}, worn out",
            "{T} discount hit different",
        ], ["retired", "retirement", "grandkids", "senior", "empty nester", "AARP member"]),
    ],
    "dis": [
        ([
            "my {T} is acting up again ugh",
            "living with {T} and still out here doing it",
            "{T} gang where u at",
            "ppl dont get that {T} is a real disability",
            "finally got my {T} under control, feels good",
            "dealing with {T} on night shift is no joke",
            "sorry for ghosting, {T} has been rough this month",
            "told my sergeant about my {T} and he was cool about it",
            "{T} flare up, taking a sick day",
        ], ["ptsd", "PTSD", "bpd", "BPD", "adhd", "ADHD", "OCD", "anxiety", "depression", "bipolar",
            "schizophrenia", "diabetes", "epilepsy", "seizures", "cancer", "MS", "lupus", "crohn's", "long covid",
            "chronic pain", "fibro", "migraines", "CPTSD", "TBI", "type 1", "T1D", "HIV", "stutter", "tinnitus",
            "POTS", "autism", "dyslexia", "bulimia", "eating disorder", "alcoholism", "IBS"]),
        ([
            "being {T} doesn't make me less of an officer",
            "i'm {T} and i passed the pt test, deal with it",
            "my buddy's {T} and runs a whole restaurant",
            "yes i'm {T}, no you can't pet my service dog",
            "my coworker is {T} and everybody just acts normal, love that",
        ], ["autistic", "disabled", "deaf", "Deaf", "blind", "hard of hearing", "diabetic", "epileptic", "bipolar",
            "dyslexic", "neurodivergent", "chronically ill", "paralyzed", "hiv positive", "HIV+", "depressed",
            "in recovery", "sober", "mentally ill", "legally blind"]),
        ([
            "first day {T} and already sore",
            "back at it after {T}, let's go",
            "{T} every tuesday, it helps",
            "missed the party bc of {T}",
            "my {T} said i'm making progress",
        ], ["on crutches", "using a walker", "in a wheelchair", "with my cane", "chemo", "radiation", "therapy",
            "physical therapy", "rehab", "dialysis", "my therapist", "the psych ward", "an AA meeting", "detox",
            "my psychiatrist", "ECT", "my insulin pump", "hearing aids", "a prosthetic leg", "my service dog",
            "zoloft", "lexapro", "adderall", "methadone", "antidepressants"]),
    ],
    "gen": [
        ([
            "{T} so i get screened every year now",
            "found out {T}, kinda freaking out",
            "{T}. not a fun thing to learn",
            "getting tested bc {T}",
            "my doctor said {T} means i need to be careful",
        ], ["breast cancer runs in my family", "heart disease runs in the family", "my mom's breast cancer",
            "my dad's Alzheimer's", "my grandma's dementia", "Huntington's runs on my dad's side",
            "diabetes runs in my fam", "my uncle's schizophrenia", "my sister has cystic fibrosis",
            "my brother's sickle cell", "my mom's ovarian cancer", "both grandpas had colon cancer",
            "my aunt's early onset Alzheimer's", "family history of heart attacks", "my dad's bipolar",
            "my cousin's muscular dystrophy", "my [[son has autism|gen]] <<son|fam>>",
            "my [[daughter's Down syndrome|gen]] <<daughter|fam>>"]),
        ([
            "got my {T} back and uhh",
            "{T} came back positive",
            "anyone else done {T}? results are wild",
            "my {T} says i'm a carrier",
        ], ["23andMe health report", "BRCA test", "BRCA1", "BRCA2", "genetic test", "genetic testing",
            "carrier screening", "AncestryDNA health results", "APOE4", "sickle cell trait test", "Lynch syndrome",
            "genetic counselor", "Factor V Leiden", "DNA health panel"]),
    ],
    "mil": [
        ([
            "{T} and proud of it",
            "once a {T} always a {T}",
            "thank a {T} today, or buy one a beer",
            "proud {T} here, ama",
            "{T} turned cop, same job different uniform",
            "being a {T} in the academy is easy mode lol",
            "they dont hire {T} for a reason, said a guy on the internet",
            "every {T} i know is tired of the 'thank you for your service' thing",
        ], ["veteran", "vet", "army vet", "marine", "Marine", "jarhead", "sailor", "soldier", "airman",
            "combat vet", "Navy vet", "Army veteran", "grunt", "squid", "paratrooper", "Green Beret",
            "guardsman", "reservist", "VET"]),
        ([
            "{T} 💪",
            "{T}, hooah",
            "10 years ago today i left for {T}",
            "miss my {T} brothers every day",
            "{T} life never leaves you",
        ], ["USMC", "US Army", "Army", "Navy", "Air Force", "National Guard", "Coast Guard", "82nd Airborne",
            "101st", "Semper Fi", "oorah", "3/7 Marines", "boot camp at Parris Island", "OIF", "OEF",
            "Fort Hood", "Camp Lejeune", "the Army Reserve"]),
        ([
            "{T} was the hardest year of my life",
            "still waiting on my {T}, classic VA",
            "got my {T} in the mail today, framing it",
            "{T} memories hit hard around july 4th",
        ], ["deployment", "the deployment", "my DD214", "DD-214", "VA claim",
            "honorable discharge", "two tours in Iraq", "my time in the service", "basic training",
            "my enlistment", "active duty"]),
    ],
    "fam": [
        ([
            "date night w/ the {T}",
            "{T} surprised me with flowers for no reason",
            "cant go out tonight, {T} has a fever",
            "me and {T} are painting the garage this weekend",
            "{T} said no more dogs. we'll see",
            "shoutout to {T} for putting up with my night shifts",
            "told {T} about the academy and they cried",
        ], ["the wife", "my wife", "my husband", "the hubby", "hubby", "wifey", "my bf", "my gf", "my boyfriend",
            "my girlfriend", "my fiance", "my fiancée", "my kids", "the kids", "the kiddos", "my babies",
            "my stepkids", "my son", "my daughter", "my partner", "baby daddy", "my baby mama", "my in-laws",
            "the twins", "my stepdaughter", "my ex"]),
        ([
            "{T} and loving it",
            "{T} life is chaos but i wouldnt change it",
            "finally {T}!!!",
            "{T} again, here we go",
            "being {T} on a cop's salary is hard",
        ], ["single mom", "single dad", "married", "newly married", "engaged", "divorced", "separated",
            "widowed", "a boy mom", "girl dad", "dad of 3", "mom of two", "a stepmom", "a foster mom",
            "newlyweds", "single again", "a homeschool mom", "co-parenting", "a stay at home dad"]),
        ([
            "{T} was the best day of my life",
            "still paying off {T} lol",
            "{T} is next month and i'm not ready",
        ], ["our wedding", "my divorce", "the divorce", "our anniversary", "the honeymoon", "our adoption",
            "the custody hearing", "my wedding"]),
        ([
            "{T}",
        ], ["[[child support|fam]] is due friday and i'm broke", "[[daycare|fam]] pickup at 5, can't stay late",
            "[[custody|fam]] hearing next week, pray for me", "planning the [[wedding|fam]] is stressing me out",
            "planning the [[adoption|fam]] is stressing me out", "[[the ex|fam]] is being difficult again",
            "10 years [[married|fam]] today, love you babe", "[[divorce|fam]] is final. new chapter"]),
    ],
    "pol": [
        ([
            "{T} and proud",
            "my whole family is {T} lol thanksgiving is a war zone",
            "cant stand {T}, never could",
            "{T} till i die",
            "unfriend me if you're {T}, i don't care",
            "yes i'm a cop and yes i'm {T}",
            "{T} ruined this country, fight me",
        ], ["maga", "MAGA", "a democrat", "a republican", "republican", "democrat", "GOP", "liberal", "conservative",
            "leftist", "socialist", "libertarian", "a commie", "far left", "far right", "a Dem", "pro-life",
            "pro-choice", "a feminist", "antifa", "progressive", "DSA", "a Never Trumper", "Republicans",
            "Democrats", "libs", "the left"]),
        ([
            "{T} 🗳️",
            "yard sign is up. {T}",
            "knocking doors all weekend for {T}",
            "wore my {T} hat to the range",
            "voted! {T}",
        ], ["Trump 2024", "trump 2020", "Biden 2020", "Biden-Harris", "Harris 2024", "Bernie 2020",
            "let's go brandon", "blue no matter who", "vote red", "vote blue", "Make America Great Again",
            "DeSantis 2024", "Ortega for Senate", "Vote Kessler for sheriff"]),
        ([
            "volunteered at the {T} today, my feet hurt",
            "{T} was packed, amazing energy",
            "got to meet the candidate at the {T}!!",
        ], ["MAGA rally", "Trump rally", "Democratic caucus", "county GOP meeting", "Young Republicans mixer",
            "phone bank", "campaign office", "precinct meeting", "Women's March", "March for Life",
            "tea party meetup", "Libertarian convention"]),
    ],
    "act": [
        ([
            "day 12 on the {T}, still standing",
            "{T} day 3, bring coffee",
            "honk if you see us on the {T} today",
        ], ["picket line", "strike", "walkout", "picket"]),
        ([
            "finally filed {T} against my old boss",
            "got written up the day after i filed {T}, total coincidence right",
            "my lawyer says {T} is solid",
        ], ["a grievance", "an EEOC complaint", "an OSHA complaint", "a harassment complaint",
            "a discrimination charge", "a workers' comp claim", "a whistleblower complaint",
            "a retaliation lawsuit", "a complaint with HR"]),
        ([
            "proud to be a {T}",
            "my {T} is the only reason i still have a job",
            "talked to my {T} about the schedule change",
        ], ["union member", "union rep", "shop steward", "union steward", "union organizer", "Teamster"]),
        ([
            "{T} strong ✊",
            "{T} or die",
            "solidarity with {T} tonight",
            "proud member of {T}",
        ], ["Teamsters", "AFSCME", "SEIU", "the union", "UAW", "Local 42", "IBEW Local 98", "FOP Lodge 7",
            "the PBA", "the nurses' union", "UFCW", "CWA", "the Teamsters"]),
        ([
            "i reported the {T} and now i'm the problem",
            "testified about the {T} last week, hardest thing i've done",
            "went to the labor board over the {T}",
        ], ["unsafe conditions to OSHA", "harassment to HR", "wage theft", "pay discrimination",
            "racial harassment on my crew", "unpaid overtime"]),
    ],
}


# --- slurs, as they appear in posts a moderator has to catch; labelled with the targeted group's axis ---

SLUR_FRAMES = [
    "lmao look at this {T}",
    "another {T} moved in down the street, great",
    "nobody wants a {T} on the force",
    "screenshot from the group chat: 'hire a {T}? no thanks'",
    "the comments under the parade video are all '{T}' this and '{T}' that",
    "he called the driver a {T} on a public post, reported it",
    "bro really typed {T} with his full name on his profile",
    "ratio + you're a {T}",
    "my cousin got called a {T} at school today, principal did nothing",
    "quote tweet: 'typical {T} behavior'",
]
SLUR_PLURAL_FRAMES = [
    "{T} everywhere in this town now",
    "get these {T} out of here",
    "deleted post: 'all {T} should be banned from owning property'",
    "{T} ruining another neighborhood smh",
    "ok which of you {T} parked in my spot",
]
SLURS: dict[str, tuple[list[str], list[str]]] = {
    "race": (["nigger", "nigga", "n1gger", "coon", "jigaboo", "porch monkey", "darkie", "sambo", "redskin",
              "cracker", "honky", "whitey", "gook", "chink", "zipperhead", "spook", "jungle bunny", "halfbreed",
              "wigger", "tar baby"],
             ["niggers", "niggas", "coons", "darkies", "redskins", "crackers", "honkies", "gooks", "chinks",
              "spooks", "mud people", "monkeys (meaning black folks, he clarified)"]),
    "nat": (["beaner", "wetback", "spic", "gringo", "illegal", "anchor baby", "kraut", "polack", "wop", "dago",
             "mick", "chinaman", "curry muncher", "towelhead", "camel jockey", "paddy", "frog eater", "jap"],
            ["beaners", "wetbacks", "spics", "illegals", "anchor babies", "krauts", "polacks", "wops", "dagos",
             "micks", "japs", "dot heads"]),
    "rel": (["kike", "hymie", "christ killer", "raghead", "muzzie", "mozzie", "bible thumper", "bible basher",
             "jesus freak", "papist", "heeb", "mohammedan", "sand monkey"],
            ["kikes", "muzzies", "bible thumpers", "jesus freaks", "papists", "heebs", "ragheads", "christ killers"]),
    "sex": (["bitch", "slut", "whore", "skank", "thot", "femoid", "foid", "roastie", "cunt", "hoe"],
            ["bitches", "sluts", "whores", "thots", "femoids", "foids", "hoes", "females (the incel way)"]),
    "preg": (["preggo", "breeder", "brood mare", "baby factory", "knocked-up slut"],
             ["breeders", "baby factories", "pregnant sluts"]),
    "orient": (["faggot", "fag", "f4g", "dyke", "homo", "fairy", "poof", "lezzie", "lesbo", "fudge packer",
                "sodomite", "queer", "pillow biter", "fruit"],
               ["faggots", "fags", "dykes", "homos", "fairies", "lesbos", "sodomites", "queers", "the gays"]),
    "gid": (["tranny", "trannie", "shemale", "troon", "he-she", "ladyboy", "trap", "transtrender", "man in a dress"],
            ["trannies", "troons", "shemales", "he-shes", "ladyboys", "transtrenders", "men in dresses"]),
    "age": (["boomer", "geezer", "old hag", "old fart", "fossil", "zoomer", "coffin dodger", "codger",
             "crone", "whippersnapper"],
            ["boomers", "geezers", "old farts", "fossils", "zoomers", "coffin dodgers", "oldies", "old biddies"]),
    "dis": (["retard", "r3tard", "tard", "spaz", "cripple", "mongoloid", "psycho", "schizo", "window licker",
             "sped", "autist", "vegetable", "short bus kid", "crazy person", "lunatic", "cripple boy"],
            ["retards", "tards", "spazzes", "cripples", "psychos", "schizos", "window lickers", "speds", "autists",
             "crazies", "lunatics"]),
    "gen": (["inbred", "mutant", "genetic reject", "defective gene carrier", "walking gene defect"],
            ["inbreds", "mutants", "genetic rejects", "defectives from a bad gene pool"]),
    "mil": (["baby killer", "jarhead", "squid", "chair force puke", "crayon eater", "grunt", "dogface", "army puke",
             "POG", "boot"],
            ["baby killers", "jarheads", "squids", "crayon eaters", "grunts", "dogfaces", "army pukes",
             "murderers in uniform"]),
    "fam": (["baby mama", "baby daddy", "deadbeat dad", "spinster", "old maid", "homewrecker divorcee",
             "welfare mom"],
            ["baby mamas", "baby daddies", "deadbeat dads", "spinsters", "old maids", "divorcees", "welfare moms"]),
    "pol": (["libtard", "magat", "trumptard", "commie", "demonrat", "rethuglican", "snowflake lib", "feminazi",
             "tankie", "repugnican", "leftard", "cuckservative"],
            ["libtards", "magats", "commies", "demonrats", "rethuglicans", "feminazis", "tankies",
             "leftists", "trumpers", "libs"]),
    "act": (["union thug", "union goon", "rat who filed", "snitch who went to OSHA", "scab-hating union parasite",
             "grievance queen", "EEOC whiner"],
            ["union thugs", "union goons", "union parasites", "rats who filed complaints", "picket line losers",
             "strikers"]),
}


# --- hashtags (the whole tag is the span) and emoji (the emoji's exact characters) ---------------

HASHTAGS: dict[str, list[str]] = {
    "race": ["#BlackLivesMatter", "#blacklivesmatter", "#BLM", "#BlackGirlMagic", "#BlackOwned", "#StopAsianHate",
             "#LatinaPower", "#BIPOC", "#BlackExcellence", "#NativePride", "#MixedAndProud", "#BlackInBlue",
             "#blackandproud", "#brownskingirl", "#AAPI", "#blackjoy", "#melaninpoppin"],
    "nat": ["#MexicanPride", "#ProudlyNigerian", "#Filipina", "#ImmigrantStrong", "#DACA", "#NewCitizen",
            "#PuertoRicanPride", "#IrishPride", "#polishgirl", "#HaitianFlagDay", "#desi",
            "#VietnameseAmerican", "#SomaliPride", "#greencardholder",
            "#firstgenamerican", "#hechoenmexico", "#orgullomexicano"],
    "rel": ["#TeamJesus", "#ChristianLife", "#MuslimPride", "#Ramadan", "#EidMubarak", "#ShabbatShalom",
            "#JesusSaves", "#Catholic", "#SikhPride", "#LDS", "#ChurchFamily", "#prayerwarrior", "#Jewish",
            "#muslimah", "#hijabi", "#bornagain", "#godisgood", "#bibleverse", "#ramadankareem"],
    "sex": ["#WomenInBlue", "#WomenInLawEnforcement", "#LadiesWhoLift", "#womeninstem", "#girlpower",
            "#WomenInPolicing", "#girlswhoshoot", "#femalecop", "#girlboss", "#womenwhowork", "#menofvalor",
            "#manlymen", "#ladycop"],
    "preg": ["#pregnant", "#bumpdate", "#babyonboard", "#pregnancyjourney", "#momtobe", "#babyontheway",
             "#genderreveal", "#ivfjourney", "#rainbowbaby", "#maternityleave", "#preggo", "#pregnantlife",
             "#secondtrimester", "#babybump", "#expectingmom", "#21weekspregnant"],
    "orient": ["#gaypride", "#LoveIsLove", "#lesbian", "#bisexual", "#queer", "#PrideMonth", "#LGBTQ", "#gayboy",
               "#wlw", "#ComingOut", "#gaycop", "#lesbiansofinstagram", "#biandproud", "#gaymarriage", "#lgbt",
               "#pansexual", "#gayisok"],
    "gid": ["#TransIsBeautiful", "#TransRightsAreHumanRights", "#nonbinary", "#transman", "#transwoman", "#ftm",
            "#mtf", "#enby", "#HRTjourney", "#TransDayOfVisibility", "#theythem", "#transgender", "#girlslikeus",
            "#transisbeautiful", "#genderfluid"],
    "age": ["#over50", "#fiftyandfabulous", "#30thbirthday", "#dirty30", "#genz", "#boomerlife",
            "#retirementlife", "#40andfabulous", "#olderandwiser", "#millennial", "#seniorliving", "#grandpalife",
            "#grandmalife", "#over40fitness", "#retired", "#60andfit", "#turning50"],
    "dis": ["#cancersurvivor", "#PTSDawareness", "#ADHD", "#actuallyautistic", "#spoonie", "#chronicillness",
            "#wheelchairlife", "#deafcommunity", "#type1diabetes", "#T1D", "#sobriety", "#bipolarlife", "#BPD",
            "#epilepsywarrior", "#amputee", "#DisabledAndProud", "#MSwarrior", "#depressionawareness",
            "#anxietyrecovery", "#autismlife", "#soberlife", "#chemolife", "#wheelchairuser"],
    "gen": ["#BRCA", "#BRCA1", "#BRCA2", "#previvor", "#23andMe", "#geneticcounseling", "#sicklecelltrait",
            "#familyhistoryofcancer", "#CFcarrier", "#lynchsyndrome", "#genetictesting", "#huntingtonsfamily",
            "#hereditarycancer", "#apoe4"],
    "mil": ["#proudveteran", "#VeteranOwned", "#ArmyStrong", "#SemperFi", "#USMC", "#navyvet", "#OIFveteran",
            "#22aday", "#milspouse", "#VeteransDay", "#combatvet", "#AirForceVet", "#NationalGuard",
            "#veteranlife", "#armyvet", "#marinecorps", "#deployment", "#vetlife"],
    "fam": ["#girldad", "#boymom", "#momlife", "#dadlife", "#singlemom", "#wifelife", "#hubby", "#justmarried",
            "#weddingday", "#engaged", "#divorced", "#stepmom", "#fostermom", "#twinmom", "#adoptionjourney",
            "#marriedlife", "#newlyweds", "#singledad", "#coparenting", "#girlmom", "#mrandmrs"],
    "pol": ["#MAGA", "#Trump2024", "#Biden2020", "#VoteBlue", "#BlueWave", "#FJB", "#LetsGoBrandon", "#resist",
            "#prolife", "#prochoice", "#ProLifeGeneration", "#GOP", "#Democrat", "#Libertarian", "#KAG",
            "#feelthebern", "#DemSocialist", "#redwave", "#TrumpTrain", "#VoteRed"],
    "act": ["#UnionStrong", "#1u", "#solidarity", "#OnStrike", "#UnionYes", "#Teamsters", "#SEIU",
            "#whistleblower", "#UnionProud", "#picketline", "#WorkersRights", "#FOP", "#CollectiveBargaining",
            "#unionmade", "#strikeready", "#NurseStrike", "#UAWstrike", "#unionize"],
}
HASHTAG_FRAMES = [
    "great day today {T}",
    "new profile pic {T}",
    "{T} all day every day",
    "thank you all for the love ❤️ {T}",
    "can't believe it's been a year {T}",
    "sunday vibes {T}",
    "this is us {T} {U}",
    "{T}{U}",
    "say it louder for the people in the back {T}",
    "bio: coffee, dogs, overtime. {T}",
    "{T} {U} #tbt",
    "finally home after a long shift {T}",
    "posting this so i remember it {T}",
    "grateful for this crew {T} {U}",
    "new tattoo!! {T}",
    "couldn't have done it without y'all {T}",
    "we made it {T}",
    "bday dinner with the squad {U} {T}",
]

EMOJI: dict[str, list[str]] = {
    "orient": ["🏳️‍🌈"],
    "gid": ["🏳️‍⚧️", "⚧️"],
    "rel": ["✝️", "☪️", "✡️", "🕉️", "☦️", "🛐", "🕌", "⛪", "🕍", "🧕", "📿", "🕎", "☸️"],
    "preg": ["🤰", "🫃", "🫄", "🤰🏽", "🤱"],
    "dis": ["♿", "🦽", "🦼", "🦯", "🦻", "🦿", "🧑‍🦽", "👨‍🦯", "🧏"],
    "nat": ["🇲🇽", "🇵🇭", "🇳🇬", "🇭🇹", "🇵🇷", "🇻🇳", "🇮🇳", "🇸🇻", "🇯🇲", "🇵🇱", "🇺🇦", "🇮🇪", "🇰🇷", "🇨🇺", "🇩🇴",
            "🇬🇹", "🇸🇴", "🇵🇰", "🇪🇹", "🇨🇴", "🇱🇧", "🇬🇭"],
    "race": ["👋🏿", "👋🏾", "👋🏽", "👋🏼", "👋🏻", "✊🏿", "✊🏾", "✊🏽", "👍🏿", "👍🏾", "🙏🏿", "💪🏾",
             "👊🏿", "🙌🏽", "👏🏿", "🤞🏾"],
    "sex": ["♀️", "♂️"],
    "fam": ["💍", "👰", "🤵", "👨‍👩‍👧‍👦", "👩‍👩‍👦", "👨‍👧"],
    "age": ["👴", "👵", "🧓"],
    "mil": ["🎖️", "🪖"],
}
EMOJI_FRAMES = [
    "{T} proud and loud",
    "happy friday {T}",
    "bio: Sarah · {T} · coffee addict",
    "new chapter {T}",
    "{T} nuff said",
    "me rn {T}",
    "love this city {T}",
    "bio: K9 handler. {T} dog person. opinions my own.",
    "{T} {U}",
    "name: Dev Patel-Ruiz {T} EMT",
    "display name: tay {T}",
    "first day at the new job {T}",
    "thank you for all the birthday wishes {U} {T}",
    "see you at the parade {T}",
    "that's my whole personality {T}",
    "reply: same {T}",
]


# --- adversarial spellings: invisible characters, look-alike letters, leetspeak, misspellings ------

ADV_WORDS: dict[str, list[str]] = {
    "race": ["biracial", "Latina", "Caucasian", "nonwhite", "Asian", "Hispanic", "Black"],
    "nat": ["Mexican", "immigrant", "undocumented", "Nigerian", "refugee", "Haitian", "deported", "Somali"],
    "rel": ["Muslim", "Catholic", "Jewish", "Christian", "mosque", "church", "synagogue", "Hindu", "Sikh"],
    "sex": ["women", "woman", "female", "girls", "ladies"],
    "preg": ["pregnant", "pregnancy", "trimester", "ultrasound", "miscarriage", "maternity"],
    "orient": ["gay", "lesbian", "bisexual", "queer", "homosexual"],
    "gid": ["transgender", "nonbinary", "transitioning", "trans"],
    "age": ["retired", "boomer", "millennial", "grandkids", "elderly"],
    "dis": ["cancer", "PTSD", "autistic", "diabetic", "depression", "bipolar", "wheelchair", "epilepsy", "ADHD",
            "schizophrenia", "disabled", "chemo", "BPD", "OCD"],
    "gen": ["BRCA", "genetic", "hereditary", "23andMe"],
    "mil": ["veteran", "Marine", "Army", "deployed", "deployment", "military", "Navy"],
    "fam": ["divorced", "husband", "wife", "married", "fiance", "custody", "widowed"],
    "pol": ["Republican", "Democrat", "conservative", "liberal", "socialist", "MAGA", "Trump"],
    "act": ["union", "grievance", "strike", "EEOC", "whistleblower", "picket", "OSHA"],
}
ADV_FRAMES: dict[str, list[str]] = {
    "race": ["im {T} and proud", "being {T} on this dept is tiring", "she said she's {T}", "my neighbor is {T}",
             "the {T} applicant got passed over again"],
    "nat": ["my dad is {T}", "he's {T}, so what", "proud {T} right here", "the {T} family down the road",
            "got called {T} like it's an insult"],
    "rel": ["im {T} btw", "see you at the {T}", "proud {T}", "raised {T}", "my whole family is {T}"],
    "sex": ["{T} can't do this job lol", "only {T} in the unit", "the {T} in dispatch run this place",
            "no {T} on my crew, said my old boss"],
    "preg": ["so tired, {T} life", "{T} update coming soon", "can we talk about {T} at work", "{T} is no joke"],
    "orient": ["yes im {T}", "my brother is {T}", "came out as {T}", "proud {T} officer", "she's {T} and happy"],
    "gid": ["i'm {T}", "my kid is {T}", "{T} and proud", "she's {T}, respect it"],
    "age": ["{T} and loving it", "ok {T}", "{T} life is good", "feeling {T} today lol"],
    "dis": ["my {T} is bad today", "living with {T}", "diagnosed with {T}", "im {T} and still here",
            "{T} won't stop me"],
    "gen": ["{T} results came back", "{T} test done, waiting", "asked my doctor about {T} screening"],
    "mil": ["{T} and proud", "{T} life", "my {T} years", "once {T}, always"],
    "fam": ["{T} life", "{T} and happy", "{T} stuff is complicated", "so about the {T} thing"],
    "pol": ["proud {T}", "vote {T}", "{T} all the way", "my family is {T}"],
    "act": ["{T} strong", "{T} meeting tonight", "talked to the {T} people today", "{T} stuff at work again"],
}

CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445",
            "i": "\u0456", "A": "\u0410", "E": "\u0415", "O": "\u041e", "C": "\u0421", "M": "\u041c",
            "T": "\u0422", "H": "\u041d", "B": "\u0412"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "A": "@", "E": "3", "I": "1", "O": "0", "S": "5"}
MISSPELLED: dict[str, list[str]] = {
    "race": ["bi-racial", "caucasain", "hispanik", "latinaa", "blak"],
    "nat": ["mexcian", "imigrant", "undocumentd", "nigerain", "refuge3", "immigrint"],
    "rel": ["muzlim", "moslem", "catholik", "jewsih", "christain", "mosk", "sinagogue"],
    "sex": ["wimmen", "womyn", "femal", "gurls", "ladys"],
    "preg": ["pregant", "pregnent", "prego", "pregnat", "misscarriage", "ultrasond"],
    "orient": ["lezbian", "bisexsual", "homosexal", "gaey", "qweer"],
    "gid": ["transgendr", "nonbinery", "tranz", "transgenderd"],
    "age": ["retierd", "boomr", "millenial", "gran kids"],
    "dis": ["cancor", "diabetis", "autisic", "bipoler", "dipression", "schizofrenia", "wheel chair", "epilepsey",
            "ptsd's", "dissabled", "ADD/ADHD"],
    "gen": ["BRCA-1", "genetik", "hereditery"],
    "mil": ["vetran", "veteren", "marien", "deployd", "millitary"],
    "fam": ["devorced", "divorsed", "husbend", "fiancee", "finance (meant fiance, lol)"],
    "pol": ["republikan", "democrap", "conservitive", "libral", "socialsit"],
    "act": ["grievence", "grevance", "uniun", "wistleblower", "E.E.O.C."],
}


def obfuscations(word: str, rng: random.Random) -> list[str]:
    middle = max(1, len(word) // 2)
    out = [word[:middle] + "\u00ad" + word[middle:], word[:middle] + "\u200b" + word[middle:]]
    if len(word) > 4:
        out.append(word[:2] + "\u200c" + word[2:])
        out.append(word[: len(word) - 2] + "\u2060" + word[len(word) - 2 :])
    swappable = [i for i, c in enumerate(word) if c in CYRILLIC]
    if swappable:
        i = rng.choice(swappable)
        out.append(word[:i] + CYRILLIC[word[i]] + word[i + 1 :])
        if len(swappable) > 1:
            j = rng.choice([k for k in swappable if k != i])
            both = list(word)
            both[i], both[j] = CYRILLIC[word[i]], CYRILLIC[word[j]]
            out.append("".join(both))
    leetable = [i for i, c in enumerate(word) if c in LEET and i > 0]
    if leetable:
        i = rng.choice(leetable)
        out.append(word[:i] + LEET[word[i]] + word[i + 1 :])
        out.append("".join(LEET.get(c, c) if k > 0 else c for k, c in enumerate(word)))
    vowels = [i for i, c in enumerate(word) if c in "aeiou"]
    if vowels:
        i = vowels[-1]
        out.append(word[: i + 1] + word[i] * 3 + word[i + 1 :])
    out.append(word.upper())
    out.append(" ".join(word) if len(word) <= 8 else word[:3] + "-" + word[3:])
    return out


# --- investigator-note and news context: adjectives with person nouns, nominal uses, ages, worship --

PERSON_NOUNS = ["nurse", "mechanic", "officer", "teacher", "cashier", "neighbor", "landlord", "coworker", "applicant",
                "driver", "student", "server", "contractor", "paramedic", "dispatcher", "plumber", "bartender",
                "coach", "manager", "roommate", "tenant", "customer", "supervisor", "trainee", "recruit", "deputy",
                "lifeguard", "electrician", "clerk", "security guard", "detective", "firefighter", "intern"]
DEMOGRAPHIC_ADJ: dict[str, list[str]] = {
    "race": ["white", "Black", "black", "brown", "Asian", "Hispanic", "Latino", "Latina", "biracial", "Native",
             "Caucasian", "nonwhite", "mixed-race", "Asian American", "African American", "Indigenous"],
    "nat": ["Mexican", "Chinese", "Indian", "Nigerian", "Polish", "Haitian", "Somali", "Filipino", "Vietnamese",
            "Korean", "Irish", "Italian", "Puerto Rican", "Guatemalan", "Ukrainian", "Russian", "Pakistani",
            "Cuban", "Jamaican", "Honduran", "Lebanese", "Syrian", "Iraqi", "Afghan", "immigrant", "foreign-born",
            "undocumented", "Salvadoran", "Ethiopian", "Japanese", "German", "Canadian"],
    "rel": ["Muslim", "Jewish", "Catholic", "Christian", "Hindu", "Sikh", "Mormon", "Buddhist", "evangelical",
            "atheist", "Orthodox Jewish", "born-again"],
    "dis": ["blind", "deaf", "disabled", "autistic", "diabetic", "mentally ill", "wheelchair-bound",
            "hard-of-hearing", "epileptic", "bipolar", "paraplegic", "dyslexic"],
    "orient": ["gay", "lesbian", "bisexual", "queer", "straight"],
    "gid": ["transgender", "trans", "nonbinary", "cisgender"],
    "age": ["elderly", "older", "young", "teenage", "middle-aged", "retired", "twentysomething"],
    "sex": ["female", "male", "woman", "lady"],
    "mil": ["Army veteran", "ex-Army", "ex-military", "former Marine", "combat veteran"],
    "pol": ["Republican", "Democratic", "conservative", "liberal", "socialist"],
}
ADJ_FRAMES = [
    "The candidate told a coworker that {D} {A} {P} should not have been hired.",
    "Reference said the candidate got along well with {D} {A} {P} on the night crew.",
    "In a 2021 post the candidate complained that {D} {A} {P} had been rude to him.",
    "The candidate's former roommate recalled an argument with {D} {A} {P} over parking.",
    "Candidate's review of a tire shop says {D} {A} {P} overcharged him.",
    "Text message from the candidate: \"{D} {A} {P} just cut me off in traffic.\"",
    "Supervisor stated the candidate trained {D} {A} {P} and gave good feedback.",
    "The candidate wrote that {D} {A} {P} saved his life after the crash.",
    "Per the incident report, {D} {A} {P} called 911 on the candidate's behalf.",
    "The candidate commented that he would never take orders from {D} {A} {P}.",
]
AFTER_FRAMES = [
    "{N} was {A}, and the candidate said that was why she was promoted.",
    "The candidate wrote that he was passed over \"because he's {A}\".",
    "According to the neighbor, the candidate said his landlord {N} is {A} and \"can't be trusted.\"",
    "Candidate's post: \"{N} is {A} so of course he got the job.\"",
    "The reference added that the candidate \"is {A} and never hid it.\"",
    "Asked about the dispute, the candidate said the other driver was {A}.",
    "Comment by the candidate: \"she's {A}, what do you expect\".",
    "{N} said he is {A} and has known the candidate for ten years.",
    "The candidate's sister noted that their family is {A}.",
    "Former patrol partner said the candidate \"made jokes because I'm {A}.\"",
]
NOMINAL: dict[str, list[str]] = {
    "race": ["a black", "the blacks", "the whites", "a white", "Blacks", "Asians", "Hispanics", "Latinos", "whites",
             "the Hispanics", "a Native", "the Asians", "nonwhites", "people of color", "the Arabs"],
    "nat": ["the Mexicans", "an Englishman", "a Frenchman", "the Chinese", "an Irishman", "the Somalis",
            "a Mexican", "the Haitians", "a Pole", "the Russians", "a Scotsman", "foreigners", "immigrants",
            "the Filipinos", "a Canadian", "Dutchmen", "the Vietnamese", "a Brit", "Guatemalans"],
    "rel": ["a Jew", "the Jews", "a Muslim", "the Muslims", "Catholics", "a Mormon", "the Sikhs", "Hindus",
            "an atheist", "Christians", "the Amish"],
    "dis": ["the blind", "the disabled", "a diabetic", "an epileptic", "the mentally ill", "a schizophrenic",
            "an alcoholic", "an addict", "the deaf", "a paraplegic", "an amputee", "a cripple", "a blind person",
            "a deaf man"],
    "orient": ["a gay", "the gays", "a lesbian", "homosexuals", "a bisexual", "queers"],
    "gid": ["a trans", "the transgenders", "a transsexual", "trans people", "a transvestite"],
    "age": ["the elderly", "old people", "a senior", "teenagers", "the young", "millennials", "boomers",
            "retirees", "an old-timer", "youngsters"],
    "sex": ["a woman", "women", "the ladies", "a female", "men", "a girl", "females"],
}
NOMINAL_FRAMES = [
    "Candidate's 2019 comment: \"I'd never rent to {T}.\"",
    "The candidate posted a meme mocking {T}.",
    "A former coworker said the candidate joked about {T} during lunch breaks.",
    "In a Reddit thread the candidate wrote that {T} \"ruin every neighborhood.\"",
    "The candidate described the suspect as {T} in a group chat.",
    "Candidate replied \"acting like {T}\" under a video of a traffic stop.",
    "The landlord said the candidate asked whether the new tenant was {T}.",
    "In the interview the candidate said he had worked alongside {T} for years without problems.",
    "A reference recalled that the candidate defended {T} in an argument at a barbecue.",
    "Post shared by the candidate: \"{T} should stay in their own part of town.\"",
]
NOMINAL_SINGULAR = {NOMINAL_FRAMES[4], NOMINAL_FRAMES[6]}
NOMINAL_PLURAL = {NOMINAL_FRAMES[3], NOMINAL_FRAMES[9]}
NAMES = ["Dana Kessler", "Marcus Oyelaran", "Tomas Brennan", "Priya Halvorsen", "Jolene Fitch", "Andre Batiste",
         "Keiko Marsh", "Luis Carrasco", "Rebecca Stroud", "Devon Ashby", "Hank Lindqvist", "Imani Castellanos",
         "Sam Whitlock", "Rosa Delacroix", "Evan Pritchard", "Wendell Osei", "Carla Moynihan", "Brooks Tally",
         "Nadia Ferreira", "Gus Abernathy", "Lena Okafor", "Ray Duquesne", "Tia Vandermeer", "Owen Sadowski"]
TOWNS = ["Hattiesburg", "Cedar Falls", "Lufkin", "Marshalltown", "Bellefontaine", "Kearney", "Pocatello",
         "Enid", "Dothan", "Muncie", "Rome, Ga.", "Kingsport", "Elkhart", "Yakima", "Bangor", "Hutchinson"]
AGE_FORMS = [
    ("{N}, {n}, of {W}, was named in the police blotter as a witness.", "{n}"),
    ("Article in the {W} Courier: \"{N}, {n}, the candidate's cousin, organized the fundraiser.\"", "{n}"),
    ("The candidate, aged {n}, listed three prior addresses.", "aged {n}"),
    ("A {n}-year-old coworker said the candidate was dependable.", "{n}-year-old"),
    ("The candidate ({n}) appeared in a local news photo of the 5K.", "({n})"),
    ("The candidate was only {n} when he was hired at the warehouse.", "only {n}"),
    ("Candidate said she was just {n} when she moved out.", "just {n}"),
    ("The candidate is {n} years old according to the application.", "{n} years old"),
    ("Candidate's profile lists \"{n} y/o, coffee snob\".", "{n} y/o"),
    ("Reference said the candidate \"turned {n} last month and threw a party.\"", "turned {n}"),
    ("News clip describes \"a {n}-year-old man\" pulled from the river; it is the candidate. <<man|sex>>",
     "{n}-year-old"),
    ("Sheriff's log: {N}, age {n}, reported a stolen bicycle.", "age {n}"),
    ("The candidate wrote: \"im {n} and still living with roommates lol\".", "im {n}"),
    ("Obituary lists the candidate's grandmother, {N}, {n}, of {W}.", "{n}"),
    ("The candidate's dating profile says \"{n}, {W}, looking for a hiking buddy\".", "{n}"),
    ("Tagged photo caption: \"{N} ({n}) crushing it at the meet\".", "({n})"),
    ("Candidate noted she was the youngest in her class at {n}.", "youngest in her class at {n}"),
    ("The candidate, {n}, told the investigator he wants a career change.", "{n}"),
    ("Post: \"{n}yo and finally bought a house\".", "{n}yo"),
    ("Candidate's gym profile: \"{n}-yr-old dad of two\". <<dad of two|fam>>", "{n}-yr-old"),
]
WORSHIP = ["St. Mary's parish", "St. Joseph's Catholic Church", "Temple Beth El", "Temple Sinai", "Al-Noor mosque",
           "Masjid Al-Falah", "the Islamic Center of {W}", "First Baptist Church of {W}", "Grace Lutheran Church",
           "Holy Trinity Greek Orthodox Church", "Guru Nanak Gurdwara", "Sri Venkateswara Temple",
           "the Kingdom Hall of Jehovah's Witnesses", "Congregation Beth Israel", "Our Lady of Guadalupe parish",
           "Bethel AME Church", "St. Nicholas Cathedral", "Mount Zion Missionary Baptist Church",
           "Calvary Chapel {W}", "Shir Tikvah synagogue", "Dar Al-Hijrah mosque", "St. Anthony's parish",
           "New Hope Pentecostal Church", "the Hindu Temple of {W}", "Christ the King parish",
           "the {W} Ward of the Church of Jesus Christ of Latter-day Saints", "Zion Lutheran Church",
           "Sacred Heart Church", "the Buddhist temple on Elm Street", "Wat Lao Buddhist temple"]
WORSHIP_FRAMES = [
    "The candidate volunteers at {T} on weekends.",
    "Reference {N} knows the candidate from {T}.",
    "Candidate's wedding photos were taken outside {T}.",
    "Facebook check-in: {T}, Sunday morning.",
    "The candidate listed the food pantry at {T} as community service.",
    "Neighbor said the candidate's family drives to {T} every week.",
    "Candidate coached a youth basketball team sponsored by {T}.",
    "Photo shows the candidate helping set up chairs at {T}.",
]
HEALTH_STATES = ["using a walker", "walking with a cane", "in a wheelchair", "on crutches", "on dialysis",
                 "in outpatient therapy", "in inpatient psychiatric care", "going to AA meetings", "on chemotherapy",
                 "on disability leave", "in physical therapy", "in rehab", "on antidepressants", "on medical leave"]
HEALTH_STATE_FRAMES = [
    "Neighbor mentioned the candidate has been {T} since last winter.",
    "Reference said the candidate was {T} for a few months after the accident.",
    "A former supervisor noted the candidate was {T} during the 2020 season.",
    "The candidate posted a photo captioned \"back at work after months {T}.\"",
]
HEALTH_TERMS = ["a hearing aid", "a prosthetic leg", "BPD", "PTSD", "bipolar disorder", "schizophrenia", "MS",
                "Parkinson's", "type 2 diabetes", "an insulin pump", "epilepsy", "a seizure disorder",
                "an anxiety disorder", "major depression", "OCD", "a traumatic brain injury", "Crohn's disease",
                "HIV", "hepatitis C", "a heart condition", "sleep apnea", "a stutter", "a guide dog",
                "a service animal", "an opioid use disorder", "long COVID", "a back injury", "ADHD", "glaucoma",
                "a mental illness", "cerebral palsy", "a learning disability", "an amputated leg", "low vision"]
HEALTH_FRAMES = [
    "The candidate posted that she has {T}.",
    "The candidate's roommate said he manages {T} and never missed work because of it.",
    "The candidate wrote a long post about living with {T}.",
    "Coworker said the candidate mentioned {T} once in the break room.",
    "Reference said the candidate's teammate has {T} and the candidate always picked him up for games.",
    "Candidate's Reddit history includes questions about working in law enforcement with {T}.",
]
THIRD_PARTY = [
    "The reference, a [[retired|age]] [[Marine|mil]], has known the candidate since high school.",
    "The candidate's landlord, [[a Korean immigrant|nat]], said rent was always on time.",
    "Neighbor Rosa Delacroix, [[71|age]], said the candidate mows her lawn.",
    "The candidate's [[ex-partner|fam]], now [[married|fam]] to someone else, gave a short statement.",
    "Former coworker described the shift lead as \"[[a devout Catholic|rel]] who never swore.\"",
    "Candidate's tweet about a [[pregnant|preg]] coworker: \"she should stay home.\"",
    "The candidate's roommate is [[deaf|dis]] and the interview used an interpreter.",
    "Candidate mocked a [[gay|orient]] couple in a 2018 Facebook comment.",
    "The candidate's post about a [[trans woman|gid]] on the city council drew many replies.",
    "The tenant in unit B, a [[Vietnam vet|mil]], said the candidate helped him move.",
    "Candidate's supervisor at the mill is a [[union steward|act]] and spoke highly of him.",
    "The candidate shared an article about a [[Somali|nat]] family who opened a bakery.",
    "Candidate commented that an [[older|age]] applicant \"should retire and let someone else have a shot.\"",
    "The candidate's cousin, a [[Democratic|pol]] state senator, wrote a reference letter.",
    "Candidate criticized a [[female|sex]] referee in a youth soccer group chat.",
    "The reference's [[mother's Parkinson's|gen]] came up when she explained why she left the job.",
    "Candidate's coach said the team captain was [[Jewish|rel]] and the candidate was friendly with him.",
    "The [[bipolar|dis]] neighbor the candidate complained about has since moved away.",
    "Candidate's friend Wendell Osei, [[45|age]], was interviewed by phone.",
    "The candidate posted a photo with his [[stepdaughter|fam]] at her graduation.",
    "Coworker said [[a blind person|dis]] on the crew was never treated differently by the candidate.",
    "The candidate said [[a mentally ill man|dis]] <<man|sex>> shouted at him outside the store.",
    "Neighbor's [[BPD|dis]] diagnosis came up when the candidate complained about noise.",
    "The candidate gave his seat on the bus to a woman [[using a walker|dis]]. <<woman|sex>>",
]


# --- hard negatives: encyclopaedia, news, investigator notes and posts with trap words -------------

NEG_SLOTS: dict[str, list[str]] = {
    "prof": ["midwives", "psychiatric nurses", "obstetricians", "oncologists", "speech therapists",
             "physiotherapists", "paediatricians", "veterinarians", "audiologists", "pharmacists",
             "orthopaedic surgeons", "radiologists", "dietitians", "occupational therapists", "prosthetists",
             "psychiatrists", "anaesthetists", "respiratory therapists", "dental hygienists", "optometrists",
             "mental health counsellors", "hospice nurses", "neonatal nurses", "sonographers", "genetic counsellors"],
    "army": ["infantry", "cavalry", "artillery", "the Roman legions", "the dragoons", "the light brigade",
             "the Union army", "the Confederate cavalry", "the militia", "the Royal Navy", "the garrison",
             "the rearguard", "the musketeers", "the hussars", "the grenadiers", "the expeditionary force"],
    "place": ["Korea", "New Mexico", "Georgia", "Jordan", "Turkey", "Chad", "the Niger River", "Mexico City",
              "Lake Victoria", "Poland", "Lebanon, Pennsylvania", "Peru, Indiana", "Mexico, Missouri",
              "the Korean Peninsula", "Java", "Guinea", "the Dominican Republic", "Israel", "Cuba", "Iceland",
              "the Philippines", "Nigeria", "Vietnam", "Ireland", "Haiti", "El Salvador", "India", "China",
              "Ukraine", "Brazil", "the Sahara", "the Andes", "Bavaria", "Quebec", "Oaxaca", "Manila Bay",
              "Normandy", "Syria", "Afghanistan's Hindu Kush", "Iraq's marshlands"],
    "thing": ["truck", "SUV", "sedan", "van", "fence", "front door", "mailbox", "jacket", "backpack",
              "motorcycle", "pickup", "trailer", "garage door", "bicycle", "hoodie", "sneakers", "duffel bag",
              "boat", "minivan", "tent"],
    "colour": ["white", "black", "brown", "red", "yellow", "beige", "tan", "dark green", "silver", "grey"],
}
NEG_FRAMES: list[tuple[str, str]] = [
    ("prof", "{T} in the eighteenth century were usually trained through apprenticeship."),
    ("prof", "The regional hospital is recruiting {T} for its new wing."),
    ("prof", "State law requires {T} to complete continuing education every two years."),
    ("prof", "The county's shortage of {T} was discussed at Tuesday's council meeting."),
    ("prof", "A 2022 survey found that {T} report high rates of burnout."),
    ("prof", "The community college added a certificate program for {T}."),
    ("prof", "Salaries for {T} rose faster than inflation last year, the bureau reported."),
    ("prof", "The textbook chapter describes how {T} are licensed in most states."),
    ("prof", "Hospital administrators said {T} will be scheduled in twelve-hour shifts."),
    ("army", "The {T} advanced across the river under cover of fog."),
    ("army", "Historians still debate why {T} failed to hold the ridge."),
    ("army", "By the end of the war {T} had adopted a standard uniform and drill manual."),
    ("army", "The museum's third gallery covers the equipment carried by {T}."),
    ("army", "Contemporary accounts describe {T} retreating toward the coast."),
    ("army", "The battle map shows {T} positioned along the northern flank."),
    ("place", "The atlas devotes two pages to {T}."),
    ("place", "Exports from {T} rose sharply in the last quarter."),
    ("place", "The documentary follows the history of rail transport in {T}."),
    ("place", "Heavy rainfall caused flooding across {T} this week."),
    ("place", "The geography quiz asked students to find {T} on a blank map."),
    ("place", "Tourism in {T} has recovered to pre-pandemic levels, the ministry said."),
    ("place", "A magnitude 5.1 earthquake was recorded near {T} on Monday."),
    ("place", "The encyclopedia entry on {T} lists its principal rivers and ports."),
    ("place", "Satellite images show the drought's effect on farmland in {T}."),
    ("thing", "The {T} was {C}, according to the tow report."),
    ("thing", "Camera footage shows a {C} {T} parked near the hydrant."),
    ("thing", "The candidate's {T} is {C} and registered in his name."),
    ("thing", "Witness described the stolen {T} as {C} with a dented bumper."),
    ("thing", "Listing: {C} {T}, good condition, $200 or best offer."),
    ("thing", "lol my {T} is {C} and it's ALWAYS dirty"),
]
NEGATIVES_FIXED = [
    # numbers that are not ages
    "Unit {n} responded to the alarm at the storage facility.",
    "The report lists {n} calls for service in the candidate's old neighborhood in March.",
    "The candidate lived on Route {n} for two years before moving into town.",
    "Interstate {n} was closed for resurfacing during the week of the home visit.",
    "The training manual runs to {n} pages and the candidate signed every chapter.",
    "Apartment {n} was listed as the candidate's mailing address in 2017.",
    "The candidate's locker number at the gym was {n}.",
    "Total incidents in the parking lot ({n}) were down from last year.",
    "The candidate scored {n} out of 50 on the written exam's first section.",
    "The candidate paid ${n} for the concert tickets listed on the card statement.",
    "Bus line {n} stops outside the candidate's former workplace.",
    "The candidate ran the 10K in {n} minutes, per the race results page.",
    "The store on the candidate's street has been open {n} years.",
    "The candidate's team won {n} games in the rec league last season.",
    "Form {n}-B was filed with the county clerk on time.",
    "Highway mile marker {n} is where the candidate's car broke down.",
    "The candidate typed {n} words per minute on the clerical test.",
    "Weather on the day of the interview: {n} degrees and windy.",
    "The background packet contained {n} attachments.",
    "Flight {n} to Denver was delayed, which is why the candidate rescheduled.",
    "The candidate's badge number at the security firm was {n}.",
]
NEGATIVES_PLAIN = [
    "The whiskey the candidate photographed was aged 12 years in oak.",
    "The cheddar at the candidate's deli counter is aged 18 months.",
    "The farmhouse on the property is roughly 90 years old, the assessor wrote.",
    "The bourbon in the photo is a 15-year-old single barrel, per the label.",
    "The candidate restored a 40-year-old pickup, according to his car club page.",
    # trade unions and labour history
    "Trade unions grew rapidly in Britain after the Trade Union Act of 1871.",
    "The chapter traces the decline of trade unions in manufacturing after 1980.",
    "Early trade unions in the textile industry were often illegal.",
    "The museum exhibit covers the history of trade unions in the coal fields.",
    "Economists disagree about the effect of trade unions on productivity.",
    "The Soviet Union dissolved in December 1991.",
    "The European Union sets standards for food labelling.",
    "The Union army captured the rail junction in 1864.",
    "The candidate banks at the local credit union.",
    "The student union building hosts the campus bookstore.",
    "The state of the union address aired on Tuesday night.",
    "Lightning strike damaged a transformer on the candidate's street.",
    "The pitcher threw a strike on the first pitch.",
    "The candidate bowled a strike in the video from the league night.",
    "A neighbor filed a noise complaint about a party on the other side of the street.",
    "The white picket fence outside the candidate's house was repainted last spring.",
    "The candidate worked as a wine steward at a hotel restaurant.",
    "Collective nouns for animals were the theme of the trivia night the candidate hosted.",
    "The candidate charged his phone battery at the library.",
    "The ski lodge where the candidate worked seasonally closed in 2020.",
    # professions and medicine in general text
    "The midwife delivered the baby at 3 a.m., the hospital newsletter reported.",
    "Psychiatric nurses at the state hospital voted on a new schedule.",
    "The veterinarian said the candidate's dog needs its rabies booster.",
    "The candidate took the cat to the vet on Saturday.",
    "Obstetrics is a branch of medicine concerned with childbirth.",
    "Oncology wards are usually located near the radiology department.",
    "The article explains how hearing tests are performed on newborns in general.",
    "Geneticists first mapped the fruit fly genome in 2000.",
    "Mendel's experiments on heredity used pea plants.",
    "The genetic algorithm optimized the delivery routes.",
    "The crime lab cleared its DNA backlog for property crimes.",
    "The salmon's gene pool has narrowed because of the dam.",
    "The lecture covered how vaccines train the immune system.",
    "The therapist dog program visits the public library on Thursdays.",
    "The pharmacy near the candidate's apartment closes at nine.",
    "The tropical depression weakened before reaching the coast.",
    "The Great Depression began with the stock market crash of 1929.",
    "The Tropic of Cancer passes through Mexico and Egypt.",
    "The laptop had a virus, so the candidate used the library computer.",
    "The painting shows bold brush strokes in blue and gold.",
    "The candidate swims the backstroke at the community pool.",
    "The truck had a blind spot on the passenger side, the accident report says.",
    "The study was double-blind and ran for two years.",
    "The candidate's golf handicap is twelve, per the club newsletter.",
    "Police seized 40 grams during the seizure at the storage unit, unrelated to the candidate.",
    "The disabled vehicle was towed from the shoulder.",
    "The candidate's account was disabled after too many login attempts.",
    "Candy canes were handed out at the station's open house.",
    "Officer Walker took the report on the stolen bike.",
    "The ramp at the post office was repaved in June.",
    # military words in other senses
    "The candidate completed a coding boot camp in 2019.",
    "The candidate is a 12-year veteran of the grocery business.",
    "The reporter is a veteran of the city hall beat.",
    "The company deployed the new software on Friday night.",
    "Fire drill logs from the warehouse show the candidate attended every drill.",
    "The general manager signed the candidate's reference letter.",
    "The marine forecast called for small craft advisories.",
    "The candidate studied marine biology for one semester.",
    "Veterans Memorial Highway was closed for the parade route repaving.",
    "The candidate lived in Richmond, VA, from 2015 to 2018.",
    "The candidate moved from Fort Worth to Fort Lauderdale for a job.",
    "An army of volunteers cleaned the riverbank after the flood.",
    "The candidate wore a navy blazer to the panel interview.",
    "Soldier ants were the subject of the candidate's science fair project.",
    "The tour of the museum took two hours.",
    "The candidate's power drill was listed on the marketplace post.",
    "Corporal punishment was banned in the district's schools decades ago.",
    "Air Force One landed at the regional airport during the candidate's shift.",
    # family and partner words in other senses
    "The single-family home is zoned R-1.",
    "The law firm named a new partner in January.",
    "The candidate's business partner signed the lease for the shop.",
    "The parent company of the candidate's employer is based in Ohio.",
    "The program spawns a child process for each request.",
    "The motherboard in the candidate's computer was replaced under warranty.",
    "Customer engagement rose after the candidate redesigned the newsletter.",
    "The boxing ring at the gym was rebuilt in 2021.",
    "The typesetter removed widows and orphans from the final layout.",
    "Family-owned restaurants line the main street.",
    "The honeymoon period for the new scheduling system ended quickly.",
    "Guests at the party at the lake were asked to carpool.",
    # political words in other senses
    "The candidate made a conservative estimate of the repair costs.",
    "The recipe calls for a liberal amount of salt.",
    "The department uses progressive discipline for attendance problems.",
    "The candidate's new glasses have progressive lenses.",
    "The marketing campaign for the gym launched in May.",
    "The stock market rally continued into the afternoon.",
    "The car rally raised money for the animal shelter.",
    "The candidate took an independent study course in statistics.",
    "The Democratic Republic of the Congo is the second-largest country in Africa.",
    "Take a left at the light and then the right lane onto the ramp.",
    "The green party lights were still up on the porch in February.",
    "The radical sign denotes a square root in the math worksheet.",
    # age words in other senses
    "The candidate still drives an old pickup with a cracked windshield.",
    "The candidate holds the title of senior analyst at the insurance firm.",
    "The team retired the number 23 jersey last season.",
    "The Old Town district hosts a farmers market on Saturdays.",
    "The third-generation router was replaced with a newer model.",
    "Mature oak trees shade the candidate's street.",
    "The aged cheddar at the deli is a customer favorite.",
    "A 200-year-old barn stands at the edge of the property.",
    "The vintage radio in the photo belonged to the bar's previous owner.",
    "New Year's Eve traffic on the bridge was heavy.",
    "Senior Vice President Ana Kowal approved the budget.",
    "Young growth forest covers the ridge behind the house.",
    # orientation and gender words in other senses
    "The candidate drew a straight line on the diagram of the intersection.",
    "The candidate got straight A's in the criminal justice course.",
    "The team takes pride in its response times.",
    "A rainbow appeared over the lake after the storm.",
    "The candidate caught a rainbow trout at the reservoir.",
    "The car came out of the tunnel at high speed, the witness said.",
    "Meetings are held bi-weekly in the community room.",
    "The transition period for the new records system is six weeks.",
    "The candidate's transmission was rebuilt at the dealership.",
    "Transit buses run every fifteen minutes on the main line.",
    "Drag racing on the county road led to new speed bumps.",
    "Drag the file into the shared folder to submit it.",
    "The hotel room had a queen-size bed and a desk.",
    "The English pronoun system distinguishes subject and object forms.",
    "The trans-Atlantic flight landed two hours late.",
    # religion words in other senses
    "The candidate called the training manual the holy grail of report writing.",
    "The style guide is the newsroom's bible for punctuation.",
    "The mass of the object was measured in kilograms.",
    "The candidate visited St. Louis for a conference.",
    "The candidate drove through San Jose on the way to the coast.",
    "The candidate worked at a steel plant in Bethlehem, Pennsylvania.",
    "Salt Lake City hosted the regional training conference.",
    "Temple University's library has a criminology collection.",
    "Christian Ortiz, the gym manager, confirmed the candidate's membership dates.",
    "Faith Moore, the property manager, said the lease ended in good standing.",
    "The candidate fixed the Jordan sneakers he sells online.",
    "The diner's Cuban sandwich was mentioned in the candidate's food blog.",
    "The candidate wrote the app in Java and deployed it to a server.",
    "The candidate made Turkish coffee for the investigator during the home visit.",
    "The candidate's kitchen has a Dutch oven and a cast iron pan.",
    "Canada geese were nesting near the retention pond.",
    "Irish coffee was on the menu at the bar where the candidate worked.",
    "The candidate keeps a Swiss Army knife in his glovebox.",
    "French doors open onto the back deck.",
    "Greek yogurt and granola were in the photo from the candidate's breakfast.",
    "The candidate used Scotch tape to fix the receipt.",
    "Brazil nuts were in the trail mix the candidate packed.",
    "The candidate played Chinese checkers with his nephew in the video.",
    "The candidate's German shepherd is registered with the city.",
    "The candidate ordered a Belgian waffle at the diner.",
    "Spanish moss hangs from the oaks along the candidate's street.",
    "The India ink drawing hangs in the candidate's hallway.",
    "The candidate wore a Panama hat in the beach photo.",
    "English muffins and coffee, said the candidate's caption.",
    # colours in other senses
    "The candidate ordered black coffee and a blueberry muffin.",
    "The candidate's office has a whiteboard with the week's schedule.",
    "Black ice caused several crashes on the overpass.",
    "The candidate uses a white noise machine to sleep after night shifts.",
    "Brownies were served at the open house.",
    "A blackout hit the east side during the storm.",
    "The candidate bought a TV on Black Friday.",
    "The city published a white paper on parking enforcement.",
    "The candidate brought a brown bag lunch to the interview.",
    "Yellow tape marked off the crash scene.",
    "The candidate's favorite drink is a White Russian, per his bartending profile.",
    "The photo shows a black Labrador sleeping on the porch.",
    # people who are not the candidate, nothing protected said
    "The mayor cut the ribbon at the new library branch.",
    "The candidate's neighbor returned the borrowed ladder on Sunday.",
    "Coach Tillman said the candidate never missed a practice.",
    "The landlord confirmed the candidate paid rent by check each month.",
    "The manager of the hardware store said the candidate worked weekends.",
    "Dr. Black, the candidate's dentist, confirmed the appointment dates.",
    "Officer Young took the candidate's fingerprints.",
    "Judge White presided over the traffic hearing.",
    "Mr. Brown, the property manager, had no complaints about the candidate.",
    "Ms. Washington, the school registrar, verified the transcript.",
    "Georgia Miller, the candidate's former shift lead, gave a reference by phone.",
    "Jordan Lee, a reference, said the candidate is punctual.",
    "Professor Gray said the candidate's term paper was well researched.",
    "Chef Park said the candidate worked the grill station for a summer.",
    "The delivery driver said the candidate signed for the package.",
    "The city clerk provided a copy of the candidate's business license.",
    "The candidate's former roommate now lives in Denver and answered by email.",
    "Reference Dale Hutchins described the candidate as reliable and calm.",
    "The HOA president said there were no violations at the candidate's address.",
    "The bartender at the pub said the candidate tipped well and left early.",
    # investigator notes, neutral
    "Candidate's credit report shows no collections.",
    "No social media accounts were found under the candidate's legal name on TikTok.",
    "The candidate's Instagram is mostly photos of fishing trips.",
    "Driving record shows one speeding ticket in 2018.",
    "Candidate provided three references; two responded.",
    "Employment at the warehouse was verified by HR.",
    "The candidate's LinkedIn lists a certificate in project management.",
    "Home visit completed; the residence was tidy.",
    "The candidate's X account has been inactive since 2020.",
    "The candidate's Reddit posts are about car repair and video games.",
    "No arrests or warrants were found in the state database.",
    "The candidate's passport photo matched the license photo.",
    "Candidate was polite and answered all questions during the interview.",
    "The candidate's YouTube channel has woodworking tutorials.",
    "Education records confirm an associate degree in criminal justice.",
    "The candidate's address history matches the utility records.",
    "No adverse findings in the civil court index.",
    "The candidate's Facebook shows a fantasy football league.",
    "Former employer would rehire the candidate.",
    "The candidate's Strava account shows morning runs along the river.",
]
ROLES = ["city manager", "school principal", "fire chief", "county treasurer", "head librarian", "bakery owner",
         "ranch foreman", "harbor master", "parks director", "zoning officer", "hardware store owner", "choir director",
         "museum curator", "county engineer", "restaurant manager", "animal control officer", "track coach",
         "building inspector", "transit planner", "water plant operator"]
NEWS_PEOPLE = [
    "{N}, the {R}, said the budget hearing was moved to Thursday.",
    "According to {N}, the {R}, the road will reopen after the inspection.",
    "{N}, who works as the {R}, told the council the new pumps arrived on schedule.",
    "The {R}, {N}, declined to comment on the contract.",
    "Reference {N}, the {R}, said the candidate returned every call promptly.",
    "{N} has served as the {R} since the office was reorganized.",
    "Minutes show the {R}, {N}, seconded the motion on parking meters.",
]
SOCIAL_NEGATIVES = [
    "black friday deals were insane this year",
    "white claw summer is back lol",
    "straight outta night shift, going to bed",
    "drag race at the fairgrounds tonight!!",
    "the old bridge is finally getting fixed",
    "single origin coffee hits different",
    "got my truck detailed, she's black and shiny again",
    "who else is watching the game tonight",
    "brown rice or white rice, settle this",
    "my dog ate my sandwich again smh",
    "new tires on the jeep, ready for the mountains",
    "100 degrees today, stay hydrated",
    "this burrito is 10/10",
    "pizza night, no regrets",
    "finally finished the deck, 3 weekends later",
    "anyone selling a used kayak?",
    "traffic on 45 is a nightmare rn",
    "the yellow lab next door stole my glove",
    "happy 4th of july from the lake",
    "shoutout to the crew at station 12 for the pancakes",
    "lost my keys for the third time this week",
    "that sunset tho",
    "gym at 5am, who's with me",
    "went fishing, caught nothing, still a good day",
    "rain all weekend, guess i'm watching movies",
    "new phone who dis",
    "coffee first, questions later",
    "fantasy league draft tonight, i'm taking the rookie QB",
    "grilling burgers for the block party",
    "first snow of the year!",
    "the line at the DMV was 2 hours, send help",
    "can't believe the season is over already",
    "thanks for the birthday cake everyone it was great",
    "swapped my shift so i can catch the concert",
    "the red line train was late again",
    "game day! let's go tigers",
    "new record on the deadlift today 💪",
    "who knew fixing a sink could take all day",
    "road trip playlist recommendations pls",
    "the blue truck in the lot is blocking me in",
    "my plants are thriving, unlike me",
    "spent all day at the car show, worth it",
    "ice cream for dinner because i'm an adult",
    "finally saw the new superhero movie, no spoilers",
    "power's out on the west side, again",
    "my cat knocked over the christmas tree... in march",
    "bowling night with the team, i bowled a 180",
    "the park ranger gave us a great tour",
    "tailgate was fire, pun intended",
    "straight A's this semester, finally",
    "pride of the county fair: the giant pumpkin",
    "the queen bed finally arrived",
    "double blind taste test: store brand wins",
    "my vet said the dog is perfectly healthy",
    "coding boot camp graduation today, pumped",
    "the union station renovation looks amazing",
    "party at the lake this weekend, bring chairs",
]

# fmt: on


def article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def build_social(rng: random.Random) -> Builder:
    b = Builder("detector_devset_social.jsonl", "soc")
    for code, groups in SOCIAL.items():
        for frames, terms in groups:
            fill(b, rng, code, frames, terms, min(len(frames) * len(terms), max(12, len(frames) * 4)), ("social",))
    for code, (singular, plural) in SLURS.items():
        fill(b, rng, code, SLUR_FRAMES, singular, 14, ("social",), articles=True)
        fill(b, rng, code, SLUR_PLURAL_FRAMES, plural, 8, ("social",))
    tags = [(tag, code) for code, items in HASHTAGS.items() for tag in items]
    for tag, code in tags:
        for _ in range(2):
            frame = rng.choice(HASHTAG_FRAMES)
            other, other_code = rng.choice(tags)
            marked = frame.replace("{T}", f"[[{tag}|{code}]]").replace("{U}", f"[[{other}|{other_code}]]")
            b.add(style(marked, "social", rng).replace("#" + tag[1:].lower(), "#" + tag[1:].lower()))
    emoji = [(e, code) for code, items in EMOJI.items() for e in items]
    for e, code in emoji:
        for _ in range(3):
            frame = rng.choice(EMOJI_FRAMES)
            other, other_code = rng.choice(emoji)
            b.add(frame.replace("{T}", f"[[{e}|{code}]]").replace("{U}", f"[[{other}|{other_code}]]"))
    for text in SOCIAL_NEGATIVES:
        b.add(text, negative=True)
    return b


def build_adversarial(rng: random.Random) -> Builder:
    b = Builder("detector_devset_adversarial.jsonl", "adv")
    for code, words in ADV_WORDS.items():
        frames = ADV_FRAMES[code]
        for word in words:
            for variant in obfuscations(word, rng):
                frame = rng.choice(frames)
                b.add(style(frame.replace("{T}", f"[[{variant}|{code}]]"), rng.choice(("plain", "social")), rng))
        for variant in MISSPELLED[code]:
            for frame in rng.sample(frames, 2):
                b.add(style(frame.replace("{T}", f"[[{variant}|{code}]]"), "social", rng))
        for tag in rng.sample(HASHTAGS[code], min(4, len(HASHTAGS[code]))):
            hidden = tag[: len(tag) // 2] + rng.choice(["\u00ad", "\u200b"]) + tag[len(tag) // 2 :]
            b.add("new post {T} lol".replace("{T}", f"[[{hidden}|{code}]]"))
    invisible = ["\u00ad", "\u200b", "\u200c", "\u2060"]
    for text in SOCIAL_NEGATIVES + NEGATIVES_PLAIN[:60]:
        words = [w for w in text.split() if len(w) > 4 and w.isalpha()]
        if not words:
            continue
        word = rng.choice(words)
        cut = len(word) // 2
        if rng.random() < 0.5:
            changed = word[:cut] + rng.choice(invisible) + word[cut:]
        else:
            changed = "".join(CYRILLIC.get(c, c) if i == cut else c for i, c in enumerate(word))
        b.add(text.replace(word, changed, 1), negative=True)
    return b


def build_context(rng: random.Random) -> Builder:
    b = Builder("detector_devset_context.jsonl", "ctx")
    _demographics(b, rng)
    _nominals(b, rng)
    _ages_and_places(b, rng)
    return b


def _demographics(b: Builder, rng: random.Random) -> None:
    for code, adjectives in DEMOGRAPHIC_ADJ.items():
        for adjective in adjectives:
            for frame in rng.sample(ADJ_FRAMES, 2):
                noun = rng.choice(PERSON_NOUNS)
                det = rng.choice([article(adjective), "the", "that", "a new"])
                det = article(adjective) if det == "a new" and code != "sex" else det
                b.add(frame.replace("{D} {A} {P}", f"{det} [[{adjective}|{code}]] {noun}"))
        if code in ("race", "nat", "rel", "orient", "gid", "pol"):
            for adjective in rng.sample(adjectives, min(6, len(adjectives))):
                frame = rng.choice(AFTER_FRAMES)
                b.add(frame.replace("{N}", rng.choice(NAMES)).replace("{A}", f"[[{adjective}|{code}]]"))


def _nominals(b: Builder, rng: random.Random) -> None:
    for code, nominals in NOMINAL.items():
        for nominal in nominals:
            singular = nominal.startswith(("a ", "an "))
            frames = [
                f
                for f in NOMINAL_FRAMES
                if not (f in NOMINAL_SINGULAR and not singular) and not (f in NOMINAL_PLURAL and singular)
            ]
            for frame in rng.sample(frames, 2):
                b.add(frame.replace("{T}", f"[[{nominal}|{code}]]"))


def _ages_and_places(b: Builder, rng: random.Random) -> None:
    for frame, span in AGE_FORMS:
        for n in rng.sample(range(17, 79), 6):
            marked = (
                frame.replace(span, "[[" + span + "|age]]", 1)
                if span != "{n}"
                else frame.replace("{n}", "[[{n}|age]]", 1)
            )
            marked = marked.replace("{n}", str(n)).replace("{N}", rng.choice(NAMES)).replace("{W}", rng.choice(TOWNS))
            b.add(marked)
    for place in WORSHIP:
        for frame in rng.sample(WORSHIP_FRAMES, 3):
            name = place.replace("{W}", rng.choice(TOWNS).split(",")[0])
            b.add(frame.replace("{T}", f"[[{name}|rel]]").replace("{N}", rng.choice(NAMES)))
    for term in HEALTH_STATES:
        for frame in rng.sample(HEALTH_STATE_FRAMES, 2):
            b.add(frame.replace("{T}", f"[[{term}|dis]]"))
    for term in HEALTH_TERMS:
        for frame in rng.sample(HEALTH_FRAMES, 2):
            b.add(frame.replace("{T}", f"[[{term}|dis]]"))
    for text in THIRD_PARTY:
        b.add(text)


def build_negatives(rng: random.Random) -> Builder:
    b = Builder("detector_devset_negatives.jsonl", "neg")
    quota = {"prof": 8, "army": 6, "place": 6, "thing": 8}
    for slot_name, frame in NEG_FRAMES:
        fillers = NEG_SLOTS[slot_name]
        per_frame = len(fillers) * quota[slot_name] // max(1, sum(1 for s, _ in NEG_FRAMES if s == slot_name))
        for filler in rng.sample(fillers, min(len(fillers), per_frame)):
            text = frame.replace("{T}", filler).replace("{C}", rng.choice(NEG_SLOTS["colour"]))
            b.add(text[0].upper() + text[1:] if not text.startswith("lol") else text, negative=True)
    for frame in NEGATIVES_FIXED:
        for n in rng.sample([3, 7, 12, 14, 18, 21, 23, 29, 31, 35, 40, 44, 52, 57, 60, 64, 71, 85, 90], 7):
            b.add(frame.replace("{n}", str(n)), negative=True)
    for text in NEGATIVES_PLAIN:
        b.add(text, negative=True)
    for frame in NEWS_PEOPLE:
        for role in rng.sample(ROLES, 18):
            b.add(frame.replace("{N}", rng.choice(NAMES)).replace("{R}", role), negative=True)
    return b


def main() -> None:
    rng = random.Random(13)
    for build in (build_social, build_adversarial, build_context, build_negatives):
        builder = build(rng)
        builder.write()
        positives = sum(1 for r in builder.rows if r["kind"] == "positive")
        print(f"{builder.name}: {len(builder.rows)} rows, {positives} positive, {len(builder.rejected)} rejected")
        for reason in builder.rejected:
            print("   rejected:", reason)


if __name__ == "__main__":
    main()
