"""Feeds repository: the feed list, leases on due feeds, poll results, and the entries each
feed has listed (so a seen entry is skipped before any article fetch).

Leases: claim_due takes a batch of due feeds in one statement
(`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`); on SQLite,
where SQLAlchemy drops SKIP LOCKED, the write lock of BEGIN IMMEDIATE serialises claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.config import FeedSpec
from monitor.db import models as m
from monitor.errors import InputError
from monitor.records import Outline

IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FeedRow:
    id: int
    url: str
    title: str | None
    outlet: str
    enabled: bool
    interval_seconds: int
    min_interval_seconds: int | None
    next_poll_at: datetime
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_polled_at: datetime | None
    last_status: str | None
    last_error: str | None
    failures: int
    items_seen: int
    added_at: datetime
    category: str | None = None


@dataclass(frozen=True, slots=True)
class PollRecord:
    """The outcome of one poll of one feed, written by record_poll."""

    feed_id: int
    polled_at: datetime
    status: str
    next_poll_at: datetime
    failures: int
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    keep_validators: bool = False
    """True when the poll learnt nothing about validators (a failure): keep the stored ones."""
    new_url: str | None = None
    title: str | None = None
    min_interval_seconds: int | None = None
    new_items: int = 0


@dataclass(frozen=True, slots=True)
class EntryMark:
    guid: str
    url: str | None
    outcome: str


def default_outlet(url: str) -> str:
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


def _row(feed: m.Feed) -> FeedRow:
    return FeedRow(
        id=feed.id, url=feed.url, title=feed.title, outlet=feed.outlet or default_outlet(feed.url),
        enabled=feed.enabled, interval_seconds=feed.interval_seconds,
        min_interval_seconds=feed.min_interval_seconds,
        next_poll_at=ensure_utc(feed.next_poll_at), etag=feed.etag,
        last_modified=feed.last_modified, body_hash=feed.body_hash,
        last_polled_at=ensure_utc(feed.last_polled_at) if feed.last_polled_at else None,
        last_status=feed.last_status, last_error=feed.last_error, failures=feed.failures or 0,
        items_seen=feed.items_seen or 0, added_at=ensure_utc(feed.added_at),
        category=feed.category)


def add_feed(session: Session, url: str, *, outlet: str | None, title: str | None,
             interval_seconds: int, now: datetime) -> FeedRow:
    """Add a feed, due at once. Raises InputError when the URL is already listed."""
    if session.scalar(sa.select(m.Feed.id).where(m.Feed.url == url)) is not None:
        raise InputError(f"{url}: feed already added")
    feed = m.Feed(url=url, outlet=outlet or default_outlet(url), title=title, enabled=True,
                  interval_seconds=interval_seconds, next_poll_at=ensure_utc(now), failures=0,
                  items_seen=0, added_at=ensure_utc(now))
    session.add(feed)
    session.flush()
    return _row(feed)


def sync_feeds(session: Session, specs: Sequence[FeedSpec], default_interval: int,
               now: datetime) -> list[FeedRow]:
    """Add the feeds of config/feeds.toml that are missing; existing ones are left alone.
    Returns the feeds added."""
    known = set(session.scalars(sa.select(m.Feed.url)))
    added: dict[str, m.Feed] = {}
    for spec in specs:
        if spec.url in known or spec.url in added:
            continue
        added[spec.url] = m.Feed(
            url=spec.url, outlet=spec.outlet or default_outlet(spec.url), title=spec.title,
            enabled=True, interval_seconds=spec.interval_seconds or default_interval,
            next_poll_at=ensure_utc(now), failures=0, items_seen=0, added_at=ensure_utc(now))
    session.add_all(added.values())
    session.flush()
    return [_row(feed) for feed in added.values()]


def add_feeds(session: Session, feeds: Sequence[Outline], *, interval_seconds: int,
              now: datetime) -> list[FeedRow]:
    """Add feeds, each due at once (the caller has checked that none is listed)."""
    added = [m.Feed(url=f.url, outlet=default_outlet(f.url), title=f.title,
                    category=f.category, enabled=True, interval_seconds=interval_seconds,
                    next_poll_at=ensure_utc(now), failures=0, items_seen=0,
                    added_at=ensure_utc(now)) for f in feeds]
    session.add_all(added)
    session.flush()
    return [_row(feed) for feed in added]


def feed_urls(session: Session) -> set[str]:
    return set(session.scalars(sa.select(m.Feed.url)))


def list_feeds(session: Session) -> list[FeedRow]:
    return [_row(f) for f in session.scalars(sa.select(m.Feed).order_by(m.Feed.id))]


def get_feed(session: Session, id_or_url: int | str) -> FeedRow | None:
    feed = _find(session, id_or_url)
    return _row(feed) if feed else None


def remove_feed(session: Session, id_or_url: int | str) -> FeedRow | None:
    """Delete a feed and its entries; the feed's articles stay. Returns what was removed."""
    feed = _find(session, id_or_url)
    if feed is None:
        return None
    row = _row(feed)
    session.execute(sa.delete(m.FeedEntry).where(m.FeedEntry.feed_id == feed.id))
    session.delete(feed)
    session.flush()
    return row


