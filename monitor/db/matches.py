"""Storyline matches repository: the match stage's decisions (matches and near misses) and
the background of stored article texts the matcher fits its IDF on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.db import models as m
from monitor.records import MatchResult


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A stored relevance decision, with the article it is about (for inspection)."""

    article_id: int
    story_id: int
    storyline_id: str
    matched: bool
    score: float
    explanation: dict[str, Any]
    url: str
    outlet: str
    title: str
    published_at: datetime
    created_at: datetime


def save_match(session: Session, article_id: int, story_id: int, result: MatchResult,
               now: datetime) -> bool:
    """Store a match or a near miss (other decisions are dropped); returns whether stored.

    Idempotent per (article, storyline): deciding again replaces the earlier decision."""
    if not (result.matched or result.near_miss):
        return False
    values = {"article_id": article_id, "storyline_id": result.storyline_id,
              "story_id": story_id, "matched": result.matched, "score": result.score,
              "explanation": result.explanation, "created_at": now}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(m.StorylineMatch).values(**values)
    update = {k: insert.excluded[k] for k in ("story_id", "matched", "score", "explanation",
                                               "created_at")}
    session.execute(insert.on_conflict_do_update(
        index_elements=["article_id", "storyline_id"], set_=update))
    return True


def background_texts(session: Session, limit: int) -> list[str]:
    """Title and text of the most recent stored originals (not copies), for IDF."""
    rows = session.execute(
        sa.select(m.Article.title, m.Article.text)
        .where(m.Article.text.is_not(None), m.Article.duplicate_of.is_(None))
        .order_by(m.Article.published_at.desc(), m.Article.id.desc())
        .limit(limit))
    return [f"{title}\n\n{text}" for title, text in rows]


def list_matches(session: Session, storyline_id: str, matched: bool | None = None,
                 limit: int = 50) -> list[StoredMatch]:
    """A storyline's stored decisions, best score first; `matched` False: near misses only."""
    query = (sa.select(m.StorylineMatch, m.Article)
             .join(m.Article, m.Article.id == m.StorylineMatch.article_id)
             .where(m.StorylineMatch.storyline_id == storyline_id)
             .order_by(m.StorylineMatch.score.desc(), m.StorylineMatch.id)
             .limit(limit))
    if matched is not None:
        query = query.where(m.StorylineMatch.matched.is_(matched))
    return [_stored(row, article) for row, article in session.execute(query)]


def _stored(row: m.StorylineMatch, article: m.Article) -> StoredMatch:
    return StoredMatch(
        article_id=row.article_id, story_id=row.story_id, storyline_id=row.storyline_id,
        matched=row.matched, score=row.score, explanation=dict(row.explanation),
        url=article.url, outlet=article.outlet, title=article.title,
        published_at=ensure_utc(article.published_at), created_at=ensure_utc(row.created_at))


# ---- Read side of the storyline pages (monitor.pages): paginated, one query per table.


@dataclass(frozen=True, slots=True)
class MatchedStory:
    """A matched article with its story's outlets and the status it stated, if any."""

    article_id: int
    story_id: int
    url: str
    outlet: str
    title: str
    published_at: datetime
    score: float
    outlets: tuple[str, ...]
    """Every outlet that ran the story (its duplicates included)."""
    article_count: int
    stated_status: str | None
    stated_facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MatchPage:
    """One page of a storyline's matched stories, newest first."""

    items: tuple[MatchedStory, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def matched_stories(session: Session, storyline_id: str, *, page: int = 1,
                    per_page: int = 50) -> MatchPage:
    """Page `page` (from 1) of the storyline's matches, newest publication first: one count
    and one joined select, so the cost stays flat however many matches there are."""
    total = session.scalar(sa.select(sa.func.count()).select_from(m.StorylineMatch).where(
        m.StorylineMatch.storyline_id == storyline_id, m.StorylineMatch.matched.is_(True))) or 0
    observation = sa.and_(m.StatusObservation.storyline_id == m.StorylineMatch.storyline_id,
                          m.StatusObservation.article_id == m.StorylineMatch.article_id)
    rows = session.execute(
        sa.select(m.StorylineMatch.article_id, m.StorylineMatch.story_id, m.StorylineMatch.score,
                  m.Article.url, m.Article.outlet, m.Article.title, m.Article.published_at,
                  m.Story.outlets, m.Story.article_count, m.StatusObservation.status,
                  m.StatusObservation.facts)
        .join(m.Article, m.Article.id == m.StorylineMatch.article_id)
        .join(m.Story, m.Story.id == m.StorylineMatch.story_id)
        .outerjoin(m.StatusObservation, observation)
        .where(m.StorylineMatch.storyline_id == storyline_id,
               m.StorylineMatch.matched.is_(True))
        .order_by(m.Article.published_at.desc(), m.Article.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page))
    items = tuple(MatchedStory(
        article_id=r.article_id, story_id=r.story_id, url=r.url, outlet=r.outlet,
        title=r.title, published_at=ensure_utc(r.published_at), score=r.score,
        outlets=tuple(str(o) for o in r.outlets or ()), article_count=r.article_count,
        stated_status=r.status, stated_facts=dict(r.facts or {})) for r in rows)
    return MatchPage(items=items, total=total, page=max(page, 1), per_page=per_page)


def recent_story_counts(session: Session, since: datetime) -> dict[str, int]:
    """Matched stories per storyline whose article was published at or after `since`."""
    rows = session.execute(
        sa.select(m.StorylineMatch.storyline_id,
                  sa.func.count(sa.distinct(m.StorylineMatch.story_id)))
        .join(m.Article, m.Article.id == m.StorylineMatch.article_id)
        .where(m.StorylineMatch.matched.is_(True), m.Article.published_at >= since)
        .group_by(m.StorylineMatch.storyline_id))
    return {storyline_id: count for storyline_id, count in rows}


@dataclass(frozen=True, slots=True)
class StoryMatch:
    """A storyline one of the story's articles matched."""

    storyline_id: str
    article_id: int
    score: float


def matches_of_story(session: Session, story_id: int) -> list[StoryMatch]:
    """The storylines a story's articles matched, best score first."""
    rows = session.execute(
        sa.select(m.StorylineMatch.storyline_id, m.StorylineMatch.article_id,
                  m.StorylineMatch.score)
        .where(m.StorylineMatch.story_id == story_id, m.StorylineMatch.matched.is_(True))
        .order_by(m.StorylineMatch.score.desc(), m.StorylineMatch.id))
    return [StoryMatch(storyline_id, article_id, score) for storyline_id, article_id, score
            in rows]
