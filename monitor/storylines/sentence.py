"""Status stage, the sentence reader: what one sentence of a matched article states about a
storyline's status (pure).

    sentence --read_sentence--> Reading (status, facts, cue, hedged) ... --status.observe-->

A storyline's kind gives the patterns (cue families per status, hedges, denials, recaps);
this module holds the mechanism they run in: whether a sentence is about the storyline's
event (actor and place named, or carried over from the sentence before by "he" or "the
visit"), which cue fires and whether its clause is someone else's trip or another place,
vetoes (denials and attributions, recaps of other or past events), hedges and doubts (a
date from sources is not an announced date), and the event's date from the cue sentence
only (monitor.storylines.dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from monitor.storylines.dates import (
    MONTH_NAME,
    DateMention,
    clause_tense,
    dateline_end,
    find_dates,
    month_number,
    near_month,
    weekday_tense,
    when_said,
)
from monitor.storylines.spec import StatusSpec, StorylineSpec

FLAGS = re.IGNORECASE
_ABBREVIATIONS = frozenset({
    "mr.", "mrs.", "ms.", "dr.", "st.", "gen.", "lt.", "col.", "sgt.", "gov.", "sen.", "rep.",
    "jan.", "feb.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec.", "no.", "vs.", "jr.",
    "sr.", "a.m.", "p.m.", "prof.", "adm.", "maj.", "capt.", "cmdr.", "pres.", "amb.",
})
_BOUNDARY = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]*[A-Z0-9])")
# "he", "she", or a title standing for the visitor ("the visiting president").
ANAPHORA_ACTOR = re.compile(r"^\W*(he|his|him|she|her)\b|\b(?:the|\w+'s|\w+’s) (?:visiting )?"
                            r"(?:\w+ )?(?:leader|president|premier|prime minister|secretary|"
                            r"chancellor)\b",
                            FLAGS)
_ANAPHORA_PLACE = re.compile(
    r"\b(the|this|his|her|their|that)\s+(\w+[- ])?(visit|trip|summit|tour|talks|stay|meeting)"
    r"\b|\bthere\b"
    r"|\bthe (capital|north|country)\b", FLAGS)
_ANAPHORA_EVENT = re.compile(
    r"\b(?:the|this|that|his|her|their|\w+'s|\w+’s)\s+(?:[\w-]+\s+){0,2}?(?:visit|trip|"
    r"meeting|summit)\b|\b(?:the two|both) (?:leaders|presidents|sides|heads of state)\b",
    FLAGS)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CLAUSE_START = re.compile(r"[,;:—–(]|\b(?:where|which|while|but)\b", FLAGS)
_CLAUSE_END = re.compile(r"[,;:—–]|\s-\s|\bbut\b")
_WINDOW = 80
FUTURE = re.compile(r"\b(?:will|shall|expected|set to|due to|scheduled|slated|plans? to|"
                    r"planning|going to|is to|are to|upcoming|next)\b", FLAGS)
_OPENING_MONTH = re.compile(
    rf"^\W*(?:back |earlier |late |early )?(?:in|last|since|on|by|during|from) "
    rf"(?:late |early |mid-?)?(?P<month>{MONTH_NAME})\b(?!\s+\d)", FLAGS)
_DAYS = {"two": 2, "2": 2, "three": 3, "3": 3}
# The person speaks about the event rather than travels: "White House spokesman John Kirby
# said ...", "the ambassador told Vedomosti that ...".
_SPEAKS = re.compile(r"(?:\s+(?:to|of|in|for)\s+(?:the\s+)?[A-Z][\w.'’-]*)?"
                     r"(?:\s+[A-Z][\w.'’-]*){0,3},?\s+(?:\w+\s+)?(?:said|says|told|tells|"
                     r"announced|added|noted|stated|confirmed|explained|stressed|quoted)\b")
_COMPANY = re.compile(r"\b(?:accompanied by|along with|together with|joined by|with|and)\b",
                      FLAGS)
# Photo captions place people: "Xi, left, and Lula ...", "Lula (right) greets ...". Not a
# departure.
_CAPTION_POSITION = re.compile(
    r",\s*(?:(?:second |third |far |top |bottom |front |back )?(?:left|right)|cent(?:er|re)"
    r"|front|rear|top|bottom)\s*(?=,)|\s*\((?:(?:second |far )?(?:left|right)|cent(?:er|re)"
    r"|[LRC]|front|rear|top|bottom|foreground|background)\)", FLAGS)
_LENGTH = re.compile(r"\b(two|three|2|3)-day\b", FLAGS)
# A date that names another gathering: "the Nov 15 to 17 APEC gathering", "the June 28
# elections", "the 16-17 June G7 summit".
_OTHER_EVENT = re.compile(
    r"\W{0,3}(?:\w+\s){0,2}?(?:gathering|conference|forum|elections?|vote|deadline|anniversary|"
    r"parade|games|festival|exercises?|drills|session|congress|plenum|assembly|expo|exhibition|"
    r"celebrations?|(?-i:[A-Z][A-Z0-9]+)\s+(?:summit|meeting|meetings|talks))\b", FLAGS)
# A month away, an intention or a likelihood is not yet an expectation: "plan to meet in San
# Francisco next month" and "likely to meet next month" are still being arranged; "will go
# to China in early April" is coming.
_INTENT = re.compile(r"\b(?:plans?|planning|planned|hopes?|hoping|wants?|wanted|intends?|"
                     r"seeks?|seeking|aims?|agreed|agree|wish(?:es)?|would like|likely|"
                     r"probably)\s+to\b", FLAGS)
_PRESENT = re.compile(r"\b(?:meets|arrives|visits|holds|lands|begins|starts|opens|tours|"
                      r"is (?:in|visiting|meeting|holding)|are (?:meeting|holding|in))\b", FLAGS)
_EXPECTED = re.compile(r"\b(?:is|are|was|were) (?:widely |now )?(?:expected|due) to\b", FLAGS)
FAR_DAYS = 7
SETBACK_RANK = 100
"""Setback statuses rank above every forward one (added to their position)."""


@dataclass(frozen=True, slots=True)
class CompiledStatus:
    spec: StatusSpec
    rank: int
    cues: tuple[re.Pattern[str], ...]
    also: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    unless_in_clause: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Rules:
    statuses: tuple[CompiledStatus, ...]
    actor: re.Pattern[str]
    place: re.Pattern[str]
    where: re.Pattern[str]
    other_places: re.Pattern[str] | None
    other_actors: re.Pattern[str] | None
    negations: tuple[re.Pattern[str], ...]
    history: tuple[re.Pattern[str], ...]
    recalls: tuple[re.Pattern[str], ...]
    official: tuple[re.Pattern[str], ...]
    hedges: tuple[re.Pattern[str], ...]
    possibility: tuple[re.Pattern[str], ...]
    ignore: tuple[re.Pattern[str], ...]


@dataclass(slots=True)
class Reading:
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
    official: bool = False
    """The sentence attributes it to a government body's announcement."""

