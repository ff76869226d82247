"""Engine and session setup: SQLite (WAL, foreign keys) as the embedded default,
PostgreSQL through psycopg 3. Also the one place that runs Alembic migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to print and log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def normalize_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 (psycopg2 is not a dependency)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for in-memory)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def create_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine for `url`, with SQLite's pragmas set on every connection.

    Raises DatabaseError (password masked) when the URL is invalid or the driver missing."""
    url = normalize_url(url)
    kwargs: dict[str, Any] = {"future": True}
    try:
        if is_sqlite(url):
            path = sqlite_path(url)
            if path is not None:
                _prepare_sqlite_dir(path, url)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        engine = sa.create_engine(url, **kwargs)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise DatabaseError(f"{mask_url(url)}: cannot open database: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _prepare_sqlite_dir(path: Path, url: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"{mask_url(url)}: cannot create directory {path.parent}: {exc.strerror}") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN, so "BEGIN IMMEDIATE" below takes effect.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "monitor_read_only"
"""Execution option of `read_session_factory` engines: they only read."""


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")  # a WAL snapshot: needs no lock, waits for no writer
        return
    # Take the write lock up front: a deferred transaction that later writes can fail
    # with "database is locked" instead of waiting for busy_timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, future=True)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for code that only reads (the storyline pages): on SQLite their transactions
    do not take the write lock, so a page neither waits for the pipeline nor holds it up."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False,
                        future=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session


def check_connection(engine: Engine) -> None:
    """Raise DatabaseError naming the (masked) URL when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except (OperationalError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"{mask_url(engine.url.render_as_string(hide_password=False))}: "
            f"database unreachable: {reason}") from exc


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Migrate the schema to head. Returns (revision before, revision after)."""
    check_connection(engine)
    before = current_revision(engine)
    try:
        command.upgrade(_alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        raise DatabaseError(f"migration failed: {exc}") from exc
    return before, current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Run migrations when the database is new or behind (on start of every command)."""
    check_connection(engine)
    if current_revision(engine) != head_revision():
        upgrade(engine)


_STARTUP_LOCK = 0x6D6F6E69746F72  # "monitor": one advisory lock id for every process


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialize start-up work (migrations, syncing the config into the database) between
    processes that start together on one PostgreSQL: without it two of them insert the same
    storyline or create the same table and one crashes. A session-level advisory lock, freed
    when the connection closes, also if the process dies. SQLite needs none (its writes are
    serialized by BEGIN IMMEDIATE, and one daemon at a time holds the file)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    check_connection(engine)  # an unreachable server is reported as such, URL masked
    try:
        conn = engine.connect()
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _STARTUP_LOCK})
        conn.commit()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(f"cannot lock the database for start-up: {reason}") from exc
    try:
        yield
    finally:
        try:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _STARTUP_LOCK})
            conn.commit()
        finally:
            conn.close()
