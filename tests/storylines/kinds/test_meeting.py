"""The `meeting` kind on its own: two parties and an optional place, filled in from roles.
Short phrasings of shapes met in real reports; each names what it pins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.storylines.kinds import load_storyline
from monitor.storylines.status import observe

SPEC = load_storyline({
    "id": "lula-xi", "title": "Lula Xi meeting", "kind": "meeting", "seeds": [],
    "roles": {"parties": [["Luiz Inacio Lula da Silva", "Lula"], ["Xi Jinping", "Xi"]],
              "place": ["Beijing"]}})
OCT = datetime(2023, 10, 2, 12, tzinfo=UTC)
NOV = datetime(2023, 11, 10, 12, tzinfo=UTC)
WED = datetime(2023, 11, 15, 20, tzinfo=UTC)

CASES = [
    ("Lula hopes to meet Xi later this year.", OCT, "proposed", {}, "agreed to meet"),
    ("Lula and Xi plan to meet in Beijing next month.", OCT, "proposed", {},
     "an intention a month away is not yet imminent"),
    ("Lula will meet Xi in Beijing next week, aides said.", NOV, "imminent", {}, "a meeting"),
    ("Lula will meet Xi in Beijing on Wednesday, the presidency said.", NOV, "scheduled",
     {"meeting_date": "2023-11-15"}, "the meeting on a date"),
    ("Lula and Xi are meeting in Beijing, state media said.", WED, "underway", {},
     "meeting now"),
    ("Lula meets Xi in Beijing, Wednesday, Nov. 15, 2023.", WED, "underway", {},
     "a caption dated today in the present"),
    ("Lula and Xi ended their Beijing summit without a joint statement.", WED, "concluded",
     {}, "meeting ended"),
    ("The summit between Lula and Xi in Beijing ended with no agreement, Lula said.", WED,
     "concluded", {}, "meeting ended, a long subject"),
    ("The meeting between Lula and Xi has been postponed, the presidency said.", NOV,
     "cancelled_or_postponed", {}, "called off"),
    ("Lula said a meeting with Xi would be useful if one can be arranged in Beijing.", OCT,
     "proposed", {}, "being sought"),
    ("No meeting between Lula and Xi has yet been finalised, aides said.", OCT, "proposed", {},
     "not yet finalised is being arranged, not denied"),
    ("The meeting between Lula and Xi, which lasted 40 minutes, covered trade.", WED,
     "concluded", {}, "met for a while"),
    ("Lula had a warm and positive first meeting with Xi in Beijing.", WED, "concluded", {},
     "met for a while"),
]

NOT_THE_MEETING = [
    ("Lula spoke with Xi by phone on Tuesday.", NOV, "a call"),
    ("There has been no such meeting set up between Lula and Xi.", OCT, "no such event"),
    ("Lula will meet Xi at the Nov 15 to 17 G20 gathering, the paper said.", NOV,
     "the date of another gathering"),
    ("As Lula and Xi prepare to hold their first summit on Monday, Nov. 15, aides are busy.",
     NOV, "a weekday that does not fit the year: another year's text"),
]


@pytest.mark.parametrize(("sentence", "when", "status", "facts", "why"), CASES,
                         ids=[c[0][:50] for c in CASES])
def test_a_sentence_states_the_meeting_status(sentence: str, when: datetime, status: str,
                                              facts: dict[str, str], why: str) -> None:
    observation = observe(SPEC, "", sentence, when)
    assert observation is not None, why
    assert (observation.status, observation.facts) == (status, facts), why


@pytest.mark.parametrize(("sentence", "when", "why"), NOT_THE_MEETING,
                         ids=[c[0][:50] for c in NOT_THE_MEETING])
def test_a_sentence_about_something_else_dates_nothing(sentence: str, when: datetime,
                                                       why: str) -> None:
    observation = observe(SPEC, "", sentence, when)
    assert observation is None or observation.status not in ("scheduled", "underway",
                                                             "concluded"), (why, observation)
