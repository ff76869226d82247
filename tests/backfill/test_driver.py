"""The replay driver on SQLite and PostgreSQL: seeds timeline, JSONL, idempotence, resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.backfill import (
    BackfillOptions,
    Replay,
    jsonl_source,
    replay_drafts,
    seeds_source,
)
from monitor.config import AppConfig
from monitor.db import models as m
from monitor.db import storylines as storylines_repo
from monitor.storylines.seeds import load_seeds
from tests.backfill.conftest import corpus_lines, counts, filler_lines
from tests.conftest import PROJECT

STORYLINE = "putin-pyongyang-visit"


def _seeds(config: AppConfig) -> Any:
    return seeds_source([s for spec in config.storylines for s in load_seeds(spec, PROJECT)])


def test_seeds_replay_gives_the_seed_timeline(replay: Replay, config: AppConfig,
                                              events: list[dict[str, Any]]) -> None:
    summary = replay_drafts(replay, _seeds(config), BackfillOptions())

    with replay.sessions() as session:
        timeline = storylines_repo.history(session, STORYLINE)
    assert [(c.from_status, c.to_status, c.facts_after, c.published_at.date())
            for c in timeline] == [
        (None, "proposed", {}, date(2024, 1, 21)),
        ("proposed", "scheduled", {"visit_date": "2024-06-18"}, date(2024, 6, 17)),
    ]
    changes = [e for e in events if e["type"] == "status_change"]
    assert [(e["from"], e["to"], e["facts"]) for e in changes] == [
        (None, "proposed", {}), ("proposed", "scheduled", {"visit_date": "2024-06-18"})]
    assert [e["state"] for e in events if e["type"] == "alert"] == ["suppressed"] * 2
    assert summary.stored == 5 and summary.changes == 2 and not summary.problems


def test_articles_are_replayed_in_publication_order(replay: Replay, events: list[dict[str, Any]],
                                                    write_jsonl: Callable[..., Path]) -> None:
    lines = list(reversed(filler_lines(5, datetime(2024, 3, 1, tzinfo=UTC))))

    replay_drafts(replay, jsonl_source(write_jsonl(lines)), BackfillOptions())

    published = [e["published"] for e in events if e["type"] == "article"]
    assert published == sorted(published) and len(published) == 5


def test_jsonl_bad_lines_are_reported_by_number_and_the_rest_replayed(
        replay: Replay, write_jsonl: Callable[..., Path]) -> None:
    good = corpus_lines()[:3]
    lines = [good[0], "{not json", good[1],
             '{"url": "https://example.com/a", "text": "no date here"}',
             '{"url": "https://example.com/b", "published": "2024-02-01"}',
             '{"url": "https://example.com/c", "published": "yesterday", "text": "x"}',
             "", good[2]]
    source = jsonl_source(write_jsonl(lines))

    assert [(p.where.rsplit(":", 1)[1], p.reason.split(":")[0]) for p in source.problems] == [
        ("2", "not JSON (Expecting property name enclosed in double quotes at column 2)"),
        ("4", "published"), ("5", "text or html"), ("6", "published")]
    summary = replay_drafts(replay, source, BackfillOptions())
    assert summary.stored == 3 and len(summary.problems) == 4
    assert counts(replay.sessions)["articles"] == 3


def test_since_and_until_select_the_items_replayed(
        replay: Replay, write_jsonl: Callable[..., Path]) -> None:
    options = BackfillOptions(since=datetime(2024, 6, 1, tzinfo=UTC),
                              until=datetime(2024, 6, 20, tzinfo=UTC))

    summary = replay_drafts(replay, jsonl_source(write_jsonl(corpus_lines())), options)

    with replay.sessions() as session:
        published = list(session.scalars(sa.select(m.Article.published_at)))
    assert summary.stored + summary.duplicates == len(published) > 0
    assert all(datetime(2024, 6, 1) <= p.replace(tzinfo=None) <= datetime(2024, 6, 20)
               for p in published)


def test_several_hundred_articles_replay_and_a_second_run_adds_no_rows(
        replay: Replay, write_jsonl: Callable[..., Path], events: list[dict[str, Any]]) -> None:
    lines = corpus_lines() + filler_lines(220, datetime(2024, 1, 10, tzinfo=UTC))
    path = write_jsonl(lines)

    first = replay_drafts(replay, jsonl_source(path), BackfillOptions())
    after_first = counts(replay.sessions)
    first_events = [e for e in events if e["type"] != "article"]
    events.clear()
    second = replay_drafts(replay, jsonl_source(path), BackfillOptions())

    assert first.processed == second.processed == len(lines)
    assert after_first["articles"] == first.stored + first.duplicates == len(lines)
    assert after_first["status_changes"] >= 2
    assert second.already_stored == len(lines) and second.stored == 0
    assert counts(replay.sessions) == after_first
    assert [e for e in events if e["type"] != "article"] == [] and first_events


class Interrupt(KeyboardInterrupt):
    pass


def test_an_interrupted_replay_resumes_where_it_stopped(
        replay: Replay, write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl(corpus_lines()[:20] + filler_lines(20, datetime(2024, 2, 1, tzinfo=UTC)))
    seen: list[str] = []

    def stop_after_12(event: dict[str, Any]) -> None:
        if event["type"] == "article":
            seen.append(event["url"])
            if len(seen) == 12:
                raise Interrupt
    interrupted = Replay(replay.settings, replay.specs, replay.sessions, replay.wall,
                         on_event=stop_after_12)
    with pytest.raises(Interrupt):
        replay_drafts(interrupted, jsonl_source(path), BackfillOptions())
    assert counts(replay.sessions)["articles"] == 12

    resumed = replay_drafts(replay, jsonl_source(path), BackfillOptions())

    assert resumed.resumed_at == 12 and resumed.processed == 28
    assert resumed.already_stored == 0
    assert counts(replay.sessions)["articles"] == 40
    with replay.sessions() as session:
        run = session.scalars(sa.select(m.BackfillRun)).one()
    assert run.position == 40 and run.finished_at is not None


def test_storyline_option_matches_only_that_storyline(
        replay: Replay, config: AppConfig, write_jsonl: Callable[..., Path]) -> None:
    other = config.storylines[0].model_copy(update={"id": "other-storyline"})
    both = Replay(replay.settings, [*config.storylines, other], replay.sessions, replay.wall)
    with replay.sessions.begin() as session:
        session.add(m.Storyline(id="other-storyline", title="Other", facts={},
                                updated_at=datetime(2026, 1, 1, tzinfo=UTC)))

    replay_drafts(both, jsonl_source(write_jsonl(corpus_lines()[:30])),
                  BackfillOptions(storylines=(STORYLINE,)))

    with replay.sessions() as session:
        storylines = set(session.scalars(sa.select(m.StorylineMatch.storyline_id)))
    assert storylines == {STORYLINE}


def _alert_states(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(sa.select(m.Alert.state).order_by(m.Alert.id)))


def test_notify_records_alerts_as_pending(replay: Replay, config: AppConfig) -> None:
    replay_drafts(replay, _seeds(config), BackfillOptions(notify=True))

    assert _alert_states(replay.sessions) == ["pending", "pending"]


def test_html_pages_replay_to_the_real_timeline(replay: Replay,
                                                events: list[dict[str, Any]]) -> None:
    """tests/fixtures/storylines_check6: whole news pages (menus, captions, related-story
    boxes) in the JSONL `html` field, extracted by trafilatura, written as a check only."""
    corpus = PROJECT / "tests" / "fixtures" / "storylines_check6" / "check6_2024"
    replay_drafts(replay, jsonl_source(corpus.with_suffix(".jsonl")), BackfillOptions())
    expected = json.loads(corpus.with_suffix(".expected.json").read_text())["timeline"]
    changes = [e for e in events if e["type"] == "status_change"]
    assert [(c["to"], c["url"], c["facts"].get("visit_date")) for c in changes] == [
        (e["to"], e["url"], e["facts"].get("visit_date") if e["to"] == "scheduled"
         else "2024-06-18" if e["to"] in ("underway", "concluded") else None)
        for e in expected]
