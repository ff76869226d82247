"""The `visit` kind on its own: a storyline set up only by its roles (no names in the
package), read sentence by sentence the way Duckling tests a dimension against its corpus.

The sentences are this team's short phrasings of shapes met in real reports (the real reports
themselves are scored by bench/storylines_quality.py); each names the cue family it pins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.storylines.kinds import load_storyline
from monitor.storylines.status import observe

SPEC = load_storyline({
    "id": "modi-moscow", "title": "Modi Moscow visit", "kind": "visit", "seeds": [],
    "roles": {"visitor": ["Narendra Modi", "Modi", "Indian Prime Minister"],
              "destination": ["Russia", "Moscow"], "host": ["Vladimir Putin", "Putin"],
              "visitor_home": ["India", "New Delhi"]}})
SUN = datetime(2024, 6, 30, 12, tzinfo=UTC)
THU = datetime(2024, 7, 4, 12, tzinfo=UTC)
MON = datetime(2024, 7, 8, 12, tzinfo=UTC)
TUE = datetime(2024, 7, 9, 15, tzinfo=UTC)

CASES = [
    # (sentence, published, status or None, facts, cue family or why)
    ("Putin invited Modi to visit Russia at a convenient time.", SUN, "proposed", {},
     "invitation to come"),
    ("Modi is considering a trip to Moscow later this year.", SUN, "proposed", {},
     "some day soon"),
    ("No date has been set yet for Modi's visit to Russia.", SUN, "proposed", {},
     "no date yet"),
    ("Modi will travel to Moscow in the coming weeks.", SUN, "imminent", {}, "a trip"),
    ("Modi could travel to Moscow in the coming weeks, an aide said.", SUN, "proposed", {},
     "a possibility within weeks is only proposed"),
    ("Modi is expected to visit Russia in early July.", SUN, "imminent", {},
     "a month part that starts within six weeks"),
    ("Modi plans to visit Russia in July.", SUN, "proposed", {},
     "an intention, not an expectation"),
    ("Modi will visit Moscow on July 8-9, the foreign ministry said.", THU, "scheduled",
     {"visit_date": "2024-07-08", "visit_end": "2024-07-09"}, "the trip on a date"),
    ("Modi will visit Moscow on July 8, the Tribune reported.", THU, "imminent", {},
     "a date from another outlet's report is not announced"),
    ("Modi will visit Moscow on July 8, people familiar with the matter said.", THU,
     "imminent", {}, "sources"),
    ("Modi will arrive in Moscow on Monday, the ministry said on Thursday.", THU, "scheduled",
     {"visit_date": "2024-07-08"}, "Thursday is when it was said, Monday the visit"),
    ("Modi arrived in Moscow on Monday for a two-day visit.", MON, "underway", {},
     "arrived at the destination"),
    ("Modi visits Moscow today, his first trip since 2019.", MON, "underway", {},
     "dated today in the present: under way"),
    ("Modi wrapped up his two-day visit to Russia and left for Vienna.", TUE, "concluded", {},
     "left the destination"),
    ("Modi's visit to Russia has been postponed, officials in New Delhi said.", THU,
     "cancelled_or_postponed", {}, "called off"),
    ("Russia has sent invitations to several Asian leaders including Modi to meet Putin in "
     "Moscow in the autumn.", SUN, "proposed", {}, "invitation to come (to meet there)"),
    ("Modi plans to travel to Moscow around July 8-9, according to Bloomberg.", SUN,
     "imminent", {}, "another outlet's approximate dates"),
    ("Modi is due to meet Putin in Moscow on August 20.", THU, "imminent", {},
     "an expectation six weeks ahead is a forecast"),
    ("Modi is expected to arrive in Moscow on Monday, the ministry said.", THU, "scheduled",
     {"visit_date": "2024-07-08"}, "an expectation days ahead is the schedule"),
    ("Putin met with Modi earlier on Monday in the Kremlin in Moscow.", MON, "underway", {},
     "the host meets the visitor"),
    ("Modi arrived in Vienna on Tuesday evening, the capital of Austria, from Moscow.", TUE,
     "concluded", {}, "on to the next stop"),
]

NOT_THE_VISIT = [
    ("Putin arrived in New Delhi on Monday for talks with Modi.", MON,
     "the host going to the visitor's home is another trip"),
    ("Indian Foreign Minister Subrahmanyam Jaishankar arrived in Moscow on Monday.", MON,
     "someone else's trip"),
    ("Modi arrived in Kyiv on Friday for talks.", MON, "another stop of the visitor"),
    ("Modi invited Putin to visit India next year.", SUN, "an invitation the other way"),
    ("Modi denied that he would travel to Moscow this week.", SUN, "a denial"),
    ("Modi last visited Russia in 2019, when he met Putin in Vladivostok.", SUN, "a recap"),
    ("Will Modi travel to Moscow this week?", SUN, "a question"),
    ("Modi will visit Moscow on July 1, the ministry said.", THU,
     "nothing is scheduled for a day before publication"),
]


@pytest.mark.parametrize(("sentence", "when", "status", "facts", "why"), CASES,
                         ids=[c[0][:50] for c in CASES])
def test_a_sentence_states_the_visit_status(sentence: str, when: datetime, status: str,
                                            facts: dict[str, str], why: str) -> None:
    observation = observe(SPEC, "", sentence, when)
    assert observation is not None, why
    assert (observation.status, observation.facts) == (status, facts), why


@pytest.mark.parametrize(("sentence", "when", "why"), NOT_THE_VISIT,
                         ids=[c[0][:50] for c in NOT_THE_VISIT])
def test_a_sentence_about_something_else_states_nothing(sentence: str, when: datetime,
                                                         why: str) -> None:
    observation = observe(SPEC, "", sentence, when)
    assert observation is None or observation.status not in (
        "proposed", "scheduled", "underway", "concluded"), (why, observation)


def test_the_reading_names_its_cue_family_and_roles() -> None:
    observation = observe(SPEC, "", "Putin greeted Modi at the airport in Moscow.", MON)
    assert observation is not None and observation.status == "underway"
    assert observation.explanation["cue_family"] == "welcomed on arrival"
    assert observation.explanation["roles"] == {"visitor": "Modi", "destination": "Moscow",
                                                "host": "Putin"}


def test_relative_dates_resolve_in_the_dateline_s_time_zone() -> None:
    # 22:00 UTC on Sunday is Monday in Moscow, where the dateline puts the writer.
    late = datetime(2024, 7, 7, 22, tzinfo=UTC)
    observation = observe(SPEC, "", "MOSCOW, July 8 (Reuters) - Modi will arrive in Moscow "
                          "tomorrow, the Kremlin said.", late)
    assert observation is not None and observation.facts == {"visit_date": "2024-07-09"}


def test_a_setback_below_the_lead_is_a_recap() -> None:
    text = ("Modi will arrive in Moscow on Monday, the ministry said. Officials worked on the "
            "agenda. Trade was high on it. Energy too. His visit was postponed in 2023 over "
            "scheduling.")
    observation = observe(SPEC, "", text, THU)
    assert observation is not None and observation.status == "scheduled"


def test_an_article_that_dates_the_visit_days_ahead_does_not_report_it_under_way() -> None:
    text = ("Modi will visit Moscow on July 12, the foreign ministry said on Thursday. "
            "Modi is visiting Russia at the invitation of Putin, the ministry said.")
    observation = observe(SPEC, "", text, THU)
    assert observation is not None and observation.status == "scheduled"


def test_a_title_about_the_visitor_lets_a_possessive_title_stand_for_him() -> None:
    observation = observe(SPEC, "Modi wraps up Russia visit", "India's prime minister said "
                          "Tuesday that ties were strong, as he wrapped a state visit to Russia.",
                          TUE)
    assert observation is not None and observation.status == "concluded"


def test_a_postponement_told_beside_the_plan_that_fell_is_news() -> None:
    observation = observe(SPEC, "", "Modi's visit to Russia, postponed on Thursday because of "
                          "floods, was supposed to open a new chapter.", THU)
    assert observation is not None and observation.status == "cancelled_or_postponed"


def test_a_postponement_placed_in_another_month_is_a_recap() -> None:
    text = ("Modi will travel to Moscow in the coming weeks. He was due to visit in March but "
            "the trip was postponed.")
    observation = observe(SPEC, "", text, THU)
    assert observation is not None and observation.status == "imminent"


def test_the_lead_is_counted_in_prose_sentences_not_page_furniture() -> None:
    text = ("Modi visit postponed\nUpdated: 4 Jul 2024, 08:45 PM IST\nBy Staff\n"
            "On his first trip abroad since the election, Modi was going first to Russia "
            "before heading on to Austria.\n"
            "Indian officials said the economy and energy trade would be on the agenda in "
            "Moscow this summer.\n"
            "Modi's visit to Russia, postponed on Thursday because of floods at home, was "
            "supposed to open a new chapter in relations.")
    observation = observe(SPEC, "", text, THU)
    assert observation is not None and observation.status == "cancelled_or_postponed"


def test_an_announcement_by_a_government_body_is_marked_official() -> None:
    observation = observe(SPEC, "", "Modi will visit Moscow on August 20, the foreign ministry "
                          "announced on Thursday.", THU)
    assert observation is not None and observation.status == "scheduled"
    assert observation.explanation["official"] is True


@pytest.mark.parametrize("sentence", [
    "Modi and Putin held talks on Wednesday.",          # where? they also meet elsewhere
    "Putin met with Modi on the sidelines of the summit.",
    "Modi welcomed visiting Russian President Putin to New Delhi.",
    "Modi greeted Putin upon arrival.",                 # the host's trip, the other way
])
def test_the_leaders_meeting_is_the_visit_only_at_its_destination(sentence: str) -> None:
    observation = observe(SPEC, "", sentence, MON)
    assert observation is None or observation.status != "underway"


def test_the_visiting_leader_is_the_visitor() -> None:
    observation = observe(SPEC, "", "Putin held talks with visiting Indian Prime Minister "
                          "Narendra Modi on Monday in Moscow.", MON)
    assert observation is not None and observation.status == "underway"
