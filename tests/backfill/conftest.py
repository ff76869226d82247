"""Fixtures for backfill tests: the project's config and storyline, a database synced with
it (storylines and seeds, as `open_app` does), a replay context collecting events, and
helpers to count and fingerprint the stored state."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.backfill import Replay
from monitor.config import AppConfig, load_config
from monitor.db import storylines as storylines_repo
from monitor.db.engine import transaction
from monitor.db.models import Base
from monitor.storylines.seeds import load_seeds
from tests.conftest import PROJECT

CORPUS = PROJECT / "tests" / "fixtures" / "storylines" / "visit_2024.jsonl"
FIXTURES = PROJECT / "tests" / "fixtures" / "backfill"
DERIVED = ("articles", "stories", "storyline_matches", "status_observations", "status_changes",
           "alerts")


class FixedClock:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


@pytest.fixture
def config(tmp_path: Path) -> AppConfig:
    return load_config(PROJECT / "config", env={"MONITOR_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def synced(sessions: sessionmaker[Session], config: AppConfig) -> sessionmaker[Session]:
    seeds = [s for spec in config.storylines for s in load_seeds(spec, PROJECT)]
    with transaction(sessions) as session:
        storylines_repo.sync_storylines(session, config.storylines, seeds,
                                        datetime(2026, 1, 1, tzinfo=UTC))
    return sessions


@pytest.fixture
def events() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def replay(config: AppConfig, synced: sessionmaker[Session],
           events: list[dict[str, Any]]) -> Replay:
    return Replay(config.settings, config.storylines, synced,
                  FixedClock(datetime(2026, 1, 1, tzinfo=UTC)), on_event=events.append)


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {name: session.scalar(sa.select(sa.func.count()).select_from(
            Base.metadata.tables[name])) or 0 for name in DERIVED}


def fingerprint(sessions: sessionmaker[Session]) -> str:
    """A digest of every row of every table: equal digests, untouched database."""
    digest = hashlib.sha256()
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            for row in session.execute(sa.select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def corpus_lines() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


TOPICS = ["city council", "school board", "water utility", "football club", "tech startup",
          "hospital trust", "port authority", "film festival", "rail operator", "museum"]
VERBS = ["approved", "delayed", "announced", "criticised", "reviewed", "expanded", "cut",
         "defended", "postponed", "celebrated"]
THINGS = ["a budget", "new timetables", "a merger", "the stadium plan", "ticket prices",
          "a hiring freeze", "flood defences", "its annual report", "a pilot scheme",
          "opening hours", "a lawsuit", "solar panels", "the parking rules", "a sponsorship"]


def filler_lines(count: int, start: datetime, seed: int = 7) -> list[str]:
    """Off-topic articles, each distinct enough not to be folded as near-duplicates."""
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        sentences = [f"The {rng.choice(TOPICS)} {rng.choice(VERBS)} {rng.choice(THINGS)} on "
                     f"day {rng.randint(1, 28)} after {rng.randint(2, 90)} residents wrote "
                     f"letters number {rng.randint(100, 99999)}." for _ in range(12)]
        published = start + timedelta(hours=7 * n + rng.randint(0, 5))
        lines.append(json.dumps({
            "url": f"https://local-{n % 9}.example.com/news/{n}-{rng.randint(0, 10**6)}",
            "title": f"Local report {n}", "published": published.isoformat(),
            "text": " ".join(sentences), "outlet": f"Local {n % 9}", "language": "en"}))
    return lines


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[list[str], str], Path]:
    def write(lines: list[str], name: str = "articles.jsonl") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    return write
