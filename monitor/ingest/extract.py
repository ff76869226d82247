"""Full-text extraction: article HTML -> ExtractedPage (trafilatura, in a process pool), and
FeedItem + ExtractedPage -> ArticleDraft, the record that leaves ingestion for dedup.

The same pool parses changed feeds (feedparser is pure-Python CPU work too): in the event
loop's process it took the poller's one core; in a thread it held the GIL against the loop.

Measured (DESIGN.md): threads ran at 0.82x, two processes at 1.80x, so extraction runs in a
ProcessPoolExecutor whose workers return plain dicts. `deduplicate=True` is never passed: its
process-wide cache returned empty text for the third copy of a wire story.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import structlog
import trafilatura

from monitor.config import ExtractSettings
from monitor.errors import InputError
from monitor.ingest.feeds import ParsedFeed, parse_feed
from monitor.ingest.urls import canonicalize
from monitor.records import ArticleDraft, DatePrecision, FeedItem, TextSource

log = structlog.get_logger(__name__)

FIELDS = ("text", "title", "author", "date", "sitename", "language")


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    text: str
    title: str | None
    author: str | None
    date: datetime | None
    """The page's publication day (trafilatura gives a date, no time), midnight UTC."""
    sitename: str | None
    language: str | None


def extract_fields(html: bytes | str, url: str) -> dict[str, str | None] | None:
    """Run trafilatura on one page; plain dict out (it crosses a process boundary)."""
    document = trafilatura.bare_extraction(html, url=url, include_comments=False, fast=True,
                                           with_metadata=True)
    if document is None:
        return None
    found: dict[str, Any] = document if isinstance(document, dict) else document.as_dict()
    return {key: (str(found[key]) if found.get(key) else None) for key in FIELDS}


class Extractor:
    """Extraction off the event loop, in `settings.workers` processes (0: inline)."""

    def __init__(self, settings: ExtractSettings) -> None:
        self._settings = settings
        self._pool: Executor | None = None

    def __enter__(self) -> Extractor:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        if self._settings.workers and self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = ProcessPoolExecutor(self._settings.workers, mp_context=context)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def warm_up(self) -> None:
        """Start every worker process now rather than on the first real page."""
        await asyncio.gather(*(self.extract(b"<html><body><p>warm</p></body></html>",
                                            "http://warm.invalid/")
                               for _ in range(max(1, self._settings.workers))))

    async def extract(self, html: bytes | str, url: str) -> ExtractedPage | None:
        """The page's main text and metadata; None when the page is too large, extraction
        finds nothing or fails (the caller falls back to the feed's own text)."""
        if len(html) > self._settings.max_html_bytes:
            log.info("extract.skipped", url=url, reason="page too large", size=len(html))
            return None
        try:
            fields = await self._run(html, url)
        except BrokenProcessPool:
            log.warning("extract.pool_broken", url=url)
            self.close()
            self.start()
            return None
        except Exception as exc:  # a bad page must not stop the feed; logged with its URL
            log.warning("extract.failed", url=url, error=f"{type(exc).__name__}: {exc}")
            return None
        return page_from_fields(fields) if fields else None

    async def parse_feed(self, body: bytes, url: str,
                         content_type: str | None = None) -> ParsedFeed:
        """monitor.ingest.feeds.parse_feed, run in the pool (inline with 0 workers).
        Raises FeedParseError as parse_feed does."""
        if self._pool is None:
            return parse_feed(body, url, content_type=content_type)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, functools.partial(parse_feed, body, url, content_type=content_type))

    async def _run(self, html: bytes | str, url: str) -> dict[str, str | None] | None:
        if self._pool is None:
            return extract_fields(html, url)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, extract_fields, html, url)


def page_from_fields(fields: dict[str, str | None]) -> ExtractedPage | None:
    text = (fields.get("text") or "").strip()
    if not text:
        return None
    return ExtractedPage(text=text, title=fields.get("title"), author=fields.get("author"),
                         date=_day(fields.get("date")), sitename=fields.get("sitename"),
                         language=fields.get("language"))


def draft_from_item(item: FeedItem, page: ExtractedPage | None, *, feed_id: int | None,
                    outlet: str, settings: ExtractSettings, now: datetime) -> ArticleDraft:
    """The article record for one feed entry: the page's text when it is long enough, else
    the feed's own content/summary (text_source says which)."""
    if item.link is None:
        raise InputError(f"feed entry {item.guid!r} has no link")
    text, source = choose_text(item, page, settings.min_text_chars)
    published, precision = _published(item, page, now)
    return ArticleDraft(
        url=canonicalize(item.link), outlet=outlet,
        title=item.title or (page.title if page and page.title else "") or item.link,
        text=text, published_at=published, text_source=source,
        published_precision=precision, guid=item.guid, feed_id=feed_id,
        language=page.language if page else None,
        author=item.author or (page.author if page else None))


def choose_text(item: FeedItem, page: ExtractedPage | None,
                min_chars: int) -> tuple[str, TextSource]:
    page_text = page.text if page else ""
    if len(page_text) >= min_chars:
        return page_text, "page"
    feed_text = max(item.content, item.summary, key=len)
    if len(feed_text) >= len(page_text) or not page_text:
        return feed_text or item.title, "feed"
    return page_text, "page"


def _published(item: FeedItem, page: ExtractedPage | None,
               now: datetime) -> tuple[datetime, DatePrecision]:
    if item.published or item.updated:
        return (item.published or item.updated or now), "exact"
    if page is not None and page.date is not None:
        return page.date, "day"
    return now, "approximate"


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
