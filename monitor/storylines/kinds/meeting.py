"""The `meeting` kind: two parties meet (a summit, talks, a sit-down), at a place or not.

Roles: parties (two alias lists: `parties = [["Joe Biden", "Biden"], ["Xi Jinping", "Xi"]]`),
place (optional: the city or venue). Statuses as for a visit: proposed, imminent, scheduled,
underway, concluded, cancelled_or_postponed. Fact: meeting_date.

Slots: {party_a}, {party_b}, {party} (either), {venue}; {actor} is the first party, {place}
the second party or the venue: a sentence about the meeting names both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.storylines.kinds import reporting
from monitor.storylines.kinds.base import NEVER, Kind, Role, StatusRule, role_pattern
from monitor.storylines.kinds.cue import Cue

_MEET = r"(?:meet|meets|meeting|summit|talks|sit down|sit-down|face-to-face|tete-a-tete)"
_FUTURE = (reporting.FUTURE, reporting.AHEAD, r"\bupcoming\b")

PROPOSED = StatusRule(
    "proposed", "Proposed", "A meeting is sought, agreed in principle or being arranged; no date.",
    cues=(
        Cue("agreed to meet", r"\b(?:agreed|agree|plan|plans|planning|hope|hopes|hoping|want|"
            r"wants|seek|seeks|seeking|look(?:s|ing)? forward|intend|intends|aim|aims|working|"
            r"work)\b[^.]{0,40}\b(?:to )?(?:meet|hold (?:a |their )?(?:summit|talks|meeting))\b",
            "the two leaders agreed to meet in person"),
        Cue("possible meeting", r"\b(?:possible|potential|proposed|planned|prospective|"
            r"in-person|face-to-face|long-awaited|anticipated)\s+(?:\w+\s+)?(?:meeting|summit|"
            r"talks|sit-down)\b"),
        Cue("invitation", r"\binvit\w*\b[^.]{0,80}\b(?:visit|come|meet|summit|talks)\b"),
        Cue("being sought", rf"\b{_MEET}\b[^.]{{0,80}}\b(?:if one can be arranged|(?:is|was|are) "
            r"being (?:sought|arranged|discussed|organi[sz]ed|worked out)|(?:is|are) yet to be "
            r"(?:decided|finali[sz]ed|confirmed|arranged)|(?:has|have) (?:not )?yet (?:to )?"
            r"(?:been )?(?:finali[sz]ed|confirmed|decided|locked in))"
            r"|\b(?:the prospect of|secure|grant \w+) "
            r"(?:a |an )?(?:\w+ ){0,2}" + rf"{_MEET}\b"
            r"|\bnothing has been (?:locked in|finali[sz]ed|confirmed)\b",
            "a bilateral meeting would be positive if one can be arranged"),
        Cue("being arranged", r"\b(?:discuss\w*|preparations?|preparing|coordinat\w*|arrang\w*|"
            r"lay(?:ing)? the groundwork|pav\w+ the way|set(?:ting)? the stage)\b[^.]{0,60}"
            rf"\b{_MEET}\b"),
        Cue("some day", rf"\b{_MEET}\b[^.]{{0,60}}\b(?:later this year|this year|in the fall|"
            r"in the autumn|next year|at some point|in the coming months|in november)\b"),
        Cue("no date yet", r"\bno (?:specific |exact |concrete |official |firm )?(?:date|dates|"
            r"timing)\b[^.]{0,40}\b(?:set|agreed|fixed|announced|decided|determined|yet)\b"),
    ),
    unless=(r"\b(?:met|held talks)\b",))

IMMINENT = StatusRule(
    "imminent", "Imminent", "Reported as coming within days or weeks, without an official date.",
    doubted_as="proposed", within_weeks=True,
    cues=(Cue("a meeting", rf"\b{_MEET}\b|\bmet\b"),),
    also=reporting.WITHIN_WEEKS,
    unless=(
        # Nothing fixed yet: "No meeting has yet been finalised, but both will attend".
        r"\b(?:yet to be|not yet|has yet|have yet|nothing has been)\b[^.]{0,30}\b(?:finali[sz]ed|"
        r"decided|confirmed|arranged|locked in)\b",
        r"\bcoming (?:months|years)\b",  # "no date yet" is imminent, if within weeks
        r"\b(?:met|held|ended|wrapped up|concluded)\b",
    ))

SCHEDULED = StatusRule(
    "scheduled", "Scheduled", "A date has been announced (fact meeting_date).",
    cues=(Cue("the meeting on a date", rf"\b{_MEET}\b",
              "Biden will meet Xi on Wednesday, the White House said"),),
    facts=("meeting_date",), hedged_as="imminent", today_as="underway",
    unless=(
        *reporting.NO_DATE_YET, r"\b(?:met|held talks|ended|concluded|wrapped up)\b",
        r"\bhas (?:been )?(?:postponed|cancell?ed|called off)\b",
    ))

UNDERWAY = StatusRule(
    "underway", "Underway", "The meeting is going on.", not_before_fact="meeting_date",
    cues=(
        Cue("meeting now", r"\b(?:are|were|is) (?:now )?(?:meeting|holding (?:talks|a summit|"
            r"their summit)|in talks|sitting down)\b|\b(?:talks|summit|meeting)\b[^.]{0,40}"
            r"\b(?:are|is) (?:now )?(?:under ?way|taking place|going on|ongoing)\b",
            "Biden and Xi are meeting at an estate south of San Francisco"),
        Cue("began talks", r"\b(?:began|begin|begins|started|opened|kicked off)\b[^.]{0,20}"
            rf"\b{_MEET}\b"),
        Cue("shook hands", r"\b(?:shook|shake|shakes) hands\b|\bgreeted each other\b"),
    ),
    unless_in_clause=_FUTURE,
    unless=(r"\b(?:last|previous) (?:time|meeting|summit)\b",
            r"\bafter (?:their|the) (?:\w+ )?(?:meeting|summit|talks)\b"))

CONCLUDED = StatusRule(
    "concluded", "Concluded", "The meeting is over.", not_before_fact="meeting_date",
    cues=(
        Cue("they met", r"\b(?:met|held (?:a |their )?(?:\w+ )?(?:summit|talks|meeting))\b",
            "Biden and Xi met for four hours on Wednesday"),
        Cue("after the meeting", r"\b(?:after|following|since) (?:their|the|a|wednesday's|"
            r"this week's) (?:\w+ ){0,2}(?:meeting|summit|talks)\b"),
        Cue("met for a while", rf"\b{_MEET}\b[^.]{{0,60}}\blasted\b|\bhad (?:a|an|their) "
            r"(?:[\w“”\"'-]+,? (?:and )?){0,5}(?:meeting|talks|summit) with\b"
            r"|\b(?:spoke|talked) with\b[^.]{0,60}\bon the sidelines\b",
            "The meeting, which lasted 32 minutes, covered trade"),
        Cue("meeting ended", rf"\b{_MEET}\b[^.]{{0,80}}\b(?:ended|concluded|wrapped up|was over|"
            r"broke up|fell apart|collapsed|was cut short)\b|\b(?:ended|concluded|wrapped up|cut "
            r"short|broke off|walked out of|left)\s+(?:their|the|a)\s+(?:\w+\s+){0,2}(?:summit|"
            r"meeting|talks)\b|\b(?:agreed|pledged|announced|reached)\b[^.]{0,60}\b(?:at|during|"
            r"in) (?:their|the) (?:\w+ )?(?:meeting|summit|talks)\b",
            "The summit between the two leaders in Hanoi ended with no agreement"),
    ),
    unless=(*_FUTURE, r"\b(?:last|previous) (?:time|year)\b",
            r"\bhave(?:n't| not) met\b|\bnot met\b"))

CANCELLED = StatusRule(
    "cancelled_or_postponed", "Cancelled or postponed", "The meeting was called off or put off.",
    setback=True,
    cues=(
        Cue("called off", rf"\b{_MEET}\b[^.]{{0,60}}\b(?:has been|was|had been|is being|been) "
            r"(?:postponed|cancell?ed|called off|put off|delayed|scrapped|shelved)\b"
            r"|\b(?:postpon\w*|cancel\w*|called off|call off|put off|scrapped|shelved)\b[^.]{0,40}"
            rf"\b{_MEET}\b"),
    ),
    unless=(r"\b(?:if|could|may|might|would|possibly|rumou?r\w*|speculat\w*)\b",))


def _slots(roles: Mapping[str, Sequence[str]]) -> dict[str, str]:
    party_a = role_pattern(roles["party_a"])
    party_b = role_pattern(roles["party_b"])
    venue = role_pattern(roles.get("place", ()))
    slots = {"party_a": party_a, "party_b": party_b, "party": f"{party_a}|{party_b}",
            "venue": venue, "actor": party_a, "place": f"{party_b}|{venue}",
            "where": venue}
    if not roles.get("place"):
        slots["elsewhere"] = NEVER  # without a venue, no place is somewhere else
    return slots


def _groups(roles: Mapping[str, Sequence[str]]) -> list[list[str]]:
    return [list(roles["party_a"]), list(roles["party_b"])]


FOCUS = (
    Cue("the two meet", rf"{{party_a}}[^.;]{{0,80}}\b{_MEET}\w*\b[^.;]{{0,80}}{{party_b}}"
        rf"|{{party_b}}[^.;]{{0,80}}\b{_MEET}\w*\b[^.;]{{0,80}}{{party_a}}|\bmet\b[^.;]{{0,40}}"
        r"(?:{party_a}|{party_b})"),
    Cue("their summit", rf"(?:{{party_a}}|{{party_b}})[\s-]+(?:{{party_a}}|{{party_b}})\s+{_MEET}"
        rf"|\b{_MEET}\b[^.;]{{0,20}}\b(?:between|with)\b[^.;]{{0,40}}(?:{{party_a}}|{{party_b}})"),
    Cue("at the venue", rf"\b{_MEET}\w*\b[^.;]{{0,80}}{{venue}}|{{venue}}[^.;]{{0,80}}\b{_MEET}"),
)

KIND = Kind(
    name="meeting",
    description="Two parties meet: from a meeting sought to a date announced, the talks and "
                "their end.",
    roles=(
        Role("parties", "The two sides, each a list of aliases", pairs=True),
        Role("place", "Where they meet (city, venue)", required=False),
    ),
    statuses=(PROPOSED, IMMINENT, SCHEDULED, UNDERWAY, CONCLUDED, CANCELLED),
    slots=_slots, groups=_groups, focus=FOCUS,
)
