"""`--source db`: stored articles re-matched and their status re-derived after a storyline
changed, without alerting twice what was already alerted; resumable and idempotent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.backfill import BackfillOptions, Replay, jsonl_source, replay_database, replay_drafts
from monitor.backfill.rederive import GroupGate
from monitor.config import AppConfig
from monitor.db import models as m
from monitor.db import storylines as storylines_repo
from monitor.storylines.match import Matcher
from monitor.storylines.seeds import load_seeds
from monitor.storylines.spec import StorylineSpec
from tests.backfill.conftest import corpus_lines, counts, filler_lines
from tests.conftest import PROJECT

STORYLINE = "putin-pyongyang-visit"


def _with_threshold(config: AppConfig, threshold: float) -> list[StorylineSpec]:
    return [spec.model_copy(update={"match": spec.match.model_copy(
        update={"threshold": threshold})}) for spec in config.storylines]


def _timeline(sessions: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with sessions() as session:
        return [(c.from_status, c.to_status, c.facts_after, c.url)
                for c in storylines_repo.history(session, STORYLINE)]


def _matched(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(m.StorylineMatch)
                              .where(m.StorylineMatch.matched.is_(True))) or 0


def _alerts(sessions: sessionmaker[Session]) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [(a.state, a.slack_ts) for a in session.scalars(
            sa.select(m.Alert).order_by(m.Alert.status_change_id))]


@pytest.fixture
def stored(replay: Replay, write_jsonl: Callable[..., Path]) -> Replay:
    """The visit corpus replayed once (the state `--source db` starts from)."""
    replay_drafts(replay, jsonl_source(write_jsonl(corpus_lines())), BackfillOptions())
    return replay


def _with_specs(replay: Replay, specs: list[StorylineSpec], **kwargs: Any) -> Replay:
    return Replay(replay.settings, specs, replay.sessions, replay.wall, **kwargs)


def test_db_rerun_after_the_threshold_changes_rederives_matches_and_status(
        stored: Replay, config: AppConfig) -> None:
    # The baseline is a re-derivation too: the matcher's IDF background is the articles
    # stored when it is built, which the first replay (on an empty database) did not have.
    replay_database(stored, BackfillOptions())
    matched, timeline = _matched(stored.sessions), _timeline(stored.sessions)
    articles = counts(stored.sessions)["articles"]

    strict = replay_database(_with_specs(stored, _with_threshold(config, 0.9)),
                             BackfillOptions())
    strict_matched, strict_timeline = _matched(stored.sessions), _timeline(stored.sessions)
    replay_database(stored, BackfillOptions())

    assert strict.processed == strict.rematched == articles
    assert 0 < strict_matched < matched
    assert strict_timeline != timeline and len(strict_timeline) < len(timeline)
    assert (_matched(stored.sessions), _timeline(stored.sessions)) == (matched, timeline)
    assert counts(stored.sessions)["articles"] == articles


def test_rederived_changes_keep_the_alerts_already_sent(stored: Replay) -> None:
    with stored.sessions.begin() as session:
        session.execute(sa.update(m.Alert).values(state="sent", slack_ts="1718.01",
                                                  sent_at=datetime(2024, 7, 1, tzinfo=UTC)))
    before = _alerts(stored.sessions)

    replay_database(stored, BackfillOptions(notify=True))

    assert _alerts(stored.sessions) == before == [("sent", "1718.01")] * len(before)


def test_a_change_nobody_was_alerted_about_is_new(stored: Replay, config: AppConfig) -> None:
    strict = _with_specs(stored, _with_threshold(config, 0.9))
    replay_database(strict, BackfillOptions())
    with stored.sessions.begin() as session:
        session.execute(sa.update(m.Alert).values(state="sent", slack_ts="1"))
    kept = len(_alerts(stored.sessions))

    replay_database(stored, BackfillOptions(notify=True))

    states = [state for state, _ in _alerts(stored.sessions)]
    assert states.count("sent") == kept and states.count("pending") == len(states) - kept > 0


def test_since_keeps_the_history_before_it(stored: Replay) -> None:
    with stored.sessions() as session:
        first = storylines_repo.history(session, STORYLINE)[0]

    replay_database(stored, BackfillOptions(since=datetime(2024, 6, 1, tzinfo=UTC)))

    with stored.sessions() as session:
        history = storylines_repo.history(session, STORYLINE)
    assert history[0].id == first.id and history[0].published_at < datetime(2024, 6, 1,
                                                                            tzinfo=UTC)
    assert all(c.id > first.id for c in history[1:])


def test_an_interrupted_db_replay_resumes_after_its_last_batch(stored: Replay) -> None:
    timeline = _timeline(stored.sessions)
    seen: list[dict[str, Any]] = []

    def stop_in_third_batch(event: dict[str, Any]) -> None:
        seen.append(event)
        if sum(e["type"] == "article" for e in seen) == 25:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        replay_database(_with_specs(stored, stored.specs, on_event=stop_in_third_batch),
                        BackfillOptions(batch_size=10))

    resumed = replay_database(stored, BackfillOptions(batch_size=10))

    assert resumed.resumed_at == 30
    assert resumed.processed == counts(stored.sessions)["articles"] - 30
    assert _timeline(stored.sessions) == timeline


def test_a_second_db_replay_adds_no_rows(stored: Replay) -> None:
    replay_database(stored, BackfillOptions())
    after_first = counts(stored.sessions)

    replay_database(stored, BackfillOptions())

    assert counts(stored.sessions) == after_first


def test_the_group_gate_only_skips_articles_the_matcher_scores_zero(config: AppConfig) -> None:
    spec = config.storylines[0]
    seeds = [(s.key, f"{s.title}\n\n{s.text}") for s in load_seeds(spec, PROJECT)]
    matcher = Matcher.build(spec, seeds, [])
    gate = GroupGate(spec.match)
    texts = [(json.loads(line)["title"], json.loads(line)["text"])
             for line in corpus_lines() + filler_lines(60, datetime(2024, 1, 1, tzinfo=UTC))]
    texts += [("Ruſſia", "Kim Jong-un's envoy"), ("Weather", "RUSSIAN PRESIDENT sources"),
              ("Sport", "North\u2011Korea fans"), ("Nothing", "about anything at all")]

    skipped = [(title, text) for title, text in texts if not gate.could_match(title, text)]

    assert 50 < len(skipped) < len(texts)
    for title, text in skipped:
        result = matcher.match(title, text)
        assert (result.matched, result.near_miss, result.score) == (False, False, 0.0), title
    assert not any(t == "Sport" or t == "Weather" for t, _ in skipped)
