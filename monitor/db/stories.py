"""Stories repository: near-duplicate clusters and their member articles, as records for
`monitor stories list|show` and anyone else who inspects them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.db import models as m


@dataclass(frozen=True, slots=True)
class StorySummary:
    id: int
    title: str
    """The representative article's title."""
    url: str
    outlet: str
    first_seen_at: datetime
    last_seen_at: datetime
    article_count: int
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoryMember:
    article_id: int
    url: str
    outlet: str
    title: str
    published: datetime
    dedup_reason: str
    duplicate_of: int | None


@dataclass(frozen=True, slots=True)
class StoryDetail:
    story: StorySummary
    members: tuple[StoryMember, ...]
    """In publication order; the original (dedup_reason "new") among them."""


def _summaries(session: Session, where: sa.ColumnElement[bool] | None, limit: int | None,
               ) -> list[StorySummary]:
    stmt = (sa.select(m.Story, m.Article.title, m.Article.url, m.Article.outlet)
            .join(m.Article, m.Article.id == m.Story.representative_article_id)
            .order_by(m.Story.last_seen_at.desc(), m.Story.id.desc()))
    if where is not None:
        stmt = stmt.where(where)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [StorySummary(
        id=story.id, title=title, url=url, outlet=outlet,
        first_seen_at=ensure_utc(story.first_seen_at),
        last_seen_at=ensure_utc(story.last_seen_at), article_count=story.article_count,
        outlets=tuple(str(o) for o in story.outlets or ()))
        for story, title, url, outlet in session.execute(stmt)]


def list_stories(session: Session, limit: int = 50, *, min_articles: int = 1,
                 since: datetime | None = None) -> list[StorySummary]:
    """Most recently seen stories first; `min_articles=2` shows only folded duplicates."""
    where: sa.ColumnElement[bool] = m.Story.article_count >= min_articles
    if since is not None:
        where = sa.and_(where, m.Story.last_seen_at >= since)
    return _summaries(session, where, limit)


def get_story(session: Session, story_id: int) -> StoryDetail | None:
    found = _summaries(session, m.Story.id == story_id, 1)
    if not found:
        return None
    rows = session.execute(
        sa.select(m.Article.id, m.Article.url, m.Article.outlet, m.Article.title,
                  m.Article.published_at, m.Article.dedup_reason, m.Article.duplicate_of)
        .where(m.Article.story_id == story_id)
        .order_by(m.Article.published_at, m.Article.id))
    members = tuple(StoryMember(article_id=r.id, url=r.url, outlet=r.outlet, title=r.title,
                                published=ensure_utc(r.published_at),
                                dedup_reason=r.dedup_reason, duplicate_of=r.duplicate_of)
                    for r in rows)
    return StoryDetail(story=found[0], members=members)
