"""One `monitor run` per SQLite file (DESIGN.md "Scale": SQLite is one process only).

SQLite cannot hand out row leases between processes (SQLAlchemy drops SKIP LOCKED there), so
the daemon takes an exclusive, non-blocking `flock` on `<database>.run.lock` before it starts
and holds it until it exits. The kernel releases the lock when the process dies, even on
kill -9, so a crash never leaves a stale lock behind. PostgreSQL needs no such guard: several
processes share it through leases.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

import structlog

from monitor.db.engine import is_sqlite, sqlite_path
from monitor.errors import DatabaseError

log = structlog.get_logger(__name__)


class AlreadyRunning(DatabaseError):
    """Another process holds the SQLite database's run lock."""


class RunLock:
    """An exclusive lock on a file next to the SQLite database (a no-op for PostgreSQL)."""

    def __init__(self, database_url: str, worker_id: str) -> None:
        database = sqlite_path(database_url) if is_sqlite(database_url) else None
        self.path = None if database is None else database.with_name(database.name + ".run.lock")
        self.database = database
        self.worker_id = worker_id
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning naming the process that holds it."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DatabaseError(f"{self.path}: cannot create the run lock: {exc.strerror}"
                                ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise AlreadyRunning(
                f"{self.database}: another `monitor run` ({holder}) is already using this "
                "SQLite database; SQLite allows one process at a time. Stop it first, or use "
                "PostgreSQL (MONITOR_DATABASE_URL) to run several processes.") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, worker {self.worker_id}\n".encode())
        self._fd = fd
        log.info("run_lock.acquired", path=str(self.path))

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "unknown process"


def lock_path(database_url: str) -> Path | None:
    return RunLock(database_url, "").path
