"""The backfill driver: replays a source through the pipeline in chronological order, with a
replay clock set to each item's publication time, and reports what happened as events.

Resume: the run's position (items done, in replay order) is kept in backfill_runs under a key
naming the source's content and the options that select items. File sources commit the
position right after each article's transaction; an article processed again after a crash in
between is found by its URL and writes nothing. The `db` source commits the position inside
each batch's transaction. A finished run replayed again starts over at 0 and, the articles
being stored already, adds no rows (idempotent).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy.orm import Session, sessionmaker

from monitor.backfill.events import article_event, change_events
from monitor.backfill.rederive import Rederiver
from monitor.backfill.sources import InputProblem, LoadedSource
from monitor.clock import Clock, ReplayClock
from monitor.config import Settings
from monitor.db import backfill as backfill_repo
from monitor.db import storylines as storylines_repo
from monitor.db.engine import transaction
from monitor.pipeline import ArticleOutcome, Pipeline
from monitor.records import ArticleDraft
from monitor.storylines.seeds import dated_by_replay
from monitor.storylines.spec import StorylineSpec

log = structlog.get_logger(__name__)

PRUNE_EVERY = 1000
"""Items between two prunes of the near-duplicate index (memory stays bounded)."""

Event = dict[str, Any]


class Progress(Protocol):
    def start(self, total: int, done: int) -> None: ...
    def advance(self, items: int) -> None: ...


class NoProgress:
    def start(self, total: int, done: int) -> None:
        pass

    def advance(self, items: int) -> None:
        pass


@dataclass(frozen=True)
class BackfillOptions:
    since: datetime | None = None
    until: datetime | None = None
    storylines: tuple[str, ...] = ()
    """Only these storylines (all when empty)."""
    notify: bool = False
    """Alerts go to the outbox as pending (else recorded as suppressed)."""
    batch_size: int = 500
    """Stored articles per transaction (`db` source)."""


@dataclass
class BackfillSummary:
    source: str
    source_key: str
    total: int = 0
    resumed_at: int = 0
    processed: int = 0
    stored: int = 0
    duplicates: int = 0
    already_stored: int = 0
    rematched: int = 0
    changes: int = 0
    alerts: int = 0
    problems: list[InputProblem] = field(default_factory=list)


@dataclass
class Replay:
    """What a replay runs against: the state (sessions), config and the time sources."""

    settings: Settings
    specs: Sequence[StorylineSpec]
    sessions: sessionmaker[Session]
    wall: Clock
    """Bookkeeping times (started, updated): the real clock."""
    on_event: Callable[[Event], None] = lambda event: None
    progress: Progress = field(default_factory=NoProgress)
    clock: ReplayClock | None = None

    def selected(self, options: BackfillOptions) -> list[StorylineSpec]:
        if not options.storylines:
            return list(self.specs)
        return [s for s in self.specs if s.id in options.storylines]


def source_key(kind: str, digest: str, options: BackfillOptions,
               specs: Iterable[StorylineSpec]) -> str:
    """Names a run: the input's content and what selects and decides its items."""
    selection = json.dumps([
        options.since.isoformat() if options.since else None,
        options.until.isoformat() if options.until else None,
        sorted(storylines_repo.spec_hash(s) for s in specs)])
    return f"{kind}:" + hashlib.sha256(f"{digest}|{selection}".encode()).hexdigest()[:48]


def in_window(when: datetime, options: BackfillOptions) -> bool:
    return ((options.since is None or when >= options.since)
            and (options.until is None or when <= options.until))


