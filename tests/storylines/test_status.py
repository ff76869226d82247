"""What one article states about the visit's status (monitor.storylines.status)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.storylines.seeds import load_seeds
from monitor.storylines.status import observe, split_sentences
from tests.storylines.replay import PROJECT, Item, load_spec, replay

SPEC = load_spec()
JAN = datetime(2024, 1, 21, 12, tzinfo=UTC)
MON = datetime(2024, 6, 17, 12, tzinfo=UTC)   # Monday, the day of the announcement
TUE = datetime(2024, 6, 18, 20, tzinfo=UTC)
WED = datetime(2024, 6, 19, 12, tzinfo=UTC)
THU = datetime(2024, 6, 20, 12, tzinfo=UTC)
JUL = datetime(2024, 7, 10, 12, tzinfo=UTC)
MAY = datetime(2024, 5, 20, 12, tzinfo=UTC)
JUN10 = datetime(2024, 6, 11, 12, tzinfo=UTC)


def status_of(sentence: str, when: datetime) -> tuple[str | None, dict[str, str]]:
    observation = observe(SPEC, "", sentence, when)
    return (observation.status, observation.facts) if observation else (None, {})


def test_seeds_replayed_give_proposed_then_scheduled_on_the_18th() -> None:
    seeds = load_seeds(SPEC, PROJECT)
    items = [Item(s.outlet, s.title, s.text, s.published_at) for s in seeds]
    changes = replay(SPEC, items)
    assert [(c.to_status, c.report.published_at.date().isoformat(), c.facts_after)
            for c in changes] == [
        ("proposed", "2024-01-21", {}),
        ("scheduled", "2024-06-17", {"visit_date": "2024-06-18"}),
    ]
    assert changes[1].evidence == ("Mr Putin is expected to arrive in the capital on Tuesday "
                                   "to meet North Korean leader Kim Jong Un.")


CASES = [
    # proposed: invited, willing, no date, being coordinated
    ("Putin expressed his willingness to visit Pyongyang at an early date, KCNA said.", JAN,
     "proposed", {}),
    ("Kim Jong Un invited Putin to visit North Korea at a convenient time.", JAN, "proposed", {}),
    ("Kremlin spokesman Dmitry Peskov said preparations for Putin's visit to North Korea were "
     "under way but no date had been set.", MAY, "proposed", {}),
    ("Peskov clarified that no specific date has been agreed upon yet for Putin's visit to "
     "North Korea.", JAN, "proposed", {}),
    ("Putin accepted Kim Jong Un's invitation to visit Pyongyang, the Kremlin said.", JAN,
     "proposed", {}),
    # imminent: coming in days or weeks, no official date
    ("Putin will visit North Korea in the coming weeks, Vedomosti reported.", JUN10,
     "imminent", {}),
    ("Russian President Vladimir Putin is expected to visit North Korea within days, "
     "a South Korean official said.", JUN10, "imminent", {}),
    ("Putin is likely to travel to Pyongyang next week, sources said.", JUN10, "imminent", {}),
    ("Putin could visit North Korea as early as June 18, according to a report.", JUN10,
     "imminent", {}),
    # scheduled: a date announced
    ("Putin will pay a state visit to the DPRK on June 18-19, Kremlin aide Yuri Ushakov said on "
     "Monday.", MON, "scheduled", {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}),
    ("At the invitation of Kim Jong Un, Vladimir Putin will pay a state visit to the DPRK from "
     "18 to 19 June, KCNA said.", MON, "scheduled",
     {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}),
    ("Mr Putin is expected to arrive in Pyongyang on Tuesday to meet Kim Jong Un.", MON,
     "scheduled", {"visit_date": "2024-06-18"}),
    ("The Kremlin announced on Monday that Putin will visit North Korea on Tuesday and "
     "Wednesday.", MON, "scheduled", {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}),
    ("Putin will visit North Korea on June 18-19 and then Vietnam on June 19-20.", MON,
     "scheduled", {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}),
    # underway: arrived, talks taking place
    ("Russian President Vladimir Putin arrived in Pyongyang early on Wednesday for a two-day "
     "state visit.", WED, "underway", {}),
    ("Putin arrives in North Korea for summit with Kim Jong Un", TUE, "underway", {}),
    ("Kim Jong Un greeted Putin at the airport in Pyongyang.", WED, "underway", {}),
    ("Putin and Kim Jong Un are holding talks in Pyongyang.", WED, "underway", {}),
    # concluded
    ("Putin left Pyongyang for Vietnam early on Thursday after signing a defence pact with "
     "Kim Jong Un.", THU, "concluded", {}),
    ("Putin wrapped up his visit to North Korea and flew to Hanoi.", THU, "concluded", {}),
    ("Putin arrived in Hanoi early on Thursday after his state visit to North Korea.", THU,
     "concluded", {}),
    ("Putin visited North Korea last week, signing a mutual defence treaty.", JUL,
     "concluded", {}),
    # cancelled or postponed
    ("Putin's visit to North Korea has been postponed, the Kremlin said.", MAY,
     "cancelled_or_postponed", {}),
]


@pytest.mark.parametrize(("sentence", "when", "expected", "facts"), CASES)
def test_cue_sentences(sentence: str, when: datetime, expected: str,
                       facts: dict[str, str]) -> None:
    assert status_of(sentence, when) == (expected, facts)


NOT_SCHEDULED = [
    ("No date was announced for the Putin visit to North Korea.", JAN),
    ("The Kremlin denied reports that Putin will visit Pyongyang on June 18.", JUN10),
    ("It remains to be seen whether Putin will visit North Korea on June 18.", JUN10),
    ("Peskov said no specific date has been agreed for Putin's trip to North Korea.", MAY),
    ("Peskov declined to say when Putin would visit North Korea, saying the date has not been "
     "announced yet.", MAY),
]


@pytest.mark.parametrize(("sentence", "when"), NOT_SCHEDULED)
def test_negations_and_attributions_are_not_a_schedule(sentence: str, when: datetime) -> None:
    assert status_of(sentence, when)[0] != "scheduled"


OTHER_EVENTS = [
    ("Putin last visited Pyongyang in July 2000, when he met Kim Jong Il.", JAN),
    ("Putin arrived in Pyongyang on July 19, 2000 for talks with Kim Jong Il.", JAN),
    ("Xi Jinping stayed at the guesthouse during his state visit to North Korea in 2019.", MON),
    ("Kim Jong Un met Putin at the Vostochny cosmodrome in September.", JAN),
    ("Kim Jong Un's trip to Russia in September ended with Putin accepting an invitation.", JAN),
    ("Putin arrived in Vietnam on June 20 for talks with Vietnamese leaders.", THU),
    ("North Korea has shipped artillery shells to Russia, Putin's critics say.", MAY),
    ("Putin is expected to visit Vietnam on June 19-20 after North Korea.", MON),
]


@pytest.mark.parametrize(("sentence", "when"), OTHER_EVENTS)
def test_sentences_about_other_events_signal_no_forward_status(sentence: str,
                                                               when: datetime) -> None:
    assert status_of(sentence, when)[0] in (None, "proposed")


def test_future_arrival_is_not_underway() -> None:
    assert status_of("Putin will arrive in Pyongyang on Tuesday evening.", MON) == (
        "scheduled", {"visit_date": "2024-06-18"})
    assert status_of("When Putin arrives in Pyongyang, Kim will greet him.", MON)[0] is None


def test_after_north_korea_he_will_visit_vietnam_is_not_concluded() -> None:
    assert status_of("After North Korea, Mr Putin is expected to visit Vietnam.", MON)[0] \
        is None


def test_a_pronoun_carries_the_subject_over_from_the_sentence_before() -> None:
    text = ("Russian President Vladimir Putin will visit North Korea, the Kremlin said. "
            "He will arrive in the capital on Tuesday.")
    observation = observe(SPEC, "", text, MON)
    assert observation is not None
    assert (observation.status, observation.facts) == ("scheduled", {"visit_date": "2024-06-18"})
    assert observation.evidence == "He will arrive in the capital on Tuesday."


def test_strongest_status_wins_and_explanation_names_the_cue() -> None:
    text = ("Putin arrived in Pyongyang on Wednesday. He is willing to visit North Korea again "
            "soon.")
    observation = observe(SPEC, "Putin in North Korea", text, WED)
    assert observation is not None and observation.status == "underway"
    assert observation.explanation["sentence_index"] == 1
    assert observation.explanation["cue"]
    assert "proposed" in observation.explanation["statuses_seen"]


RECAPS = [
    ("In January, Putin said he was willing to come to Pyongyang at an early date.", THU),
    ("Last September, Putin accepted Kim Jong Un's invitation to visit Pyongyang.", JUN10),
    ("Putin arrived in Pyongyang at about 2:22 a.m. on June 19, hours late, and left for Hanoi "
     "the same night.", datetime(2024, 6, 21, 12, tzinfo=UTC)),
]


@pytest.mark.parametrize(("sentence", "when"), RECAPS)
def test_recaps_of_an_earlier_time_are_history(sentence: str, when: datetime) -> None:
    observation = observe(SPEC, "", "Other news. " + sentence, when)
    assert observation is None


def test_the_month_of_the_article_is_not_a_recap() -> None:
    assert status_of("In January, Putin said he was willing to visit Pyongyang at an early "
                     "date.", JAN)[0] == "proposed"


def test_negated_sentences_are_listed_in_the_explanation() -> None:
    text = "The Kremlin denied reports that Putin's visit to North Korea was postponed."
    assert observe(SPEC, "", text, MAY) is None
    text += " Putin is willing to visit Pyongyang soon."
    observation = observe(SPEC, "", text, MAY)
    assert observation is not None and observation.status == "proposed"
    assert observation.explanation["skipped"][0]["reason"] == "negated"


def test_off_topic_article_naming_putin_and_pyongyang_states_nothing() -> None:
    text = ("Washington accused Pyongyang of shipping ballistic missiles to Russia. "
            "The White House said Putin was relying on North Korean arms in Ukraine.")
    assert observe(SPEC, "US says North Korea arms Russia", text, MAY) is None


def test_sentences_split_around_abbreviations() -> None:
    sentences = split_sentences("Title", "Mr. Putin met Mr. Kim in the U.S. capital. He left.\n"
                                "N. Korea said so.")
    assert sentences == ["Title", "Mr. Putin met Mr. Kim in the U.S. capital.", "He left.",
                         "N. Korea said so."]


REAL_COPY = [
    # datelines and datestamps are the day of writing, never the visit date
    ("SEOUL, June 17 (Reuters) - Russian President Vladimir Putin will visit North Korea on "
     "Tuesday, the Kremlin said.", MON, "scheduled", {"visit_date": "2024-06-18"}),
    ("LONDON, June 17 (Reuters) - Russian President Vladimir Putin will visit North Korea on "
     "Tuesday and Wednesday, the Kremlin said on Monday.", MON, "scheduled",
     {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}),
    ("Pyongyang, June 17 (KCNA) -- Vladimir Putin will pay a state visit to the DPRK from "
     "Tuesday.", MON, "scheduled", {"visit_date": "2024-06-18"}),
    ("Russian President Vladimir Putin will visit North Korea on June 18-19, the Kremlin said "
     "on Monday", MON, "scheduled", {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}),
    # abbreviations of the place
    ("Putin to visit N.K. this week", MON, "imminent", {}),
    ("Putin to visit North Korea in coming days, sources say", JUN10, "imminent", {}),
    # speculation and negated travel are not news of a visit
    ("Putin did not travel to North Korea during his visit to China this week, despite "
     "speculation that he could make a stopover in Pyongyang.", MAY, None, {}),
    ("Putin won't visit North Korea this week, the Kremlin said.", MAY, None, {}),
    # headlines and leads of the visit itself
    ("Kim Jong Un greets Putin at Pyongyang airport", WED, "underway", {}),
    ("Russia's Putin in North Korea for talks with Kim", WED, "underway", {}),
    ("Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a mutual "
     "defense pact on Wednesday.", WED, "underway", {}),
    ("Putin and Kim hold summit as Russian leader visits Pyongyang", WED, "underway", {}),
    ("Putin and Kim held talks", WED, "underway", {}),
    ("Putin and Kim held talks at the Vostochny Cosmodrome", MAY, None, {}),
    ("Putin heads to Vietnam after North Korea visit", THU, "concluded", {}),
    ("Putin left Pyongyang early Thursday for Vietnam", THU, "concluded", {}),
    # ... but not things Putin does elsewhere, or agreements recalled
    ("Putin signed a decree on Tuesday on ties with North Korea.", MAY, None, {}),
    ("Putin and Kim Jong Un have agreed to boost ties, KCNA said.", MAY, None, {}),
    # a modal is not a fact
    ("Putin's aide said the two sides could sign a partnership treaty during the visit to "
     "Pyongyang.", MON, None, {}),
]


@pytest.mark.parametrize(("sentence", "when", "expected", "facts"), REAL_COPY)
def test_wire_copy(sentence: str, when: datetime, expected: str | None,
                   facts: dict[str, str]) -> None:
    assert status_of(sentence, when) == (expected, facts)


def test_the_title_gives_the_context_for_the_visit_further_down() -> None:
    text = ("The Kremlin confirmed the trip on Monday. Officials said little else.\n"
            "The Russian leader will arrive for the visit on Tuesday, his aide said.")
    observation = observe(SPEC, "Putin to visit North Korea", text, MON)
    assert observation is not None
    assert (observation.status, observation.facts) == ("scheduled", {"visit_date": "2024-06-18"})


def test_the_title_context_does_not_carry_to_a_visit_elsewhere() -> None:
    text = "Economy news first.\nThe Russian leader will then visit Vietnam on Wednesday."
    assert observe(SPEC, "Putin to visit North Korea", text, MON) is None


ELSEWHERE = [
    ("Putin ends China visit in Harbin, no stop in North Korea", MAY),
    ("Putin's plane leaves Yakutsk for North Korea", TUE),
    ("Putin left Moscow for Pyongyang on Tuesday evening.", TUE),
    ("Putin's first trip abroad this month was to China, where he criticized pressure on "
     "North Korea.", MAY),
    ("Putin returned the visit this week in Pyongyang, where he signed a treaty with Kim Jong "
     "Un.", datetime(2024, 6, 21, 12, tzinfo=UTC)),
]


@pytest.mark.parametrize(("sentence", "when"), ELSEWHERE)
def test_a_cue_about_another_place_or_a_departure_towards_the_place_is_not_news(
        sentence: str, when: datetime) -> None:
    assert status_of(sentence, when)[0] not in ("imminent", "concluded")


PREVIEWS_AND_DELAYS = [
    ("Pyongyang is ready to welcome Putin at the airport", TUE, "underway"),
    ("Putin arriving in Pyongyang tonight", TUE, "underway"),
    ("Kim Jong Un to greet Putin at the airport in Pyongyang", TUE, "underway"),
    ("Putin's visit to North Korea was delayed by several hours, Russian media reported.", TUE,
     "cancelled_or_postponed"),
]


@pytest.mark.parametrize(("sentence", "when", "not_status"), PREVIEWS_AND_DELAYS)
def test_previews_are_not_underway_and_a_late_arrival_is_not_a_postponement(
        sentence: str, when: datetime, not_status: str) -> None:
    assert status_of(sentence, when)[0] != not_status


def test_today_is_the_day_of_the_dateline_not_of_utc() -> None:
    text = ("SEOUL, June 18 (Yonhap) -- Russian President Vladimir Putin will arrive in "
            "Pyongyang later today for a state visit.")
    evening_utc = datetime(2024, 6, 17, 16, tzinfo=UTC)   # 01:00 on 18 June in Seoul
    observation = observe(SPEC, "", text, evening_utc)
    assert observation is not None
    assert observation.facts == {"visit_date": "2024-06-18"}
    assert observation.explanation["date_kind"] == "relative"


def test_a_timeframe_of_something_past_is_not_imminence() -> None:
    title = "Putin's North Korea trip"
    assert observe(SPEC, title, "The visit comes as North Korea sent trash balloons this week.",
                   MAY) is None
    observation = observe(SPEC, title, "The visit is expected within days.", JUN10)
    assert observation is not None and observation.status == "imminent"


@pytest.mark.parametrize(("sentence", "when"), [
    ("Foreign Minister Sergei Lavrov ended his two-day visit to Pyongyang on Thursday, weeks "
     "after Kim Jong Un's summit with Vladimir Putin in Russia.", datetime(2023, 10, 19, 12,
                                                                          tzinfo=UTC)),
    ("A Russian parliamentary delegation arrived in Pyongyang on Friday, as Putin's visit "
     "is being prepared.", MAY),
    ("Defence Minister Andrei Belousov landed in Pyongyang, where he met Kim Jong Un to "
     "discuss Putin's invitation.", MAY),
])
def test_another_officials_trip_is_not_the_visit(sentence: str, when: datetime) -> None:
    assert status_of(sentence, when)[0] in (None, "proposed")


@pytest.mark.parametrize("sentence", [
    "Putin, accompanied by Foreign Minister Sergei Lavrov and Defence Minister Andrei "
    "Belousov, arrived in Pyongyang early on Wednesday.",
    "Lavrov told reporters that Putin had arrived in Pyongyang.",
    "Kim Jong Un greeted Putin at Pyongyang's Sunan airport.",
])
def test_putin_arriving_in_company_is_underway(sentence: str) -> None:
    assert status_of(sentence, WED)[0] == "underway"


@pytest.mark.parametrize("caption", [
    "Vladimir Putin, left, and Kim Jong Un review an honour guard in Pyongyang on Wednesday.",
    "Kim Jong Un (right) and Vladimir Putin wave to the crowd in Pyongyang.",
    "North Korean leader Kim Jong Un, second right, walks with Putin in Pyongyang.",
])
def test_a_photo_captions_left_and_right_are_not_a_departure(caption: str) -> None:
    assert status_of(caption, WED)[0] != "concluded"


def test_a_departure_is_still_read_after_the_caption_rule() -> None:
    assert status_of("Putin left Pyongyang for Hanoi late on Wednesday, ending his state "
                     "visit.", THU)[0] == "concluded"


def test_declining_to_give_dates_is_not_a_date() -> None:
    friday = datetime(2024, 5, 31, 15, tzinfo=UTC)
    assert status_of("Peskov on Friday declined to name a date for Putin's trip to North "
                     "Korea, saying it would be announced in due course.", friday)[0] in (
        None, "proposed")


@pytest.mark.parametrize("sentence", [
    "The banquet for Putin ended late on Wednesday in Pyongyang, and talks resume tomorrow.",
    "Talks between Putin and Kim Jong Un concluded in Pyongyang on Wednesday afternoon "
    "with the signing of a partnership treaty.",
])
def test_a_part_of_the_visit_ending_is_not_the_visit_ending(sentence: str) -> None:
    assert status_of(sentence, WED)[0] != "concluded"


def test_leaving_after_the_talks_ended_is_still_the_end() -> None:
    assert status_of("Putin left Pyongyang late on Wednesday after the talks ended.",
                     THU)[0] == "concluded"


def test_what_the_outlet_flags_as_unverified_is_not_read() -> None:
    text = ("A broadcaster reports that Putin's plane has landed in Pyongyang. We have not "
            "been able to verify this.")
    observation = observe(SPEC, "Putin said to have landed", text, TUE)
    assert observation is None or observation.status != "underway"
    flagged = observe(SPEC, "Putin lands in Pyongyang (unconfirmed)",
                      "Putin's plane has landed in Pyongyang, a broadcaster said.", TUE)
    assert flagged is None or flagged.status != "underway"
    plain = observe(SPEC, "Putin lands in Pyongyang",
                    "Putin's plane has landed in Pyongyang, state television said.", TUE)
    assert plain is not None and plain.status == "underway"


@pytest.mark.parametrize(("title", "text"), [
    ("Putin to visit North Korea on June 18-19, Japanese media say",
     "Putin will visit North Korea on June 18-19, according to Japanese media. Neither Moscow "
     "nor Pyongyang has announced the dates."),
    ("Seoul expects Putin in Pyongyang on June 18",
     "A senior South Korean official said he expected Putin to arrive in Pyongyang on June "
     "18."),
    ("Kremlin mum on Putin trip",
     "The Kremlin declined on Friday to confirm reports that Putin would visit North Korea "
     "on June 18-19."),
])
def test_a_date_that_is_not_the_kremlins_or_pyongyangs_is_not_scheduled(title: str,
                                                                          text: str) -> None:
    observation = observe(SPEC, title, text, datetime(2024, 6, 14, 9, tzinfo=UTC))
    assert observation is None or observation.status in ("proposed", "imminent")
