"""Storylines repository: definitions synced from config, seeds, state and status history."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.db import models as m
from monitor.records import Observation, Report, StatusChange, StorylineState
from monitor.storylines.seeds import Seed
from monitor.storylines.spec import StorylineSpec


@dataclass(frozen=True, slots=True)
class SeedSummary:
    key: str
    url: str
    outlet: str
    title: str
    published_at: datetime
    published_precision: str
    words: int


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    id: int
    from_status: str | None
    to_status: str
    facts_before: dict[str, Any]
    facts_after: dict[str, Any]
    evidence: str
    url: str
    outlet: str
    outlets: list[Any]
    published_at: datetime
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class StorylineSummary:
    id: str
    title: str
    status: str | None
    facts: dict[str, Any]
    since: datetime | None
    seeds: list[SeedSummary]
    matches: int
    changes: int


def spec_hash(spec: StorylineSpec) -> str:
    return hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True)
                          .encode()).hexdigest()


def sync_storylines(session: Session, specs: Sequence[StorylineSpec],
                    seeds: Sequence[Seed], now: datetime) -> None:
    """Make the storylines and storyline_seeds tables match the config (idempotent).

    Status and facts are history and are kept when a definition changes."""
    for spec in specs:
        row = session.get(m.Storyline, spec.id)
        if row is None:
            row = m.Storyline(id=spec.id, title=spec.title, status=None, facts={}, since=None,
                              updated_at=now)
            session.add(row)
        row.title = spec.title
        digest = spec_hash(spec)
        if row.config_hash != digest:
            row.config_hash = digest
            row.updated_at = now
    session.flush()
    for seed in seeds:
        _upsert_seed(session, seed)
    wanted = {(s.storyline_id, s.key) for s in seeds}
    for seed_row in session.scalars(sa.select(m.StorylineSeed)):
        if (seed_row.storyline_id, seed_row.key) not in wanted:
            session.delete(seed_row)


def _upsert_seed(session: Session, seed: Seed) -> None:
    row = session.scalar(sa.select(m.StorylineSeed).filter_by(
        storyline_id=seed.storyline_id, key=seed.key))
    if row is None:
        row = m.StorylineSeed(storyline_id=seed.storyline_id, key=seed.key)
        session.add(row)
    if row.content_hash == seed.content_hash and row.outlet == seed.outlet:
        return
    row.url, row.outlet, row.title = seed.url, seed.outlet, seed.title
    row.published_at, row.published_precision = seed.published_at, seed.published_precision
    row.language, row.text, row.content_hash = seed.language, seed.text, seed.content_hash


def seed_texts(session: Session, storyline_id: str) -> list[tuple[str, str]]:
    """(key, title + text) of a storyline's seeds, for the matcher."""
    rows = session.execute(sa.select(m.StorylineSeed.key, m.StorylineSeed.title,
                                     m.StorylineSeed.text)
                           .filter_by(storyline_id=storyline_id)
                           .order_by(m.StorylineSeed.published_at, m.StorylineSeed.key))
    return [(key, f"{title}\n\n{text}") for key, title, text in rows]


def list_storylines(session: Session) -> list[StorylineSummary]:
    rows = session.scalars(sa.select(m.Storyline).order_by(m.Storyline.id)).all()
    return [_summary(session, row) for row in rows]


def get_storyline(session: Session, storyline_id: str) -> StorylineSummary | None:
    row = session.get(m.Storyline, storyline_id)
    return None if row is None else _summary(session, row)


def _summary(session: Session, row: m.Storyline) -> StorylineSummary:
    seeds = session.scalars(sa.select(m.StorylineSeed).filter_by(storyline_id=row.id)
                            .order_by(m.StorylineSeed.published_at, m.StorylineSeed.key))
    count = sa.select(sa.func.count())
    return StorylineSummary(
        id=row.id, title=row.title, status=row.status, facts=dict(row.facts or {}),
        since=ensure_utc(row.since) if row.since else None,
        seeds=[SeedSummary(s.key, s.url, s.outlet, s.title, ensure_utc(s.published_at),
                           s.published_precision, len(s.text.split())) for s in seeds],
        matches=session.scalar(count.select_from(m.StorylineMatch).filter_by(
            storyline_id=row.id, matched=True)) or 0,
        changes=session.scalar(count.select_from(m.StatusChange).filter_by(
            storyline_id=row.id)) or 0,
    )


def history(session: Session, storyline_id: str) -> list[ChangeSummary]:
    """The storyline's status changes in the order they were detected."""
    rows = session.execute(
        sa.select(m.StatusChange, m.Article.url, m.Article.outlet)
        .join(m.Article, m.Article.id == m.StatusChange.article_id)
        .filter(m.StatusChange.storyline_id == storyline_id)
        .order_by(m.StatusChange.id))
    return [ChangeSummary(
        id=c.id, from_status=c.from_status, to_status=c.to_status,
        facts_before=dict(c.facts_before or {}), facts_after=dict(c.facts_after or {}),
        evidence=c.evidence, url=url, outlet=outlet, outlets=list(c.outlets or []),
        published_at=ensure_utc(c.published_at), detected_at=ensure_utc(c.detected_at))
        for c, url, outlet in rows]


# ---- Status: observations, state and changes (the status stage's storage edge).


