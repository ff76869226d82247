"""Backfill repository: resume bookkeeping (backfill_runs), stored articles streamed for the
`db` source, and the reset of a storyline's derived rows before it is re-derived.

Re-derivation (`monitor backfill --source db`), in the transaction that starts the run:
  1. the selected storylines' status changes published at or after `since` (all, without
     `since`) are deleted with their alert rows; the alert rows that had left the
     `suppressed` state (sent, pending, failed, dead...) are kept in the run's state,
     keyed by `change_key` (storyline, new status, facts after);
  2. their matches and observations of articles published at or after `since` are deleted;
  3. each storyline's status and facts go back to its last kept change (or none).
The replay then matches and observes the stored articles again. A re-derived change whose key
was carried takes over the carried alert rows (state, attempts, Slack ts and thread) instead
of alerting again: the team is not told twice what it was told. A change no one was alerted
about is new: suppressed, or pending with --notify. Carried alerts no change claimed by the end
were about changes that no longer hold; they are dropped with the run's state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import ensure_utc
from monitor.db import models as m

CarriedAlerts = dict[str, list[dict[str, Any]]]
"""change_key -> alert rows (as dicts) of a change that was deleted for re-derivation."""

CARRIED_FIELDS = ("channel", "state", "attempts", "slack_channel_id", "slack_ts", "thread_ts",
                  "last_error")


@dataclass(frozen=True, slots=True)
class RunStart:
    source_key: str
    position: int
    """Items already processed: the replay resumes after them."""
    resumed: bool
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReplayArticle:
    """A stored article as the `db` source replays it."""

    article_id: int
    story_id: int
    duplicate_of: int | None
    url: str
    outlet: str
    title: str
    text: str
    published_at: datetime


def start_run(session: Session, source_key: str, description: str, now: datetime) -> RunStart:
    """Resume the unfinished run of this key, or (re)start it at position 0."""
    row = session.scalar(sa.select(m.BackfillRun).filter_by(source_key=source_key))
    if row is not None and row.finished_at is None:
        row.updated_at = now
        return RunStart(source_key, row.position, True, dict(row.state or {}))
    if row is None:
        row = m.BackfillRun(source_key=source_key, started_at=now)
        session.add(row)
    row.source, row.position, row.state = description, 0, {}
    row.started_at, row.updated_at, row.finished_at = now, now, None
    session.flush()
    return RunStart(source_key, 0, False, {})


def advance(session: Session, source_key: str, position: int, now: datetime,
            state: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"position": position, "updated_at": now}
    if state is not None:
        values["state"] = state
    session.execute(sa.update(m.BackfillRun).filter_by(source_key=source_key).values(**values))


def finish(session: Session, source_key: str, now: datetime) -> None:
    session.execute(sa.update(m.BackfillRun).filter_by(source_key=source_key)
                    .values(finished_at=now, updated_at=now, state={}))


def take_unfinished_carried(session: Session, prefix: str, keep: str) -> CarriedAlerts:
    """Carried alerts of other unfinished runs of the `prefix` kind (an interrupted
    re-derivation under an older definition); those runs are dropped."""
    carried: CarriedAlerts = {}
    rows = session.scalars(sa.select(m.BackfillRun).where(
        m.BackfillRun.source_key.startswith(prefix), m.BackfillRun.finished_at.is_(None),
        m.BackfillRun.source_key != keep))
    for row in rows:
        for key, alerts in dict(row.state or {}).get("carried", {}).items():
            carried.setdefault(key, []).extend(alerts)
        session.delete(row)
    return carried


def change_key(storyline_id: str, to_status: str, facts_after: dict[str, Any]) -> str:
    return json.dumps([storyline_id, to_status, {k: str(v) for k, v in facts_after.items()}],
                      sort_keys=True)


def reset_derived(session: Session, storyline_ids: Sequence[str],
                  since: datetime | None) -> CarriedAlerts:
    """Delete the storylines' derived rows from `since` on (see the module docstring);
    returns the alerts to carry over to re-derived changes."""
    changes = sa.select(m.StatusChange.id).where(m.StatusChange.storyline_id.in_(storyline_ids))
    articles = sa.select(m.Article.id)
    if since is not None:
        changes = changes.where(m.StatusChange.published_at >= since)
        articles = articles.where(m.Article.published_at >= since)
    change_ids = list(session.scalars(changes))
    carried = _carried(session, change_ids)
    for start in range(0, len(change_ids), 500):
        chunk = change_ids[start:start + 500]
        session.execute(sa.delete(m.Alert).where(m.Alert.status_change_id.in_(chunk)))
        session.execute(sa.delete(m.StatusChange).where(m.StatusChange.id.in_(chunk)))
    for model in (m.StatusObservation, m.StorylineMatch):
        stmt = sa.delete(model).where(model.storyline_id.in_(storyline_ids))
        if since is not None:
            stmt = stmt.where(model.article_id.in_(articles))
        session.execute(stmt)
    for storyline_id in storyline_ids:
        _rewind(session, storyline_id)
    return carried


def _carried(session: Session, change_ids: Sequence[int]) -> CarriedAlerts:
    carried: CarriedAlerts = {}
    if not change_ids:
        return carried
    rows = session.execute(
        sa.select(m.Alert, m.StatusChange)
        .join(m.StatusChange, m.StatusChange.id == m.Alert.status_change_id)
        .where(m.Alert.status_change_id.in_(change_ids), m.Alert.state != "suppressed")
        .order_by(m.Alert.id))
    for alert, change in rows:
        entry = {name: getattr(alert, name) for name in CARRIED_FIELDS}
        if entry["state"] == "sending":  # its lease dies with the row
            entry["state"] = "pending"
        for name in ("next_attempt_at", "created_at", "sent_at"):
            value = getattr(alert, name)
            entry[name] = ensure_utc(value).isoformat() if value else None
        key = change_key(change.storyline_id, change.to_status, dict(change.facts_after or {}))
        carried.setdefault(key, []).append(entry)
    return carried


def _rewind(session: Session, storyline_id: str) -> None:
    """Status and facts back to the last change that is still stored (or none)."""
    last = session.scalar(sa.select(m.StatusChange).filter_by(storyline_id=storyline_id)
                          .order_by(m.StatusChange.id.desc()).limit(1))
    row = session.get(m.Storyline, storyline_id)
    if row is None:
        return
    row.status = last.to_status if last else None
    row.facts = dict(last.facts_after or {}) if last else {}
    row.since = last.published_at if last else None


def restore_alerts(session: Session, status_change_id: int, storyline_id: str,
                   alerts: Sequence[dict[str, Any]]) -> list[int]:
    """Alert rows of a re-derived change, taken over from its deleted predecessor."""
    ids = []
    for entry in alerts:
        row = m.Alert(status_change_id=status_change_id, storyline_id=storyline_id,
                      **{name: entry[name] for name in CARRIED_FIELDS},
                      next_attempt_at=_when(entry["next_attempt_at"]),
                      created_at=_when(entry["created_at"]), sent_at=_when(entry["sent_at"]))
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids


def _when(value: str | None) -> Any:
    return datetime.fromisoformat(value) if value else None


def _window(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(m.Article.published_at >= since)
    if until is not None:
        query = query.where(m.Article.published_at <= until)
    return query


def count_articles(session: Session, since: datetime | None, until: datetime | None) -> int:
    query = _window(sa.select(sa.func.count()).select_from(m.Article), since, until)
    return int(session.scalar(query) or 0)


def iter_articles(sessions: sessionmaker[Session], since: datetime | None,
                  until: datetime | None, *, skip: int = 0, page: int = 1000,
                  ) -> Iterator[ReplayArticle]:
    """Stored articles with text, in replay order (published, id), a page at a time (keyset
    pagination: memory stays flat, no cursor stays open across the caller's transactions).
    Articles whose text was pruned are replayed with their title only."""
    columns = (m.Article.id, m.Article.story_id, m.Article.duplicate_of, m.Article.url,
               m.Article.outlet, m.Article.title, m.Article.text, m.Article.published_at)
    base = _window(sa.select(*columns), since, until).order_by(m.Article.published_at,
                                                               m.Article.id)
    after: tuple[datetime, int] | None = None
    offset = skip
    while True:
        query = base.limit(page)
        if after is not None:
            query = query.where(sa.tuple_(m.Article.published_at, m.Article.id) > after)
        elif offset:
            query = query.offset(offset)
        with sessions() as session:
            rows = session.execute(query).all()
        for row in rows:
            yield ReplayArticle(row[0], row[1], row[2], row[3], row[4], row[5], row[6] or "",
                                ensure_utc(row[7]))
        if len(rows) < page:
            return
        after = (rows[-1][7], rows[-1][0])


def is_new_outlet(session: Session, article: ReplayArticle) -> bool:
    """No earlier article of the story came from this outlet (replay order)."""
    earlier = session.scalar(
        sa.select(sa.func.count()).select_from(m.Article)
        .where(m.Article.story_id == article.story_id,
               sa.func.lower(m.Article.outlet) == article.outlet.lower(),
               sa.tuple_(m.Article.published_at, m.Article.id)
               < (article.published_at, article.article_id)))
    return not earlier
