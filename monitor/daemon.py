"""The live driver of the pipeline (DESIGN.md "One pipeline, two drivers"): `monitor run`.

APScheduler 3.x (imported only here) is this process's clock; the database hands out the work.
Three jobs run in one asyncio loop:

    poll         every polling.tick_seconds: poller.poll_due_feeds claims due feeds (leases),
                 and each new article goes through Pipeline.process (in a thread, one at a time)
    dispatch     every alerts.dispatch_seconds: outbox.dispatch claims and sends pending alerts
    maintenance  every MAINTENANCE_SECONDS: near-duplicate index pruning, retention of old
                 article text (settings.retention)

Shutdown (SIGTERM/SIGINT): the scheduler is paused (no new job runs), the poller claims no
new batch of feeds, running jobs get settings.daemon.grace_seconds to finish, whatever is
still running is then cancelled, and the feeds and alerts this worker still holds are
released so another worker (or the next start) takes them at once instead of after the
lease; then the process exits 0. Work is committed per
article and per alert, so a crash or kill -9 loses nothing committed: leases expire and the
rows are claimed again.

`run_once` is the same services without the scheduler: poll every due feed once, process,
dispatch what is pending, return a summary (`monitor run --once`).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.app import App
from monitor.db import alerts as alerts_repo
from monitor.db import feeds as feeds_repo
from monitor.db.engine import check_connection, read_session_factory, transaction
from monitor.db.maintenance import PRUNE_BATCH, prune_article_text
from monitor.errors import DatabaseError, MonitorError
from monitor.ingest.poller import (
    FeedRefresh,
    PollContext,
    PollSummary,
    poll_due_feeds,
    poll_feeds,
)
from monitor.metrics import CONTENT_TYPE, Metrics, TimedExtractor, TimedFetcher, TimedNotifier
from monitor.notify.outbox import DispatchContext, DispatchSummary, dispatch, make_notifier
from monitor.pages import Site
from monitor.pipeline import ArticleOutcome, Pipeline
from monitor.records import ArticleDraft
from monitor.server import HealthServer

log = structlog.get_logger(__name__)

MAINTENANCE_SECONDS = 3600
STALE_TICKS = 3
"""/readyz fails when no poll tick has finished for this many tick intervals (at least 60 s)."""
CANCEL_WAIT_SECONDS = 5.0


@dataclass
class Tally:
    """What the pipeline did with the drafts the poller handed it."""

    stored: int = 0
    skipped: int = 0
    duplicates: int = 0
    matched: int = 0
    changes: int = 0
    errors: int = 0

    def add(self, outcome: ArticleOutcome) -> None:
        if not outcome.stored:
            self.skipped += 1
            return
        self.stored += 1
        self.duplicates += outcome.duplicate_of is not None
        self.matched += sum(1 for m in outcome.matches if m.matched)
        self.changes += len(outcome.changes)


@dataclass(frozen=True)
class OnceSummary:
    """`monitor run --once`: polls by result, the pipeline's tally, the dispatcher's outcome."""

    poll: dict[str, object]
    articles: dict[str, int]
    dispatch: dict[str, int]


@dataclass(frozen=True)
class MaintenanceSummary:
    index_pruned: int
    text_pruned: int


@dataclass
class Services:
    """The pipeline and its edges, shared by the daemon's jobs and by `run_once`."""

    app: App
    metrics: Metrics
    pipeline: Pipeline
    poll_ctx: PollContext
    dispatch_ctx: DispatchContext
    tally: Tally = field(default_factory=Tally)
    process_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def sink(self, draft: ArticleDraft) -> None:
        """The poller's sink: run the pipeline for one draft (the Pipeline is not thread-safe,
        so one draft at a time, off the event loop)."""
        try:
            async with self.process_lock:
                outcome = await asyncio.to_thread(self.pipeline.process, draft,
                                                  self.app.clock.now())
        except Exception:
            self.tally.errors += 1
            self.metrics.article_errors.inc()
            raise  # the poller logs it and leaves the entry unseen for the next poll
        self.tally.add(outcome)
        self.metrics.observe_outcome(outcome)

    async def poll(self) -> PollSummary:
        summary = await poll_due_feeds(self.poll_ctx, self.app.clock.now(), self.sink)
        self.metrics.observe_polls(summary.feeds)
        return summary

    async def dispatch(self) -> DispatchSummary:
        summary = await dispatch(self.dispatch_ctx, self.app.clock.now())
        self.metrics.observe_dispatch(summary)
        await self.refresh_outbox()
        return summary

    async def refresh_outbox(self) -> None:
        counts, oldest = await asyncio.to_thread(_outbox_state, self.app.sessions)
        self.metrics.set_outbox(counts, oldest, self.app.clock.now())

    async def maintain(self) -> MaintenanceSummary:
        now = self.app.clock.now()
        async with self.process_lock:
            index_pruned = await asyncio.to_thread(self.pipeline.prune, now)
        text_pruned = 0
        days = self.app.config.settings.retention.article_text_days
        if days:
            cutoff = now - timedelta(days=days)
            while (batch := await asyncio.to_thread(_prune_text, self.app.sessions, cutoff,
                                                    now)):
                text_pruned += batch
                if batch < PRUNE_BATCH:
                    break
        self.metrics.index_pruned.inc(index_pruned)
        self.metrics.text_pruned.inc(text_pruned)
        log.info("maintenance.done", index_pruned=index_pruned, text_pruned=text_pruned)
        return MaintenanceSummary(index_pruned, text_pruned)

    def release(self) -> tuple[int, int]:
        """Give back the feeds and alerts this worker still holds (thread-safe, blocking)."""
        with transaction(self.app.sessions) as session:
            feeds = feeds_repo.release_leases(session, self.app.worker_id)
            alerts = alerts_repo.release_leases(session, self.app.worker_id)
        return feeds, alerts


