"""Phenomena of the issue 13 recall pass (R3, PC-01): each rule with a few positives and the
negatives it must leave clean. The sentences are written for these tests, not taken from the
development sets, so a rule tuned to one devset sentence fails here."""

from __future__ import annotations

import pytest

from vetting.screening.detector import screen


def found(text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.axis) for m in screen(text)]


def fires(text: str, span: str, axis: str) -> bool:
    return any(span in s and a == axis for s, a in found(text))


# --- labour words: a union, strike, picket or OSHA someone takes part in (ACT-, §2.2) -------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("union meeting after shift, bring snacks", "union"),
        ("strike day 9 and we are still out here", "strike"),
        ("honk if you pass us on the picket", "picket"),
        ("She finally went to OSHA about the scaffolding.", "OSHA"),
        ("proud to stand in solidarity with the union", "union"),
        ("talked to my teamster rep about it", "teamster"),
        ("#strikeready", "#strikeready"),
    ],
)
def test_labour_words_fire_where_someone_takes_part(text: str, span: str) -> None:
    assert fires(text, span, "protected_activity"), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "A lightning strike split the oak behind the barn.",
        "The pitcher threw a strike on the first pitch.",
        "Flights were cancelled due to the strike in France.",
        "According to OSHA, falls are the leading cause of deaths in construction.",
        "They tried to strike a balance between cost and speed.",
        "A white picket fence ran along the road.",
        "The Union army crossed the river at dawn.",
    ],
)
def test_labour_words_stay_quiet_elsewhere(text: str) -> None:
    assert not any(a == "protected_activity" for _s, a in found(text)), found(text)


# --- self-descriptions in posts: "X life", "my X years", "once X always X", post endings ---------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("retired life: coffee at six, fishing by seven", "retired", "age"),
        ("navy life means missing birthdays", "navy", "military_veteran"),
        ("my army years taught me patience", "army", "military_veteran"),
        ("once a marine always a marine", "marine", "military_veteran"),
        ("hug a vet today", "vet", "military_veteran"),
        ("raised Baptist, still go most sundays", "Baptist", "religion"),
        ("vote conservative this fall", "conservative", "political"),
        ("im half Peruvian and half stubborn", "Peruvian", "national_origin"),
        ("The candidate described the driver as a Mexican in a text message.", "Mexican", "national_origin"),
    ],
)
def test_self_descriptions_in_posts_fire(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "my old life in the city was louder",
        "The app, once deployed, always restarts at midnight.",
        "Navy blue suits were on sale today.",
        "the vet on Tuesday said the dog is fine",
        "They put a pole in the ground for the mailbox.",
    ],
)
def test_self_description_rules_leave_ordinary_uses(text: str) -> None:
    assert found(text) == [], found(text)


# --- hashtags read whole and with ordinals --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "axis"),
    [("finally #retired", "age"), ("#40thbirthday vibes", "age"), ("#navylife", "military_veteran")],
)
def test_hashtags_read_whole_and_with_ordinals(text: str, axis: str) -> None:
    assert any(s.startswith("#") and a == axis for s, a in found(text)), found(text)


# --- ages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("She said she was just 19 when she enlisted.", "just 19"),
        ("barely 20, and already a shift lead", "barely 20"),
        ("The driver (41) was not hurt.", "41"),
        ("The witness, 67, told deputies she heard a shot.", "67"),
        ("bio: Ray, 33, welder, dog dad", "33"),
        ("44yo and learning to surf", "44yo"),
        ("a 31 y/o applicant", "31"),
        ("my 30th bday is on friday", "30th"),
    ],
)
def test_ages_in_more_forms(text: str, span: str) -> None:
    assert fires(text, span, "age"), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The tickets cost just 12 dollars.",
        "Comments (14) are closed.",
        "Scores were 12, 29, and 40.",
        "Tulsa, 29, 31 and 40 are the route numbers.",
        "Ask your mayo supplier about it.",
    ],
)
def test_numbers_that_are_not_ages(text: str) -> None:
    assert not any(a == "age" for _s, a in found(text)), found(text)


