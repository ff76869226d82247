"""Status changes inserted directly (the pipeline is not needed to test the outbox)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from monitor.db import alerts as alerts_repo
from monitor.db import models as m

T0 = datetime(2024, 6, 17, 9, 0, tzinfo=UTC)
STORYLINE = "putin-pyongyang-visit"
TITLE = "Putin Pyongyang visit date"
EVIDENCE = ("Russian President Vladimir Putin will visit North Korea on Tuesday for two "
            "days, the Kremlin said on Monday.")

Outlet = tuple[str, str, str]
"""(outlet, url, title); reports with the same url share one story (a wire copy)."""


def ensure_storyline(session: Session, storyline_id: str = STORYLINE,
                     title: str = TITLE) -> None:
    if session.get(m.Storyline, storyline_id) is None:
        session.add(m.Storyline(id=storyline_id, title=title, facts={}, updated_at=T0))
        session.flush()


def add_story(session: Session, reports: Sequence[tuple[str, str]], title: str,
              seen_at: datetime) -> list[int]:
    """One story reported by several outlets: [(outlet, url), ...] -> article ids."""
    story = m.Story(first_seen_at=seen_at, last_seen_at=seen_at, article_count=len(reports),
                    outlets=[o for o, _ in reports])
    session.add(story)
    session.flush()
    ids = []
    for outlet, url in reports:
        article = m.Article(url=url, outlet=outlet, title=title, published_at=seen_at,
                            text="text", text_source="feed", story_id=story.id,
                            content_hash=hashlib.sha256(url.encode()).hexdigest(),
                            ingested_at=seen_at)
        session.add(article)
        session.flush()
        ids.append(article.id)
    return ids


def add_change(session: Session, *, storyline_id: str = STORYLINE,
               from_status: str | None = None, to_status: str = "proposed",
               facts_before: dict[str, str] | None = None,
               facts_after: dict[str, str] | None = None, evidence: str = EVIDENCE,
               stories: Sequence[Sequence[tuple[str, str]]] | None = None,
               detected_at: datetime = T0) -> int:
    """A status change reported by `stories` (each a list of (outlet, url)); returns its id."""
    ensure_storyline(session, storyline_id)
    if stories is None:
        stories = ((("Reuters", f"https://www.reuters.com/world/{uuid.uuid4().hex[:8]}"),),)
    article_ids: list[int] = []
    for n, story in enumerate(stories):
        article_ids += add_story(session, story, f"Report {n} on Putin's visit",
                                 detected_at - timedelta(hours=len(stories) - n))
    main = session.get_one(m.Article, article_ids[0])
    outlets = [{"article_id": a.id, "url": a.url, "outlet": a.outlet,
                "published_at": a.published_at.isoformat()}
               for a in (session.get_one(m.Article, i) for i in article_ids)]
    change = m.StatusChange(
        storyline_id=storyline_id, from_status=from_status, to_status=to_status,
        facts_before=facts_before or {}, facts_after=facts_after or {}, evidence=evidence,
        article_id=main.id, story_id=main.story_id, outlets=outlets, explanation={},
        published_at=main.published_at, detected_at=detected_at)
    session.add(change)
    session.flush()
    return change.id


def add_alert(session: Session, channel: str = "#news-alerts", *, suppressed: bool = False,
              now: datetime = T0, **change: object) -> int:
    """A status change and its alert row, as the pipeline writes them together."""
    change_id = add_change(session, detected_at=now, **change)  # type: ignore[arg-type]
    storyline = str(change.get("storyline_id", STORYLINE))
    (alert_id,) = alerts_repo.enqueue(session, change_id, storyline, [channel], now,
                                      suppressed=suppressed)
    return alert_id
