"""Alerts repository: the outbox between status changes and Slack.

The pipeline enqueues alert rows in the transaction that records a status change; the
dispatcher (monitor.notify.outbox) claims due rows with a lease, sends them, and records the
outcome here. Claiming is `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)
RETURNING id` on PostgreSQL, so several processes never hold one alert at once; SQLite drops
SKIP LOCKED (one process only) and takes the write lock with BEGIN IMMEDIATE instead.

States: pending -> sending (claimed, leased) -> sent | pending (retry later) | dead;
suppressed alerts (backfill without --notify) are recorded and never claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.clock import ensure_utc
from monitor.db import models as m
from monitor.errors import MonitorError
from monitor.records import AlertContent, Report, StatusChange

RETRYABLE_STATES = ("dead", "failed", "suppressed")
UNSENT_STATES = ("pending", "sending")


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One outbox row, as `monitor alerts list` and the dispatcher see it."""

    id: int
    status_change_id: int
    storyline_id: str
    channel: str
    state: str
    attempts: int
    next_attempt_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    slack_channel_id: str | None
    slack_ts: str | None
    thread_ts: str | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    change: str


def enqueue(session: Session, status_change_id: int, storyline_id: str,
            channels: Sequence[str], now: datetime, *, suppressed: bool = False) -> list[int]:
    """Alert rows for a status change, one per channel; existing (change, channel) rows are
    left alone, so calling this twice inserts nothing the second time."""
    now = ensure_utc(now)
    rows = [{"status_change_id": status_change_id, "storyline_id": storyline_id,
             "channel": channel, "state": "suppressed" if suppressed else "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for channel in dict.fromkeys(channels)]
    if not rows:
        return []
    insert = _insert_for(session)
    stmt = (insert(m.Alert).values(rows)
            .on_conflict_do_nothing(index_elements=["status_change_id", "channel"])
            .returning(m.Alert.id))
    return sorted(session.execute(stmt).scalars())


def _insert_for(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def claim_due(session: Session, worker_id: str, now: datetime, limit: int,
              lease_seconds: int) -> list[int]:
    """Lease up to `limit` due alerts to `worker_id`, counting an attempt on each.

    Due: pending with next_attempt_at <= now, or sending with an expired lease (its worker
    died). Returned in sending order: by storyline, then creation, so a storyline's first
    alert (which starts the thread) goes before its later ones."""
    now = ensure_utc(now)
    alert = m.Alert
    due = sa.or_(
        sa.and_(alert.state == "pending", alert.next_attempt_at <= now),
        sa.and_(alert.state == "sending", alert.lease_expires_at < now),
    )
    candidates = (sa.select(alert.id).where(due)
                  .order_by(alert.storyline_id, alert.created_at, alert.id)
                  .limit(limit).with_for_update(skip_locked=True))
    stmt = (sa.update(alert).where(alert.id.in_(candidates.scalar_subquery()))
            .values(state="sending", lease_owner=worker_id,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=alert.attempts + 1)
            .returning(alert.id, alert.storyline_id, alert.created_at)
            .execution_options(synchronize_session=False))
    claimed = session.execute(stmt).all()
    return [row.id for row in sorted(claimed, key=lambda r: (r.storyline_id,
                                                             ensure_utc(r.created_at), r.id))]


def get(session: Session, alert_id: int) -> AlertRow | None:
    rows = _rows(session, sa.select(m.Alert).where(m.Alert.id == alert_id))
    return rows[0] if rows else None


def list_alerts(session: Session, state: str | None = None, limit: int = 50) -> list[AlertRow]:
    """Newest first, optionally only one state."""
    query = sa.select(m.Alert).order_by(m.Alert.created_at.desc(), m.Alert.id.desc()).limit(limit)
    if state:
        query = query.where(m.Alert.state == state)
    return _rows(session, query)


def for_changes(session: Session, change_ids: Sequence[int]) -> dict[int, list[AlertRow]]:
    """The alerts of each status change (one per channel), in one query: what the storyline
    page shows as each change's delivery state. `change` is left empty (the caller has it)."""
    by_change: dict[int, list[AlertRow]] = {change_id: [] for change_id in change_ids}
    if not by_change:
        return by_change
    alerts = session.execute(sa.select(m.Alert).where(
        m.Alert.status_change_id.in_(list(by_change))).order_by(m.Alert.channel, m.Alert.id))
    for alert in alerts.scalars():
        by_change[alert.status_change_id].append(_row(alert, None))
    return by_change


def _rows(session: Session, query: sa.Select[m.Alert]) -> list[AlertRow]:
    alerts = list(session.execute(query).scalars())
    changes = {c.id: c for c in session.execute(sa.select(m.StatusChange).where(
        m.StatusChange.id.in_({a.status_change_id for a in alerts}))).scalars()}
    return [_row(a, changes.get(a.status_change_id)) for a in alerts]


def _row(alert: m.Alert, change: m.StatusChange | None) -> AlertRow:
    summary = f"{change.from_status or 'new'} → {change.to_status}" if change else ""
    return AlertRow(
        id=alert.id, status_change_id=alert.status_change_id, storyline_id=alert.storyline_id,
        channel=alert.channel, state=alert.state, attempts=alert.attempts,
        next_attempt_at=ensure_utc(alert.next_attempt_at), lease_owner=alert.lease_owner,
        lease_expires_at=_utc(alert.lease_expires_at), slack_channel_id=alert.slack_channel_id,
        slack_ts=alert.slack_ts, thread_ts=alert.thread_ts, last_error=alert.last_error,
        created_at=ensure_utc(alert.created_at), sent_at=_utc(alert.sent_at), change=summary)


def _utc(when: datetime | None) -> datetime | None:
    return None if when is None else ensure_utc(when)


def load_content(session: Session, alert_id: int) -> AlertContent:
    """Everything needed to render one alert: the change, its reports, the thread to join."""
    alert = session.get(m.Alert, alert_id)
    if alert is None:
        raise MonitorError(f"alert {alert_id} not found")
    change = session.get_one(m.StatusChange, alert.status_change_id)
    storyline = session.get(m.Storyline, change.storyline_id)
    report = _report(session, change.article_id, {})
    corroborating = tuple(
        _report(session, int(entry["article_id"]), entry)
        for entry in change.outlets
        if isinstance(entry, dict) and entry.get("article_id") is not None
        and int(entry["article_id"]) != change.article_id)
    thread = thread_for(session, alert.storyline_id, alert.channel)
    record = StatusChange(
        storyline_id=change.storyline_id, from_status=change.from_status,
        to_status=change.to_status, facts_before=dict(change.facts_before or {}),
        facts_after=dict(change.facts_after or {}), evidence=change.evidence, report=report,
        corroborating=corroborating, detected_at=ensure_utc(change.detected_at),
        explanation=dict(change.explanation or {}))
    return AlertContent(
        alert_id=alert.id, channel=alert.channel, storyline_id=alert.storyline_id,
        storyline_title=storyline.title if storyline else alert.storyline_id, change=record,
        first_seen_at=_first_seen(session, (report, *corroborating), record.detected_at),
        thread_ts=thread[1] if thread else None)


def _report(session: Session, article_id: int, entry: dict[str, Any]) -> Report:
    article = session.get(m.Article, article_id)
    if article is None:  # deleted since: fall back to what the change recorded
        published = entry.get("published_at")
        return Report(article_id=article_id, story_id=-article_id, url=str(entry.get("url", "")),
                      outlet=str(entry.get("outlet", "")), title=str(entry.get("title", "")),
                      published_at=ensure_utc(datetime.fromisoformat(published))
                      if isinstance(published, str) else datetime.min.replace(tzinfo=UTC))
    return Report(article_id=article.id, story_id=article.story_id, url=article.url,
                  outlet=article.outlet, title=article.title,
                  published_at=ensure_utc(article.published_at))


def _first_seen(session: Session, reports: tuple[Report, ...], default: datetime) -> datetime:
    first = session.execute(sa.select(sa.func.min(m.Story.first_seen_at)).where(
        m.Story.id.in_({r.story_id for r in reports}))).scalar()
    return ensure_utc(first) if first is not None else default


def earlier_unsent(session: Session, alert_id: int) -> datetime | None:
    """When an earlier alert of the same storyline and channel is still unsent (its thread
    must start first), that alert's due time; None when nothing is ahead of this one."""
    alert = session.get_one(m.Alert, alert_id)
    ahead = session.execute(
        sa.select(m.Alert.next_attempt_at)
        .where(m.Alert.storyline_id == alert.storyline_id, m.Alert.channel == alert.channel,
               m.Alert.state.in_(UNSENT_STATES), m.Alert.id != alert.id,
               sa.or_(m.Alert.created_at < alert.created_at,
                      sa.and_(m.Alert.created_at == alert.created_at, m.Alert.id < alert.id)))
        .order_by(m.Alert.created_at).limit(1)).first()
    # An alert being sent right now is done within moments: its due time (already past)
    # lets the caller retry soon rather than at its lease's expiry.
    return None if ahead is None else ensure_utc(ahead.next_attempt_at)


def _owned(alert_id: int, worker_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(m.Alert.id == alert_id, m.Alert.state == "sending",
                   m.Alert.lease_owner == worker_id)


def _update_owned(session: Session, alert_id: int, worker_id: str, **values: Any) -> bool:
    """Apply `values` if `worker_id` still holds the lease; False if it was lost."""
    result = session.execute(sa.update(m.Alert).where(_owned(alert_id, worker_id))
                             .values(lease_owner=None, lease_expires_at=None, **values)
                             .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(session: Session, alert_id: int, worker_id: str, *, slack_channel_id: str | None,
              slack_ts: str | None, thread_ts: str | None, now: datetime) -> bool:
    return _update_owned(session, alert_id, worker_id, state="sent",
                         slack_channel_id=slack_channel_id, slack_ts=slack_ts,
                         thread_ts=thread_ts, sent_at=ensure_utc(now), last_error=None)


def mark_retry(session: Session, alert_id: int, worker_id: str, error: str | None,
               next_attempt_at: datetime, *, count_attempt: bool = True) -> bool:
    """Back to pending until `next_attempt_at`. `count_attempt=False` gives the attempt back
    (a rate limit, or an alert deferred behind an earlier one, is not a failure)."""
    values: dict[str, Any] = {"state": "pending",
                              "next_attempt_at": ensure_utc(next_attempt_at)}
    if error is not None:
        values["last_error"] = error
    if not count_attempt:
        values["attempts"] = m.Alert.attempts - 1
    return _update_owned(session, alert_id, worker_id, **values)


def mark_dead(session: Session, alert_id: int, worker_id: str, error: str) -> bool:
    return _update_owned(session, alert_id, worker_id, state="dead", last_error=error)


def retry(session: Session, alert_id: int, now: datetime) -> AlertRow:
    """Queue a dead (or suppressed) alert for sending again, with a fresh attempt count."""
    alert = session.get(m.Alert, alert_id)
    if alert is None:
        raise MonitorError(f"alert {alert_id} not found")
    if alert.state not in RETRYABLE_STATES:
        raise MonitorError(f"alert {alert_id} is {alert.state}; only dead or suppressed alerts "
                           "can be retried")
    alert.state, alert.attempts = "pending", 0
    alert.next_attempt_at, alert.last_error = ensure_utc(now), None
    alert.lease_owner = alert.lease_expires_at = None
    session.flush()
    row = get(session, alert_id)
    assert row is not None
    return row


def thread_for(session: Session, storyline_id: str, channel: str) -> tuple[str, str] | None:
    """(Slack channel id, thread ts) of the storyline's thread in `channel`, if started."""
    thread = session.get(m.SlackThread, (storyline_id, channel))
    return (thread.slack_channel_id, thread.thread_ts) if thread else None


def store_thread(session: Session, storyline_id: str, channel: str, slack_channel_id: str,
                 thread_ts: str, now: datetime) -> None:
    """Remember a storyline's thread; the first one stored wins."""
    stmt = (_insert_for(session)(m.SlackThread)
            .values(storyline_id=storyline_id, channel=channel,
                    slack_channel_id=slack_channel_id, thread_ts=thread_ts,
                    created_at=ensure_utc(now))
            .on_conflict_do_nothing(index_elements=["storyline_id", "channel"]))
    session.execute(stmt)


def known_channel_id(session: Session, channel: str) -> str | None:
    """The Slack id (C0123…) a channel name resolved to in an earlier send, if any."""
    thread = session.execute(sa.select(m.SlackThread.slack_channel_id)
                             .where(m.SlackThread.channel == channel).limit(1)).scalar()
    if thread:
        return thread
    return session.execute(sa.select(m.Alert.slack_channel_id).where(
        m.Alert.channel == channel, m.Alert.slack_channel_id.is_not(None)).limit(1)).scalar()


def count_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(m.Alert.state, sa.func.count()).group_by(m.Alert.state))
    return {str(state): int(count) for state, count in rows}


def oldest_unsent(session: Session) -> datetime | None:
    """Creation time of the oldest pending or sending alert (the outbox's age)."""
    oldest = session.execute(sa.select(sa.func.min(m.Alert.created_at))
                             .where(m.Alert.state.in_(UNSENT_STATES))).scalar()
    return None if oldest is None else ensure_utc(oldest)


def release_leases(session: Session, worker_id: str) -> int:
    """Give back every alert `worker_id` is still sending (a daemon stopping mid-send): pending
    again at once, its attempt kept, so the next attempt first looks for a posted message."""
    result = session.execute(
        sa.update(m.Alert).where(m.Alert.state == "sending", m.Alert.lease_owner == worker_id)
        .values(state="pending", lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
