"""Shared fixtures: real databases (SQLite always, PostgreSQL when
MONITOR_TEST_DATABASE_URL is set), each test on a fresh, migrated database."""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from monitor.db.engine import create_engine, normalize_url, session_factory, upgrade

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT / "tests" / "fixtures"
SHARED_DATA = PROJECT.parent / "shared" / "data"
"""Optional corpora beside the project (CI has them; a user's clone does not): see
shared_data."""
PG_URL = os.environ.get("MONITOR_TEST_DATABASE_URL")
_TEMPLATE = f"monitor_test_template_{os.getpid()}"  # one per run: parallel runs


def shared_data(relative: str) -> Path:
    """`../shared/data/<relative>`, a whole optional corpus; the calling test is skipped, naming
    the corpus, when it is absent (a clone with nothing beside it)."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"optional corpus ../shared/data/{relative} is absent "
                    "(see tests/fixtures/README.md)")
    return path


@cache
def article_bodies() -> tuple[str, ...]:
    """80 real news article bodies (2019, unrelated to any storyline), in the benchmark's
    order: the IDF background of the matcher and unrelated text for dedup."""
    with gzip.open(FIXTURES / "pages" / "bodies-80.json.gz", "rt", encoding="utf-8") as fh:
        return tuple(page["articleBody"] for page in json.load(fh))


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated template database; each test's database is cloned from it."""
    if not PG_URL:
        yield None
        return
    admin = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{_TEMPLATE}"'))
    url = make_url(normalize_url(PG_URL)).set(database=_TEMPLATE).render_as_string(False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield _TEMPLATE
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 pg_template: str | None) -> Iterator[str]:
    """URL of a fresh, migrated database: a SQLite file, or a PostgreSQL clone."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'monitor.db'}"
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    assert pg_template
    with pg_database("monitor_test", template=pg_template) as url:
        yield url


@contextmanager
def pg_database(prefix: str, *, template: str | None = None) -> Iterator[str]:
    """URL of a new PostgreSQL database copied from `template` (empty without one), dropped
    afterwards."""
    assert PG_URL
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(normalize_url(PG_URL)).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
