"""Maintenance queries: retention of article text and database statistics.

Retention (settings.retention.article_text_days) sets `articles.text` to NULL for articles
ingested before the cut-off and stamps `text_pruned_at`; the row, its metadata, its content
hash and its near-duplicate signature stay, so deduplication, stories, matches and status
history keep working and the database grows by metadata only. The daemon's maintenance job
calls `prune_article_text`; `monitor db stats` calls `database_stats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.db import models as m
from monitor.db.engine import sqlite_path

PRUNE_BATCH = 1000


@dataclass(frozen=True, slots=True)
class TableStats:
    name: str
    rows: int
    bytes: int | None
    """Table plus indexes on PostgreSQL; None where the backend cannot tell (SQLite)."""


@dataclass(frozen=True, slots=True)
class DatabaseStats:
    backend: str
    database_bytes: int
    """The whole database: pg_database_size, or the SQLite file plus its WAL."""
    tables: tuple[TableStats, ...]
    article_text_bytes: int
    articles_with_text: int
    articles_pruned: int


def prune_article_text(session: Session, ingested_before: datetime, now: datetime,
                       *, limit: int = PRUNE_BATCH) -> int:
    """Drop the text of up to `limit` articles ingested before the cut-off; returns how many.

    Batched so one maintenance run never holds the write lock for long; call until 0."""
    ids = sa.select(m.Article.id).where(
        m.Article.ingested_at < ensure_utc(ingested_before),
        m.Article.text.is_not(None)).order_by(m.Article.id).limit(limit)
    result = session.execute(
        sa.update(m.Article).where(m.Article.id.in_(ids.scalar_subquery()))
        .values(text=None, text_pruned_at=ensure_utc(now))
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def database_stats(engine: Engine, session: Session) -> DatabaseStats:
    backend = engine.dialect.name
    tables = tuple(_table_stats(session, backend, table.name)
                   for table in m.Base.metadata.sorted_tables)
    text_bytes, with_text, pruned = session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.func.length(m.Article.text)), 0),
        sa.func.count(m.Article.text),
        sa.func.count(m.Article.text_pruned_at))).one()
    return DatabaseStats(backend=backend, database_bytes=_database_bytes(engine, session),
                         tables=tables, article_text_bytes=int(text_bytes),
                         articles_with_text=int(with_text), articles_pruned=int(pruned))


def _table_stats(session: Session, backend: str, name: str) -> TableStats:
    table = m.Base.metadata.tables[name]
    rows = int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    size: int | None = None
    if backend == "postgresql":
        size = int(session.execute(sa.text("SELECT pg_total_relation_size(:t)"),
                                   {"t": name}).scalar_one())
    return TableStats(name=name, rows=rows, bytes=size)


def _database_bytes(engine: Engine, session: Session) -> int:
    if engine.dialect.name == "postgresql":
        return int(session.execute(
            sa.text("SELECT pg_database_size(current_database())")).scalar_one())
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        pages = session.execute(sa.text("PRAGMA page_count")).scalar_one()
        page_size = session.execute(sa.text("PRAGMA page_size")).scalar_one()
        return int(pages) * int(page_size)
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal"))
               if p.exists())
