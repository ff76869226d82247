"""The storyline matches repository on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import matches
from monitor.db import models as m
from monitor.db.engine import transaction
from monitor.records import MatchResult

NOW = datetime(2024, 6, 17, 12, 0, tzinfo=UTC)
STORYLINE = "putin-pyongyang-visit"


def add_storyline(session: Session) -> None:
    session.add(m.Storyline(id=STORYLINE, title="Putin Pyongyang visit date", updated_at=NOW))


def add_article(session: Session, n: int, *, text: str | None = "body",
                duplicate_of: int | None = None, published: datetime = NOW) -> tuple[int, int]:
    story = m.Story(first_seen_at=published, last_seen_at=published)
    session.add(story)
    session.flush()
    article = m.Article(
        url=f"https://example.org/{n}", outlet="Example", title=f"Title {n}",
        published_at=published, text=text, text_source="page", content_hash=f"{n:064d}",
        story_id=story.id, duplicate_of=duplicate_of, ingested_at=published)
    session.add(article)
    session.flush()
    return article.id, story.id


def result(matched: bool, score: float, *, near_miss: bool = False) -> MatchResult:
    return MatchResult(STORYLINE, matched, score, {"score": score, "reason": "test"},
                       near_miss)


def test_matches_and_near_misses_are_stored_and_others_dropped(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        ids = [add_article(session, n) for n in range(3)]
        stored = [matches.save_match(session, *ids[0], result(True, 0.9), NOW),
                  matches.save_match(session, *ids[1], result(False, 0.3, near_miss=True), NOW),
                  matches.save_match(session, *ids[2], result(False, 0.05), NOW)]
    assert stored == [True, True, False]
    with sessions() as session:
        everything = matches.list_matches(session, STORYLINE)
        assert [(r.article_id, r.matched, r.score) for r in everything] == [
            (ids[0][0], True, 0.9), (ids[1][0], False, 0.3)]
        near = matches.list_matches(session, STORYLINE, matched=False)
        assert [r.article_id for r in near] == [ids[1][0]]
        assert near[0].explanation == {"score": 0.3, "reason": "test"}
        assert near[0].url == "https://example.org/1"
        assert near[0].published_at == NOW


def test_saving_again_replaces_the_decision_for_the_same_article(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        article_id, story_id = add_article(session, 1)
        matches.save_match(session, article_id, story_id, result(False, 0.3, near_miss=True),
                           NOW)
    later = NOW + timedelta(hours=1)
    with transaction(sessions) as session:
        matches.save_match(session, article_id, story_id, result(True, 0.8), later)
    with sessions() as session:
        rows = session.scalars(sa.select(m.StorylineMatch)).all()
        assert [(r.matched, r.score) for r in rows] == [(True, 0.8)]
        assert matches.list_matches(session, STORYLINE)[0].created_at == later


def test_background_is_recent_original_texts_newest_first(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        old_id, _ = add_article(session, 1, published=NOW - timedelta(days=2))
        add_article(session, 2, published=NOW)
        add_article(session, 3, published=NOW - timedelta(days=1))
        add_article(session, 4, duplicate_of=old_id)  # a copy adds nothing
        add_article(session, 5, text=None)  # pruned
    with sessions() as session:
        assert matches.background_texts(session, 10) == [
            "Title 2\n\nbody", "Title 3\n\nbody", "Title 1\n\nbody"]
        assert len(matches.background_texts(session, 2)) == 2
