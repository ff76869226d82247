"""How news reports word what they do not assert, shared by every kind.

A sentence that denies, doubts or recaps says nothing about the event's status today:
- NEGATIONS: denials and attributions ("the ministry denied", "whether he will go");
- HISTORY: recaps of earlier events ("his last visit was in 2000");
- HEDGES: someone's forecast rather than an announcement ("could", "sources said"): a
  status with `hedged_as` reads as that weaker status;
- POSSIBILITY: a mere possibility ("could", "possible"): a status with `doubted_as` reads as
  that weaker status (a trip that could come within days is only proposed);
- IGNORE: phrases removed before looking for another year ("first visit since 2000");
- SOMEONE: a person who is none of the storyline's roles, by title ("the foreign
  minister", "a delegation"): a cue whose nearest preceding person is one of them is that
  person's news, not the event's.
Each entry names what it reads; `example` shows the shape of real wording it was written for.
"""

from __future__ import annotations

from monitor.storylines.kinds.cue import Cue

MOVE = r"(?:travel|visit|go|come|stop|make|include|fly|head|attend|meet)"

NEGATIONS: tuple[Cue, ...] = (
    Cue("denial", r"\bden(?:y|ies|ied|ial)\b", "The foreign ministry denied the report"),
    Cue("dismissal", r"\bdismiss(?:ed|es)?\b"),
    Cue("open question", r"\bremains? to be seen\b|\bwhether\b|\bunclear (?:if|whether)\b",
        "It was not clear whether the visit would go ahead"),
    Cue("no plans", r"\bno plans?\b|\bnot (?:planning|plan|intend)"),
    Cue("unconfirmed", r"\bunconfirmed\b|\bunverified\b"),
    Cue("declined to say", r"\bdeclin\w*(?: \w+){0,3} to (?:give|name|confirm|specify|disclose|"
        r"announce|set|say|comment)\b|\brefused to\b", "declined to give dates"),
    Cue("condition", r"\bif (?:he|she|they|it) (?:visits|goes|travels|comes|meets?)\b"
        r"|\bwould (?:mark|be) (?:his|her|the)\b[^.]{0,40}\bif\b",
        "would be his first trip if it takes place"),
    Cue("false report", r"\bfalse\b|\bfake\b|\brumou?rs?\b"),
    Cue("speculation", r"\bspeculat\w*"),
    Cue("no such event", r"\bno (?:such )?(?:meeting|visit|trip|summit|talks)\b(?![^.]{0,60}\b"
        r"(?:yet|finali[sz]ed|decided)\b)",
        "There has been no such meeting set up"),
    Cue("will not happen", rf"\b(?:did|does|do|will|would|could|can)(?: not|n't|n’t|nt)\b"
        rf"[^.]{{0,20}}\b{MOVE}\b|\bwo(?:n't|n’t)\b[^.]{{0,20}}\b{MOVE}\b"
        r"|\bno (?:stop|stopover|visit|trip|side trip|meeting|summit)s?\b[^.]{0,10}\b(?:in|to|"
        r"with|planned|scheduled)\b", "will not travel to the summit"),
    Cue("analysts' view", r"\b(?:analysts?|experts?|observers)\b[^.]{0,40}\b(?:said|say|says|"
        r"speculat\w*|believe|think|expect|suggest)\b"),
    Cue("question", r"\?\s*[\"”’']?$"),
)

HISTORY: tuple[Cue, ...] = (
    Cue("last visit", r"\blast (?:visited|went|travell?ed|came|met|saw|spoke|talked|held)\b"
        r"|\b(?:last|previous|only|first) (?:visit|trip|meeting|summit)\b[^.]{0,30}\b(?:was|"
        r"were|came|took place)\b", "His last visit was in 2000"),
    Cue("last year", r"\b(?:last|previous) (?:year|january|february|march|april|may|june|"
        r"july|august|september|october|november|december)\b"),
    Cue("since an earlier meeting", r"\bsince (?:their|the|that|a) (?:summit|meeting|visit|trip"
        r"|talks)\b|\bwhen (?:they|the two) (?:last )?met\b"),
    Cue("years ago", r"\b(?:years?|decades?|months) ago\b"),
)

RECALLS: tuple[Cue, ...] = (
    Cue("a plan that fell", r"\b(?:was|were) (?:supposed|meant|due) to\b|\bwas to have\b"
        r"|\bhad been (?:planned|scheduled|expected|due)\b",
        "was supposed to be in Beijing early next week"),
)
"""A plan recalled as one that fell: no forward status (it may be the news of a setback:
"the visit, postponed on Friday, was supposed to celebrate ...")."""

