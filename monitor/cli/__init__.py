"""The `monitor` command line (typer). Commands parse arguments, call services, render."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import alerts, db, feeds, stories, storylines
from monitor.cli import backfill as backfill_cmd
from monitor.cli import config as config_cmd
from monitor.cli import run as run_cmd
from monitor.cli import serve as serve_cmd
from monitor.cli.context import NotYetAvailable, set_config_dir
from monitor.cli.render import err_console
from monitor.errors import ConfigError, MonitorError

app = typer.Typer(
    name="monitor",
    help="News-monitoring alert daemon: polls feeds, folds duplicate stories, tracks "
         "storylines and alerts Slack when their status changes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(feeds.app, name="feeds")
app.add_typer(storylines.app, name="storylines")
app.add_typer(stories.app, name="stories")
app.add_typer(alerts.app, name="alerts")


@app.callback()
def root(
    config_dir: Annotated[Path | None, typer.Option(
        "--config-dir", envvar="MONITOR_CONFIG_DIR",
        help="Directory holding monitor.toml, feeds.toml and storylines/ [default: ./config]")]
    = None,
) -> None:
    set_config_dir(config_dir)


app.command("run")(run_cmd.run)


app.command("backfill")(backfill_cmd.backfill)


app.command("serve")(serve_cmd.serve)


def main() -> None:
    """Entry point: operator errors are one clear line and exit 2, never a traceback."""
    try:
        app()  # standalone: typer/click handle --help, usage errors and exit codes
    except ConfigError as exc:
        for problem in exc.problems:
            err_console.print(problem, markup=False, highlight=False)
        sys.exit(2)
    except NotYetAvailable as exc:
        err_console.print(str(exc), markup=False, highlight=False)
        sys.exit(2)
    except MonitorError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(2)
