"""Status stage, pure core: what one matched article states about a storyline's status.

    StorylineMatch --status.observe--> Observation --tracker.decide--> StatusChange

The cue patterns are declared per status in the storyline's TOML; this module holds the
mechanism: sentence splitting (the title is sentence 0), whether a sentence is about the
storyline's event (actor and place named, or carried over from the sentence before by "he"
or "the visit"), vetoes (denials and attributions, recaps of other or past events), hedges
(a date from sources is not an announced date) and the extraction of the event's date from
the cue sentence only (monitor.storylines.dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog

from monitor.records import Observation
from monitor.storylines.dates import (
    MONTH_NAME,
    DateMention,
    calendar_conflict,
    clause_tense,
    dateline_day,
    dateline_end,
    find_dates,
    month_number,
    near_month,
    weekday_tense,
    when_said,
)
from monitor.storylines.kinds.base import role_pattern
from monitor.storylines.spec import StatusSpec, StorylineSpec

log = structlog.get_logger(__name__)

_FLAGS = re.IGNORECASE
_ABBREVIATIONS = frozenset({
    "mr.", "mrs.", "ms.", "dr.", "st.", "gen.", "lt.", "col.", "sgt.", "gov.", "sen.", "rep.",
    "jan.", "feb.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec.", "no.", "vs.", "jr.",
    "sr.", "a.m.", "p.m.", "prof.", "adm.", "maj.", "capt.", "cmdr.", "pres.", "amb.",
})
_BOUNDARY = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]*[A-Z0-9])")
# "he", "she", or a title standing for the visitor ("the visiting president").
_ANAPHORA_ACTOR = re.compile(r"^\W*(he|his|him|she|her)\b|\b(?:the|\w+'s|\w+’s) (?:visiting )?"
                             r"(?:\w+ )?(?:leader|president|premier|prime minister|secretary|"
                             r"chancellor)\b",
                             _FLAGS)
_ANAPHORA_PLACE = re.compile(
    r"\b(the|this|his|that)\s+(\w+[- ])?(visit|trip|summit|tour|talks|stay)\b|\bthere\b"
    r"|\bthe (capital|north|country)\b", _FLAGS)
_ANAPHORA_EVENT = re.compile(
    r"\b(?:the|this|that|his|\w+'s|\w+’s)\s+(?:[\w-]+\s+){0,2}?(?:visit|trip)\b", _FLAGS)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CLAUSE_START = re.compile(r"[,;:—–(]|\b(?:where|which|while|but)\b", _FLAGS)
_CLAUSE_END = re.compile(r"[,;:—–]|\s-\s|\bbut\b")
_WINDOW = 80
_FUTURE = re.compile(r"\b(?:will|shall|expected|set to|due to|scheduled|slated|plans? to|"
                     r"planning|going to|is to|are to|upcoming|next)\b", _FLAGS)
_OPENING_MONTH = re.compile(
    rf"^\W*(?:back |earlier |late |early )?(?:in|last|since|on|by|during|from) "
    rf"(?:late |early |mid-?)?(?P<month>{MONTH_NAME})\b(?!\s+\d)", _FLAGS)
_DAYS = {"two": 2, "2": 2, "three": 3, "3": 3}
# The person speaks about the event rather than travels: "White House spokesman John Kirby
# said ...", "the ambassador told Vedomosti that ...".
_SPEAKS = re.compile(r"(?:\s+(?:to|of|in|for)\s+(?:the\s+)?[A-Z][\w.'’-]*)?"
                     r"(?:\s+[A-Z][\w.'’-]*){0,3},?\s+(?:\w+\s+)?(?:said|says|told|tells|"
                     r"announced|added|noted|stated|confirmed|explained|stressed|quoted)\b")
_COMPANY = re.compile(r"\b(?:accompanied by|along with|together with|joined by|with|and)\b",
                      _FLAGS)
# The outlet says it could not check what it reports.
_UNVERIFIED = re.compile(
    r"\bunconfirmed\b|\bunverified\b|\btreat (?:this |it )?with caution\b"
    r"|\b(?:not|n't|never) (?:been |yet been )?able to (?:independently )?(?:verify|confirm)\b"
    r"|\bcould not (?:be )?(?:independently )?(?:verif|confirm)\w*\s+(?:this|the report|it|"
    r"the reports?|that)\b", _FLAGS)
# The article itself says the date is not official yet ("Neither Tokyo nor Beijing
# has announced the dates"): dates it reports are someone else's word.
_NOT_ANNOUNCED = re.compile(
    r"\b(?:has|have|had)(?: not|n't)(?: yet)?(?: officially| formally| publicly)? "
    r"(?:announced|confirmed|disclosed|released|set)\b[^.]{0,30}\bdates?\b"
    r"|\bneither\b[^.]{0,80}\b(?:has|have) (?:officially |formally )?(?:announced|confirmed)\b"
    r"|\bno (?:official|formal) (?:date|dates|announcement|confirmation)\b"
    r"|\b(?:dates?|timing) (?:has|have|had) (?:not|yet to) (?:yet )?(?:been )?"
    r"(?:officially |formally )?(?:announced|confirmed|disclosed|made public)\b", _FLAGS)
# Photo captions place people: "Xi, left, and Lula ...", "Lula (right) greets ...". Not a
# departure.
_CAPTION_POSITION = re.compile(
    r",\s*(?:(?:second |third |far |top |bottom |front |back )?(?:left|right)|cent(?:er|re)"
    r"|front|rear|top|bottom)\s*(?=,)|\s*\((?:(?:second |far )?(?:left|right)|cent(?:er|re)"
    r"|[LRC]|front|rear|top|bottom|foreground|background)\)", _FLAGS)
_LENGTH = re.compile(r"\b(two|three|2|3)-day\b", _FLAGS)
# A date that names another gathering: "the Nov 15 to 17 APEC gathering", "the June 28
# elections", "the 16-17 June G7 summit".
_OTHER_EVENT = re.compile(
    r"\W{0,3}(?:\w+\s){0,2}?(?:gathering|conference|forum|elections?|vote|deadline|anniversary|"
    r"parade|games|festival|exercises?|drills|session|congress|plenum|assembly|expo|exhibition|"
    r"celebrations?|(?-i:[A-Z][A-Z0-9]+)\s+(?:summit|meeting|meetings|talks))\b", _FLAGS)
# A month away, an intention or a likelihood is not yet an expectation: "plan to meet in San
# Francisco next month" and "likely to meet next month" are still being arranged; "will go
# to China in early April" is coming.
_INTENT = re.compile(r"\b(?:plans?|planning|planned|hopes?|hoping|wants?|wanted|intends?|"
                     r"seeks?|seeking|aims?|agreed|agree|wish(?:es)?|would like|likely|"
                     r"probably)\s+to\b", _FLAGS)
_PRESENT = re.compile(r"\b(?:meets|arrives|visits|holds|lands|begins|starts|opens|tours|"
                      r"is (?:in|visiting|meeting|holding)|are (?:meeting|holding|in))\b", _FLAGS)
_IN_MONTH = re.compile(rf"\b(?:in|since|last|early|late) (?P<month>{MONTH_NAME})(?!\s+\d)\b",
                       _FLAGS)
_EXPECTED = re.compile(r"\b(?:is|are|was|were) (?:widely |now )?(?:expected|due) to\b", _FLAGS)
FAR_DAYS = 7
LEAD_SENTENCES = 3
"""Sentences after the title that make up the lead."""
_SETBACK_RANK = 100
"""Setback statuses rank above every forward one (added to their position)."""


@dataclass(frozen=True, slots=True)
class _Status:
    spec: StatusSpec
    rank: int
    cues: tuple[re.Pattern[str], ...]
    also: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    unless_in_clause: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class _Rules:
    statuses: tuple[_Status, ...]
    actor: re.Pattern[str]
    place: re.Pattern[str]
    where: re.Pattern[str]
    other_places: re.Pattern[str] | None
    other_actors: re.Pattern[str] | None
    negations: tuple[re.Pattern[str], ...]
    history: tuple[re.Pattern[str], ...]
    hedges: tuple[re.Pattern[str], ...]
    possibility: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...]


@dataclass(slots=True)
class _Reading:
    status: str
    rank: int
    index: int
    sentence: str
    cue: str
    facts: dict[str, str] = field(default_factory=dict)
    hedged: bool = False
    date_kind: str | None = None
    cue_status: str | None = None
    """The status whose cue fired, when the reading became another (hedged, doubted)."""


_CACHE: dict[int, tuple[StorylineSpec, _Rules]] = {}


def observe(spec: StorylineSpec, title: str, text: str,
            published_at: datetime) -> Observation | None:
    """The strongest status this article states as current news, or None.

    Strength follows the declared order (setback statuses count as strongest); among equals
    the earliest sentence wins. The explanation names the cue, the pattern, the sentence's
    index (0 = title) and the sentences skipped as negated, attributed or historical."""
    rules = _rules(spec)
    sentences = split_sentences(title, text)
    readings: list[_Reading] = []
    skipped: list[dict[str, Any]] = []
    local = _local_time(sentences, published_at)
    previous_about = title_about = recap = False
    for index, sentence in enumerate(sentences):
        about = _is_about(rules, sentence, previous_about or title_about)
        previous_about = about
        title_about = title_about or (index == 0 and about)
        if about and recap and _runs_on(sentence):
            skipped.append({"sentence_index": index, "reason": "history",
                            "pattern": "continues the recap before it"})
            continue
        if about:
            readings.extend(_read(rules, sentence, index, local, skipped))
        veto = _veto(rules, sentence, local)
        recap = veto is not None and veto[0] == "history"
    readings = _verified(sentences, readings, skipped)
    readings = _setbacks_in_lead(readings, skipped)
    conflict = calendar_conflict(text, local.date())
    if conflict is not None:  # another year's text: its weekdays are not this week's
        readings = [r for r in readings if r.date_kind not in ("weekday", "relative")]
        skipped.append({"reason": "calendar", "pattern": conflict})
    readings = _still_to_come(rules, readings, local, skipped)
    if any(_NOT_ANNOUNCED.search(sentence) and not _names_another_month(sentence, local)
           for sentence in sentences):
        readings = [_hedged(rules, r) for r in readings]
    if not readings:
        return None
    best = max(readings, key=lambda r: (r.rank, -r.index))
    cue_status = best.cue_status or best.status
    explanation: dict[str, Any] = {
        "cue_family": spec.cue_name(cue_status, best.cue), "cue_status": cue_status,
        "roles": role_mentions(spec, best.sentence),
        "cue": best.cue, "sentence_index": best.index, "hedged": best.hedged,
        "date_kind": best.date_kind, "local_day": local.date().isoformat(),
        "statuses_seen": sorted({r.status for r in readings}), "skipped": skipped[:10],
    }
    log.debug("status.observed", storyline_id=spec.id, status=best.status, facts=best.facts)
    return Observation(storyline_id=spec.id, status=best.status, facts=best.facts,
                       evidence=best.sentence, explanation=explanation)


def role_mentions(spec: StorylineSpec, sentence: str) -> dict[str, str]:
    """Role -> the alias of it the sentence names (what `explain` shows behind a reading)."""
    found = {}
    for role, aliases in spec.roles.items():
        match = re.search(role_pattern(aliases), sentence, _FLAGS) if aliases else None
        if match is not None:
            found[role] = match.group(0)
    return found


def _runs_on(sentence: str) -> bool:
    """Does the sentence continue the one before ("... in July 2000. The late king greeted him
    at the airport"): it refers back and says nothing of the future?"""
    return bool(_ANAPHORA_ACTOR.search(sentence) or re.search(r"\b(?:him|her)\b", sentence,
                                                               _FLAGS)) and not (
        _FUTURE.search(sentence))


def _local_time(sentences: list[str], published_at: datetime) -> datetime:
    """The publication time moved to the day of the article's dateline, when that is a day
    off (an article of 18 June in Seoul is published on 17 June in UTC): "today" and
    weekdays are the writer's."""
    for sentence in sentences[:3]:
        day = dateline_day(sentence, published_at.date())
        if day is not None:
            return published_at + timedelta(days=(day - published_at.date()).days)
    return published_at


def split_sentences(title: str, text: str) -> list[str]:
    """The title, then the text's sentences (paragraph breaks always end a sentence)."""
    sentences = [title.strip()] if title.strip() else [""]
    for paragraph in re.split(r"\n\s*", text):
        start = 0
        for boundary in _BOUNDARY.finditer(paragraph):
            before = paragraph[start:boundary.start() + 1].split()
            last_word = before[-1].lower() if before else ""
            if last_word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+", last_word):
                continue
            sentences.append(paragraph[start:boundary.end()].strip())
            start = boundary.end()
        if paragraph[start:].strip():
            sentences.append(paragraph[start:].strip())
    return sentences


def _still_to_come(rules: _Rules, readings: list[_Reading], local: datetime,
                   skipped: list[dict[str, Any]]) -> list[_Reading]:
    """An article that dates the event two days ahead or more ("will visit China on Nov. 4")
    does not report it under way or over (the talks of tomorrow do not count): "Scholz is
    visiting China at the invitation of..." in the same article is the announcement's
    present tense."""
    ahead = [r for r in readings if r.facts and not r.hedged and any(
        _after(value, local + timedelta(days=1)) for value in r.facts.values())]
    if not ahead:
        return readings
    kept = []
    for reading in readings:
        if _status(rules, reading.status).spec.not_before_fact:
            skipped.append({"sentence_index": reading.index, "reason": "still_to_come",
                            "statuses": [reading.status]})
        else:
            kept.append(reading)
    return kept


def _far(facts: dict[str, str], published_at: datetime) -> bool:
    """Is the event's date more than FAR_DAYS ahead? "Is expected to meet Xi on March 28",
    six weeks ahead, is a forecast; "expected to arrive on Tuesday" is the schedule."""
    return any(_after(value, published_at + timedelta(days=FAR_DAYS))
               for value in facts.values())


def _after(value: str, local: datetime) -> bool:
    try:
        return date.fromisoformat(value) > local.date()
    except ValueError:
        return False


def _names_another_month(sentence: str, local: datetime) -> bool:
    """Does the sentence look back to another month ("China announced in January an
    invitation, but had not disclosed a date")? Then what it says was not announced is old."""
    return any(month_number(m.group("month")) != local.month
               for m in _IN_MONTH.finditer(sentence))


def _setbacks_in_lead(readings: list[_Reading],
                      skipped: list[dict[str, Any]]) -> list[_Reading]:
    """A cancellation or postponement is news in the title or the lead; further down, the
    sentence recalls an earlier one ("the trip, postponed in February over the balloon,
    ...") in an article about what happens now."""
    kept = []
    for reading in readings:
        if reading.rank >= _SETBACK_RANK and reading.index > LEAD_SENTENCES:
            skipped.append({"sentence_index": reading.index, "reason": "setback_below_lead",
                            "statuses": [reading.status]})
        else:
            kept.append(reading)
    return kept


def _hedged(rules: _Rules, reading: _Reading) -> _Reading:
    """The reading as unofficial (hedged wording, or an article that says the date was not
    announced): a status with `hedged_as` reads as that status, without the facts it does
    not declare."""
    hedged_as = _status(rules, reading.status).spec.hedged_as
    return reading if hedged_as is None else _weaker(rules, reading, hedged_as)


def _happening_today(sentence: str, facts: dict[str, str], published_at: datetime) -> bool:
    """Is the event dated the day of publication and told in the present, with no word of
    the future ("Trump meets Kim, Wednesday, Feb. 27, in Hanoi" on that Wednesday)?"""
    today = published_at.date().isoformat()
    return (today in facts.values() and not _FUTURE.search(sentence)
            and bool(_PRESENT.search(sentence)))


def _weaker(rules: _Rules, reading: _Reading, status_id: str) -> _Reading:
    target = _status(rules, status_id)
    return _Reading(target.spec.id, target.rank, reading.index, reading.sentence, reading.cue,
                    {k: v for k, v in reading.facts.items() if k in target.spec.facts},
                    hedged=True, date_kind=reading.date_kind,
                    cue_status=reading.cue_status or reading.status)


def _status(rules: _Rules, status_id: str) -> _Status:
    return next(s for s in rules.statuses if s.spec.id == status_id)


def _verified(sentences: list[str], readings: list[_Reading],
              skipped: list[dict[str, Any]]) -> list[_Reading]:
    """Drop what the outlet itself flags as unverified: in the title ("... (unconfirmed)"),
    the sentence or the one after it ("We have not been able to verify this")."""
    flagged = {i for i, sentence in enumerate(sentences) if _UNVERIFIED.search(sentence)}
    kept = []
    for reading in readings:
        if flagged & {0, reading.index, reading.index + 1}:
            skipped.append({"sentence_index": reading.index, "reason": "unverified",
                            "statuses": [reading.status]})
        else:
            kept.append(reading)
    return kept


def _is_about(rules: _Rules, sentence: str, in_context: bool) -> bool:
    """Does the sentence speak of the storyline's subject at its place? In the context of a
    title or sentence before that did, "he" or "the Indian leader" stand for the actor,
    "there" or "the capital" for the place, and "the visit" or "Xi's trip" for the event
    itself, unless the sentence names another place instead."""
    has_place = bool(rules.place.search(sentence))
    elsewhere = not has_place and rules.other_places is not None and bool(
        rules.other_places.search(sentence))
    if in_context and not elsewhere and _ANAPHORA_EVENT.search(sentence):
        return True
    has_actor = bool(rules.actor.search(sentence)) or (
        in_context and bool(_ANAPHORA_ACTOR.search(sentence)))
    if not has_actor:
        return False
    return has_place or (in_context and not elsewhere
                         and bool(_ANAPHORA_PLACE.search(sentence)))


def _read(rules: _Rules, sentence: str, index: int, published_at: datetime,
          skipped: list[dict[str, Any]]) -> list[_Reading]:
    """Every status the sentence signals as current news (`sentence` is its evidence)."""
    evidence, sentence = sentence, _CAPTION_POSITION.sub("", sentence)
    candidates = [(s, cue) for s in rules.statuses
                  if (cue := _cue(rules, s, sentence, published_at))]
    if not candidates:
        return []
    veto = _veto(rules, sentence, published_at) or _recap(sentence, published_at)
    if veto is not None:
        skipped.append({"sentence_index": index, "reason": veto[0], "pattern": veto[1],
                        "statuses": [s.spec.id for s, _ in candidates]})
        return []
    hedge = next((h.pattern for h in rules.hedges if h.search(sentence)), None)
    readings = []
    for status, cue in candidates:
        if status.spec.not_before_fact and (off := _not_today(sentence, published_at)):
            skipped.append({"sentence_index": index, "reason": "not_today", "pattern": off,
                            "statuses": [status.spec.id]})
            continue
        facts: dict[str, str] = {}
        date_kind = None
        if status.spec.facts:  # the key fact is required, hedged or not
            found = _event_facts(rules, status.spec, sentence, published_at)
            if found is None:
                skipped.append({"sentence_index": index, "reason": "no_event_date",
                                "statuses": [status.spec.id]})
                continue
            facts, date_kind = found
            if hedge is None and _EXPECTED.search(sentence) and _far(facts, published_at):
                hedge = "expected weeks ahead"
        reading = _Reading(status.spec.id, status.rank, index, evidence, cue, facts,
                           date_kind=date_kind)
        if status.spec.today_as and _happening_today(sentence, facts, published_at):
            reading = _weaker(rules, reading, status.spec.today_as)  # stronger, in fact
        elif hedge is not None and status.spec.hedged_as:
            reading = _hedged(rules, reading)
        elif status.spec.doubted_as and any(p.search(sentence) for p in rules.possibility):
            reading = _weaker(rules, reading, status.spec.doubted_as)
        readings.append(reading)
    return readings


def _not_today(sentence: str, published_at: datetime) -> str | None:
    """Why an arrival or a departure in this sentence is not today's news: it names a day
    still to come ("a report that he is visiting China on Feb 5"), or a weekday well before
    publication in past tense ("arrived in Japan on Tuesday", in Sunday's paper)."""
    today = published_at.date()
    for mention in find_dates(sentence, published_at):
        if mention.first > today + timedelta(days=1) or (
                mention.kind != "absolute" and mention.first > today):
            return f"date to come {mention.text}"
        if (mention.kind == "weekday" and mention.tense == "past"
                and mention.first < today - timedelta(days=1)):
            return f"days before {mention.text}"
    return None


def _cue(rules: _Rules, status: _Status, sentence: str, published_at: datetime) -> str | None:
    """The cue pattern of `status` the sentence matches (None when none, or vetoed)."""
    cue = next((c for c in status.cues if any(
        not _elsewhere(rules, sentence, m) and not _someone_else(rules, sentence, m)
        and not _vetoed_in_clause(status, sentence, m)
        for m in c.finditer(sentence))), None)
    if cue is None:
        return None
    if status.also and not any(clause_tense(sentence, m.start()) != "past"
                               for p in status.also for m in p.finditer(sentence)) and not (
            status.spec.within_weeks and near_month(sentence, published_at.date())
            and not _INTENT.search(sentence)):  # a month away: only when it is said to come
        return None  # no timeframe, or only one of something past ("sent balloons this week")
    if any(p.search(sentence) for p in status.unless):
        return None
    return cue.pattern


def _vetoed_in_clause(status: _Status, sentence: str, match: re.Match[str]) -> bool:
    """Does the cue's own clause, up to the cue's end, hold a veto of `unless_in_clause`
    ("is expected to arrive")? What follows the cue ("arrived, where he will meet") does not
    count."""
    if not status.unless_in_clause:
        return False
    starts = [b.end() for b in _CLAUSE_START.finditer(sentence, 0, match.start())]
    clause = sentence[starts[-1] if starts else 0:match.end()]
    return any(p.search(clause) for p in status.unless_in_clause)


def _elsewhere(rules: _Rules, sentence: str, match: re.Match[str]) -> bool:
    """Does the cue's clause name another place and not the event's ("ends China visit in
    Harbin", "his first trip abroad was to China")?"""
    if rules.other_places is None or rules.where.search(match.group(0)):
        return False  # the cue itself names the event's place ("arrived in Abu Dhabi from China")
    clause = _CLAUSE_END.search(sentence, match.start() + 1)
    window = sentence[match.start():min(clause.start() if clause else len(sentence),
                                        match.end() + _WINDOW)]
    return bool(rules.other_places.search(window)) and not rules.where.search(window)


def _someone_else(rules: _Rules, sentence: str, match: re.Match[str]) -> bool:
    """Is the cue about another person's trip ("Foreign Minister Wang Yi wrapped up a trip to
    Brasilia ... after the leaders' summit")? True when the nearest person named before
    the cue's end is one of `other_actors`, not the storyline's actor."""
    if rules.other_actors is None:
        return False
    other = [m.start() for m in rules.other_actors.finditer(sentence, 0, match.start())
             if not _SPEAKS.match(sentence, m.end())]
    if not other:
        return False
    actor = [m.end() for m in rules.actor.finditer(sentence, 0, match.end())]
    if not actor:
        return True
    if actor[-1] > other[-1]:
        return False
    # "Modi, accompanied by Foreign Minister Jaishankar, arrived": company, not the subject.
    return not _COMPANY.search(sentence, actor[-1], other[-1])


def _veto(rules: _Rules, sentence: str, published_at: datetime) -> tuple[str, str] | None:
    """(reason, pattern) when the sentence is a denial/attribution or about another time."""
    for pattern in rules.negations:
        if pattern.search(sentence):
            return "negated", pattern.pattern
    for pattern in rules.history:
        if pattern.search(sentence):
            return "history", pattern.pattern
    stripped = sentence
    for pattern in rules.ignore:
        stripped = pattern.sub(" ", stripped)
    for year in _YEAR.findall(stripped):
        if int(year) != published_at.year:
            return "history", f"year {year}"
    return None


def _recap(sentence: str, published_at: datetime) -> tuple[str, str] | None:
    """("history", why) when a sentence without future wording recalls an earlier time: it
    opens with another month ("In January, Xi said ...") or names a day before the
    article's in past tense ("arrived ... on June 19" in an article of June 21)."""
    for mention in find_dates(sentence, published_at):
        if mention.weekday_conflict:
            return "history", f"{mention.text}: the weekday is not of {published_at.year}"
    if _FUTURE.search(sentence):
        return None
    opening = _OPENING_MONTH.match(sentence)
    if opening is not None and month_number(opening.group("month")) != published_at.month:
        return "history", f"opens with {opening.group('month')}"
    earliest = published_at.date() - timedelta(days=1)
    for mention in find_dates(sentence, published_at):
        if mention.kind == "absolute" and mention.tense == "past" and mention.first < earliest:
            return "history", f"past date {mention.text}"
    return None


def _event_facts(rules: _Rules, status: StatusSpec, sentence: str,
                 published_at: datetime) -> tuple[dict[str, str], str] | None:
    """The event's date from the cue sentence: ({key fact: first day[, second fact: last
    day]}, the kind of date expression: absolute, weekday or relative)."""
    mention = event_date(rules, sentence, published_at)
    if mention is None:
        return None
    facts = {status.facts[0]: mention.first.isoformat()}
    last = mention.last
    length = _LENGTH.search(sentence)
    if (last is None or last == mention.first) and length is not None:
        last = mention.first + timedelta(days=_DAYS[length.group(1).lower()] - 1)
    if last is not None and last != mention.first and len(status.facts) > 1:
        facts[status.facts[1]] = last.isoformat()
    return facts, mention.kind


def event_date(rules: _Rules, sentence: str, published_at: datetime) -> DateMention | None:
    """The date the sentence gives for the event: not a date nearer another place, not a
    weekday in past tense (when something was said), not before the day before publication,
    not in another year than stated."""
    earliest = published_at.date() - timedelta(days=1)
    dateline = dateline_end(sentence)
    kept = []
    for mention in find_dates(sentence, published_at):
        if mention.start < dateline:
            continue
        if mention.first < earliest or mention.first > earliest + timedelta(days=366):
            continue
        if mention.tense == "past" or when_said(sentence, mention.start):
            continue
        if _OTHER_EVENT.match(sentence, mention.end):
            continue  # "the Nov 15 to 17 APEC gathering": the day of something else
        if mention.kind != "absolute" and (
                mention.first < published_at.date()
                or weekday_tense(sentence, mention.start) != "future"):
            continue
        if _nearer_other_place(rules, sentence, mention):
            continue
        kept.append(mention)
    preference = {"absolute": 0, "weekday": 1, "relative": 2}
    kept.sort(key=lambda m: (not m.is_range, preference[m.kind], m.start))
    return kept[0] if kept else None


def _nearer_other_place(rules: _Rules, sentence: str, mention: DateMention) -> bool:
    """Is the place named closest before the date (or after, if none before) another one?"""
    if rules.other_places is None:
        return False
    places = [(m.start(), False) for m in rules.where.finditer(sentence)]
    places += [(m.start(), True) for m in rules.other_places.finditer(sentence)]
    before = [p for p in places if p[0] < mention.start]
    if before:
        return max(before)[1]
    after = [p for p in places if p[0] >= mention.end]
    return min(after)[1] if after else False


def _rules(spec: StorylineSpec) -> _Rules:
    cached = _CACHE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    rules = compile_rules(spec)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(spec)] = (spec, rules)
    return rules


