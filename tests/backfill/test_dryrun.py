"""--dry-run: a throwaway copy of the state (SQLite backup API, or PostgreSQL copied into a
temporary SQLite), so the real database is left untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.backfill import (
    BackfillOptions,
    Replay,
    jsonl_source,
    replay_database,
    replay_drafts,
    throwaway_copy,
)
from monitor.db import storylines as storylines_repo
from monitor.db.engine import create_engine, ensure_schema, session_factory
from tests.backfill.conftest import corpus_lines, counts, fingerprint


def test_a_dry_run_leaves_the_database_untouched(
        replay: Replay, database_url: str, write_jsonl: Callable[..., Path],
        events: list[dict[str, Any]]) -> None:
    lines = corpus_lines()
    replay_drafts(replay, jsonl_source(write_jsonl(lines[:40], "first.jsonl")),
                  BackfillOptions())
    before = fingerprint(replay.sessions)
    events.clear()

    with throwaway_copy(database_url) as url:
        engine = create_engine(url)
        ensure_schema(engine)
        copy: sessionmaker[Session] = session_factory(engine)
        assert counts(copy) == counts(replay.sessions)
        dry = Replay(replay.settings, replay.specs, copy, replay.wall, on_event=events.append)
        summary = replay_drafts(dry, jsonl_source(write_jsonl(lines, "all.jsonl")),
                                BackfillOptions())
        replay_database(dry, BackfillOptions())
        copied_articles = counts(copy)["articles"]
        engine.dispose()

    assert summary.stored > 0 and summary.already_stored == 40
    assert copied_articles == len(lines)
    assert any(e["type"] == "status_change" for e in events)
    assert fingerprint(replay.sessions) == before


def test_the_copy_carries_the_storyline_state(replay: Replay, database_url: str,
                                              write_jsonl: Callable[..., Path]) -> None:
    replay_drafts(replay, jsonl_source(write_jsonl(corpus_lines()[:40])), BackfillOptions())
    with replay.sessions() as session:
        expected = storylines_repo.history(session, "putin-pyongyang-visit")

    with throwaway_copy(database_url) as url:
        engine = create_engine(url)
        with session_factory(engine)() as session:
            copied = storylines_repo.history(session, "putin-pyongyang-visit")
        engine.dispose()

    assert [(c.to_status, c.facts_after, c.published_at) for c in copied] == [
        (c.to_status, c.facts_after, c.published_at) for c in expected] != []