HEDGES: tuple[Cue, ...] = (
    Cue("may or could", r"\b(?:could|may|might|possibly|likely|probably|reportedly|rumou?red)\b"),
    Cue("sources", r"\bsources?\b|\b(?:people|persons?) familiar with\b|\banonymity\b",
        "said people familiar with the matter"),
    Cue("according to media", r"\baccording to (?:\w+ ){0,3}(?:reports?|media|newspapers?|"
        r"dailies|daily|outlets?|broadcasters?|agenc(?:y|ies))\b"
        r"|\bcit(?:ing|ed) (?:\w+ ){0,3}(?:sources?|officials?|reports?|people)\b"
        r"|\b(?:media|newspaper|daily|broadcaster|outlet)s? (?:reported|said|reports|says)\b"
        r"|[—–-]\s*(?:\w+\s){0,2}(?:newspaper|media|reports?|daily|sources)\s*$",
        "Lula to visit Tokyo on July 8 — newspaper"),
    Cue("someone's forecast", r"\b(?:expects?|predicts?|predicted|anticipates?)\b (?:that )?"
        r"(?:{actor}|him|her)\b|\bas early as\b", "officials expect him to arrive"),
    Cue("another outlet says", r"\baccording to (?-i:[A-Z][\w.]+)(?: (?-i:[A-Z][\w.]+))?"
        r"(?!\w| (?:\w+ )?(?:ministry|office|presidency|palace|house|department|government|"
        r"embassy|aide|spokes\w+|officials?|minister|advis[eo]r|secretary|press|statement)\b)"
        r"|\baround (?:the )?(?:mid-)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
        r"|\b(?:expected|likely|hopes?|plans?|aims?) to re-?schedul",
        "around November 3-4, according to Bloomberg and Politico"),
    Cue("not confirmed yet", r"\byet to (?:confirm|announce|finali[sz]e|be confirmed|be announced)"
        r"\b|\b(?:not|never) (?:yet )?(?:been )?(?:officially )?(?:confirmed|announced|"
        r"finali[sz]ed)\b", "Beijing has yet to confirm Xi will attend"),
    Cue("foreign intelligence", r"\bintelligence\b|\bsatellite (?:images|imagery)\b"),
    Cue("another outlet's report", r"(?-i:\b[A-Z][\w.]*(?: [A-Z][\w.]*)?(?: [Nn]ews)? reported\b)"
        r"|\b(?:media|press|news) reports?\b|\breported(?:,)? citing\b|\bunnamed\b",
        "Blinken will visit China on February 5-6, Politico reported"),
    # ... unless confirming: "a U.S. official said Tuesday, confirming a long-awaited trip".
    Cue("an unnamed official", r"^(?!.*\bconfirm)(?=.*\b(?:an?|two|three|several) "
        r"(?:[\w.'-]+ ){0,3}officials?\b"
        r"(?! (?:state )?(?:statement|announcement|visit|trip|talks)))",
        "a U.S. official said on Friday"),
)

FUTURE = (r"\b(?:will|shall|would|could|may|might|can|expected to|is to|are to|set to|due to|"
          r"scheduled to|slated to|plans? to|planning to|going to)\b")
"""Wording of what is still to come: no arrival, no end, no meeting going on."""
AHEAD = r"\b(?:ahead of|prepar\w+ (?:for|to))\b"
"""Before the event: "ahead of talks", "preparing for the summit"."""

WITHIN_WEEKS: tuple[str, ...] = (
    r"\b(?:in|within|over) (?:the )?(?:coming|next|following) (?:few |couple of |\w+ or \w+ "
    r"|two |three |four )?(?:days|weeks)\b",
    r"\bwithin (?:days|weeks|a week|two weeks|the month)\b",
    r"\b(?:in|within) (?:a few|several|two|a couple of) (?:days|weeks)\b",
    r"\b(?:this|next) week(?:end)?\b", r"\b(?<!earlier )(?<!early )this month\b",
    r"\bimminent\w*\b", r"\b(?:days|weeks) away\b", r"\b(?:final|active) preparations\b",
    r"\bpreparations\b[^.]{0,20}\bin full swing\b",
)
"""A timeframe of days or weeks ("in the coming days", "next week"): with a cue, imminent.
A month named that starts within six weeks counts too (dates.near_month)."""

NO_DATE_YET: tuple[str, ...] = (
    r"\bno (?:specific |exact |concrete |official |firm )?(?:date|dates)\b",
    r"\b(?:date|dates|timing)\b[^.]{0,30}\b(?:not|yet to|has yet|have yet)\b[^.]{0,20}"
    r"\b(?:been )?(?:set|agreed|fixed|announced|decided|determined|disclosed)\b",
    r"\bunclear when\b",
)
"""The sentence says there is no date yet: it states no date and nothing imminent."""

