"""The poll service: due feeds -> conditional GET -> FeedItems -> new articles -> sink.

    claim_due (lease) -> fetch feed -> parse (skipped when the body is unchanged)
    -> drop entries seen before -> fetch + extract each new article -> draft -> sink(draft)
    -> mark entries -> record_polls (validators, failures, next poll) and release the lease

One feed is the unit of isolation: whatever goes wrong with it is recorded on that feed
(failures, last_error, a backed-off next poll) and the other feeds carry on.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import Clock
from monitor.config import HttpSettings, PollingSettings, Settings
from monitor.db import feeds as repo
from monitor.db.engine import transaction
from monitor.errors import FeedParseError, FetchError, InputError
from monitor.ingest.extract import Extractor, draft_from_item
from monitor.ingest.feeds import ParsedFeed, body_hash, parse_feed
from monitor.ingest.fetch import FEED_ACCEPT, HTML_TYPES, PAGE_ACCEPT, Fetcher, FetchResult
from monitor.ingest.urls import canonicalize
from monitor.records import ArticleDraft, FeedItem

log = structlog.get_logger(__name__)

Sink = Callable[[ArticleDraft], Awaitable[None]]
MAX_RETRY_AFTER = 7 * 86400


@dataclass
class PollContext:
    settings: Settings
    sessions: sessionmaker[Session]
    fetcher: Fetcher
    extractor: Extractor
    worker_id: str
    rng: random.Random = field(default_factory=random.Random)
    clock: Clock | None = None
    """The daemon's clock: when set, each batch is claimed, leased and scheduled at the time it
    is claimed, not at the cycle's `now` (a long cycle must not hand out leases that have
    already expired, nor schedule a feed polled late in the cycle early)."""
    stop: asyncio.Event | None = None
    """Set by the daemon on shutdown: no new batch is claimed (batches in flight finish)."""


@dataclass
class PollSummary:
    """Feeds by result (ok, not_modified, unchanged, failed), new items, articles sunk."""

    feeds: Counter[str] = field(default_factory=Counter)
    new_items: int = 0
    articles: int = 0

    @property
    def polled(self) -> int:
        return sum(self.feeds.values())

    def as_dict(self) -> dict[str, object]:
        return {"feeds": dict(self.feeds), "polled": self.polled, "new_items": self.new_items,
                "articles": self.articles}


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    record: repo.PollRecord
    articles: int


async def poll_due_feeds(ctx: PollContext, now: datetime, sink: Sink) -> PollSummary:
    """Poll every feed due at `now` once.

    A claimer leases due feeds in batches into a short queue; `http.max_connections` workers
    take feeds one by one (a slow feed holds up one worker, never a batch); results are
    written in batches as they come in."""
    summary = PollSummary()
    polling = ctx.settings.polling
    workers = max(1, ctx.settings.http.max_connections)
    queue: asyncio.Queue[tuple[repo.FeedRow, datetime] | None] = asyncio.Queue(
        maxsize=2 * polling.batch_size)
    recorder = _Recorder(ctx, summary)
    margin = _lease_margin(polling)

    async def claimer() -> None:
        try:
            # Due-ness is judged at the cycle's start, leases at the time of the claim (see
            # repo.claim_due): a feed polled in this cycle is not claimed again in it.
            while (ctx.stop is None or not ctx.stop.is_set()) and (
                    batch := await asyncio.to_thread(_claim, ctx.sessions, ctx.worker_id,
                                                     claimed_at := _clock_now(ctx, now),
                                                     polling, now)):
                until = claimed_at + timedelta(seconds=polling.lease_seconds) - margin
                for feed in batch:
                    await queue.put((feed, until))
        finally:
            for _ in range(workers):
                await queue.put(None)

    async def worker() -> None:
        while (item := await queue.get()) is not None:
            feed, until = item
            current = _clock_now(ctx, now)
            if current >= until:  # waited in the queue past its lease: someone else's now
                summary.feeds["lease_expired"] += 1
                log.warning("feed.lease_expired", feed_id=feed.id, worker_id=ctx.worker_id)
                continue
            await recorder.add(await poll_feed(ctx, feed, current, sink, until=until))

    async with asyncio.TaskGroup() as group:  # a database failure cancels the whole cycle
        group.create_task(claimer())
        for _ in range(workers):
            group.create_task(worker())
    await recorder.flush()
    log.info("poll.cycle", worker_id=ctx.worker_id, **summary.as_dict())
    return summary


@dataclass(frozen=True, slots=True)
class FeedRefresh:
    """What `monitor feeds refresh --now` did with one feed."""

    feed_id: int
    url: str
    status: str
    """The poll's result (ok, not_modified, unchanged, failed:...), or `leased` when another
    worker holds the feed (not polled)."""
    new_items: int = 0
    articles: int = 0
    next_poll_at: datetime | None = None
    error: str | None = None


async def poll_feeds(ctx: PollContext, feed_ids: Sequence[int], now: datetime,
                     sink: Sink) -> list[FeedRefresh]:
    """Poll the given feeds at once, whatever their schedule, and record each outcome.
    A feed another worker holds is left to it (status `leased`)."""
    polling = ctx.settings.polling
    claimed = await asyncio.to_thread(_claim_feeds, ctx.sessions, ctx.worker_id, feed_ids,
                                      now, polling.lease_seconds)
    until = now + timedelta(seconds=polling.lease_seconds) - _lease_margin(polling)
    outcomes = await asyncio.gather(*(poll_feed(ctx, feed, now, sink, until=until)
                                      for feed in claimed))
    if outcomes:
        await asyncio.to_thread(_record, ctx.sessions, [o.record for o in outcomes],
                                ctx.worker_id)
    done = {feed.id: (feed, outcome) for feed, outcome in zip(claimed, outcomes, strict=True)}
    return [_refresh(done[feed_id]) if feed_id in done else FeedRefresh(
        feed_id, _url(ctx.sessions, feed_id), "leased") for feed_id in feed_ids]


def _refresh(polled: tuple[repo.FeedRow, FeedOutcome]) -> FeedRefresh:
    feed, outcome = polled
    record = outcome.record
    return FeedRefresh(feed.id, feed.url, record.status, record.new_items, outcome.articles,
                       record.next_poll_at, record.error)


def _claim_feeds(sessions: sessionmaker[Session], worker_id: str, feed_ids: Sequence[int],
                 now: datetime, lease_seconds: int) -> list[repo.FeedRow]:
    with transaction(sessions) as session:
        return repo.claim_feeds(session, worker_id, feed_ids, now, lease_seconds)


def _url(sessions: sessionmaker[Session], feed_id: int) -> str:
    with sessions() as session:
        row = repo.get_feed(session, feed_id)
    return row.url if row else "-"


def _lease_margin(polling: PollingSettings) -> timedelta:
    """A feed is fetched only within its lease, less this margin: after it, another worker
    may hold the feed, and two polls in one interval are what leases exist to prevent."""
    return timedelta(seconds=min(5.0, polling.lease_seconds / 10))


def _clock_now(ctx: PollContext, now: datetime) -> datetime:
    """The cycle's `now`, or the daemon's clock when it gave one (see PollContext.clock)."""
    return ctx.clock.now() if ctx.clock is not None else now


class _Recorder:
    """Collects feed outcomes and writes them (releasing the leases) in batches."""

    def __init__(self, ctx: PollContext, summary: PollSummary) -> None:
        self._ctx = ctx
        self._summary = summary
        self._pending: list[repo.PollRecord] = []
        self._lock = asyncio.Lock()

    async def add(self, outcome: FeedOutcome) -> None:
        self._summary.feeds[outcome.record.status.split(":", 1)[0]] += 1
        self._summary.new_items += outcome.record.new_items
        self._summary.articles += outcome.articles
        self._pending.append(outcome.record)
        if len(self._pending) >= self._ctx.settings.polling.batch_size:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            records, self._pending = self._pending, []
            if records:
                await asyncio.to_thread(_record, self._ctx.sessions, records,
                                        self._ctx.worker_id)


def _claim(sessions: sessionmaker[Session], worker_id: str, now: datetime,
           polling: PollingSettings, cycle_start: datetime) -> list[repo.FeedRow]:
    with transaction(sessions) as session:
        return repo.claim_due(session, worker_id, now, polling.batch_size,
                              polling.lease_seconds, due_by=min(now, cycle_start))


def _record(sessions: sessionmaker[Session], records: list[repo.PollRecord],
            worker_id: str) -> None:
    with transaction(sessions) as session:
        repo.record_polls(session, records, worker_id)


async def poll_feed(ctx: PollContext, feed: repo.FeedRow, now: datetime,
                    sink: Sink, *, until: datetime | None = None) -> FeedOutcome:
    """Poll one feed; never raises (a failure becomes the feed's recorded outcome). The feed
    request ends by `until` (the lease) at the latest."""
    timeout = None if until is None else max(0.0, (until - now).total_seconds())
    try:
        result = await ctx.fetcher.get(feed.url, etag=feed.etag, timeout=timeout,
                                       last_modified=feed.last_modified, accept=FEED_ACCEPT)
    except FetchError as exc:
        status = f"failed:{exc.status}" if exc.status else "failed:network"
        return _failed(ctx, feed, now, status, str(exc), exc.retry_after)
    try:
        return await _process(ctx, feed, result, now, sink)
    except FeedParseError as exc:
        return _failed(ctx, feed, now, "failed:parse", str(exc), None, result)
    except Exception as exc:  # the unit of isolation: logged, recorded, never silent
        log.exception("feed.poll_crashed", feed_id=feed.id, url=feed.url)
        return _failed(ctx, feed, now, "failed:internal", f"{type(exc).__name__}: {exc}",
                       None, result)


async def _process(ctx: PollContext, feed: repo.FeedRow, result: FetchResult, now: datetime,
                   sink: Sink) -> FeedOutcome:
    if result.not_modified:
        return _succeeded(ctx, feed, now, "not_modified", result, feed.body_hash)
    digest = body_hash(result.body)
    if digest == feed.body_hash:
        return _succeeded(ctx, feed, now, "unchanged", result, digest)
    # In the extraction pool: feedparser is pure-Python CPU work (~9 ms for a 14 KB feed);
    # in a thread it held the GIL against the event loop.
    parsed = await ctx.extractor.parse_feed(result.body, result.url, result.content_type)
    new = await asyncio.to_thread(_unseen, ctx.sessions, feed.id, parsed.items)
    marks = await asyncio.gather(*(_article(ctx, feed, item, now, sink) for item in new))
    done = [mark for mark in marks if mark is not None]
    await asyncio.to_thread(_mark, ctx.sessions, feed.id, done, now)
    articles = sum(1 for mark in done if mark.outcome.startswith("stored"))
    # A poll that brought nothing new is a debug line: 3,000 feeds would log 3,000 info
    # lines per interval; poll.cycle sums them up at info.
    (log.info if new or parsed.problem else log.debug)(
        "feed.polled", feed_id=feed.id, status=result.status, items=len(parsed.items),
        new_items=len(new), articles=articles, problem=parsed.problem)
    return _succeeded(ctx, feed, now, "ok", result, digest, parsed, new_items=len(done),
                      articles=articles)


def _unseen(sessions: sessionmaker[Session], feed_id: int,
            items: Sequence[FeedItem]) -> list[FeedItem]:
    """Items this feed has not listed before (by guid or canonical URL), each once."""
    keyed: dict[str, tuple[FeedItem, str | None]] = {}
    for item in items:
        keyed.setdefault(item.guid, (item, _canonical(item.link)))
    with sessions() as session:
        seen = repo.seen_entries(session, feed_id, [(g, u) for g, (_, u) in keyed.items()])
    return [item for guid, (item, _) in keyed.items() if guid not in seen]


def _mark(sessions: sessionmaker[Session], feed_id: int, marks: list[repo.EntryMark],
          now: datetime) -> None:
    with transaction(sessions) as session:
        repo.mark_entries(session, feed_id, marks, now)


async def _article(ctx: PollContext, feed: repo.FeedRow, item: FeedItem, now: datetime,
                   sink: Sink) -> repo.EntryMark | None:
    """Fetch, extract and sink one new item. None when the sink failed (retried next poll)."""
    url = _canonical(item.link)
    if url is None:
        return repo.EntryMark(item.guid, None, "skipped:no usable link")
    assert item.link is not None
    html, reason = await _page(ctx, item.link)
    page = await ctx.extractor.extract(html, item.link) if html else None
    if html and page is None:
        reason = "extraction found no text"
    draft = draft_from_item(item, page, feed_id=feed.id, outlet=feed.outlet,
                            settings=ctx.settings.extract, now=now)
    try:
        await sink(draft)
    except Exception:  # one article's failure must not lose the feed's others
        log.exception("article.sink_failed", feed_id=feed.id, url=url)
        return None
    if draft.text_source == "feed":
        log.info("article.feed_text", feed_id=feed.id, url=url, reason=reason)
    outcome = f"stored:{draft.text_source}" + (f" ({reason})" if reason else "")
    return repo.EntryMark(item.guid, url, outcome)


async def _page(ctx: PollContext, link: str) -> tuple[bytes, str | None]:
    """The article's HTML, or b"" and the reason there is none."""
    try:
        result = await ctx.fetcher.get(link, accept=PAGE_ACCEPT, content_types=HTML_TYPES,
                                       max_bytes=ctx.settings.extract.max_html_bytes)
    except FetchError as exc:
        log.info("article.fetch_failed", url=link, error=str(exc), status=exc.status)
        return b"", "page fetch failed"
    if result.skipped:
        log.info("article.skipped", url=link, reason=result.skipped)
        return b"", result.skipped
    return result.body, None


def _canonical(link: str | None) -> str | None:
    if not link:
        return None
    try:
        return canonicalize(link)
    except InputError:
        return None


def _succeeded(ctx: PollContext, feed: repo.FeedRow, now: datetime, status: str,
               result: FetchResult, digest: str | None, parsed: ParsedFeed | None = None,
               *, new_items: int = 0, articles: int = 0) -> FeedOutcome:
    ttl = parsed.ttl_seconds if parsed else feed.min_interval_seconds
    delay = next_poll_delay(ctx.settings.polling, ctx.rng, interval=feed.interval_seconds,
                            min_interval=ttl, failures=0)
    record = repo.PollRecord(
        feed_id=feed.id, polled_at=now, status=status,
        next_poll_at=now + timedelta(seconds=delay), failures=0,
        etag=result.etag or (feed.etag if result.not_modified else None),
        last_modified=result.last_modified or (
            feed.last_modified if result.not_modified else None),
        body_hash=digest, new_url=result.permanent_redirect_to,
        title=parsed.title if parsed else None, min_interval_seconds=ttl,
        new_items=new_items)
    if result.permanent_redirect_to:
        log.info("feed.moved", feed_id=feed.id, old=feed.url, new=result.permanent_redirect_to)
    return FeedOutcome(record, articles)


def _failed(ctx: PollContext, feed: repo.FeedRow, now: datetime, status: str, error: str,
            retry_after: float | None, result: FetchResult | None = None) -> FeedOutcome:
    failures = feed.failures + 1
    delay = next_poll_delay(ctx.settings.polling, ctx.rng, interval=feed.interval_seconds,
                            min_interval=feed.min_interval_seconds, failures=failures,
                            retry_after=retry_after)
    log.warning("feed.failed", feed_id=feed.id, url=feed.url, status=status, error=error,
                failures=failures, retry_in=round(delay))
    record = repo.PollRecord(
        feed_id=feed.id, polled_at=now, status=status, error=error[:2000],
        next_poll_at=now + timedelta(seconds=delay), failures=failures,
        keep_validators=True,
        new_url=result.permanent_redirect_to if result else None)
    return FeedOutcome(record, 0)


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What `monitor feeds add --check` reports about a feed fetched and parsed once."""

    url: str
    final_url: str
    title: str | None
    items: int
    problem: str | None


async def check_feed(http: HttpSettings, url: str) -> FeedCheck:
    """Fetch and parse a feed once with the poller's rules. Raises FetchError or
    FeedParseError (operator-readable) when it is not a working feed."""
    async with Fetcher(http) as fetcher:
        result = await fetcher.get(url, accept=FEED_ACCEPT)
    parsed = await asyncio.to_thread(parse_feed, result.body, result.url,
                                     content_type=result.content_type)
    return FeedCheck(url=url, final_url=result.url, title=parsed.title,
                     items=len(parsed.items), problem=parsed.problem)


def next_poll_delay(polling: PollingSettings, rng: random.Random, *, interval: int,
                    min_interval: int | None, failures: int,
                    retry_after: float | None = None) -> float:
    """Seconds until the next poll: the feed's interval (its own <ttl> as a lower bound)
    after a success; exponential backoff after failures, never sooner than Retry-After;
    plus random jitter so feeds do not move in lockstep."""
    if failures:
        delay = min(polling.backoff_base_seconds * 2.0 ** (failures - 1),
                    float(polling.max_interval_seconds))
        if retry_after:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    else:
        delay = min(max(interval, min_interval or 0), polling.max_interval_seconds)
    return delay * (1 + rng.uniform(0, polling.jitter))
