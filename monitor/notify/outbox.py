"""The outbox dispatcher, last stage of the pipeline (StatusChange -> Alert -> Slack).

The pipeline writes alert rows with each status change (monitor.db.alerts.enqueue, same
transaction). `dispatch` claims due rows with a lease, renders and sends them, and records
the outcome: sent (with Slack's channel and ts), pending again (exponential backoff, or
Slack's Retry-After), or dead (a permanent error, or `alerts.max_attempts` used up).

Exactly once, in practice: one alert row per (change, channel); a lease keeps two workers
from holding one alert; a storyline's later alerts wait until its first (thread-starting)
one is sent; and an alert with an earlier attempt behind it (a crash between post and
record, a timeout, a 5xx) is first looked up in the channel by the alert id attached as
message metadata, and the found message is adopted instead of posting again.
The remaining at-least-once windows: a webhook (or console) cannot be looked up, so a crash
after its post and before the record re-posts once; a worker whose send outlives its lease
(`alerts.lease_seconds`) can overlap with the worker that takes the alert over; and a
message posted but not yet visible in conversations.history at lookup time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AlertSettings, Settings
from monitor.db import alerts as alerts_repo
from monitor.db.engine import transaction
from monitor.errors import NotifyError
from monitor.notify.console import ConsoleNotifier
from monitor.notify.delivery import Delivery, Notifier
from monitor.notify.message import probe_message, render
from monitor.notify.slack import SlackBotNotifier, SlackWebhookNotifier
from monitor.records import AlertContent
from monitor.storylines.spec import StorylineSpec

log = structlog.get_logger(__name__)

DEFER_SECONDS = 5
"""A storyline's later alert waiting for its first one is looked at again after this."""
MAX_BATCHES = 100


@dataclass(frozen=True)
class DispatchContext:
    sessions: sessionmaker[Session]
    notifier: Notifier
    settings: AlertSettings
    worker_id: str
    batch_size: int = 20
    public_url: str | None = None
    """[server].public_url: alerts link to the storyline's page there."""


@dataclass
class DispatchSummary:
    claimed: int = 0
    sent: int = 0
    adopted: int = 0
    """Already posted by an earlier attempt: its ts adopted, nothing posted again."""
    retried: int = 0
    dead: int = 0
    deferred: int = 0
    lease_lost: int = 0


def make_notifier(settings: Settings) -> Notifier:
    """Slack bot if SLACK_BOT_TOKEN is set, else the webhook of SLACK_WEBHOOK_URL, else the
    console."""
    slack = settings.slack
    if slack.bot_token is not None:
        return SlackBotNotifier(slack.bot_token.get_secret_value(), base_url=slack.base_url,
                                timeout=slack.timeout_seconds)
    if slack.webhook_url is not None:
        return SlackWebhookNotifier(slack.webhook_url.get_secret_value(),
                                    timeout=slack.timeout_seconds)
    return ConsoleNotifier()


def alert_channels(spec: StorylineSpec | None, settings: Settings) -> tuple[str, ...]:
    """The channels a storyline's alerts go to: its own, else the default one."""
    return ((spec.channel if spec and spec.channel else settings.slack.channel),)


def backoff(settings: AlertSettings, attempts: int) -> timedelta:
    """Delay before attempt `attempts + 1`: base * 2^(attempts-1), capped."""
    seconds = settings.backoff_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.backoff_max_seconds))


async def dispatch(ctx: DispatchContext, now: datetime) -> DispatchSummary:
    """Send every due alert (in batches); stop early when Slack is rate limiting or failing,
    leaving the rest pending for the next run.

    Database work runs in a worker thread: a SQLite write lock held by the pipeline (which
    also runs in threads) must not stall the event loop the fetchers share."""
    summary = DispatchSummary()
    for _ in range(MAX_BATCHES):
        ids = await asyncio.to_thread(_claim, ctx, now)
        summary.claimed += len(ids)
        pause: Pause | None = None
        for alert_id in ids:
            if pause is not None:
                await asyncio.to_thread(_release, ctx, alert_id, pause.until, summary)
                continue
            pause = await _deliver(ctx, alert_id, now, summary)
        if pause is not None or len(ids) < ctx.batch_size:
            break
    if summary.claimed:
        log.info("outbox.dispatched", worker_id=ctx.worker_id, notifier=ctx.notifier.name,
                 claimed=summary.claimed, sent=summary.sent, adopted=summary.adopted,
                 retried=summary.retried, dead=summary.dead, deferred=summary.deferred)
    return summary


def _claim(ctx: DispatchContext, now: datetime) -> list[int]:
    with transaction(ctx.sessions) as session:
        return alerts_repo.claim_due(session, ctx.worker_id, now, ctx.batch_size,
                                     ctx.settings.lease_seconds)


@dataclass(frozen=True)
class Pause:
    """Stop this batch: Slack is failing (`until` None) or rate limiting us until `until`."""

    until: datetime | None = None


@dataclass(frozen=True)
class _Prepared:
    content: AlertContent
    attempts: int
    channel_id: str | None


async def _deliver(ctx: DispatchContext, alert_id: int, now: datetime,
                   summary: DispatchSummary) -> Pause | None:
    """Send one claimed alert and record the outcome; a Pause when the batch should stop."""
    prepared = await asyncio.to_thread(_prepare, ctx, alert_id, now, summary)
    if prepared is None:
        return None
    content, attempts = prepared.content, prepared.attempts
    try:
        delivery = await _send(ctx.notifier, content, attempts, prepared.channel_id,
                               ctx.public_url)
    except NotifyError as exc:
        return await asyncio.to_thread(_record_failure, ctx, content, attempts, exc, now,
                                       summary)
    except Exception as exc:  # a bug must cost one alert a retry, not the dispatcher
        log.exception("alert.send_crashed", alert_id=alert_id)
        error = NotifyError(f"unexpected error while sending: {exc!r}")
        return await asyncio.to_thread(_record_failure, ctx, content, attempts, error, now,
                                       summary)
    await asyncio.to_thread(_record_sent, ctx, content, delivery, now, summary)
    return None


