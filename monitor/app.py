"""The application context every command opens: validated config, database (migrated and
synced with the config), clock and worker identity. Commands call services with it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import Clock, SystemClock
from monitor.config import AppConfig, load_config
from monitor.db import storylines as storylines_repo
from monitor.db.engine import (
    create_engine,
    ensure_schema,
    session_factory,
    startup_lock,
    transaction,
)
from monitor.logs import configure_logging
from monitor.storylines.seeds import Seed, load_seeds


@dataclass
class App:
    config: AppConfig
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    worker_id: str

    @property
    def project_dir(self) -> Path:
        """Storyline seed paths are relative to the config directory's parent."""
        return self.config.config_dir.resolve().parent

    def seeds(self) -> list[Seed]:
        return [seed for spec in self.config.storylines
                for seed in load_seeds(spec, self.project_dir)]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def open_app(config_dir: Path | None = None, *, clock: Clock | None = None,
             database_url: str | None = None) -> Iterator[App]:
    """Load config, open and migrate the database, sync storylines and seeds.

    Raises ConfigError / DatabaseError with operator-readable messages."""
    config = load_config(config_dir)
    configure_logging(config.settings.logging)
    settings = config.settings
    engine = create_engine(database_url or settings.database_url,
                           pool_size=settings.database.pool_size)
    try:
        app = App(config=config, engine=engine, sessions=session_factory(engine),
                  clock=clock or SystemClock(),
                  worker_id=settings.daemon.worker_id or default_worker_id())
        with startup_lock(engine):  # processes starting together take turns
            ensure_schema(engine)
            sync_config(app)
        yield app
    finally:
        engine.dispose()


def sync_config(app: App) -> None:
    """Storylines and their seeds in the database follow the config files (idempotent)."""
    with transaction(app.sessions) as session:
        storylines_repo.sync_storylines(session, app.config.storylines, app.seeds(),
                                        app.clock.now())