# --- congregations named with capitals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("She sings at Holy Trinity Church on Sundays.", "Holy Trinity Church"),
        ("Photos from St. Andrew Cathedral last Easter.", "St. Andrew Cathedral"),
    ],
)
def test_named_congregations_are_spanned_whole(text: str, span: str) -> None:
    assert (span, "religion") in found(text), found(text)


@pytest.mark.parametrize(
    "text",
    ["Dr. Temple signed the discharge papers.", "The Church Street bridge is closed.", "Shirley Temple films"],
)
def test_capitalised_words_that_are_not_congregations(text: str) -> None:
    assert not any(a == "religion" for _s, a in found(text)), found(text)


# --- vocabulary: common misspellings, slurs on pregnancy and genes, place names -------------------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("proud vetran and dad", "vetran", "military_veteran"),
        ("living with dipression since college", "dipression", "disability_health"),
        ("my family is republikan", "republikan", "political"),
        ("called her a baby factory in the comments", "baby factory", "pregnancy"),
        ("another walking gene defect on this app", "walking gene defect", "genetic"),
    ],
)
def test_misspellings_and_slurs(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The Hindu Kush rises north of Kabul.",
        "Trade grew quickly in Portugal after the treaty.",
        "A genetic algorithm tuned the routes.",
        "The kennel club lists every licensed breeder in the county.",
    ],
)
def test_places_and_terms_of_art_stay_quiet(text: str) -> None:
    assert found(text) == [], found(text)


def test_grew_up_still_names_an_origin() -> None:
    assert fires("He grew up in Portugal and moved here at twenty.", "Portugal", "national_origin")


# --- colours said of a person noun, and as a noun ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("my landlord is black and he never had a problem with it", "black"),
        ("the whole team was white except the coach", "white"),
        ("He said he sat next to a black at the game.", "black"),
        ("why do white ppl say that", "white"),
    ],
)
def test_colours_said_of_people(text: str, span: str) -> None:
    assert fires(text, span, "race_colour"), found(text)


@pytest.mark.parametrize("text", ["the barn was white except the doors", "my truck is black and loud"])
def test_colours_said_of_things(text: str) -> None:
    assert not any(a == "race_colour" for _s, a in found(text)), found(text)


# --- a condition one lives with, a language one speaks, an origin one returns to -----------------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("still dealing with epilepsy at 30", "epilepsy", "disability_health"),
        ("she speaks Amharic with her grandmother", "Amharic", "national_origin"),
        ("video call with my abuela in Honduras tonight", "Honduras", "national_origin"),
        ("first trip back to Haiti since i was nine", "Haiti", "national_origin"),
        ("every corpsman i know has a story like that", "corpsman", "military_veteran"),
    ],
)
def test_frames_of_one_s_own(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    ["Exports from Honduras grew in the spring.", "A trip to Haiti is planned for the choir in May."],
)
def test_places_without_an_origin_cue(text: str) -> None:
    assert not any(a == "national_origin" for _s, a in found(text)), found(text)


# --- patterns: ordinal birthdays, reporting a wrong at work, campaigning -------------------------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("can't believe my 30th is on a monday", "my 30th", "age"),
        (
            "I reported the sexual harassment on night shift to HR.",
            "reported the sexual harassment",
            "protected_activity",
        ),
        (
            "he testified about the safety violations at the plant",
            "testified about the safety violations",
            "protected_activity",
        ),
        ("Vote Dana Reyes for mayor!", "Vote Dana Reyes for mayor", "political"),
        ("voted alvarez for congress this morning", "voted alvarez for congress", "political"),
    ],
)
def test_new_patterns_fire(text: str, span: str, axis: str) -> None:
    assert (span, axis) in found(text), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The office is on my 3rd floor landing.",
        "It was her 22nd attempt at the climb.",
        "The candidates for mayor debated on Tuesday.",
        "The paper reported the results on Monday.",
    ],
)
def test_new_patterns_stay_quiet(text: str) -> None:
    assert found(text) == [], found(text)


