"""Retention of article text and database statistics, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import models as m
from monitor.db.engine import transaction
from monitor.db.maintenance import database_stats, prune_article_text

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def add_articles(sessions: sessionmaker[Session], ages_days: list[int]) -> None:
    with transaction(sessions) as session:
        story = m.Story(first_seen_at=NOW, last_seen_at=NOW, outlets=[])
        session.add(story)
        session.flush()
        for i, age in enumerate(ages_days):
            when = NOW - timedelta(days=age)
            session.add(m.Article(
                url=f"https://example.org/{i}", outlet="Example", title=f"t{i}",
                published_at=when, text="x" * 100, text_source="page",
                content_hash=f"h{i}", signature=b"sig", story_id=story.id,
                ingested_at=when))


def test_prune_drops_old_text_and_keeps_metadata_and_signature(
        sessions: sessionmaker[Session]) -> None:
    add_articles(sessions, [400, 200, 10])
    with transaction(sessions) as session:
        assert prune_article_text(session, NOW - timedelta(days=365), NOW) == 1
    with sessions() as session:
        rows = {a.url: a for a in session.query(m.Article)}
    old = rows["https://example.org/0"]
    assert old.text is None and old.text_pruned_at is not None
    assert old.signature == b"sig" and old.content_hash == "h0" and old.title == "t0"
    assert rows["https://example.org/1"].text == "x" * 100


def test_prune_works_in_batches_until_nothing_is_left(sessions: sessionmaker[Session]) -> None:
    add_articles(sessions, [100] * 5)
    pruned = []
    while True:
        with transaction(sessions) as session:
            count = prune_article_text(session, NOW, NOW, limit=2)
        if not count:
            break
        pruned.append(count)
    assert pruned == [2, 2, 1]


def test_stats_count_rows_and_text_bytes(engine: Engine, sessions: sessionmaker[Session]) -> None:
    add_articles(sessions, [400, 10])
    with transaction(sessions) as session:
        prune_article_text(session, NOW - timedelta(days=365), NOW)
    with sessions() as session:
        stats = database_stats(engine, session)
    tables = {t.name: t.rows for t in stats.tables}
    assert tables["articles"] == 2 and tables["stories"] == 1
    assert stats.article_text_bytes == 100
    assert (stats.articles_with_text, stats.articles_pruned) == (1, 1)
    assert stats.database_bytes > 0
