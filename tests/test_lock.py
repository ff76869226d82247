"""The SQLite run lock: one `monitor run` per database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.lock import AlreadyRunning, RunLock


def test_second_lock_on_the_same_sqlite_file_is_refused_naming_the_holder(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    with RunLock(url, "host:1"):
        with pytest.raises(AlreadyRunning) as caught:
            RunLock(url, "host:2").acquire()
        message = str(caught.value)
        assert "host:1" in message and "one process at a time" in message
        assert str(tmp_path / "monitor.db") in message


def test_lock_is_free_again_after_release(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    with RunLock(url, "a"):
        pass
    with RunLock(url, "b") as lock:
        assert lock.path == tmp_path / "monitor.db.run.lock"


def test_postgresql_needs_no_lock() -> None:
    lock = RunLock("postgresql://postgres@127.0.0.1/monitor", "a")
    assert lock.path is None
    with lock, RunLock("postgresql://postgres@127.0.0.1/monitor", "b"):
        pass
