"""`--dry-run`: the backfill runs against a throwaway copy of the state and writes nothing to
the real database. SQLite is copied with the sqlite3 backup API (a consistent snapshot, even
while the daemon writes); PostgreSQL's tables are copied, in chunks, into a temporary SQLite
database with the same schema."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import sqlalchemy as sa
import structlog

from monitor.db.engine import create_engine, is_sqlite, normalize_url, sqlite_path, upgrade
from monitor.db.models import Base
from monitor.errors import DatabaseError

log = structlog.get_logger(__name__)

CHUNK = 2000


@contextmanager
def throwaway_copy(database_url: str) -> Iterator[str]:
    """A SQLite URL of a temporary copy of `database_url`'s data, removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="monitor-dry-run-"))
    target = directory / "dry-run.db"
    try:
        if is_sqlite(database_url):
            _backup_sqlite(database_url, target)
        else:
            _copy_tables(database_url, target)
        log.info("backfill.dry_run_copy", path=str(target))
        yield f"sqlite:///{target}"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _backup_sqlite(database_url: str, target: Path) -> None:
    source = sqlite_path(database_url)
    if source is None or not source.exists():
        return  # nothing stored yet: the copy starts empty (and is migrated on open)
    # mode=ro: reading the real file must not create or change anything.
    with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _copy_tables(database_url: str, target: Path) -> None:
    engine = create_engine(f"sqlite:///{target}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    source = sa.create_engine(normalize_url(database_url))
    # A plain engine: foreign keys stay off while tables arrive in any order.
    destination = sa.create_engine(f"sqlite:///{target}")
    try:
        with source.connect() as src, destination.begin() as dst:
            for table in Base.metadata.sorted_tables:
                _copy_table(src, dst, table)
    except sa.exc.SQLAlchemyError as exc:
        raise DatabaseError(f"dry run: cannot copy the database: {exc}") from exc
    finally:
        source.dispose()
        destination.dispose()


def _copy_table(src: sa.Connection, dst: sa.Connection, table: sa.Table) -> None:
    result = src.execution_options(stream_results=True, yield_per=CHUNK).execute(
        sa.select(table))
    for rows in result.partitions(CHUNK):
        dst.execute(table.insert(), [dict(row._mapping) for row in rows])