_CACHE: dict[int, tuple[StorylineSpec, Rules]] = {}


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


def _far(facts: dict[str, str], published_at: datetime) -> bool:
    """Is the event's date more than FAR_DAYS ahead? "Is expected to meet Xi on March 28",
    six weeks ahead, is a forecast; "expected to arrive on Tuesday" is the schedule."""
    return any(after(value, published_at + timedelta(days=FAR_DAYS))
               for value in facts.values())


def after(value: str, local: datetime) -> bool:
    try:
        return date.fromisoformat(value) > local.date()
    except ValueError:
        return False


def hedged(rules: Rules, reading: Reading) -> Reading:
    """The reading as unofficial (hedged wording, or an article that says the date was not
    announced): a status with `hedged_as` reads as that status, without the facts it does
    not declare."""
    hedged_as = status_rule(rules, reading.status).spec.hedged_as
    return reading if hedged_as is None else weaker(rules, reading, hedged_as)


def _happening_today(sentence: str, facts: dict[str, str], published_at: datetime) -> bool:
    """Is the event dated the day of publication and told in the present, with no word of
    the future ("Lula meets Xi, Wednesday, Nov. 15, in Beijing" on that Wednesday)?"""
    today = published_at.date().isoformat()
    return (today in facts.values() and not FUTURE.search(sentence)
            and bool(_PRESENT.search(sentence)))


