"""`monitor db upgrade` and `monitor db stats`."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import config_dir
from monitor.cli.render import OutputFormat, console, print_json, print_table
from monitor.config import load_config
from monitor.db.engine import create_engine, mask_url, session_factory
from monitor.db.engine import upgrade as upgrade_schema
from monitor.db.maintenance import database_stats

app = typer.Typer(help="Database schema and maintenance.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or migrate the database schema to the latest revision (idempotent)."""
    settings = load_config(config_dir()).settings
    engine = create_engine(settings.database_url, pool_size=settings.database.pool_size)
    try:
        before, after = upgrade_schema(engine)
    finally:
        engine.dispose()
    where = mask_url(settings.database_url)
    if before == after:
        console.print(f"{where}: already at revision {after}", markup=False, highlight=False)
    else:
        console.print(f"{where}: upgraded {before or '(empty)'} -> {after}", markup=False,
                      highlight=False)


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


@app.command()
def stats(fmt: Annotated[OutputFormat, typer.Option("--format", help="table or json")]
          = OutputFormat.table) -> None:
    """Database size, rows per table and bytes of article text (what retention prunes)."""
    settings = load_config(config_dir()).settings
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        with session_factory(engine)() as session:
            result = database_stats(engine, session)
    finally:
        engine.dispose()
    if fmt is OutputFormat.json:
        print_json(result)
        return
    console.print(f"{mask_url(settings.database_url)} ({result.backend}): "
                  f"{_size(result.database_bytes)}; article text {_size(result.article_text_bytes)}"
                  f" in {result.articles_with_text} articles, {result.articles_pruned} pruned",
                  markup=False, highlight=False)
    print_table("Tables", result.tables, [
        ("table", lambda t: t.name), ("rows", lambda t: t.rows), ("size", lambda t: _size(t.bytes)),
    ])