def _outbox_state(sessions: sessionmaker[Session]) -> tuple[dict[str, int], datetime | None]:
    with sessions() as session:
        return alerts_repo.count_by_state(session), alerts_repo.oldest_unsent(session)


def _prune_text(sessions: sessionmaker[Session], cutoff: datetime, now: datetime) -> int:
    with transaction(sessions) as session:
        return prune_article_text(session, cutoff, now)


def _sync_feeds(app: App, now: datetime, attempts: int = 3) -> int:
    """Feeds of config/feeds.toml missing from the database are added (due at once).

    Several processes starting together race to add the same feeds: the loser's transaction
    fails on the unique URL and is simply tried again (it then finds them added)."""
    settings = app.config.settings
    for attempt in range(1, attempts + 1):
        try:
            with transaction(app.sessions) as session:
                added = feeds_repo.sync_feeds(session, app.config.feeds,
                                              settings.polling.interval_seconds, now)
            return len(added)
        except IntegrityError:
            if attempt == attempts:
                raise
            log.info("feeds.sync_raced", attempt=attempt)
    return 0


@asynccontextmanager
async def open_services(app: App, metrics: Metrics, *, stop: asyncio.Event | None = None,
                        sync_feeds: bool = True) -> AsyncIterator[Services]:
    """Sync the feed list (unless told not to), load the pipeline, start the extractor pool
    and the HTTP client.

    Once `stop` is set the poller claims no new batch of feeds."""
    settings = app.config.settings
    now = app.clock.now()
    added = await asyncio.to_thread(_sync_feeds, app, now) if sync_feeds else 0
    pipeline = Pipeline(settings, app.config.storylines, app.sessions, notify=True)
    await asyncio.to_thread(pipeline.load, now)
    extractor = TimedExtractor(settings.extract, metrics)
    extractor.start()
    try:
        async with TimedFetcher(settings.http, metrics) as fetcher:
            notifier = TimedNotifier(make_notifier(settings), metrics)
            services = Services(
                app=app, metrics=metrics, pipeline=pipeline,
                poll_ctx=PollContext(settings=settings, sessions=app.sessions, fetcher=fetcher,
                                     extractor=extractor, worker_id=app.worker_id,
                                     clock=app.clock, stop=stop),
                dispatch_ctx=DispatchContext(sessions=app.sessions, notifier=notifier,
                                             settings=settings.alerts,
                                             worker_id=app.worker_id,
                                             public_url=settings.server.public_url))
            log.info("services.ready", worker_id=app.worker_id, feeds_added=added,
                     notifier=notifier.name, storylines=len(app.config.storylines))
            yield services
    finally:
        await asyncio.to_thread(extractor.close)


