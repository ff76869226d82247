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