def _find(session: Session, id_or_url: int | str) -> m.Feed | None:
    if isinstance(id_or_url, int) or str(id_or_url).isdigit():
        return session.get(m.Feed, int(id_or_url))
    return session.scalar(sa.select(m.Feed).where(m.Feed.url == id_or_url))


def make_due(session: Session, feeds: Sequence[int | str] | None,
             now: datetime) -> list[FeedRow]:
    """Make feeds (ids or URLs; every enabled feed when None) due at `now`. Raises InputError
    naming every reference that is not a feed, and changes nothing then."""
    if feeds is None:
        found = list(session.scalars(sa.select(m.Feed).where(m.Feed.enabled)
                                     .order_by(m.Feed.id)))
    else:
        refs = {ref: _find(session, ref) for ref in feeds}
        missing = [str(ref) for ref, feed in refs.items() if feed is None]
        if missing:
            raise InputError(f"no feed {', '.join(missing)} (see `monitor feeds list`)")
        found = list({feed.id: feed for feed in refs.values() if feed is not None}.values())
    for feed in found:
        feed.next_poll_at = ensure_utc(now)
    session.flush()
    return [_row(feed) for feed in found]


def claim_feeds(session: Session, worker_id: str, feed_ids: Sequence[int], now: datetime,
                lease_seconds: int) -> list[FeedRow]:
    """Lease the given feeds, due or not, except those a live worker holds."""
    now = ensure_utc(now)
    free = (sa.select(m.Feed.id)
            .where(m.Feed.id.in_(feed_ids),
                   sa.or_(m.Feed.lease_expires_at.is_(None), m.Feed.lease_expires_at < now))
            .with_for_update(skip_locked=True))
    return _lease(session, free, worker_id, now + timedelta(seconds=lease_seconds))


def _lease(session: Session, ids: sa.Select[int], worker_id: str,
           until: datetime) -> list[FeedRow]:
    claimed = session.scalars(
        sa.update(m.Feed).where(m.Feed.id.in_(ids))
        .values(lease_owner=worker_id, lease_expires_at=until)
        .returning(m.Feed), execution_options={"synchronize_session": False})
    return sorted((_row(f) for f in claimed), key=lambda r: (r.next_poll_at, r.id))


def claim_due(session: Session, worker_id: str, now: datetime, limit: int,
              lease_seconds: int, *, due_by: datetime | None = None) -> list[FeedRow]:
    """Lease up to `limit` enabled feeds that are due by `due_by` (default: `now`) and not
    leased by a live worker at `now`.

    A poll cycle passes its start as `due_by`: a feed it polled is rescheduled after that
    (a failure's backoff may be shorter than the cycle), so it is not claimed twice in one
    cycle."""
    now = ensure_utc(now)
    due = (sa.select(m.Feed.id)
           .where(m.Feed.enabled, m.Feed.next_poll_at <= ensure_utc(due_by or now),
                  sa.or_(m.Feed.lease_expires_at.is_(None), m.Feed.lease_expires_at < now))
           .order_by(m.Feed.next_poll_at, m.Feed.id).limit(limit)
           .with_for_update(skip_locked=True))
    return _lease(session, due, worker_id, now + timedelta(seconds=lease_seconds))


def record_poll(session: Session, record: PollRecord, worker_id: str) -> None:
    record_polls(session, [record], worker_id)