SETBACK_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("cancelled_or_postponed",), "imminent": ("cancelled_or_postponed",),
    "scheduled": ("cancelled_or_postponed",),
    "cancelled_or_postponed": ("proposed", "imminent", "scheduled"),
}
"""Moves besides forward: a plan can be called off, and revived at any stage before it."""

OFFICIAL = (r"\b(?:house|ministry|office|department|palace|presidency|government|cabinet|"
            r"chancellery|secretariat|embassy|spokes(?:man|woman|person)|press secretary)\b"
            r"[^.]{0,40}\b(?:announced|confirmed|said in a statement|statement)\b"
            r"|\b(?:announced|confirmed)\b[^.]{0,20}\bby (?:the )?(?:\w+ ){0,2}(?:house|ministry|"
            r"office|department|palace|presidency|government)\b")
"""An announcement by a government body: a date it gives may pass over a stage on one
outlet's word (the tracker's skip rule asks a second outlet otherwise)."""

EARLIER_SETBACK: tuple[str, ...] = (
    r"\b(?:originally|initially|previously|earlier|first)\b[^.]{0,30}\b(?:scheduled|planned|"
    r"set|slated|due|supposed)\b",
    r"\b(?:after|since|following)\b[^.]{0,30}\b(?:postpon|cancel|call(?:ed)? off|scrapp)\w*",
    r"\bwas to have\b",
    r"\b(?:postponed|cancell?ed|called off|scrapped|shelved) (?:in|last|earlier)\b",
    r"\b(?:months|weeks|years) (?:after|since)\b",
    r"\b(?:make up|made up|makes up|reschedul\w*|rearrang\w*|reinstat\w*|reviv\w*|back on)\b",
    r"\blast (?:week(?:end)?|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
)
"""A setback recalled, not reported: "the visit, originally planned for February, was
postponed", "months after he cancelled a trip"."""

POSSIBILITY: tuple[Cue, ...] = (
    Cue("a possibility", r"\b(?:could|may|might|possibl[ey]|possibility|potential(?:ly)?|"
        r"perhaps|maybe)\b",
        "could make the trip as early as this month, according to the unnamed source"),
)

IGNORE: tuple[Cue, ...] = (
    Cue("first since a year", r"\b(?:first|1st)\b[^.]{0,60}\bsince (?:\w+ )?(?:19|20)\d\d\b"
        r"(?!,?\s+when\b)"
        r"|\bsince\b[^.;]{0,60}?\b(?:19|20)\d\d\b(?!,?\s+when\b)",
        "the highest-level visit since his predecessor came in 2018"),
    Cue("span of years", r"\b(?:19|20)\d\d[- –](?:19|20)\d\d\b"),
    Cue("in so many years", r"\bin (?:\d+|two|three|four|five|over two|more than two) "
        r"(?:decades|years)\b"),
)

TITLES = (r"(?:foreign|defen[cs]e|prime|deputy|vice|finance|trade|economy|energy|interior|"
          r"natural resources|agriculture|culture|education|health|security|transport|"
          r"industry)\s+minister|minister|ministers|secretary|envoy|ambassador|delegation|"
          r"delegates|lawmakers?|parliamentarians|speaker|chairman|chairwoman|governor|mayor|"
          r"general|admiral|officials?(?!\s+(?:state\s+)?(?:visit|trip|talks|statement|"
          r"announcement|ceremony|welcome|program|programme|schedule))|"
          r"spokes(?:man|woman|person)|diplomats?|aides?|"
          r"advis[eo]rs?|premier|sister|daughter|wife|husband|team|executives?|"
          r"ceo|head of \w+|chief of \w+|vice[- ]president|crown prince|prince|king|queen|"
          r"first lady|president|chancellor|leader")
SOMEONE = rf"\b(?:{TITLES})\b"
"""A person other than the roles, named by title (the title of a role's alias, as in
"Secretary of State Blinken", counts as the role: the nearest name decides)."""

NOT_A_PLACE = (r"(?!(?:January|February|March|April|May|June|July|August|September|October|"
               r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
               r"The|This|That|His|Her|Their|Its|A|An|Mr|Mrs|Ms|Dr|President|Prime|Minister|"
               r"Secretary|Foreign|Chinese|Russian|American|General|Comrade|Leader|Premier|"
               r"Chairman|State|Deputy|Vice|Defense|Defence|Senator|Sen|Gov|Governor)\b)")
"""Capitalized words that never start a place name."""