def storyline_state(session: Session, storyline_id: str) -> StorylineState:
    """The storyline's current status and facts (an empty state if it is not stored)."""
    row = session.get(m.Storyline, storyline_id)
    if row is None:
        return StorylineState(storyline_id, None, {}, None)
    return StorylineState(storyline_id, row.status, dict(row.facts or {}),
                          ensure_utc(row.since) if row.since else None)


def add_observation(session: Session, observation: Observation, report: Report,
                    observed_at: datetime) -> None:
    """Store what an article said about the storyline (idempotent per storyline and article:
    a second call updates the stored observation)."""
    row = session.scalar(sa.select(m.StatusObservation).filter_by(
        storyline_id=observation.storyline_id, article_id=report.article_id))
    if row is None:
        row = m.StatusObservation(storyline_id=observation.storyline_id,
                                  article_id=report.article_id, observed_at=observed_at)
        session.add(row)
    row.story_id = report.story_id
    row.status = observation.status
    row.facts = dict(observation.facts)
    row.evidence = observation.evidence
    row.explanation = dict(observation.explanation)
    session.flush()


def supporting_reports(session: Session, storyline_id: str, status: str,
                       facts: dict[str, str]) -> list[Report]:
    """Reports that stated an equivalent observation (same status; facts agree on every key
    both name), one per outlet (the earliest), including the outlets of the stories'
    duplicates: the corroboration a change is counted on."""
    rows = session.execute(
        sa.select(m.StatusObservation.story_id, m.StatusObservation.facts)
        .filter_by(storyline_id=storyline_id, status=status)).all()
    story_ids = {story_id for story_id, stored in rows
                 if _equivalent(dict(stored or {}), facts)}
    if not story_ids:
        return []
    articles = session.scalars(sa.select(m.Article).where(m.Article.story_id.in_(story_ids))
                               .order_by(m.Article.published_at, m.Article.id))
    by_outlet: dict[str, Report] = {}
    for article in articles:
        by_outlet.setdefault(article.outlet.strip().lower(), _report_of(article))
    return list(by_outlet.values())


def _equivalent(stored: dict[str, Any], facts: dict[str, str]) -> bool:
    common = stored.keys() & facts.keys()
    if facts and stored and not common:
        return False
    return all(str(stored[key]) == str(facts[key]) for key in common)


def _report_of(article: m.Article) -> Report:
    return Report(article_id=article.id, story_id=article.story_id, url=article.url,
                  outlet=article.outlet, title=article.title,
                  published_at=ensure_utc(article.published_at))


def record_change(session: Session, change: StatusChange) -> int:
    """Insert the status change and move the storyline to it; returns the change's id."""
    reports = (change.report, *change.corroborating)
    row = m.StatusChange(
        storyline_id=change.storyline_id, from_status=change.from_status,
        to_status=change.to_status, facts_before=dict(change.facts_before),
        facts_after=dict(change.facts_after), evidence=change.evidence,
        article_id=change.report.article_id, story_id=change.report.story_id,
        outlets=[{"article_id": r.article_id, "url": r.url, "outlet": r.outlet,
                  "title": r.title, "published_at": r.published_at.isoformat()}
                 for r in reports],
        explanation=dict(change.explanation), published_at=change.report.published_at,
        detected_at=change.detected_at)
    session.add(row)
    storyline = session.get_one(m.Storyline, change.storyline_id)
    storyline.status = change.to_status
    storyline.facts = dict(change.facts_after)
    storyline.since = change.report.published_at
    storyline.updated_at = change.detected_at
    session.flush()
    return row.id


def observations_for_story(session: Session, story_id: int) -> list[tuple[Observation, Report]]:
    """Observations stored for the articles of a story, with their reports (so a duplicate
    from a new outlet can be decided again with more corroboration)."""
    rows = session.execute(
        sa.select(m.StatusObservation, m.Article)
        .join(m.Article, m.Article.id == m.StatusObservation.article_id)
        .filter(m.StatusObservation.story_id == story_id)
        .order_by(m.Article.published_at, m.Article.id))
    return [(_observation_of(obs), _report_of(article)) for obs, article in rows]


def recent_observations(session: Session, storyline_id: str,
                        since: datetime) -> list[tuple[Observation, Report]]:
    """Observations of a storyline from articles published since `since`, oldest first: the
    reports that may have waited for the state a change just reached."""
    rows = session.execute(
        sa.select(m.StatusObservation, m.Article)
        .join(m.Article, m.Article.id == m.StatusObservation.article_id)
        .filter(m.StatusObservation.storyline_id == storyline_id,
                m.Article.published_at >= since)
        .order_by(m.Article.published_at, m.Article.id))
    return [(_observation_of(obs), _report_of(article)) for obs, article in rows]


def _observation_of(obs: m.StatusObservation) -> Observation:
    return Observation(storyline_id=obs.storyline_id, status=obs.status,
                       facts={k: str(v) for k, v in (obs.facts or {}).items()},
                       evidence=obs.evidence, explanation=dict(obs.explanation or {}))


def seed_bodies(session: Session, storyline_id: str) -> list[str]:
    """The text of a storyline's seeds (without titles)."""
    return list(session.scalars(sa.select(m.StorylineSeed.text)
                                .filter_by(storyline_id=storyline_id)
                                .order_by(m.StorylineSeed.key)))
