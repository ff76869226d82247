"""Status stage, state machine: does an observation change the storyline? (pure)

    Observation --tracker.decide--> StatusChange | None

Rules: a storyline moves forward along its declared order (skipping is allowed); it moves
backwards, or into a setback status (cancelled/postponed), only through a declared
transition; history is not news, so anything else is ignored. A move of the key fact (the
visit date moves out of the known dates) within the same status is a change too. Each kind
of change needs its corroboration: distinct outlets (the reporting one included) that
published within `corroboration.window_days` of each other, or one trusted outlet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal

import structlog

from monitor.records import Observation, Report, StatusChange, StorylineState
from monitor.storylines.spec import StorylineSpec

log = structlog.get_logger(__name__)

ChangeKind = Literal["forward", "backward", "fact_change"]


def decide(spec: StorylineSpec, state: StorylineState, observation: Observation,
           report: Report, support: Sequence[Report], now: datetime) -> StatusChange | None:
    """The change `observation` makes to `state`, or None (no move, not allowed, or not yet
    corroborated). `support` are reports of equivalent observations from other articles."""
    kind = change_kind(spec, state, observation, report)
    if kind is None:
        return None
    window = timedelta(days=spec.corroboration.window_days)
    reports = _distinct_outlets([report, *(r for r in support
                                           if abs(r.published_at - report.published_at) <= window)])
    needed = _needed(spec, kind)
    if kind == "forward" and _unanchored(spec, state, observation):
        needed = max(needed, spec.corroboration.unanchored)
    trusted = [r for r in reports if r.outlet in spec.corroboration.trusted]
    if len(reports) < needed and not trusted:
        log.info("status.awaiting_corroboration", storyline_id=spec.id,
                 to_status=observation.status, kind=kind, outlets=len(reports), needed=needed)
        return None
    first = min(reports, key=lambda r: (r.published_at, r.article_id))
    facts_after = _facts_after(spec, state, observation)
    return StatusChange(
        storyline_id=spec.id, from_status=state.status, to_status=observation.status,
        facts_before=dict(state.facts), facts_after=facts_after, evidence=observation.evidence,
        report=first, corroborating=tuple(r for r in reports if r is not first),
        detected_at=now,
        explanation={"kind": kind, "outlets": len(reports), "needed": needed,
                     "trusted": [r.outlet for r in trusted], **observation.explanation})


def change_kind(spec: StorylineSpec, state: StorylineState, observation: Observation,
                report: Report) -> ChangeKind | None:
    """What kind of change the observation would be, before corroboration."""
    ids = spec.status_ids()
    new = observation.status
    if new not in ids or not _plausible(spec, state, observation, report):
        return None
    current = state.status
    if current is None:
        return None if spec.status(new).setback else "forward"
    if new == current:
        return "fact_change" if _key_fact_moved(spec, state, observation) else None
    if new in spec.transitions.get(current, ()):
        backward = spec.status(new).setback or (
            not spec.status(current).setback and ids.index(new) < ids.index(current))
        return "backward" if backward else "forward"
    if spec.status(new).setback or spec.status(current).setback:
        return None
    return "forward" if ids.index(new) > ids.index(current) else None


def _plausible(spec: StorylineSpec, state: StorylineState, observation: Observation,
               report: Report) -> bool:
    """An arrival or end reported over a day before the known visit date is not news of it."""
    fact = spec.status(observation.status).not_before_fact
    if fact is None or fact not in state.facts:
        return True
    known = _day(state.facts[fact])
    return known is None or report.published_at.date() >= known - timedelta(days=1)


def _unanchored(spec: StorylineSpec, state: StorylineState, observation: Observation) -> bool:
    """Is this a status that follows a fact (the arrival follows the visit date) while the
    fact is not known yet? One outlet's word is then not enough."""
    fact = spec.status(observation.status).not_before_fact
    return fact is not None and fact not in state.facts


def _key_fact_moved(spec: StorylineSpec, state: StorylineState,
                    observation: Observation) -> bool:
    """Has the key fact (the first declared) moved outside the known span of dates?"""
    facts = spec.status(observation.status).facts
    if not facts:
        return False
    key = facts[0]
    new, old = observation.facts.get(key), state.facts.get(key)
    if new is None or old is None or new == old:
        return False
    new_day, old_day = _day(new), _day(old)
    if new_day is None or old_day is None:
        return True
    end = _day(state.facts.get(facts[1], "")) if len(facts) > 1 else None
    slack = timedelta(days=1 if observation.explanation.get("date_kind") in (
        "weekday", "relative") else 0)   # "today" depends on the writer's time zone
    return not old_day - slack <= new_day <= (end or old_day) + slack


def _facts_after(spec: StorylineSpec, state: StorylineState,
                 observation: Observation) -> dict[str, str]:
    """The storyline's facts after the change: a new key fact replaces the facts of its
    status (a moved date drops the old end date); other facts are kept."""
    declared = spec.status(observation.status).facts
    if declared and declared[0] in observation.facts:
        kept = {k: v for k, v in state.facts.items() if k not in declared}
        return {**kept, **observation.facts}
    return {**state.facts, **observation.facts}


def _needed(spec: StorylineSpec, kind: ChangeKind) -> int:
    corroboration = spec.corroboration
    return {"forward": corroboration.forward, "backward": corroboration.backward,
            "fact_change": corroboration.fact_change}[kind]


def _distinct_outlets(reports: Sequence[Report]) -> list[Report]:
    """One report per outlet (the earliest), in publication order."""
    by_outlet: dict[str, Report] = {}
    for report in sorted(reports, key=lambda r: (r.published_at, r.article_id)):
        by_outlet.setdefault(report.outlet.strip().lower(), report)
    return list(by_outlet.values())


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