class Daemon:
    """The scheduler, its jobs, readiness and graceful shutdown of one `monitor run`."""

    def __init__(self, services: Services, stop: asyncio.Event) -> None:
        self.services = services
        self.settings = services.app.config.settings
        self.stop = stop
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = False
        self.active: dict[str, asyncio.Task[Any]] = {}
        self.poll_started: float | None = None
        self.poll_finished: float | None = None

    async def run(self) -> None:
        """Run the jobs until `stop` is set, then shut down gracefully."""
        self._add_jobs()
        self.scheduler.start()
        log.info("daemon.started", worker_id=self.services.app.worker_id,
                 tick_seconds=self.settings.polling.tick_seconds,
                 dispatch_seconds=self.settings.alerts.dispatch_seconds)
        await self.stop.wait()
        await self.shutdown()

    def _add_jobs(self) -> None:
        now = self.services.app.clock.now()
        jobs: list[tuple[str, Callable[[], Awaitable[Any]], float, datetime]] = [
            ("poll", self._poll, self.settings.polling.tick_seconds, now),
            ("dispatch", self.services.dispatch, self.settings.alerts.dispatch_seconds, now),
            ("maintenance", self.services.maintain, MAINTENANCE_SECONDS,
             now + timedelta(seconds=60)),
        ]
        for name, body, seconds, first in jobs:
            # Overlap is refused by _job itself (quietly); coalesce and no misfire limit so a
            # busy loop delays a tick rather than dropping it.
            self.scheduler.add_job(self._job(name, body), "interval", seconds=seconds, id=name,
                                   next_run_time=first, max_instances=2, coalesce=True,
                                   misfire_grace_time=None)

    def _job(self, name: str, body: Callable[[], Awaitable[Any]],
             ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if self.stopping or name in self.active or task is None:
                return
            self.active[name] = task
            outcome = "ok"
            try:
                await body()
            except asyncio.CancelledError:
                outcome = "cancelled"  # shutdown past the grace period; leases are released
            except Exception:  # one failed run is logged and counted; the next tick retries
                outcome = "error"
                log.exception("daemon.job_failed", job=name)
            finally:
                del self.active[name]
                self.services.metrics.job_finished(name, outcome)
        return run

    async def _poll(self) -> None:
        self.poll_started = time.monotonic()
        await self.services.poll()
        self.poll_finished = time.monotonic()

    def readiness(self) -> list[str]:
        """Problems that make this process not ready (called from the server's thread)."""
        problems = []
        try:
            check_connection(self.services.app.engine)
        except DatabaseError as exc:
            problems.append(str(exc))
        if self.stopping or not self.scheduler.running:
            problems.append("scheduler not running")
        problems.extend(self._poll_problems(time.monotonic()))
        return problems

    def _poll_problems(self, now: float) -> list[str]:
        polling = self.settings.polling
        stale = max(STALE_TICKS * polling.tick_seconds, 60)
        started, finished = self.poll_started, self.poll_finished
        if "poll" in self.active and started is not None:
            if now - started > max(stale, polling.lease_seconds):
                return [f"poll tick running for {now - started:.0f}s"]
            return []
        if finished is None:
            return ["no poll tick has finished yet"]
        if now - finished > stale:
            return [f"last poll tick finished {now - finished:.0f}s ago"]
        return []

    async def shutdown(self) -> None:
        """Stop taking work, give running jobs the grace period, cancel and release the rest."""
        self.stopping = True
        self.scheduler.pause()
        grace = self.settings.daemon.grace_seconds
        running = dict(self.active)
        log.info("daemon.stopping", in_flight=sorted(running), grace_seconds=grace)
        cancelled: list[str] = []
        if running:
            _, pending = await asyncio.wait(running.values(), timeout=grace)
            cancelled = sorted(name for name, task in running.items() if task in pending)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=CANCEL_WAIT_SECONDS)
        self.scheduler.shutdown(wait=False)
        feeds, alerts = await asyncio.to_thread(self.services.release)
        log.info("daemon.stopped", cancelled=cancelled, released_feeds=feeds,
                 released_alerts=alerts)


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop` (the first one; a second is ignored while stopping)."""
    loop = asyncio.get_running_loop()

    def request(signum: signal.Signals) -> None:
        if not stop.is_set():
            log.info("daemon.signal", signal=signum.name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, request, signum)


def start_server(daemon: Daemon, metrics: Metrics) -> HealthServer | None:
    settings = daemon.settings.server
    if not settings.enabled:
        return None
    app = daemon.services.app
    server = HealthServer(settings, readiness=daemon.readiness, metrics=metrics.render,
                          metrics_content_type=CONTENT_TYPE,
                          pages=Site(read_session_factory(app.engine), app.clock))
    try:
        server.bind()
    except MonitorError as exc:
        raise MonitorError(f"{exc} (or [server].enabled = false)") from exc
    return server


async def serve(app: App) -> None:
    """Run the daemon until SIGTERM/SIGINT (`monitor run`)."""
    stop = asyncio.Event()
    install_stop_signals(stop)  # before the (possibly long) start, so a stop is never lost
    metrics = Metrics(app.worker_id)
    async with open_services(app, metrics, stop=stop) as services:
        daemon = Daemon(services, stop)
        server = start_server(daemon, metrics)
        try:
            await services.refresh_outbox()
            await daemon.run()
        finally:
            if server is not None:
                server.stop()


def run_daemon(app: App) -> int:
    """`monitor run`: serve until stopped; the exit code (0 after a graceful stop)."""
    asyncio.run(serve(app))
    return 0


async def once(app: App) -> OnceSummary:
    metrics = Metrics(app.worker_id)
    async with open_services(app, metrics) as services:
        try:
            poll = await services.poll()
            sent = await services.dispatch()
        finally:
            with suppress(DatabaseError):
                await asyncio.to_thread(services.release)
    return OnceSummary(poll=poll.as_dict(), articles=asdict(services.tally),
                       dispatch=asdict(sent))


def run_once(app: App) -> OnceSummary:
    """`monitor run --once`: poll every due feed once, process, dispatch pending, return."""
    return asyncio.run(once(app))


async def refresh(app: App, feed_ids: list[int]) -> list[FeedRefresh]:
    metrics = Metrics(app.worker_id)
    async with open_services(app, metrics, sync_feeds=False) as services:
        try:
            return await poll_feeds(services.poll_ctx, feed_ids, app.clock.now(),
                                    services.sink)
        finally:
            with suppress(DatabaseError):
                await asyncio.to_thread(services.release)


def refresh_feeds(app: App, feed_ids: list[int]) -> list[FeedRefresh]:
    """`monitor feeds refresh --now`: poll these feeds in this process, through the whole
    pipeline (alerts stay in the outbox for the daemon); one outcome per feed."""
    return asyncio.run(refresh(app, feed_ids))
