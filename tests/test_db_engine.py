from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitor.app import open_app
from monitor.config import load_config
from monitor.db.engine import (
    create_engine,
    current_revision,
    head_revision,
    mask_url,
    upgrade,
)
from tests.conftest import PG_URL, PROJECT, pg_database


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    before, after = upgrade(engine)
    assert before == after == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"feeds", "articles", "stories", "storylines", "status_changes", "alerts"} <= tables


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    eng = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_mask_url_hides_password() -> None:
    assert mask_url("postgresql://u:hunter2@h/db") == "postgresql://u:***@h/db"


@pytest.mark.skipif(not PG_URL, reason="MONITOR_TEST_DATABASE_URL not set")
def test_processes_starting_together_on_a_new_postgresql_all_start(tmp_path: Path) -> None:
    """Four starts at once on an empty database (a compose file with replicas): migrations
    and the storyline sync run once, and no start fails on the others' rows."""
    env = {"MONITOR_DATA_DIR": str(tmp_path / "data")}
    barrier = threading.Barrier(4)
    with pg_database("monitor_start") as url:

        def start() -> None:
            barrier.wait()
            with open_app(PROJECT / "config", database_url=url):
                pass

        with ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(start) for _ in range(4)]:
                future.result(timeout=120)
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM storylines")).scalar() == len(
                load_config(PROJECT / "config", env=env).storylines)
        assert current_revision(engine) == head_revision()
        engine.dispose()
