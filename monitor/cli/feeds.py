"""`monitor feeds add|list|show|remove|refresh|import|export`: the feed list and each feed's
polling health."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.app import default_worker_id
from monitor.cli.context import app_context, config_dir
from monitor.cli.render import (
    Column,
    OutputFormat,
    console,
    emit,
    long_text,
    print_json,
    print_table,
    when,
)
from monitor.config import load_config
from monitor.db import feeds as repo
from monitor.db.engine import transaction
from monitor.errors import FetchError, InputError, MonitorError
from monitor.ingest.urls import check_http_url
from monitor.lock import RunLock
from monitor.logs import configure_logging

app = typer.Typer(help="Feeds: add, list, show, remove, refresh, import, export.",
                  no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
FeedArg = Annotated[str, typer.Argument(help="Feed id or URL")]

COLUMNS: list[Column] = [
    ("id", lambda r: r.id), ("outlet", lambda r: r.outlet),
    ("last poll", lambda r: when(r.last_polled_at)), ("status", lambda r: r.last_status or "-"),
    ("items", lambda r: r.items_seen), ("failures", lambda r: r.failures),
    ("next poll", lambda r: when(r.next_poll_at)), ("url", long_text(lambda r: r.url)),
    ("last error", long_text(lambda r: (r.last_error or "")[:80])),
]


@app.command()
def add(url: Annotated[str, typer.Argument(help="Feed URL (http or https)")],
        outlet: Annotated[str | None, typer.Option(help="Outlet name [default: host]")] = None,
        title: Annotated[str | None, typer.Option(help="Feed title")] = None,
        interval: Annotated[int | None, typer.Option(
            "--interval", min=60, help="Seconds between polls [default: polling setting]")]
        = None,
        check: Annotated[bool, typer.Option(
            "--check", help="Fetch and parse the feed once before adding it")] = False,
        fmt: FormatOption = OutputFormat.table) -> None:
    """Add a feed (due for polling at once)."""
    url = url.strip()
    check_http_url(url)
    with app_context() as ctx:
        found = None
        if check:
            from monitor.ingest.poller import check_feed  # lazy: pulls in trafilatura

            try:
                found = asyncio.run(check_feed(ctx.config.settings.http, url))
            except FetchError as exc:
                raise MonitorError(f"feed check failed: {exc}") from exc
        with transaction(ctx.sessions) as session:
            row = repo.add_feed(
                session, url, outlet=outlet, title=title or (found.title if found else None),
                interval_seconds=interval or ctx.config.settings.polling.interval_seconds,
                now=ctx.clock.now())
    if fmt is OutputFormat.json:
        print_json({"feed": row, "check": found})
        return
    console.print(f"added feed {row.id}: {row.url} ({row.outlet})", markup=False)
    if found is not None:
        problem = f"; problem: {found.problem}" if found.problem else ""
        console.print(f"check: {found.title or '(untitled)'}: {found.items} item(s){problem}",
                      markup=False)


@app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List feeds with their last poll, status, items, failures and next poll."""
    with app_context() as ctx, ctx.sessions() as session:
        rows = repo.list_feeds(session)
    emit(fmt, rows, "Feeds", rows, COLUMNS)


@app.command()
def show(feed: FeedArg, fmt: FormatOption = OutputFormat.table) -> None:
    """Show one feed and what became of its most recent entries."""
    with app_context() as ctx, ctx.sessions() as session:
        row = repo.get_feed(session, feed)
        if row is None:
            raise InputError(f"no feed {feed!r} (see `monitor feeds list`)")
        entries = repo.list_entries(session, row.id, limit=50)
    if fmt is OutputFormat.json:
        print_json({"feed": row, "entries": entries})
        return
    print_table(f"Feed {row.id}", [row], [
        *COLUMNS, ("title", long_text(lambda r: r.title or "-")),
        ("category", long_text(lambda r: r.category or "-")),
        ("etag", long_text(lambda r: r.etag or "-"))])
    print_table("Recent entries", entries, [
        ("outcome", lambda e: e.outcome), ("url", long_text(lambda e: e.url or "-")),
        ("guid", long_text(lambda e: e.guid))])


