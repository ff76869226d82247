"""`monitor run [--once]`: the daemon (monitor.daemon), behind the SQLite run lock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.app import default_worker_id
from monitor.cli.context import app_context, config_dir
from monitor.cli.render import OutputFormat, console, print_json
from monitor.config import load_config
from monitor.lock import RunLock
from monitor.logs import configure_logging

if TYPE_CHECKING:  # the pipeline (scikit-learn, datasketch) loads only when the daemon runs
    from monitor.daemon import OnceSummary


def run(
    once: Annotated[bool, typer.Option(
        "--once", help="Poll every due feed once, process, dispatch pending alerts, exit")] = False,
    fmt: Annotated[OutputFormat, typer.Option(
        "--format", help="--once summary as table or json")] = OutputFormat.table,
) -> None:
    """Run the daemon: poll feeds on schedule, process articles, send alerts."""
    from monitor.daemon import run_daemon, run_once

    settings = load_config(config_dir()).settings
    configure_logging(settings.logging)
    # Taken before the database is opened (and migrated): a second process on one SQLite
    # file stops here with a message naming the first.
    lock = RunLock(settings.database_url, settings.daemon.worker_id or default_worker_id())
    with lock, app_context() as app:
        if not once:
            raise typer.Exit(run_daemon(app))
        summary = run_once(app)
    if fmt is OutputFormat.json:
        print_json(summary)
    else:
        _print_summary(summary)


def _print_summary(summary: OnceSummary) -> None:
    poll, articles, sent = summary.poll, summary.articles, summary.dispatch
    feeds = poll.get("feeds")
    results = sorted(feeds.items()) if isinstance(feeds, dict) else []
    by_result = ", ".join(f"{k} {v}" for k, v in results) or "none due"
    console.print(f"feeds polled: {poll.get('polled', 0)} ({by_result}); "
                  f"new items: {poll.get('new_items', 0)}", markup=False, highlight=False)
    console.print(f"articles stored: {articles['stored']} (duplicates {articles['duplicates']}), "
                  f"matches: {articles['matched']}, status changes: {articles['changes']}, "
                  f"errors: {articles['errors']}", markup=False, highlight=False)
    console.print(f"alerts: sent {sent.get('sent', 0)}, retried {sent.get('retried', 0)}, "
                  f"dead {sent.get('dead', 0)}", markup=False, highlight=False)