# --- words that are mentions only when they are someone's -----------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("I had my genome sequenced last year.", "genome", "genetic"),
        ("our choir director retired in May", "choir director", "religion"),
        ("what are your pronouns?", "pronouns", "gender_identity"),
        ("The candidate was admitted to the psychiatric unit in 2019.", "psychiatric", "disability_health"),
    ],
)
def test_own_words_fire_when_someone_s(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Geneticists sequenced the wheat genome in 2018.",
        "Dana Ruiz, the choir director, approved the budget.",
        "The grammar book covers the pronoun system.",
        "Oncology wards were expanded in the new building.",
        "The farmhouse on the lot is roughly 120 years old.",
        "The old barn on the property is 80 years old.",
    ],
)
def test_own_words_and_ages_of_things_stay_quiet(text: str) -> None:
    assert found(text) == [], found(text)


def test_a_person_beside_a_thing_keeps_the_age() -> None:
    assert fires("My son, who drives a truck, is 20 years old.", "20 years old", "age")


# --- pregnancy announcements, a relative's condition said of them, attending a service -----------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("7 months expecting and still on patrol", "7 months expecting", "pregnancy"),
        ("little one coming this spring!!", "little one coming this spring", "pregnancy"),
        ("My daughter has epilepsy and it runs on my side.", "daughter has epilepsy", "genetic"),
        ("her cousin's diabetes made her get tested", "cousin's diabetes", "genetic"),
        ("missed temple again because of the night shift", "temple", "religion"),
        ("the kids asked to go to confession", "confession", "religion"),
        ("Photos from Holy Cross parish festival.", "Cross parish", "religion"),
    ],
)
def test_announcements_relatives_and_attendance(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Deputies from Jefferson Parish responded.",
        "The factory switched to mass production in 1950.",
        "The suspect's confession was recorded.",
        "Fans cheered after Temple beat Navy.",
        "The lease runs 12 months with child care included.",
    ],
)
def test_services_and_parishes_that_are_not(text: str) -> None:
    assert not any(a in ("religion", "pregnancy") for _s, a in found(text)), found(text)


# --- institutions, parties and programmes: about someone, not the subject of general text --------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("He joined the army right after high school.", "army", "military_veteran"),
        ("my uncle did 20 years in the Coast Guard", "Coast Guard", "military_veteran"),
        ("She donated to the Libertarian Party twice.", "Libertarian Party", "political"),
        ("The candidate filed an EEOC charge in 2020.", "EEOC", "protected_activity"),
        ("#ArmyStrong", "#ArmyStrong", "military_veteran"),
        ("EEOC stuff at work again", "EEOC", "protected_activity"),
    ],
)
def test_institutions_fire_when_someone_has_to_do_with_them(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The army built the bridge in six weeks.",
        "The Coast Guard is responsible for search and rescue.",
        "The Libertarian Party won no seats in the election.",
        "The EEOC publishes annual statistics on charges.",
        "Whistleblower protection laws vary from state to state.",
        "The Mother Lode is a gold-bearing belt in California.",
        "Veterans Day falls on a Tuesday this year.",
    ],
)
def test_institutions_in_general_text_stay_quiet(text: str) -> None:
    assert found(text) == [], found(text)


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("Psychiatric nursing became a specialty in the 1950s.", True),
        ("Wheelchair ramps are required at public entrances.", True),
        ("Monasteries copied manuscripts in the Middle Ages.", True),
        ("my wheelchair ramp finally got built", False),
        ("He spent a year at a Buddhist monastery.", False),
    ],
)
def test_fields_fittings_and_buildings_in_general_text(text: str, quiet: bool) -> None:
    assert (found(text) == []) is quiet, found(text)


# --- epithets with an everyday sense, in frames of abuse ------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "axis"),
    [
        ("lol typical geezer behavior at the meeting", "geezer", "age"),
        ("get these mutants out of my feed", "mutants", "genetic"),
        ("another fossil moved into the corner office", "fossil", "age"),
    ],
)
def test_epithets_in_frames_of_abuse(text: str, span: str, axis: str) -> None:
    assert fires(text, span, axis), found(text)


@pytest.mark.parametrize(
    "text",
    ["A fossil was found in the quarry.", "The breeder sold us a puppy.", "These mutants of the gene were rare."],
)
def test_everyday_senses_of_epithets_stay_quiet(text: str) -> None:
    assert found(text) == [], found(text)
