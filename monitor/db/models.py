"""SQLAlchemy 2.x typed ORM models: the data model of DESIGN.md.

Only monitor/db/ touches these classes; stages receive plain records (monitor.records).
Timestamps are stored as UTC; SQLite hands them back naive (see clock.ensure_utc).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UTCDateTime = DateTime(timezone=True)
Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    outlet: Mapped[str | None] = mapped_column(String(256))
    category: Mapped[str | None] = mapped_column(String(512))
    """The folder a feed list files it under (OPML import/export), e.g. "Asia/Wires"."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    min_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    """Lower bound the feed itself asks for (<ttl>, sy:updatePeriod)."""
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    last_polled_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    added_at: Mapped[datetime]


class FeedEntry(Base):
    """Every item a feed has listed, so a seen item is skipped before any fetch."""

    __tablename__ = "feed_entries"
    __table_args__ = (
        UniqueConstraint("feed_id", "guid"),
        Index("ix_feed_entries_feed_url", "feed_id", "url"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str | None] = mapped_column(String(2048))
    seen_at: Mapped[datetime]
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(64))
    """stored | duplicate | skipped:<reason> | failed:<reason>"""


class Story(Base):
    """A near-duplicate cluster: one report, republished by one or more outlets."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    representative_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", use_alter=True, ondelete="SET NULL"))
    first_seen_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime]
    article_count: Mapped[int] = mapped_column(Integer, default=1)
    outlets: Mapped[list[Any]] = mapped_column(default=list)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    guid: Mapped[str | None] = mapped_column(String(2048))
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    outlet: Mapped[str] = mapped_column(String(256))
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(512))
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(index=True)
    published_precision: Mapped[str] = mapped_column(String(16), default="exact")
    text: Mapped[str | None] = mapped_column(Text)
    """None once pruned by retention (metadata and signature stay)."""
    text_source: Mapped[str] = mapped_column(String(16))
    text_pruned_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    dedup_reason: Mapped[str] = mapped_column(String(32), default="new")
    ingested_at: Mapped[datetime] = mapped_column(index=True)


class Storyline(Base):
    __tablename__ = "storylines"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(512))
    status: Mapped[str | None] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    since: Mapped[datetime | None]
    config_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class StorylineSeed(Base):
    """A storyline's seed example article (the similarity reference for matching)."""

    __tablename__ = "storyline_seeds"
    __table_args__ = (UniqueConstraint("storyline_id", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    storyline_id: Mapped[str] = mapped_column(ForeignKey("storylines.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(256))
    url: Mapped[str] = mapped_column(String(2048))
    outlet: Mapped[str] = mapped_column(String(256))
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
    published_precision: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))


class StorylineMatch(Base):
    """A relevance decision for (article, storyline): matches and near misses."""

    __tablename__ = "storyline_matches"
    __table_args__ = (UniqueConstraint("article_id", "storyline_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    storyline_id: Mapped[str] = mapped_column(
        ForeignKey("storylines.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    matched: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class StatusObservation(Base):
    """What a matched story said about its storyline's status (kept for corroboration)."""

    __tablename__ = "status_observations"
    __table_args__ = (
        UniqueConstraint("storyline_id", "article_id"),
        Index("ix_status_observations_key", "storyline_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    storyline_id: Mapped[str] = mapped_column(ForeignKey("storylines.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    status: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[str] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    observed_at: Mapped[datetime]


class StatusChange(Base):
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    storyline_id: Mapped[str] = mapped_column(
        ForeignKey("storylines.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(64))
    to_status: Mapped[str] = mapped_column(String(64))
    facts_before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    facts_after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    outlets: Mapped[list[Any]] = mapped_column(default=list)
    """Corroborating reports: [{"article_id", "url", "outlet", "published_at"}, ...]."""
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published_at: Mapped[datetime]
    detected_at: Mapped[datetime]


class Alert(Base):
    """The outbox: one row per (status change, channel), written with the change."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("status_change_id", "channel"),
        Index("ix_alerts_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    status_change_id: Mapped[int] = mapped_column(
        ForeignKey("status_changes.id", ondelete="CASCADE"))
    storyline_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    slack_channel_id: Mapped[str | None] = mapped_column(String(64))
    slack_ts: Mapped[str | None] = mapped_column(String(64))
    thread_ts: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SlackThread(Base):
    """The thread a storyline's alerts reply in, per channel (its first message's ts)."""

    __tablename__ = "slack_threads"

    storyline_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(256), primary_key=True)
    slack_channel_id: Mapped[str] = mapped_column(String(64))
    thread_ts: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class BackfillRun(Base):
    """Progress of one backfill source, so an interrupted replay resumes where it stopped."""

    __tablename__ = "backfill_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Number of items (in replay order) already processed and committed."""
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """What a resumed run needs besides its position (the db source's carried alerts)."""
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
