"""Replays articles through status.observe and tracker.decide in memory, the way the
pipeline does (support = earlier reports of an equivalent observation, one per outlet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.records import Observation, Report, StatusChange, StorylineState
from monitor.storylines import status, tracker
from monitor.storylines.kinds import read_storyline
from monitor.storylines.spec import StorylineSpec

PROJECT = Path(__file__).resolve().parents[2]
SPEC_FILE = PROJECT / "config" / "storylines" / "putin-pyongyang-visit.toml"


def load_spec() -> StorylineSpec:
    return read_storyline(SPEC_FILE, PROJECT)


@dataclass(frozen=True)
class Item:
    outlet: str
    title: str
    text: str
    published_at: datetime


def replay(spec: StorylineSpec, items: list[Item]) -> list[StatusChange]:
    state = StorylineState(spec.id, None, {}, None)
    seen: list[tuple[Observation, Report]] = []
    changes: list[StatusChange] = []
    for n, item in enumerate(sorted(items, key=lambda i: i.published_at)):
        observation = status.observe(spec, item.title, item.text, item.published_at)
        if observation is None:
            continue
        report = Report(n + 1, n + 1, f"urn:test:{n}", item.outlet, item.title,
                        item.published_at)
        support = [r for o, r in seen if o.status == observation.status
                   and _same_facts(o.facts, observation.facts)]
        seen.append((observation, report))
        change = tracker.decide(spec, state, observation, report, support, item.published_at)
        if change is not None:
            changes.append(change)
            state = StorylineState(spec.id, change.to_status, change.facts_after,
                                   change.report.published_at)
    return changes


def _same_facts(a: dict[str, str], b: dict[str, str]) -> bool:
    return all(a[k] == b[k] for k in a.keys() & b.keys())
