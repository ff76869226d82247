"""Status stage, state machine: does an observation change the storyline? (pure)

    Observation --tracker.decide--> StatusChange | None

Rules: a storyline moves forward along its declared order (passing over a stage needs a
second outlet unless the event is days away); it moves backwards, or into a setback status
(cancelled/postponed), only through a declared transition, or as a correction of a status
that stood on one outlet and that several outlets since contradict; history is not news, so
anything else is ignored. A move of the key fact (the
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

ChangeKind = Literal["forward", "backward", "fact_change", "correction"]
CORRECTION_DELAY = timedelta(days=1)
"""A status that no second outlet confirmed within a day may be corrected."""
NEAR_DAYS = 7
"""An event this close to the report may be announced straight from an earlier stage."""


def decide(spec: StorylineSpec, state: StorylineState, observation: Observation,
           report: Report, support: Sequence[Report], now: datetime,
           standing: Sequence[Report] | None = None) -> StatusChange | None:
    """The change `observation` makes to `state`, or None (no move, not allowed, or not yet
    corroborated). `support` are reports of equivalent observations from other articles;
    `standing`, when given, the reports behind the current status (see `correcting`)."""
    kind = change_kind(spec, state, observation, report)
    if kind is None and standing is not None and correcting(spec, state, observation, report,
                                                            standing):
        kind = "correction"
        settled = state.since + CORRECTION_DELAY if state.since else None
        support = [r for r in support if settled is None or r.published_at >= settled]
    if kind is None:
        return None
    window = timedelta(days=spec.corroboration.window_days)
    reports = _distinct_outlets([report, *(r for r in support
                                           if abs(r.published_at - report.published_at) <= window)])
    needed = _needed(spec, kind)
    if kind == "forward" and _unanchored(spec, state, observation):
        needed = max(needed, spec.corroboration.unanchored)
    if kind == "forward" and _skips_a_stage(spec, state, observation, report):
        needed = max(needed, spec.corroboration.skip)
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


def correcting(spec: StorylineSpec, state: StorylineState, observation: Observation,
               report: Report, standing: Sequence[Report]) -> bool:
    """Would the observation correct a status read wrongly? It states an earlier stage (not
    a setback), a day or more after the change, while the current status still stands on
    one outlet alone; a date it gives is still to come. If enough outlets
    (`corroboration.backward`) report so, the change was a misreading, and the storyline
    goes back (alerted as a correction)."""
    if not may_correct(spec, state, observation) or state.since is None:
        return False
    if report.published_at < state.since + CORRECTION_DELAY:
        return False
    facts = spec.status(observation.status).facts
    day = _day(observation.facts.get(facts[0], "")) if facts else None
    if facts and (day is None or day <= report.published_at.date()):
        return False
    return len(_distinct_outlets(standing)) < spec.corroboration.backward


def may_correct(spec: StorylineSpec, state: StorylineState, observation: Observation) -> bool:
    """Could the observation be a correction? Only of an arrival or an end (a status that
    follows the event's date) by a dated stage before it: a false "under way" is the misreading
    that costs an analyst most, and later reports still giving the date to come are the
    plainest sign of it. Only then are the reports behind the current status worth loading."""
    ids = spec.status_ids()
    return (state.status in ids and observation.status in ids
            and ids.index(observation.status) < ids.index(state.status)
            and spec.status(state.status).not_before_fact is not None
            and bool(spec.status(observation.status).facts))


def closed_since(spec: StorylineSpec, state: StorylineState,
                 published_at: datetime) -> datetime | None:
    """When the storyline closed for a report published at `published_at`: its event began
    or ended (a status that follows the event's date: under way, concluded) over
    `match.days_after_end` days before; a visit or a meeting is over by then, and later
    reports are of the next one. None while open."""
    if state.status is None or state.since is None or (
            spec.status(state.status).not_before_fact is None):
        return None
    closes = state.since + timedelta(days=spec.match.days_after_end)
    return closes if published_at > closes else None


def waiting(spec: StorylineSpec, state: StorylineState,
            observed: Sequence[tuple[Observation, Report]],
            ) -> list[tuple[Observation, Report]]:
    """Recent observations that a change to `state` may let through: forward moves that had
    waited (one outlet a stage ahead, read before the stage between came in), the nearest
    stage first, then the earliest report."""
    if state.status is None:
        return []
    ids = spec.status_ids()
    pending = [(o, r) for o, r in observed
               if change_kind(spec, state, o, r) == "forward" and o.status != state.status]
    return sorted(pending, key=lambda item: (ids.index(item[0].status), item[1].published_at))


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
    if spec.status(current).setback and not _resumable(spec, state, report):
        return None
    if new in spec.transitions.get(current, ()):
        backward = spec.status(new).setback or (
            not spec.status(current).setback and ids.index(new) < ids.index(current))
        return "backward" if backward else "forward"
    if spec.status(new).setback or spec.status(current).setback:
        return None
    return "forward" if ids.index(new) > ids.index(current) else None


def _resumable(spec: StorylineSpec, state: StorylineState, report: Report) -> bool:
    """Can this report revive a cancelled or postponed event? Only from a few days after the
    setback: the reports of the days right after it still speak of the plan that fell."""
    if state.since is None:
        return True
    wait = timedelta(days=spec.corroboration.resume_after_days)
    return report.published_at >= state.since + wait


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


def _skips_a_stage(spec: StorylineSpec, state: StorylineState, observation: Observation,
                   report: Report) -> bool:
    """Does the move pass over a stage (proposed straight to scheduled, or a first reading
    past the first stage) for an event that is not days away? One outlet that jumps ahead of
    every other is more often a misreading than news; a second outlet confirms it. A date
    announced for the next few days is the exception: the announcement comes late."""
    ids = [s for s in spec.status_ids() if not spec.status(s).setback]
    if observation.status not in ids:
        return False
    # A story may first be heard of when it is already coming (no invitation was reported):
    # from nothing, the second stage is no jump; the third is.
    current = ids.index(state.status) if state.status in ids else 0
    if state.status is not None and state.status not in ids:
        return False  # out of a setback: the move back is its own kind of change
    if ids.index(observation.status) - current <= 1 or observation.explanation.get("official"):
        return False  # one stage, or a government body's own announcement
    return not _near(spec, observation, report)


def _near(spec: StorylineSpec, observation: Observation, report: Report) -> bool:
    """Is the observation's key date within NEAR_DAYS after the report?"""
    facts = spec.status(observation.status).facts
    day = _day(observation.facts.get(facts[0], "")) if facts else None
    if day is None:
        return False
    ahead = (day - report.published_at.date()).days
    return 0 <= ahead <= NEAR_DAYS


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
    if state.status is not None and spec.status(state.status).setback:
        # Revived after a setback: the dates of the plan that fell are no longer facts.
        dated = {f for s in spec.statuses for f in s.facts}
        return {**{k: v for k, v in state.facts.items() if k not in dated},
                **observation.facts}
    if declared and declared[0] in observation.facts:
        kept = {k: v for k, v in state.facts.items() if k not in declared}
        return {**kept, **observation.facts}
    return {**state.facts, **observation.facts}


def _needed(spec: StorylineSpec, kind: ChangeKind) -> int:
    corroboration = spec.corroboration
    return {"forward": corroboration.forward, "backward": corroboration.backward,
            "fact_change": corroboration.fact_change, "correction": corroboration.backward}[kind]


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
