"""The `visit` kind: a person (the visitor) travels to a place (the destination), where a host
receives them.

Roles: visitor (who travels), destination (the country or city), host (who receives them,
optional), visitor_home (where the visitor comes from, optional: the host going there is
another trip). Statuses, in order: proposed, imminent, scheduled, underway, concluded; and
cancelled_or_postponed, reached only as a setback. Facts: visit_date (first day) and
visit_end (last day, when a range is announced).

Slots: {visitor}, {destination}, {host}, {home}; {actor} is the visitor, {place} the
destination or the host (the host named beside the visitor is the visit's meeting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor.storylines.kinds import reporting
from monitor.storylines.kinds.base import Kind, Role, StatusRule, role_pattern, short_names
from monitor.storylines.kinds.cue import Cue

_HOST_MEETS = (r"\b(?:{host_short})\b[^.]{0,20}\b(?:met|meets|held talks|holds talks) with\b"
               r"[^.]{0,40}{visitor}")
_LEADERS_MEET = (r"\b(?:{visitor})\b[^.]{0,40}\b(?:and|,)\s[^.]{0,40}\b(?:{host_short})(?:'s)?\b,? "
                 r"(?:have |are |were )?(?:held|hold|holding|signed|sign|signing|inked|began|"
                 r"begin|opened|open|met)\b|\bthe two leaders (?:have |are |were )?(?:held|hold|"
                 r"holding|signed|sign|signing|inked|began|opened)\b")
PROPOSED = StatusRule(
    "proposed", "Proposed", "Invited or willing to visit; no date set; being coordinated.",
    cues=(
        Cue("invitation to come", r"\binvit\w*\b[^.]{0,120}\b(?:visit|come|trip)\b"
            r"|\binvit\w*\b[^.]{0,120}\bto meet\b[^.]{0,60}\bin {destination}",
            "Xi invited him to visit at a convenient time"),
        Cue("willing to come", r"\b(?:willing|willingness|ready|readiness|eager|eagerness|keen|"
            r"intention|intends?)\b[^.]{0,40}\b(?:to )?(?:visit|come|travel|trip)\b",
            "expressed his willingness to visit at an early date"),
        Cue("planning a trip", r"\b(?:considering|planning|preparing|prepares|plans|intends|hopes|"
            r"looking forward)\b[^.]{0,40}\b(?:visit\w*|trip|travel\w*|come|coming)\b[^.]{0,40}"
            r"\b{destination}"),
        Cue("some day soon", r"\b(?:visit|travel|come|trip)\w*\b[^.]{0,60}\b(?:at an early date|"
            r"soon|shortly|in the near future|at a convenient time|in due course|at some point|"
            r"this year|later this year|next year)\b"),
        Cue("being arranged", r"\b(?:discuss\w*|talks|preparations?|preparing|coordinat\w*|"
            r"arrang\w*|work(?:ing)? on)\b[^.]{0,60}\b(?:visit|trip)\b"
            r"|\b(?:visit|trip)\b[^.]{0,60}\b(?:being|is being|are being|was being) "
            r"(?:prepared|discussed|coordinated|worked out|arranged)\b"),
        Cue("no date yet", r"\bno (?:specific |exact |concrete |official |firm )?(?:date|dates|"
            r"timing)\b[^.]{0,40}\b(?:set|agreed|fixed|announced|decided|determined|yet)\b"
            r"|\b(?:date|dates|timing)\b[^.]{0,20}\b(?:has|have) yet to be (?:agreed|set|fixed|"
            r"announced|decided|determined)\b", "no specific date has been agreed upon yet"),
        Cue("invitation accepted", r"\baccepted\b[^.]{0,40}\binvitation\b"),
        Cue("planned visit", r"\b(?:planned|possible|potential|proposed|prospective) "
            r"(?:visit|trip)\b|\b(?:visit|trip)\b[^.]{0,60}\bon the agenda\b"),
        Cue("ready to host", r"\b(?:ready|readiness|prepared) to (?:welcome|receive|host)\b"),
    ),
    unless=(r"\b(?:arrived|landed)\b",
            # The visitor inviting someone is the other direction ("Modi invited Lula to
            # visit India"): not this visit proposed.
            r"{visitor}(?:'s)?\b[^.]{0,40}\binvit(?:ed|es|ing)\s+(?!(?:{visitor}))"))

IMMINENT = StatusRule(
    "imminent", "Imminent", "Reported as coming within days or weeks, without an official date.",
    doubted_as="proposed", within_weeks=True,
    cues=(
        Cue("a trip", r"\b(?:visit\w*|trip|travel\w*|arriv\w*|summit)\b"),
        Cue("heading there", r"\b(?:come|coming|head\w*|fly|go|going) to {destination}"),
    ),
    also=(
        *reporting.WITHIN_WEEKS, r"\bas early as\b",
        r"\bexpected to (?:visit|travel|arrive|come|go)\b[^.]{0,40}\bshortly\b",
    ),
    unless=(
        r"\bcoming (?:months|years)\b",  # "no date yet" is imminent, if within weeks
        r"\b(?:spent|returned|visited|went|ended|wrapped up|concluded|arrived|landed)\b",
    ))

SCHEDULED = StatusRule(
    "scheduled", "Scheduled", "A date has been announced (fact visit_date, and visit_end for a "
    "range).",
    cues=(
        Cue("the trip on a date", r"\b(?:visit\w*|trip|travel\w*|tour|arriv\w*|summit|talks|fly|"
            r"flies|land|lands|come|comes|head|heads|be in|stay|meet|meets)\b",
            "is expected to arrive in the capital on Tuesday"),
    ),
    facts=("visit_date", "visit_end"), hedged_as="imminent", today_as="underway",
    unless=(
        *reporting.NO_DATE_YET, r"\bdid not (?:say|give|specify|disclose) when\b",
        r"\b(?:arrived|landed|touched down)\b",
        r"\bhas (?:been )?(?:postponed|cancell?ed|called off)\b",
        # An invitation made at another event carries that event's date.
        r"\binvit\w*\b[^.]{0,80}\b(?:during|at) (?:their|the|a|an) (?:\w+ ){0,2}(?:meeting|talks|"
        r"summit|call|conversation)\b",
    ))

UNDERWAY = StatusRule(
    "underway", "Underway", "The visitor has arrived; talks are taking place.",
    not_before_fact="visit_date",
    cues=(
        Cue("arrived at the destination", r"(?:{actor}|\bhe\b|\bshe\b)[^.]{0,120}?\b(?:arrived|"
            r"arrives|arriving|landed|lands|touched down)\b[^.]{0,40}\b(?:in|at) (?:the )?"
            r"(?:{destination}|capital|airport)", "Blinken arrived in Beijing early on Sunday"),
        Cue("arrived for the visit", r"\b(?:arrived|arrives|landed|lands)\b[^.]{0,30}\bfor "
            r"(?:a |his |her |the )?(?:two-day |three-day |state |official |first )*(?:visit|"
            r"summit|talks)\b"),
        Cue("welcomed on arrival", r"\b(?:welcom\w*|greet\w*|met|meets|receiv\w*|hug\w*|"
            r"embrac\w*)\b[^.]{0,60}\b(?:at (?:the )?(?:{destination}(?:'s)? )?(?:\w+ ){0,2}"
            r"(?:airport|airfield)|on the tarmac|in {destination}|upon arrival|on arrival)\b"
            r"|\b(?:was|were) (?:warmly )?(?:welcomed|greeted|received) (?:to|in) {destination}"),
        Cue("in the destination now", r"{actor}(?:'s)? (?:is |now )?in {destination} for "
            r"(?:talks|a summit|summit|his|her|a |the )"
            r"|\b(?:is|are|was) (?:now |still )?(?:in|visiting) {destination}\b"),
        Cue("talks going on", r"\btalks\b[^.]{0,60}\b(?:are|were) (?:now )?(?:taking place|"
            r"under ?way|going on|ongoing)\b|\b(?:are|were|is) (?:now )?(?:holding|in) "
            r"(?:talks|a summit|negotiations)\b"),
        Cue("talks held there", r"\b(?:held|hold|holds|began|begin|begins|started|opened|open) "
            r"(?:a |their |the )?(?:summit|talks|negotiations)\b[^.]{0,60}\bin {destination}\b"),
        Cue("signed during the visit", r"\b(?:have|has) (?:just )?signed\b|\b(?:signed|sign|signs|"
            r"inked)\b[^.]{0,80}\b(?:in {destination}|during (?:his|her|the|{actor}'s) (?:\w+ )?"
            r"visit)\b"),
        # The two leaders meeting is the visit only at its destination (they also meet
        # elsewhere: the host's own trip, a summit abroad), named before or after.
        Cue("the host meets the visitor", r"{destination}[^.]*?" + _HOST_MEETS
            + r"|" + _HOST_MEETS + r"[^.]*?{destination}",
            "Xi met with Scholz earlier on Friday in the Great Hall of the People in Beijing"),
        Cue("the leaders meet", r"{destination}[^.]*?" + _LEADERS_MEET
            + r"|" + _LEADERS_MEET + r"[^.]*?{destination}"),
        Cue("during the visit", r"\b(?:during|on) (?:his|her|a|{actor}'s) (?:ongoing |current |"
            r"two-day |three-day |first |state |official |landmark )*(?:visit|trip) to "
            r"{destination}\b[^.]{0,80}\b(?:signed|said|told|praised|pledged|agreed|held|met|"
            r"vowed|thanked|rode|attended|laid|toured|is|was)\b"),
        Cue("visit began", r"\b(?:kicked off|began|begins|started|starts|continues|continued) "
            r"(?:his |her |their |a |the )?(?:[\w-]+ ){0,3}(?:visit|trip|tour) (?:to|of|in) "
            r"{destination}",
            "kicked off their three-day state visit to France on Wednesday"),
        Cue("a day of the visit", r"\b(?:first|second|third|final|last) (?:day )?of (?:his|her|"
            r"their|the) (?:[\w-]+ ){0,3}(?:visit|trip|tour)\b",
            "on the second day of his state visit"),
        Cue("welcome ceremony", r"\bwelcome ceremony\b"),
        Cue("the visiting leader", r"\bvisiting (?:\w+ )?(?:president|leader|prime minister|"
            r"premier|secretary|chancellor)\b,? (?:[\w.-]+ ){0,2}?{visitor}",
            "talks with visiting German Chancellor Olaf Scholz"),
    ),
    # A future, or a clause of time or condition: "when Lula arrives, Xi will greet him".
    unless_in_clause=(reporting.FUTURE, reporting.AHEAD,
                      r"\b(?:when|once|until|as soon as|if)\b"),
    unless=(
        # The visitor greeting the host is the host's trip: "Lula greeted Xi upon arrival".
        r"{visitor}\b[^.]{0,20}\b(?:welcomed|welcomes|greeted|greets|received|receives|hugged|"
        r"embraced)\b[^.]{0,30}(?:{host_short})\b",
        r"\bwhen (?:he|she) (?:arrives|lands)\b", r"\bupon (?:his |her )?arrival\b[^.]{0,40}"
        r"\bwill\b", r"\bready to\b", r"\bto (?:welcome|greet|receive|host|meet|hug|embrace|"
        r"hold|sign)\b", r"\btonight\b", r"\blater (?:today|tonight|on|this)\b",
        r"\b(?:last|previous) (?:time|visit)\b",
        r"\bafter (?:his|her|the|a) (?:\w+ )?(?:visit|trip)\b",
    ))

CONCLUDED = StatusRule(
    "concluded", "Concluded", "The visit is over.", not_before_fact="visit_date",
    cues=(
        Cue("left the destination", r"\b(?:left|leaves|departed|departs|leaving|flew out of|"
            r"wrapped(?: up)?|wraps(?: up)?|wrapping up|concluded|concludes|concluding|ended|ends|"
            r"ending(?! with)|"
            r"completed|completes|completing|wound up|winds up)\b[^.]{0,40}\b(?:{destination}|"
            r"visit|trip|tour)\b", "wrapped up his two-day visit"),
        Cue("on the way home", r"\b(?:on (?:his|her|the) way (?:back )?home|(?:returned|"
            r"returns|headed|heading|flew|flies) (?:back )?(?:home|to {home})|back (?:home|in "
            r"{home}))\b", "is on his way back home after concluding a trip"),
        Cue("on to the next stop", r"\bafter (?:his|her|a|the|{actor}'s) (?:\w+ )?(?:state )?"
            r"(?:visit|trip|summit|stop) (?:to|in) {destination}\b[^.]{0,80}\b(?:arrived|"
            r"landed|flew|headed|went|travell?ed|is|was)\b"
            r"|\b(?:arrived|landed)\b[^.]{0,30}{elsewhere}[^.]{0,80}\b(?:after|from|following)"
            r"\b[^.]{0,40}{destination}"
            r"|\b(?:arriv\w+|landed|headed|flew)\b[^.]{0,60}\b(?:after|following) (?:his |her |a "
            r"|the )?(?:[\w-]+ )?(?:visit|trip|stay|tour) (?:to|in) {destination}"
            r"|\b(?:heads?|headed|heading|arriv\w+|lands?|landed|flew|flies|travel\w*|goes|went|"
            r"moves? on|moved on)\b[^.]{0,40}\b(?:after|following) (?:his |her |a |the |"
            r"{actor}'s )?(?:\w+[- ]day )?(?:{destination}) (?:visit|trip|summit|stop)"),
        Cue("visited recently", r"\b(?:a day|days|two days|hours|shortly) after (?:his|her|the) "
            r"(?:[\w-]+ ){0,2}(?:visit|trip)\b"
            r"|{visitor}\b[^.]{0,20}\b(?:visited|went to) {destination}\b[^.]{0,30}\b(?:for "
            r"(?:one|a|two|three) days?|on (?:monday|tuesday|wednesday|thursday|friday|saturday|"
            r"sunday))\b"
            r"|\b(?:visited|toured)\b[^.]{0,10}\b{destination}\b[^.]{0,40}"
            r"\b(?:last week|this week|earlier this (?:week|month)|on (?:monday|tuesday|wednesday|"
            r"thursday|friday|saturday|sunday))\b"
            r"|\b(?:since|following) (?:his|her|{actor}'s|the) (?:\w+ )?(?:visit|trip|summit) "
            r"(?:to|in) {destination}\b"
            r"|\b(?:visit|trip) to {destination}\b[^.]{0,40}\b(?:last week|earlier this "
            r"(?:week|month))\b"),
        Cue("seen off", r"\b(?:saw|sees|seen) (?:{actor}|him|her) off\b|\b(?:send-off|farewell) "
            r"ceremony\b"),
    ),
    unless=(
        # Any future in the sentence: "After leaving Beijing, he will fly to Hanoi".
        reporting.FUTURE, r"\bbefore (?:leaving|departing)\b",
        r"\b(?:leaves|departs|ends|concludes|wraps up) (?:on |for )?(?:tomorrow|later|next)\b",
        r"\b(?:left|leaves|leaving|departed|departs|departing|took off|takes off)\b[^.]{0,40}"
        r"\b(?:for|to|towards?) {destination}",
        r"\b(?:heading|headed|bound|en route|on (?:his|her|its|the) way) (?:for|to) "
        r"{destination}",
        # A part of the visit ended (the ceremony, the talks), not the visit: unless they left.
        r"^(?!.*\b(?:left|leaves|departed|departs|flew out|took off|wrapped up (?:his|her|the|a) "
        r"(?:\w+ )?(?:visit|trip))\b).*\b(?:ceremony|talks|negotiations|meeting|banquet|"
        r"reception|concert|gala|parade|session|signing)\b[^.]{0,60}\b(?:ended|ends|concluded|"
        r"concludes|wrapped up|wraps up|completed|was over|is over)\b",
    ))

CANCELLED = StatusRule(
    "cancelled_or_postponed", "Cancelled or postponed", "The visit was called off or put off.",
    setback=True,
    cues=(
        Cue("called off", r"\b(?:visit|trip|summit)\b[^.]{0,60}\b(?:has been|was|had been|"
            r"is being|been) (?:postponed|cancell?ed|called off|put off|delayed|scrapped|shelved)"
            r"\b|\b(?:postpon\w*|cancel(?:s|ed|led|ing|ling)?|called off|calls? off|put off|"
            r"puts off|scrapped|scraps|shelved)\b[^.]{0,40}\b(?:visit|trip|summit)\b"
            r"|\b(?:visit|trip|summit)\b[^.]{0,60}?[\s,]\s*(?:postponed|cancell?ed|called off|"
            r"scrapped|shelved)\b",
            "postponed his trip to Beijing"),
        Cue("will not go ahead", r"\b(?:visit|trip)\b[^.]{0,40}\bwill not (?:take place|"
            r"go ahead)\b"),
    ),
    unless=(
        r"\b(?:if|could|may|might|would|possibly|rumou?r\w*|speculat\w*)\b",
        r"\b(?:hours?|minutes|late|behind schedule|arrival)\b",
        *reporting.EARLIER_SETBACK,
    ))


def _slots(roles: Mapping[str, Sequence[str]]) -> dict[str, str]:
    visitor = role_pattern(roles["visitor"])
    destination = role_pattern(roles["destination"])
    host = role_pattern(roles.get("host", ()))
    # The two named together: "Xi and Lula", "Lula, Xi" (the host by a short name).
    beside = role_pattern(short_names(roles.get("host", ())))
    pair = rf"(?:{visitor})(?:,| and) (?:{beside})|(?:{beside})(?:,| and) (?:{visitor})"
    return {"visitor": visitor, "destination": destination, "host": host,
            "host_short": beside, "home": role_pattern(roles.get("visitor_home", ())),
            "actor": visitor, "place": f"{destination}|{host}|{pair}", "where": destination}


def _groups(roles: Mapping[str, Sequence[str]]) -> list[list[str]]:
    return [list(roles["visitor"]), [*roles["destination"], *roles.get("host", ())]]


FOCUS = (
    Cue("a trip to the destination", r"\b(?:visit|trip|travel|journey|tour|come|coming|go|going|"
        r"head|fly|flies|flew)\w*\b[^.;]{0,50}?\b(?:to|in)\s+(?:the\s+)?{destination}"
        r"|\b(?:visit|visits|visited|visiting|tour|tours|toured|touring)\s+(?:the\s+)?"
        r"{destination}|{destination}\s+(?:visit|trip|tour|stop|leg|summit)"),
    Cue("arrival or departure", r"\b(?:arriv\w*|land\w*|touch\w* down|leav\w*|left|depart\w*)"
        r"\b[^.;]{0,30}{destination}"),
    Cue("welcomed by the host", r"(?:{destination}|{host})[^.;]{0,60}\b(?:welcom\w*|greet\w*|"
        r"host\w*|receiv\w*|hugg?\w*|embrac\w*|roll\w* out)\b[^.;]{0,40}{visitor}"),
    Cue("the visitor there", r"{visitor}[^.;]{0,120}\bin {destination}|\bin {destination}\b"
        r"[^.;]{0,120}{visitor}"),
    Cue("invitation", r"\binvit\w*[^.;]{0,80}\b(?:visit|come|trip)"),
)

ELSEWHERE = (
    Cue("the host goes the other way", r"{host}[^.;]{0,60}\b(?:arriv\w*|visit\w*|trip|"
        r"travel\w*|journey|tour\w*|came|went|head\w*|train)\b[^.;]{0,40}{home}"
        r"|{visitor}[^.;]{0,40}\binvit\w*\s+(?:\w+\s+){0,3}(?:{host})[^.;]{0,40}\b(?:to|in) "
        r"{home}", "Lula to invite Xi Jinping to Brazil for talks"),
)

KIND = Kind(
    name="visit",
    description="A person travels to a place: from invitation to announced date, arrival and "
                "end.",
    roles=(
        Role("visitor", "Who travels (names and titles: \"Narendra Modi\", \"Indian Prime "
             "Minister\")"),
        Role("destination", "Where to: the country and its cities"),
        Role("host", "Who receives the visitor", required=False),
        Role("visitor_home", "Where the visitor comes from (the host going there is another "
             "trip)", required=False),
    ),
    statuses=(PROPOSED, IMMINENT, SCHEDULED, UNDERWAY, CONCLUDED, CANCELLED),
    slots=_slots, groups=_groups, focus=FOCUS, elsewhere=ELSEWHERE,
)
