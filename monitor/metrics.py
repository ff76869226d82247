"""Prometheus metrics of the daemon (the only module that imports prometheus_client).

The stages do not know about metrics: the daemon hands the summary records they return
(poll summaries, ArticleOutcome, DispatchSummary) to `Metrics`, and times the network and CPU
edges by wrapping them (TimedFetcher, TimedExtractor, TimedNotifier: same interface, one
histogram observation per call). `/metrics` (monitor.server) serves `Metrics.render()`.

Each `Metrics` has its own registry, so several daemons in one process (tests) never clash.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from monitor.config import ExtractSettings, HttpSettings
from monitor.ingest.extract import ExtractedPage, Extractor
from monitor.ingest.fetch import FEED_ACCEPT, Fetcher, FetchResult
from monitor.notify.delivery import Delivery, Notifier
from monitor.notify.message import Message

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
ALERT_STATES = ("pending", "sending", "sent", "failed", "dead", "suppressed")


class Metrics:
    """Counters, histograms and gauges of one daemon process."""

    def __init__(self, worker_id: str = "") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.feeds_polled = Counter(
            "monitor_feeds_polled", "Feed polls by result (ok, not_modified, failed, ...)",
            ["result"], registry=r)
        self.fetch_seconds = Histogram(
            "monitor_fetch_seconds", "HTTP fetch latency by kind (feed, article)", ["kind"],
            buckets=LATENCY_BUCKETS, registry=r)
        self.extraction_seconds = Histogram(
            "monitor_extraction_seconds", "Full-text extraction time per article page",
            buckets=LATENCY_BUCKETS, registry=r)
        self.items_seen = Counter(
            "monitor_feed_items", "New feed items handed to the pipeline", registry=r)
        self.articles_stored = Counter(
            "monitor_articles_stored", "Articles stored (originals and copies)", registry=r)
        self.articles_skipped = Counter(
            "monitor_articles_skipped", "Drafts not stored (URL already stored)", registry=r)
        self.article_errors = Counter(
            "monitor_article_errors", "Articles whose processing failed", registry=r)
        self.duplicates_folded = Counter(
            "monitor_duplicates_folded", "Articles folded into an existing story, by reason",
            ["reason"], registry=r)
        self.matches = Counter(
            "monitor_storyline_matches", "Articles matched to a storyline", ["storyline"],
            registry=r)
        self.status_changes = Counter(
            "monitor_status_changes", "Storyline status (or key fact) changes", ["storyline"],
            registry=r)
        self.alerts_dispatched = Counter(
            "monitor_alerts_dispatched", "Dispatcher outcomes (sent, adopted, retried, dead...)",
            ["outcome"], registry=r)
        self.alerts = Gauge(
            "monitor_alerts", "Alert rows in the outbox by state", ["state"], registry=r)
        self.outbox_age = Gauge(
            "monitor_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending (or sending) alert; 0 when none", registry=r)
        self.slack_seconds = Histogram(
            "monitor_slack_seconds", "Latency of notifier calls by notifier and outcome",
            ["notifier", "outcome"], buckets=LATENCY_BUCKETS, registry=r)
        self.ticks = Counter(
            "monitor_ticks", "Scheduled job runs by job and outcome", ["job", "outcome"],
            registry=r)
        self.last_poll_tick = Gauge(
            "monitor_last_poll_tick_timestamp_seconds", "When the last poll tick finished",
            registry=r)
        self.text_pruned = Counter(
            "monitor_article_text_pruned", "Article texts pruned by retention", registry=r)
        self.index_pruned = Counter(
            "monitor_index_pruned", "Near-duplicate index entries pruned", registry=r)
        self.info = Gauge("monitor_worker_info", "This process's worker id", ["worker_id"],
                          registry=r)
        self.info.labels(worker_id=worker_id).set(1)
        for state in ALERT_STATES:
            self.alerts.labels(state=state).set(0)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)

    # -- from summary records ------------------------------------------------------------

    def observe_polls(self, results: Mapping[str, int]) -> None:
        """Polls by result, e.g. {"ok": 3, "not_modified": 40, "failed": 1}."""
        for result, count in results.items():
            if count:
                self.feeds_polled.labels(result=result).inc(count)

    def observe_latencies(self, kind: str, seconds: Iterable[float]) -> None:
        for value in seconds:
            self.fetch_seconds.labels(kind=kind).observe(value)

    def observe_extractions(self, seconds: Iterable[float]) -> None:
        for value in seconds:
            self.extraction_seconds.observe(value)

    def observe_outcome(self, outcome: Any) -> None:
        """One monitor.pipeline.ArticleOutcome."""
        if not outcome.stored:
            self.articles_skipped.inc()
            return
        self.articles_stored.inc()
        if outcome.duplicate_of is not None:
            self.duplicates_folded.labels(reason=outcome.dedup_reason or "unknown").inc()
        for match in outcome.matches:
            if match.matched:
                self.matches.labels(storyline=match.storyline_id).inc()
        for recorded in outcome.changes:
            self.status_changes.labels(storyline=recorded.change.storyline_id).inc()

    def observe_dispatch(self, summary: Any) -> None:
        """One monitor.notify.outbox.DispatchSummary."""
        for outcome in ("sent", "adopted", "retried", "dead", "deferred", "lease_lost"):
            count = getattr(summary, outcome, 0)
            if count:
                self.alerts_dispatched.labels(outcome=outcome).inc(count)

    def set_outbox(self, counts: Mapping[str, int], oldest_unsent: datetime | None,
                   now: datetime) -> None:
        for state in {*ALERT_STATES, *counts}:
            self.alerts.labels(state=state).set(counts.get(state, 0))
        age = 0.0 if oldest_unsent is None else max((now - oldest_unsent).total_seconds(), 0.0)
        self.outbox_age.set(age)

    def job_finished(self, job: str, outcome: str, at: float | None = None) -> None:
        self.ticks.labels(job=job, outcome=outcome).inc()
        if job == "poll" and outcome == "ok":
            self.last_poll_tick.set(time.time() if at is None else at)


class TimedNotifier:
    """A Notifier that records how long each call to the real one took (Slack latency)."""

    def __init__(self, inner: Notifier, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.name = inner.name
        self.can_thread = inner.can_thread
        self.can_look_up = inner.can_look_up

    async def post(self, channel: str, message: Message, *, alert_id: int | None,
                   thread_ts: str | None) -> Delivery:
        started, outcome = time.perf_counter(), "error"
        try:
            delivery = await self.inner.post(channel, message, alert_id=alert_id,
                                             thread_ts=thread_ts)
            outcome = "ok"
            return delivery
        finally:
            self._observe(started, outcome)

    async def find_posted(self, channel: str, alert_id: int,
                          channel_id: str | None) -> Delivery | None:
        started, outcome = time.perf_counter(), "error"
        try:
            found = await self.inner.find_posted(channel, alert_id, channel_id)
            outcome = "lookup"
            return found
        finally:
            self._observe(started, outcome)

    def _observe(self, started: float, outcome: str) -> None:
        self.metrics.slack_seconds.labels(notifier=self.name, outcome=outcome).observe(
            time.perf_counter() - started)


class TimedFetcher(Fetcher):
    """The ingest Fetcher, observing each GET's latency as kind "feed" or "article"."""

    def __init__(self, settings: HttpSettings, metrics: Metrics) -> None:
        super().__init__(settings)
        self.metrics = metrics

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  max_bytes: int | None = None, accept: str = FEED_ACCEPT,
                  content_types: tuple[str, ...] | None = None,
                  timeout: float | None = None) -> FetchResult:
        started = time.perf_counter()
        try:
            return await super().get(url, etag=etag, last_modified=last_modified,
                                     max_bytes=max_bytes, accept=accept,
                                     content_types=content_types, timeout=timeout)
        finally:
            kind = "feed" if accept == FEED_ACCEPT else "article"
            self.metrics.fetch_seconds.labels(kind=kind).observe(time.perf_counter() - started)


class TimedExtractor(Extractor):
    """The ingest Extractor, observing each page's extraction time (pool wait included)."""

    def __init__(self, settings: ExtractSettings, metrics: Metrics) -> None:
        super().__init__(settings)
        self.metrics = metrics

    async def extract(self, html: bytes | str, url: str) -> ExtractedPage | None:
        started = time.perf_counter()
        try:
            return await super().extract(html, url)
        finally:
            self.metrics.extraction_seconds.observe(time.perf_counter() - started)