@app.command()
def remove(feed: FeedArg, fmt: FormatOption = OutputFormat.table) -> None:
    """Remove a feed (its articles stay)."""
    with app_context() as ctx, transaction(ctx.sessions) as session:
        row = repo.remove_feed(session, feed)
    if row is None:
        raise InputError(f"no feed {feed!r} (see `monitor feeds list`)")
    if fmt is OutputFormat.json:
        print_json({"removed": row})
        return
    console.print(f"removed feed {row.id}: {row.url}", markup=False)


@app.command()
def refresh(
    feeds: Annotated[list[str] | None, typer.Argument(help="Feed ids or URLs")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every enabled feed")] = False,
    now: Annotated[bool, typer.Option(
        "--now", help="Poll them in this process now and print each outcome (new articles go "
        "through the pipeline; alerts wait in the outbox for `monitor run`)")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Make feeds due now (the daemon polls them at its next tick), or poll them with --now."""
    if bool(feeds) == all_:
        raise typer.BadParameter("give feed ids or URLs, or --all (not both)")
    if not now:
        with app_context() as ctx, transaction(ctx.sessions) as session:
            rows = repo.make_due(session, None if all_ else feeds, ctx.clock.now())
        if fmt is OutputFormat.json:
            print_json({"due": rows})
            return
        console.print(f"{len(rows)} feed(s) due now: {', '.join(str(r.id) for r in rows)}",
                      markup=False)
        return
    from monitor.daemon import refresh_feeds

    settings = load_config(config_dir()).settings
    configure_logging(settings.logging)  # to stderr, before the lock logs anything
    # On SQLite one process at a time: a running daemon stops this (it polls due feeds itself).
    with RunLock(settings.database_url, settings.daemon.worker_id or default_worker_id()), \
            app_context() as ctx:
        with transaction(ctx.sessions) as session:
            rows = repo.make_due(session, None if all_ else feeds, ctx.clock.now())
        results = refresh_feeds(ctx, [r.id for r in rows])
    emit(fmt, results, "Refreshed", results, REFRESH_COLUMNS)
    if any(r.status.startswith("failed") for r in results):
        raise typer.Exit(1)


REFRESH_COLUMNS: list[Column] = [
    ("id", lambda r: r.feed_id), ("result", lambda r: r.status),
    ("new items", lambda r: r.new_items), ("articles", lambda r: r.articles),
    ("next poll", lambda r: when(r.next_poll_at)), ("url", long_text(lambda r: r.url)),
    ("error", long_text(lambda r: r.error or "")),
]


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="OPML file (from Miniflux, FreshRSS, "
                                                   "Feedly, Inoreader, ...)")],
            interval: Annotated[int | None, typer.Option(
                "--interval", min=60, help="Seconds between polls [default: polling setting]")]
            = None,
            fmt: FormatOption = OutputFormat.table) -> None:
    """Add the feeds of an OPML file (folders become categories); feeds already added,
    repeated or with a bad URL are reported and skipped. An unreadable file adds nothing."""
    from monitor.feedlist import import_opml  # lazy: pulls in listparser

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: {exc.strerror or exc}") from exc
    with app_context() as ctx:
        report = import_opml(
            ctx.sessions, data, str(file), now=ctx.clock.now(),
            interval_seconds=interval or ctx.config.settings.polling.interval_seconds)
    if fmt is OutputFormat.json:
        print_json(report)
        return
    console.print(f"{file}: added {len(report.added)} feed(s), skipped {len(report.skipped)}",
                  markup=False)
    if report.skipped:
        print_table("Skipped", report.skipped, [("url", long_text(lambda s: s.url)),
                                                ("reason", long_text(lambda s: s.reason))])


@app.command()
def export(output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file [default: standard output]")] = None,
           ) -> None:
    """Write every feed as OPML 2.0 (for Miniflux, FreshRSS and other readers)."""
    from monitor.feedlist import export_opml  # lazy: pulls in listparser

    with app_context() as ctx:
        document = export_opml(ctx.sessions, ctx.clock.now())
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        output.write_bytes(document)