def compile_rules(spec: StorylineSpec) -> _Rules:
    """The storyline's status rules as compiled patterns ({place}/{actor} expanded)."""
    r = spec.status_rules
    place = _alternation(r.place)
    actor = _alternation(r.actor)

    def compile_all(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p.replace("{place}", place).replace("{actor}", actor), _FLAGS)
                     for p in patterns)

    statuses = tuple(
        _Status(s, _SETBACK_RANK + i if s.setback else i, compile_all(s.cues),
                compile_all(s.also), compile_all(s.unless), compile_all(s.unless_in_clause))
        for i, s in enumerate(spec.statuses))
    return _Rules(
        statuses=statuses, actor=re.compile(actor, _FLAGS), place=re.compile(place, _FLAGS),
        where=re.compile(_alternation(r.where) if r.where else place, _FLAGS),
        other_places=re.compile(_alternation(r.other_places), _FLAGS) if r.other_places
        else None,
        other_actors=re.compile(_alternation(r.other_actors), _FLAGS) if r.other_actors
        else None,
        negations=compile_all(r.negations), history=compile_all(r.history),
        hedges=compile_all(r.hedges), possibility=compile_all(r.possibility),
        ignore=compile_all(r.ignore))


def _alternation(patterns: tuple[str, ...]) -> str:
    """One regex for several (each bounds its own words: an alias may end in "N.K.")."""
    if not patterns:
        return r"(?!x)x"
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"

