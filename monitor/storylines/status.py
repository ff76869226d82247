"""Status stage, pure core: what one matched article states about a storyline's status.

    StorylineMatch --status.observe--> Observation --tracker.decide--> StatusChange

Each sentence is read on its own (monitor.storylines.sentence: the title is sentence 0);
this module weighs the readings of the whole article: a sentence that continues a recap is
a recap, the outlet's own "unverified", a setback below the lead (a recap), an article that
dates the event days ahead (then nothing in it is under way), a text whose weekdays do not
fit the year, an article that says the date is not announced; then the strongest reading
wins and carries its explanation (cue family, roles, sentences set aside).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import structlog

from monitor.records import Observation
from monitor.storylines.dates import MONTH_NAME, calendar_conflict, dateline_day, month_number
from monitor.storylines.kinds.base import role_pattern
from monitor.storylines.sentence import (
    ANAPHORA_ACTOR,
    FLAGS,
    FUTURE,
    SETBACK_RANK,
    Reading,
    Rules,
    after,
    hedged,
    is_about,
    read_sentence,
    rules_for,
    split_sentences,
    status_rule,
    why_vetoed,
)
from monitor.storylines.spec import StorylineSpec

__all__ = ["observe", "role_mentions", "split_sentences"]

log = structlog.get_logger(__name__)

# The outlet says it could not check what it reports.
_UNVERIFIED = re.compile(
    r"\bunconfirmed\b|\bunverified\b|\btreat (?:this |it )?with caution\b"
    r"|\b(?:not|n't|never) (?:been |yet been )?able to (?:independently )?(?:verify|confirm)\b"
    r"|\bcould not (?:be )?(?:independently )?(?:verif|confirm)\w*\s+(?:this|the report|it|"
    r"the reports?|that)\b", FLAGS)
# The article itself says the date is not official yet ("Neither Tokyo nor Beijing
# has announced the dates"): dates it reports are someone else's word.
_NOT_ANNOUNCED = re.compile(
    r"\b(?:has|have|had)(?: not|n't)(?: yet)?(?: officially| formally| publicly)? "
    r"(?:announced|confirmed|disclosed|released|set)\b[^.]{0,30}\bdates?\b"
    r"|\bneither\b[^.]{0,80}\b(?:has|have) (?:officially |formally )?(?:announced|confirmed)\b"
    r"|\bno (?:official|formal) (?:date|dates|announcement|confirmation)\b"
    r"|\b(?:dates?|timing) (?:has|have|had) (?:not|yet to) (?:yet )?(?:been )?"
    r"(?:officially |formally )?(?:announced|confirmed|disclosed|made public)\b", FLAGS)
_IN_MONTH = re.compile(rf"\b(?:in|since|last|early|late) (?P<month>{MONTH_NAME})(?!\s+\d)\b",
                       FLAGS)
LEAD_SENTENCES = 3
_PROSE_WORDS = 12
"""Sentences after the title that make up the lead."""


def observe(spec: StorylineSpec, title: str, text: str,
            published_at: datetime) -> Observation | None:
    """The strongest status this article states as current news, or None.

    Strength follows the declared order (setback statuses count as strongest); among equals
    the earliest sentence wins. The explanation names the cue, the pattern, the sentence's
    index (0 = title) and the sentences skipped as negated, attributed or historical."""
    rules = rules_for(spec)
    sentences = split_sentences(title, text)
    readings: list[Reading] = []
    skipped: list[dict[str, Any]] = []
    local = _local_time(sentences, published_at)
    previous_about = title_about = continued = False
    for index, sentence in enumerate(sentences):
        about = is_about(rules, sentence, previous_about or title_about)
        previous_about = about
        title_about = title_about or (index == 0 and about)
        if about and index > 0 and _runs_on(sentence) and (
                continued or _is_recap(rules, sentences[index - 1], local)):
            skipped.append({"sentence_index": index, "reason": "history",
                            "pattern": "continues the recap before it"})
            continued = True
            continue
        continued = False
        if about:
            readings.extend(read_sentence(rules, sentence, index, local, skipped))
    readings = _verified(sentences, readings, skipped)
    readings = _setbacks_in_lead(readings, _lead_end(sentences), local, skipped)
    conflict = calendar_conflict(text, local.date())
    if conflict is not None:  # another year's text: its weekdays are not this week's
        readings = [r for r in readings if r.date_kind not in ("weekday", "relative")]
        skipped.append({"reason": "calendar", "pattern": conflict})
    readings = _still_to_come(rules, readings, local, skipped)
    if any(_NOT_ANNOUNCED.search(sentence) and not _names_another_month(sentence, local)
           for sentence in sentences):
        readings = [hedged(rules, r) for r in readings]
    if not readings:
        return None
    best = max(readings, key=lambda r: (r.rank, r.official, -r.index))
    cue_status = best.cue_status or best.status
    explanation: dict[str, Any] = {
        "cue_family": spec.cue_name(cue_status, best.cue), "cue_status": cue_status,
        "roles": role_mentions(spec, best.sentence),
        "cue": best.cue, "sentence_index": best.index, "hedged": best.hedged,
        "official": best.official,
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
        match = re.search(role_pattern(aliases), sentence, FLAGS) if aliases else None
        if match is not None:
            found[role] = match.group(0)
    return found


def _is_recap(rules: Rules, sentence: str, local: datetime) -> bool:
    veto = why_vetoed(rules, sentence, local)
    return veto is not None and veto[0] == "history"


def _runs_on(sentence: str) -> bool:
    """Does the sentence continue the one before ("... in July 2000. The late king greeted him
    at the airport"): it refers back and says nothing of the future?"""
    return bool(ANAPHORA_ACTOR.search(sentence) or re.search(r"\b(?:him|her)\b", sentence,
                                                               FLAGS)) and not (
        FUTURE.search(sentence))


def _local_time(sentences: list[str], published_at: datetime) -> datetime:
    """The publication time moved to the day of the article's dateline, when that is a day
    off (an article of 18 June in Seoul is published on 17 June in UTC): "today" and
    weekdays are the writer's."""
    for sentence in sentences[:3]:
        day = dateline_day(sentence, published_at.date())
        if day is not None:
            return published_at + timedelta(days=(day - published_at.date()).days)
    return published_at


def _still_to_come(rules: Rules, readings: list[Reading], local: datetime,
                   skipped: list[dict[str, Any]]) -> list[Reading]:
    """An article that dates the event two days ahead or more ("will visit China on Nov. 4")
    does not report it under way or over (the talks of tomorrow do not count): "Scholz is
    visiting China at the invitation of..." in the same article is the announcement's
    present tense."""
    ahead = [r for r in readings if r.facts and not r.hedged and any(
        after(value, local + timedelta(days=1)) for value in r.facts.values())]
    if not ahead:
        return readings
    kept = []
    for reading in readings:
        if status_rule(rules, reading.status).spec.not_before_fact:
            skipped.append({"sentence_index": reading.index, "reason": "still_to_come",
                            "statuses": [reading.status]})
        else:
            kept.append(reading)
    return kept


def _names_another_month(sentence: str, local: datetime) -> bool:
    """Does the sentence look back to another month ("China announced in January an
    invitation, but had not disclosed a date")? Then what it says was not announced is old."""
    return any(month_number(m.group("month")) != local.month
               for m in _IN_MONTH.finditer(sentence))


def _lead_end(sentences: list[str]) -> int:
    """The index of the lead's last sentence: the LEAD_SENTENCES first sentences of the text
    that are prose (page furniture, a repeated headline or a datestamp line do not count)."""
    prose = [i for i, s in enumerate(sentences[1:], 1) if len(s.split()) >= _PROSE_WORDS]
    return prose[LEAD_SENTENCES - 1] if len(prose) >= LEAD_SENTENCES else len(sentences)


def _setbacks_in_lead(readings: list[Reading], lead_end: int, local: datetime,
                      skipped: list[dict[str, Any]]) -> list[Reading]:
    """A cancellation or postponement is news in the title or the lead, and of this month;
    further down, or placed in another month ("were due to tour Paris in March but the trip
    was shelved"), the sentence recalls an earlier one in an article about what happens
    now."""
    kept = []
    for reading in readings:
        if reading.rank >= SETBACK_RANK and (
                reading.index > lead_end or _names_another_month(reading.sentence, local)):
            skipped.append({"sentence_index": reading.index, "reason": "setback_below_lead",
                            "statuses": [reading.status]})
        else:
            kept.append(reading)
    return kept


def _verified(sentences: list[str], readings: list[Reading],
              skipped: list[dict[str, Any]]) -> list[Reading]:
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