def record_polls(session: Session, records: Sequence[PollRecord], worker_id: str) -> None:
    """Store each feed's poll outcome and release its lease (one transaction for a batch).

    Records that set the same columns share one executemany UPDATE: building an ORM
    statement per feed cost more CPU than the poll itself (bench/poll.py)."""
    feeds = cast(sa.Table, m.Feed.__table__)
    groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for record in records:
        row: dict[str, object] = {
            "last_polled_at": ensure_utc(record.polled_at), "last_status": record.status,
            "last_error": record.error, "failures": record.failures,
            "next_poll_at": ensure_utc(record.next_poll_at)}
        if not record.keep_validators:
            row.update(etag=record.etag, last_modified=record.last_modified,
                       body_hash=record.body_hash)
        if record.min_interval_seconds is not None:
            row["min_interval_seconds"] = record.min_interval_seconds
        if record.new_url and _url_free(session, record.new_url):
            row["url"] = record.new_url
        if record.title:
            row["title"] = record.title
        params = {f"p_{key}": value for key, value in row.items()}
        params.update(p_id=record.feed_id, p_new_items=record.new_items, p_owner=worker_id)
        groups.setdefault(tuple(row), []).append(params)
    for columns, rows in groups.items():
        values: dict[str, object] = {
            key: sa.bindparam(f"p_{key}") for key in columns if key != "title"}
        if "title" in columns:  # a feed keeps the title it has (a user may have set it)
            values["title"] = sa.func.coalesce(feeds.c.title, sa.bindparam("p_title"))
        values.update(items_seen=feeds.c.items_seen + sa.bindparam("p_new_items"),
                      lease_owner=None, lease_expires_at=None)
        session.execute(
            sa.update(feeds).where(feeds.c.id == sa.bindparam("p_id"), sa.or_(
                feeds.c.lease_owner == sa.bindparam("p_owner"), feeds.c.lease_owner.is_(None)))
            .values(values), rows)


def _url_free(session: Session, url: str) -> bool:
    return session.scalar(sa.select(m.Feed.id).where(m.Feed.url == url)) is None


def seen_entries(session: Session, feed_id: int,
                 keys: Sequence[tuple[str, str | None]]) -> set[str]:
    """Of the (guid, canonical url) keys given, the guids this feed has listed before
    (matched by guid or by URL)."""
    guids = [g for g, _ in keys]
    urls = [u for _, u in keys if u]
    found_guids: set[str] = set()
    found_urls: set[str] = set()
    for start in range(0, max(len(guids), len(urls)), IN_CHUNK):
        rows = session.execute(sa.select(m.FeedEntry.guid, m.FeedEntry.url).where(
            m.FeedEntry.feed_id == feed_id,
            sa.or_(m.FeedEntry.guid.in_(guids[start:start + IN_CHUNK]),
                   m.FeedEntry.url.in_(urls[start:start + IN_CHUNK]))))
        for guid, url in rows:
            found_guids.add(guid)
            if url:
                found_urls.add(url)
    return {g for g, u in keys if g in found_guids or (u is not None and u in found_urls)}


def entry_seen(session: Session, feed_id: int, guid: str, url: str | None) -> bool:
    return bool(seen_entries(session, feed_id, [(guid, url)]))


def list_entries(session: Session, feed_id: int, limit: int = 100) -> list[EntryMark]:
    """The feed's most recently seen entries with what became of each."""
    rows = session.execute(sa.select(m.FeedEntry.guid, m.FeedEntry.url, m.FeedEntry.outcome)
                           .where(m.FeedEntry.feed_id == feed_id)
                           .order_by(m.FeedEntry.id.desc()).limit(limit))
    return [EntryMark(guid, url, outcome or "") for guid, url, outcome in rows]


def mark_entries(session: Session, feed_id: int, entries: Sequence[EntryMark],
                 now: datetime) -> None:
    """Record entries as seen (an entry already recorded is left as it is)."""
    if not entries:
        return
    rows = [{"feed_id": feed_id, "guid": e.guid, "url": e.url, "outcome": e.outcome[:64],
             "seen_at": ensure_utc(now)} for e in entries]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(m.FeedEntry).values(rows).on_conflict_do_nothing(
        index_elements=["feed_id", "guid"]))


def release_leases(session: Session, worker_id: str) -> int:
    """Give back every feed `worker_id` still holds, due as before (a daemon stopping
    before its poll finished); returns how many."""
    result = session.execute(
        sa.update(m.Feed).where(m.Feed.lease_owner == worker_id)
        .values(lease_owner=None, lease_expires_at=None),
        execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)
