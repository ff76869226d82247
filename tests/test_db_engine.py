from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitor.db.engine import current_revision, head_revision, mask_url, upgrade


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    before, after = upgrade(engine)
    assert before == after == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"feeds", "articles", "stories", "storylines", "status_changes", "alerts"} <= tables


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from monitor.db.engine import create_engine

    eng = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_mask_url_hides_password() -> None:
    assert mask_url("postgresql://u:hunter2@h/db") == "postgresql://u:***@h/db"
