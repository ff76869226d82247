"""Feed replay sources: archived feed XML files (snapshots saved over time) and the configured
live feeds' current items, both through monitor.ingest (parse_feed, draft_from_item).

An item listed by several snapshots is replayed once: items are keyed by guid (the canonical
link when a feed has none), and the last snapshot in name order gives its text. Archived items
keep the feed's own text (no page is fetched); live items get their page extracted, as the
daemon does. An item without a link or a date is reported and skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import structlog

from monitor.backfill.sources import InputProblem, LoadedSource, content_digest, replay_order
from monitor.config import FeedSpec, Settings
from monitor.errors import FeedParseError, FetchError, InputError
from monitor.ingest.extract import ExtractedPage, Extractor, draft_from_item
from monitor.ingest.feeds import ParsedFeed, parse_feed
from monitor.ingest.fetch import HTML_TYPES, PAGE_ACCEPT, Fetcher
from monitor.ingest.urls import host_of
from monitor.records import ArticleDraft, FeedItem

log = structlog.get_logger(__name__)

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def feed_files(paths: Sequence[Path]) -> list[Path]:
    """The feed files named, directories expanded (recursively), in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in FEED_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return files


def archive_source(paths: Sequence[Path], settings: Settings) -> LoadedSource:
    """Every item of every snapshot, each item once."""
    files = feed_files(paths)
    items: dict[str, ArticleDraft] = {}
    problems: list[InputProblem] = []
    digest: list[bytes | str] = []
    for path in files:
        body = path.read_bytes()
        digest += [path.name, body]
        try:
            parsed = parse_feed(body, path.resolve().as_uri())
        except FeedParseError as exc:
            problems.append(InputProblem(str(path), str(exc)))
            continue
        for number, item in enumerate(parsed.items, 1):
            try:
                draft = _draft(item, parsed, settings, page=None)
            except InputError as exc:
                problems.append(InputProblem(f"{path}: item {number}", str(exc)))
                continue
            # dict order keeps the first snapshot's position; the latest text wins.
            items[item.guid] = draft
    drafts = _once_per_url(items.values())
    return LoadedSource("feeds-archive", f"{len(files)} feed files", content_digest(digest),
                        replay_order(drafts), problems)


def _once_per_url(drafts: Iterable[ArticleDraft]) -> list[ArticleDraft]:
    """A feed that changed an item's guid between snapshots still lists one article."""
    by_url: dict[str, ArticleDraft] = {}
    for draft in drafts:
        by_url[draft.url] = draft
    return list(by_url.values())


def _draft(item: FeedItem, parsed: ParsedFeed, settings: Settings,
           page: ExtractedPage | None) -> ArticleDraft:
    if item.link is None:
        raise InputError(f"{item.guid!r}: no link")
    if item.published is None and item.updated is None and page is None:
        raise InputError(f"{item.link}: no publication date")
    outlet = parsed.title or host_of(item.link).removeprefix("www.") or "unknown"
    return draft_from_item(item, page, feed_id=None, outlet=outlet,
                           settings=settings.extract, now=item.published or EPOCH)


def live_feeds_source(feeds: Sequence[FeedSpec], settings: Settings,
                      now: datetime) -> LoadedSource:
    """The configured feeds' current items: fetched, pages extracted (a first run)."""
    drafts, problems = asyncio.run(_poll_all(feeds, settings, now))
    digest = content_digest(f"{d.url}|{d.published_at.isoformat()}" for d in drafts)
    return LoadedSource("feeds", f"{len(feeds)} configured feeds", digest,
                        replay_order(_once_per_url(drafts)), problems)


async def _poll_all(feeds: Sequence[FeedSpec], settings: Settings, now: datetime,
                    ) -> tuple[list[ArticleDraft], list[InputProblem]]:
    drafts: list[ArticleDraft] = []
    problems: list[InputProblem] = []
    with Extractor(settings.extract) as extractor:
        async with Fetcher(settings.http) as fetcher:
            results = await asyncio.gather(*(
                _poll(fetcher, extractor, feed, settings, now) for feed in feeds))
    for feed_drafts, feed_problems in results:
        drafts.extend(feed_drafts)
        problems.extend(feed_problems)
    return drafts, problems


async def _poll(fetcher: Fetcher, extractor: Extractor, feed: FeedSpec, settings: Settings,
                now: datetime) -> tuple[list[ArticleDraft], list[InputProblem]]:
    try:
        result = await fetcher.get(feed.url)
        parsed = parse_feed(result.body, result.url, content_type=result.content_type)
    except (FetchError, FeedParseError) as exc:
        return [], [InputProblem(feed.url, str(exc))]
    if feed.outlet:
        parsed = ParsedFeed(feed.outlet, parsed.items, parsed.ttl_seconds, parsed.problem)
    outcomes = await asyncio.gather(*(
        _item_draft(fetcher, extractor, item, parsed, settings, now) for item in parsed.items))
    drafts = [o for o in outcomes if isinstance(o, ArticleDraft)]
    problems = [InputProblem(feed.url, o) for o in outcomes if isinstance(o, str)]
    log.info("backfill.feed_polled", url=feed.url, items=len(parsed.items), drafts=len(drafts))
    return drafts, problems


async def _item_draft(fetcher: Fetcher, extractor: Extractor, item: FeedItem,
                      parsed: ParsedFeed, settings: Settings, now: datetime,
                      ) -> ArticleDraft | str:
    if item.link is None:
        return f"{item.guid!r}: no link"
    page = None
    try:
        result = await fetcher.get(item.link, accept=PAGE_ACCEPT, content_types=HTML_TYPES,
                                   max_bytes=settings.extract.max_html_bytes)
        if result.body:
            page = await extractor.extract(result.body, result.url)
    except FetchError as exc:
        log.info("backfill.page_failed", url=item.link, error=str(exc))
    try:
        outlet = parsed.title or host_of(item.link).removeprefix("www.") or "unknown"
        return draft_from_item(item, page, feed_id=None, outlet=outlet,
                               settings=settings.extract, now=now)
    except InputError as exc:
        return str(exc)
