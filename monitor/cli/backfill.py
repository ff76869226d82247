"""`monitor backfill`: replay history (seeds, the database, feeds, files) through the pipeline.

Parses options, opens the state (or a throwaway copy of it with --dry-run), calls
monitor.backfill, renders its events as JSON lines or tables ending with the timelines."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.app import App, open_app
from monitor.cli.context import config_dir
from monitor.cli.render import (
    ItemProgress,
    console,
    err_console,
    long_text,
    print_table,
    when,
)
from monitor.clock import ReplayClock
from monitor.config import load_config
from monitor.db import storylines as storylines_repo
from monitor.errors import MonitorError
from monitor.logs import configure_logging

if TYPE_CHECKING:  # the pipeline (scikit-learn, datasketch) loads only when backfill runs
    from monitor.backfill import BackfillOptions, BackfillSummary, Event, LoadedSource, Replay

DISPATCH_ROUNDS = 10


class BackfillFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"


def backfill(
    source: Annotated[str, typer.Option(
        "--source", help="seeds | db | feeds | a .jsonl file | a directory of article files "
        "(.html, .txt/.md) | feed XML files (a file or directory of snapshots); "
        "KIND:PATH (jsonl, dir, feed-archive) forces the kind")],
    since: Annotated[str | None, typer.Option(
        "--since", help="Only items published at or after (ISO 8601 date or datetime)")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="Only items published at or before (a date includes that day)")]
    = None,
    storyline: Annotated[list[str] | None, typer.Option(
        "--storyline", help="Only this storyline (repeatable)")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run against a throwaway copy of the state; write nothing")] = False,
    notify: Annotated[bool, typer.Option(
        "--notify", help="Send the resulting alerts (default: record them as suppressed)")]
    = False,
    fmt: Annotated[BackfillFormat, typer.Option(
        "--format", help="table, or jsonl: one event per line")] = BackfillFormat.table,
) -> None:
    """Replay history (seeds, files, JSONL, feed archives, the database) through the pipeline."""
    from monitor.backfill import BackfillOptions, Replay, resolve_source

    if dry_run and notify:
        raise typer.BadParameter("a dry run sends nothing; drop --notify or --dry-run")
    kind, path = resolve_source(source)
    options = BackfillOptions(since=_bound(since, end=False), until=_bound(until, end=True),
                              storylines=tuple(storyline or ()), notify=notify)
    output = EventOutput(fmt)
    progress = ItemProgress(f"backfill {kind}")
    try:
        with _state(dry_run) as app:
            _check_storylines(app, options)
            replay = Replay(app.config.settings, app.config.storylines, app.sessions,
                            app.clock, on_event=output.write, progress=progress,
                            clock=ReplayClock(app.clock.now()))
            summary = _run(app, replay, kind, path, options)
            progress.stop()
            if notify:
                _dispatch(app)
            output.finish(app, summary, options)
    except KeyboardInterrupt:
        progress.stop()
        err_console.print("interrupted: run the same command again to resume", markup=False)
        raise typer.Exit(130) from None
    finally:
        progress.stop()
    _report_problems(summary, dry_run)


@contextmanager
def _state(dry_run: bool) -> Iterator[App]:
    from monitor.backfill import throwaway_copy

    if not dry_run:
        with open_app(config_dir()) as app:
            yield app
        return
    settings = load_config(config_dir()).settings
    configure_logging(settings.logging)  # before the copy logs anything (to stderr)
    with throwaway_copy(settings.database_url) as url, \
            open_app(config_dir(), database_url=url) as app:
        yield app


def _run(app: App, replay: Replay, kind: str, path: Path | None,
         options: BackfillOptions) -> BackfillSummary:
    from monitor.backfill import replay_database, replay_drafts

    if kind == "db":
        return replay_database(replay, options)
    return replay_drafts(replay, _load(app, kind, path), options)


def _load(app: App, kind: str, path: Path | None) -> LoadedSource:
    from monitor.backfill import (
        archive_source,
        directory_source,
        jsonl_source,
        live_feeds_source,
        seeds_source,
    )

    settings = app.config.settings
    if kind == "seeds":
        return seeds_source(app.seeds())
    if kind == "feeds":
        return live_feeds_source(app.config.feeds, settings, app.clock.now())
    assert path is not None
    if kind == "jsonl":
        return jsonl_source(path)
    if kind == "dir":
        return directory_source(path)
    return archive_source([path], settings)


def _check_storylines(app: App, options: BackfillOptions) -> None:
    known = {s.id for s in app.config.storylines}
    unknown = [s for s in options.storylines if s not in known]
    if unknown:
        raise MonitorError(f"no storyline {', '.join(unknown)} (see `monitor storylines list`)")


def _bound(value: str | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value.strip()) == 10:
            day = datetime.combine(date.fromisoformat(value.strip()), datetime.min.time(),
                                   tzinfo=UTC)
            return day + timedelta(days=1, microseconds=-1) if end else day
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date or datetime") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _dispatch(app: App) -> None:
    """Send what the replay queued (a storyline's later alerts wait for its first)."""
    from monitor.notify.outbox import DEFER_SECONDS, DispatchContext, dispatch, make_notifier

    settings = app.config.settings
    ctx = DispatchContext(app.sessions, make_notifier(settings), settings.alerts,
                          app.worker_id, public_url=settings.server.public_url)
    for _ in range(DISPATCH_ROUNDS):
        result = asyncio.run(dispatch(ctx, app.clock.now()))
        err_console.print(f"alerts: {result.sent} sent, {result.retried} to retry, "
                          f"{result.dead} dead", markup=False)
        if not result.deferred:
            return
        time.sleep(DEFER_SECONDS)


def _report_problems(summary: BackfillSummary, dry_run: bool) -> None:
    for problem in summary.problems:
        err_console.print(f"skipped {problem}", markup=False, highlight=False)
    if dry_run:
        err_console.print("dry run: nothing was written to the database", markup=False)
    if summary.problems:
        err_console.print(f"{len(summary.problems)} input items failed and were skipped",
                          markup=False)
        raise typer.Exit(1)


class EventOutput:
    """JSON lines as events happen, or tables at the end (ending with the timelines)."""

    def __init__(self, fmt: BackfillFormat) -> None:
        self.fmt = fmt
        self.events: list[Event] = []

    def write(self, event: Event) -> None:
        if self.fmt is BackfillFormat.jsonl:
            sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        elif event["type"] != "article" or any(m["matched"] for m in event["matches"]):
            self.events.append(event)

    def finish(self, app: App, summary: BackfillSummary, options: BackfillOptions) -> None:
        if self.fmt is BackfillFormat.jsonl:
            return
        console.print(
            f"{summary.source}: {summary.processed} of {summary.total} items replayed"
            f"{f' (resumed at {summary.resumed_at})' if summary.resumed_at else ''}; "
            f"{summary.stored} stored, {summary.duplicates} duplicates, "
            f"{summary.already_stored} already stored, {summary.rematched} re-matched; "
            f"{summary.changes} status changes, {summary.alerts} alerts")
        self._tables()
        ids = options.storylines or tuple(s.id for s in app.config.storylines)
        with app.sessions() as session:
            for storyline_id in ids:
                print_table(f"Timeline: {storyline_id}", storylines_repo.history(
                    session, storyline_id), [
                    ("published", lambda c: when(c.published_at)),
                    ("change", lambda c: f"{c.from_status or '-'} -> {c.to_status}"),
                    ("facts", lambda c: _facts(c.facts_after)),
                    ("outlet", lambda c: c.outlet), ("outlets", lambda c: len(c.outlets)),
                    ("evidence", long_text(lambda c: c.evidence))])

    def _tables(self) -> None:
        by_type: dict[str, list[Event]] = {}
        for event in self.events:
            by_type.setdefault(event["type"], []).append(event)
        print_table("Matched articles", by_type.get("article", []), [
            ("published", lambda e: e["published"][:16]), ("story", lambda e: e["story_id"]),
            ("matches", lambda e: ", ".join(f"{m['storyline']} {m['score']:.2f}"
                                            for m in e["matches"] if m["matched"])),
            ("url", long_text(lambda e: e["url"]))])
        print_table("Status changes", by_type.get("status_change", []), [
            ("published", lambda e: e["published"][:16]),
            ("change", lambda e: f"{e['from'] or '-'} -> {e['to']}"),
            ("facts", lambda e: _facts(e["facts"])), ("outlet", lambda e: e["outlet"]),
            ("evidence", long_text(lambda e: e["evidence"]))])
        print_table("Alerts", by_type.get("alert", []), [
            ("id", lambda e: e["id"]), ("storyline", lambda e: e["storyline"]),
            ("channel", lambda e: e["channel"]), ("state", lambda e: e["state"])])


def _facts(facts: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in facts.items()) or "-"