def _prepare(ctx: DispatchContext, alert_id: int, now: datetime,
             summary: DispatchSummary) -> _Prepared | None:
    """Load what sending needs; None (and the alert deferred) while an earlier alert of its
    storyline is unsent, so the storyline's thread starts first."""
    with transaction(ctx.sessions) as session:
        wait = alerts_repo.earlier_unsent(session, alert_id)
        if wait is not None:
            _release(ctx, alert_id, max(wait, now + timedelta(seconds=DEFER_SECONDS)), summary,
                     session=session)
            return None
        content = alerts_repo.load_content(session, alert_id)
        row = alerts_repo.get(session, alert_id)
        channel_id = alerts_repo.known_channel_id(session, content.channel)
    assert row is not None
    return _Prepared(content, row.attempts, channel_id)


async def _send(notifier: Notifier, content: AlertContent, attempts: int,
                channel_id: str | None, public_url: str | None = None) -> Delivery:
    """Post the alert, unless an earlier attempt (attempts > 1) already did."""
    if attempts > 1 and notifier.can_look_up:
        try:
            found = await notifier.find_posted(content.channel, content.alert_id, channel_id)
        except NotifyError as exc:
            if not exc.permanent:
                raise  # cannot tell whether it was posted: try again later, not blindly
            log.warning("alert.lookup_unavailable", alert_id=content.alert_id, error=str(exc))
            found = None
        if found is not None:
            log.info("alert.adopted", alert_id=content.alert_id, ts=found.ts)
            return found
    return await notifier.post(content.channel, render(content, public_url),
                               alert_id=content.alert_id,
                               thread_ts=content.thread_ts if notifier.can_thread else None)


def _record_sent(ctx: DispatchContext, content: AlertContent, delivery: Delivery,
                 now: datetime, summary: DispatchSummary) -> None:
    thread_ts = content.thread_ts or delivery.ts
    with transaction(ctx.sessions) as session:
        if ctx.notifier.can_thread and content.thread_ts is None and delivery.ts:
            alerts_repo.store_thread(session, content.storyline_id, content.channel,
                                     delivery.channel_id or content.channel, delivery.ts, now)
        owned = alerts_repo.mark_sent(session, content.alert_id, ctx.worker_id,
                                      slack_channel_id=delivery.channel_id,
                                      slack_ts=delivery.ts,
                                      thread_ts=thread_ts if ctx.notifier.can_thread else None,
                                      now=now)
    if not owned:
        summary.lease_lost += 1
        log.warning("alert.lease_lost", alert_id=content.alert_id, worker_id=ctx.worker_id)
    summary.adopted += delivery.adopted
    summary.sent += not delivery.adopted
    log.info("alert.sent", alert_id=content.alert_id, channel=content.channel,
             notifier=ctx.notifier.name, ts=delivery.ts, thread_ts=content.thread_ts,
             adopted=delivery.adopted)


def _record_failure(ctx: DispatchContext, content: AlertContent, attempts: int,
                    exc: NotifyError, now: datetime, summary: DispatchSummary) -> Pause | None:
    alert_id, error = content.alert_id, str(exc)
    with transaction(ctx.sessions) as session:
        if exc.retry_after is not None:
            until = now + timedelta(seconds=exc.retry_after)
            alerts_repo.mark_retry(session, alert_id, ctx.worker_id, error, until,
                                   count_attempt=False)
            summary.retried += 1
            log.warning("alert.rate_limited", alert_id=alert_id, retry_after=exc.retry_after)
            return Pause(until)
        if exc.permanent or attempts >= ctx.settings.max_attempts:
            if not exc.permanent:
                error = f"gave up after {attempts} attempts: {error}"
            alerts_repo.mark_dead(session, alert_id, ctx.worker_id, error)
            summary.dead += 1
            log.error("alert.dead", alert_id=alert_id, channel=content.channel, error=error)
            return None
        until = now + backoff(ctx.settings, attempts)
        alerts_repo.mark_retry(session, alert_id, ctx.worker_id, error, until)
    summary.retried += 1
    log.warning("alert.retry", alert_id=alert_id, attempts=attempts, error=error,
                next_attempt_at=until.isoformat())
    return Pause()  # Slack is failing: leave the rest of the batch for the next run


def _release(ctx: DispatchContext, alert_id: int, until: datetime | None,
             summary: DispatchSummary, *, session: Session | None = None) -> None:
    """Give a claimed alert back unsent, its attempt not counted, due again at `until` (or
    its own time, whichever is later)."""
    if session is None:
        with transaction(ctx.sessions) as own:
            _release(ctx, alert_id, until, summary, session=own)
        return
    row = alerts_repo.get(session, alert_id)
    if row is not None:
        when = max(until, row.next_attempt_at) if until else row.next_attempt_at
        alerts_repo.mark_retry(session, alert_id, ctx.worker_id, None, when,
                               count_attempt=False)
    summary.deferred += 1


async def send_test(notifier: Notifier, channel: str, now: datetime) -> Delivery:
    """Post a test message to `channel` (`monitor alerts test`); raises NotifyError."""
    return await notifier.post(channel, probe_message(channel, now), alert_id=None,
                               thread_ts=None)


def channels_in_use(specs: Sequence[StorylineSpec], settings: Settings) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for spec in specs for c in alert_channels(spec, settings)))