def weaker(rules: Rules, reading: Reading, status_id: str) -> Reading:
    target = status_rule(rules, status_id)
    return Reading(target.spec.id, target.rank, reading.index, reading.sentence, reading.cue,
                    {k: v for k, v in reading.facts.items() if k in target.spec.facts},
                    hedged=True, date_kind=reading.date_kind,
                    cue_status=reading.cue_status or reading.status, official=reading.official)


def status_rule(rules: Rules, status_id: str) -> CompiledStatus:
    return next(s for s in rules.statuses if s.spec.id == status_id)


def is_about(rules: Rules, sentence: str, in_context: bool) -> bool:
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
        in_context and bool(ANAPHORA_ACTOR.search(sentence)))
    if not has_actor:
        return False
    return has_place or (in_context and not elsewhere
                         and bool(_ANAPHORA_PLACE.search(sentence)))


def read_sentence(rules: Rules, sentence: str, index: int, published_at: datetime,
          skipped: list[dict[str, Any]]) -> list[Reading]:
    """Every status the sentence signals as current news (`sentence` is its evidence)."""
    evidence, sentence = sentence, _CAPTION_POSITION.sub("", sentence)
    candidates = [(s, cue) for s in rules.statuses
                  if (cue := _cue(rules, s, sentence, published_at))]
    if not candidates:
        return []
    veto = why_vetoed(rules, sentence, published_at) or _recap(sentence, published_at)
    if veto is not None:
        skipped.append({"sentence_index": index, "reason": veto[0], "pattern": veto[1],
                        "statuses": [s.spec.id for s, _ in candidates]})
        return []
    recall = next((p.pattern for p in rules.recalls if p.search(sentence)), None)
    if recall is not None:
        skipped.append({"sentence_index": index, "reason": "recalled plan", "pattern": recall,
                        "statuses": [s.spec.id for s, _ in candidates if not s.spec.setback]})
        candidates = [(s, cue) for s, cue in candidates if s.spec.setback]
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
        reading = Reading(status.spec.id, status.rank, index, evidence, cue, facts,
                           date_kind=date_kind)
        reading.official = any(p.search(sentence) for p in rules.official)
        if status.spec.today_as and _happening_today(sentence, facts, published_at):
            reading = weaker(rules, reading, status.spec.today_as)  # stronger, in fact
        elif hedge is not None and status.spec.hedged_as:
            reading = hedged(rules, reading)
        elif status.spec.doubted_as and any(p.search(sentence) for p in rules.possibility):
            reading = weaker(rules, reading, status.spec.doubted_as)
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


def _cue(rules: Rules, status: CompiledStatus, sentence: str, published_at: datetime) -> str | None:
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


def _vetoed_in_clause(status: CompiledStatus, sentence: str, match: re.Match[str]) -> bool:
    """Does the cue's own clause, up to the cue's end, hold a veto of `unless_in_clause`
    ("is expected to arrive")? What follows the cue ("arrived, where he will meet") does not
    count."""
    if not status.unless_in_clause:
        return False
    starts = [b.end() for b in _CLAUSE_START.finditer(sentence, 0, match.start())]
    clause = sentence[starts[-1] if starts else 0:match.end()]
    return any(p.search(clause) for p in status.unless_in_clause)


