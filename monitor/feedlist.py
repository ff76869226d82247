"""The feed list as a whole: import from and export to OPML (`monitor feeds import|export`).

An import is one transaction: every new feed is added, or (on an unreadable file) none. A
feed already listed, repeated in the file, or with a URL that is not http(s) is reported
and skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor.db import feeds as repo
from monitor.db.engine import transaction
from monitor.errors import InputError
from monitor.ingest.urls import check_http_url
from monitor.opml import FeedList, ListedFeed, read_opml, write_opml
from monitor.records import Outline


@dataclass(frozen=True, slots=True)
class Skipped:
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    source: str
    added: list[repo.FeedRow]
    skipped: list[Skipped]


def plan_import(feed_list: FeedList, known: set[str]) -> tuple[list[Outline], list[Skipped]]:
    """Which outlines become feeds and why the others do not."""
    new: list[Outline] = []
    skipped: list[Skipped] = []
    for outline in feed_list.outlines:
        try:
            check_http_url(outline.url)
        except InputError as exc:
            skipped.append(Skipped(outline.url, str(exc).removeprefix(f"{outline.url}: ")))
            continue
        if outline.url in known:
            skipped.append(Skipped(outline.url, "already added"))
            continue
        if times := feed_list.repeats.get(outline.url):
            skipped.append(Skipped(outline.url, f"listed {times} times in the file: "
                                                "added once"))
        new.append(outline)
    return new, skipped


def import_opml(sessions: sessionmaker[Session], data: bytes, source: str, *,
                interval_seconds: int, now: datetime) -> ImportReport:
    """Add the feeds of an OPML document (due at once). Raises InputError, adding nothing,
    when the document cannot be read."""
    feed_list = read_opml(data, source)
    with transaction(sessions) as session:
        new, skipped = plan_import(feed_list, repo.feed_urls(session))
        added = repo.add_feeds(session, new, interval_seconds=interval_seconds, now=now)
    return ImportReport(source, added, skipped)


def export_opml(sessions: sessionmaker[Session], now: datetime) -> bytes:
    """Every feed as OPML 2.0, filed under its category."""
    with sessions() as session:
        feeds = repo.list_feeds(session)
    return write_opml([ListedFeed(f.url, f.title or f.outlet, f.category) for f in feeds],
                      title="monitor feeds", now=now)
