"""Articles repository: the exact dedup keys, storing an article into its story, and the
stored signatures the near-duplicate index is rebuilt from (monitor.dedup)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.db import models as m
from monitor.dedup import Fingerprint
from monitor.errors import MonitorError
from monitor.records import ArticleDraft, StoryDecision


@dataclass(frozen=True, slots=True)
class StoredArticle:
    article_id: int
    story_id: int
    duplicate_of: int | None
    is_new_outlet: bool
    """The story had no article from this outlet before (a new corroborating outlet)."""
    outlets: tuple[str, ...]
    """The story's outlets after this article, in the order they first reported it."""


def article_id_by_url(session: Session, url: str) -> int | None:
    return session.scalar(sa.select(m.Article.id).where(m.Article.url == url))


def find_by_content_hash(session: Session, content_hash: str) -> tuple[int, int] | None:
    """(article_id, story_id) of the earliest stored article with this normalized text."""
    row = session.execute(
        sa.select(m.Article.id, m.Article.story_id)
        .where(m.Article.content_hash == content_hash).order_by(m.Article.id).limit(1)
    ).first()
    return None if row is None else (row.id, row.story_id)


def store_article(session: Session, draft: ArticleDraft, fp: Fingerprint,
                  decision: StoryDecision, now: datetime) -> StoredArticle:
    """Insert the article: a new story when `decision.duplicate_of` is None, otherwise
    attached to `decision.story_id` (count, distinct outlets and last-seen updated)."""
    if decision.duplicate_of is None:
        story = m.Story(first_seen_at=now, last_seen_at=now, article_count=0, outlets=[])
        session.add(story)
        session.flush()
    else:
        # FOR UPDATE: two workers attaching to one story must not lose an outlet.
        story_or_none = session.get(m.Story, decision.story_id, with_for_update=True)
        if story_or_none is None:
            raise MonitorError(f"story {decision.story_id} of a duplicate does not exist")
        story = story_or_none
    article = _article(draft, fp, decision, story.id, now)
    session.add(article)
    session.flush()
    outlets = [str(o) for o in story.outlets]
    is_new_outlet = draft.outlet not in outlets
    if is_new_outlet:
        outlets.append(draft.outlet)
    story.outlets = outlets  # a new list, so the JSON column is seen as changed
    story.article_count += 1
    story.last_seen_at = max(ensure_utc(story.last_seen_at), ensure_utc(now))
    if story.representative_article_id is None:
        story.representative_article_id = article.id
    session.flush()
    return StoredArticle(article_id=article.id, story_id=story.id,
                         duplicate_of=decision.duplicate_of, is_new_outlet=is_new_outlet,
                         outlets=tuple(outlets))


def _article(draft: ArticleDraft, fp: Fingerprint, decision: StoryDecision, story_id: int,
             now: datetime) -> m.Article:
    return m.Article(
        url=draft.url, guid=draft.guid, feed_id=draft.feed_id, outlet=draft.outlet,
        title=draft.title, author=draft.author, language=draft.language,
        published_at=draft.published_at, published_precision=draft.published_precision,
        text=draft.text, text_source=draft.text_source, content_hash=fp.content_hash,
        signature=fp.signature, story_id=story_id, duplicate_of=decision.duplicate_of,
        dedup_reason=decision.reason, ingested_at=now)


def iter_signatures(session: Session, since: datetime, *, batch_size: int = 5000,
                    ) -> Iterator[tuple[int, int, bytes, datetime]]:
    """(article_id, story_id, signature, published_at) of every article published at or
    after `since` that has a signature, in id order, read in keyset-paged batches."""
    return signatures_after(session, 0, since=since, batch_size=batch_size)


def signatures_after(session: Session, article_id: int, *, since: datetime | None = None,
                     batch_size: int = 5000) -> Iterator[tuple[int, int, bytes, datetime]]:
    """Like iter_signatures, for articles with an id above `article_id` (what other workers
    stored since this process last looked), optionally only those published since `since`."""
    last_id = article_id
    while True:
        stmt = (sa.select(m.Article.id, m.Article.story_id, m.Article.signature,
                          m.Article.published_at)
                .where(m.Article.id > last_id, m.Article.signature.is_not(None))
                .order_by(m.Article.id).limit(batch_size))
        if since is not None:
            stmt = stmt.where(m.Article.published_at >= since)
        rows = session.execute(stmt).all()
        for row in rows:
            assert row.signature is not None
            yield row.id, row.story_id, bytes(row.signature), ensure_utc(row.published_at)
        if len(rows) < batch_size:
            return
        last_id = rows[-1].id