def _elsewhere(rules: Rules, sentence: str, match: re.Match[str]) -> bool:
    """Does the cue's clause name another place and not the event's ("ends China visit in
    Harbin", "his first trip abroad was to China")?"""
    if rules.other_places is None or rules.where.search(match.group(0)):
        return False  # the cue itself names the event's place ("arrived in Abu Dhabi from China")
    clause = _CLAUSE_END.search(sentence, match.start() + 1)
    window = sentence[match.start():min(clause.start() if clause else len(sentence),
                                        match.end() + _WINDOW)]
    return bool(rules.other_places.search(window)) and not rules.where.search(window)


def _someone_else(rules: Rules, sentence: str, match: re.Match[str]) -> bool:
    """Is the cue about another person's trip ("Foreign Minister Wang Yi wrapped up a trip to
    Brasilia ... after the leaders' summit")? True when the nearest person named before
    the cue's end is one of `other_actors`, not the storyline's actor."""
    if rules.other_actors is None:
        return False
    # Whole-sentence matches (a cut-off string would hide what follows: "official state visit").
    other = [m.start() for m in rules.other_actors.finditer(sentence)
             if m.start() < match.start() and not _SPEAKS.match(sentence, m.end())]
    if not other:
        return False
    actor = [m.end() for m in rules.actor.finditer(sentence) if m.end() <= match.end()]
    if not actor:
        return True
    if actor[-1] > other[-1]:
        return False
    # "Modi, accompanied by Foreign Minister Jaishankar, arrived": company, not the subject.
    return not _COMPANY.search(sentence, actor[-1], other[-1])


def why_vetoed(rules: Rules, sentence: str, published_at: datetime) -> tuple[str, str] | None:
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
    if FUTURE.search(sentence):
        return None
    opening = _OPENING_MONTH.match(sentence)
    if opening is not None and month_number(opening.group("month")) != published_at.month:
        return "history", f"opens with {opening.group('month')}"
    earliest = published_at.date() - timedelta(days=1)
    for mention in find_dates(sentence, published_at):
        if mention.kind == "absolute" and mention.tense == "past" and mention.first < earliest:
            return "history", f"past date {mention.text}"
    return None


def _event_facts(rules: Rules, status: StatusSpec, sentence: str,
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


def event_date(rules: Rules, sentence: str, published_at: datetime) -> DateMention | None:
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


def _nearer_other_place(rules: Rules, sentence: str, mention: DateMention) -> bool:
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


def rules_for(spec: StorylineSpec) -> Rules:
    cached = _CACHE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    rules = compile_rules(spec)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(spec)] = (spec, rules)
    return rules


def compile_rules(spec: StorylineSpec) -> Rules:
    """The storyline's status rules as compiled patterns ({place}/{actor} expanded)."""
    r = spec.status_rules
    place = _alternation(r.place)
    actor = _alternation(r.actor)

    def compile_all(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p.replace("{place}", place).replace("{actor}", actor), FLAGS)
                     for p in patterns)

    statuses = tuple(
        CompiledStatus(s, SETBACK_RANK + i if s.setback else i, compile_all(s.cues),
                compile_all(s.also), compile_all(s.unless), compile_all(s.unless_in_clause))
        for i, s in enumerate(spec.statuses))
    return Rules(
        statuses=statuses, actor=re.compile(actor, FLAGS), place=re.compile(place, FLAGS),
        where=re.compile(_alternation(r.where) if r.where else place, FLAGS),
        other_places=re.compile(_alternation(r.other_places), FLAGS) if r.other_places
        else None,
        other_actors=re.compile(_alternation(r.other_actors), FLAGS) if r.other_actors
        else None,
        negations=compile_all(r.negations), history=compile_all(r.history),
        recalls=compile_all(r.recalls), official=compile_all(r.official),
        hedges=compile_all(r.hedges), possibility=compile_all(r.possibility),
        ignore=compile_all(r.ignore))


def _alternation(patterns: tuple[str, ...]) -> str:
    """One regex for several (each bounds its own words: an alias may end in "N.K.")."""
    if not patterns:
        return r"(?!x)x"
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"
