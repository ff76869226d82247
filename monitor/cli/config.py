"""`monitor config check`."""

from __future__ import annotations

import typer

from monitor.cli.context import config_dir
from monitor.cli.render import console
from monitor.config import config_dir_from_env, load_config

app = typer.Typer(help="Inspect and validate configuration.", no_args_is_help=True)


@app.command()
def check() -> None:
    """Validate monitor.toml, feeds.toml, storylines and seeds; list every problem (exit 2)."""
    directory = config_dir() or config_dir_from_env()
    config = load_config(directory)  # ConfigError -> every problem printed, exit 2
    console.print(
        f"{directory}: ok: {len(config.storylines)} storyline(s), {len(config.feeds)} feed(s), "
        f"database {config.settings.database_url.split('://')[0]}", markup=False,
        highlight=False)