def replay_drafts(replay: Replay, source: LoadedSource,
                  options: BackfillOptions) -> BackfillSummary:
    """Replay a file-like source through Pipeline.process, resuming an interrupted run."""
    specs = replay.selected(options)
    drafts = [d for d in source.drafts if in_window(d.published_at, options)]
    key = source_key(source.kind, source.digest, options, specs)
    summary = BackfillSummary(source.description, key, total=len(drafts),
                              problems=list(source.problems))
    with transaction(replay.sessions) as session:
        run = backfill_repo.start_run(session, key, f"{source.kind}: {source.description}",
                                      replay.wall.now())
    summary.resumed_at = run.position
    clock = replay.clock or ReplayClock(drafts[0].published_at if drafts else replay.wall.now())
    with replay.sessions() as session:
        specs = [dated_by_replay(spec, storylines_repo.seed_bodies(session, spec.id), drafts)
                 for spec in specs]
    pipeline = Pipeline(replay.settings, specs, replay.sessions, notify=options.notify)
    pipeline.load(clock.now())
    log.info("backfill.started", source=source.kind, key=key, items=len(drafts),
             resumed_at=run.position)
    replay.progress.start(len(drafts), run.position)
    for position, draft in enumerate(drafts[run.position:], run.position + 1):
        clock.set(draft.published_at)
        outcome = pipeline.process(draft, clock.now())
        with transaction(replay.sessions) as session:
            backfill_repo.advance(session, key, position, replay.wall.now())
        _report(replay, summary, outcome, draft)
        if position % PRUNE_EVERY == 0:
            pipeline.prune(clock.now())
    _finish(replay, key, summary)
    return summary


def _report(replay: Replay, summary: BackfillSummary, outcome: ArticleOutcome,
            draft: ArticleDraft | None) -> None:
    summary.processed += 1
    if draft is None:
        summary.rematched += 1
    elif not outcome.stored:
        summary.already_stored += 1
    elif outcome.duplicate_of is not None:
        summary.duplicates += 1
    else:
        summary.stored += 1
    replay.on_event(article_event(outcome, draft))
    if outcome.changes:
        with replay.sessions() as session:
            for event in change_events(session, outcome):
                summary.changes += event["type"] == "status_change"
                summary.alerts += event["type"] == "alert"
                replay.on_event(event)
    replay.progress.advance(1)


def _finish(replay: Replay, key: str, summary: BackfillSummary) -> None:
    with transaction(replay.sessions) as session:
        backfill_repo.finish(session, key, replay.wall.now())
    log.info("backfill.finished", key=key, processed=summary.processed, stored=summary.stored,
             duplicates=summary.duplicates, already_stored=summary.already_stored,
             rematched=summary.rematched, changes=summary.changes,
             problems=len(summary.problems))


def replay_database(replay: Replay, options: BackfillOptions) -> BackfillSummary:
    """`--source db`: reset the selected storylines' derived rows and re-derive them from
    the stored articles (monitor.db.backfill describes the reset)."""
    specs = replay.selected(options)
    ids = [s.id for s in specs]
    key = source_key("db", "", options, specs)
    with transaction(replay.sessions) as session:
        run = backfill_repo.start_run(session, key, f"db: {', '.join(ids)}", replay.wall.now())
        state = run.state
        if not run.resumed:
            carried = backfill_repo.take_unfinished_carried(session, "db:", key)
            for change_key, alerts in backfill_repo.reset_derived(
                    session, ids, options.since).items():
                carried.setdefault(change_key, []).extend(alerts)
            state = {"carried": carried}
            backfill_repo.advance(session, key, 0, replay.wall.now(), state)
        total = backfill_repo.count_articles(session, options.since, options.until)
    carried = state.get("carried", {})
    summary = BackfillSummary(f"db: {', '.join(ids)}", key, total=total,
                              resumed_at=run.position)
    rederiver = Rederiver(replay.settings, specs, replay.sessions, notify=options.notify)
    rederiver.load()
    replay.progress.start(total, run.position)
    position = run.position
    batch: list[backfill_repo.ReplayArticle] = []
    articles = backfill_repo.iter_articles(replay.sessions, options.since, options.until,
                                           skip=run.position, page=options.batch_size)
    for article in articles:
        batch.append(article)
        if len(batch) >= options.batch_size:
            position = _rematch_batch(replay, rederiver, key, batch, position, carried, summary)
            batch = []
    if batch:
        _rematch_batch(replay, rederiver, key, batch, position, carried, summary)
    _finish(replay, key, summary)
    return summary


def _rematch_batch(replay: Replay, rederiver: Rederiver, key: str,
                   batch: Sequence[backfill_repo.ReplayArticle], position: int,
                   carried: backfill_repo.CarriedAlerts, summary: BackfillSummary) -> int:
    end = position + len(batch)
    if replay.clock is not None:
        replay.clock.set(batch[-1].published_at)

    def commit(session: Session) -> None:
        backfill_repo.advance(session, key, end, replay.wall.now(), {"carried": carried})

    for outcome in rederiver.rematch(batch, carried, commit):
        _report(replay, summary, outcome, None)
    return end
