"""The reader on real reports: bench/storylines_quality.py's replay of the dev storylines of
../shared/data/storylines-dev (real excerpts of real outlets, labelled), through `monitor
backfill --format jsonl`, meets the figures asked of it. The excerpts are third-party text
kept beside the project, never in it: without them the test is skipped."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.conftest import PROJECT, SHARED_DATA

DEV = SHARED_DATA / "storylines-dev"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not DEV.is_dir(), reason=f"the real dev storylines are not here ({DEV}): they live in "
    "../shared beside the project, not in it")]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("storylines_quality",
                                                  PROJECT / "bench" / "storylines_quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["storylines_quality"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores() -> list:  # type: ignore[type-arg]
    return _bench().run(DEV)


def test_every_dev_storyline_is_replayed(scores: list) -> None:  # type: ignore[type-arg]
    assert sorted(s.storyline for s in scores) == sorted(
        p.name for p in DEV.iterdir() if (p / "storyline.toml").is_file())


def test_every_real_transition_is_hit_within_a_day_and_nothing_false(
        scores: list) -> None:  # type: ignore[type-arg]
    for s in scores:
        assert (s.hits, s.false_changes, s.missed) == (s.expected, [], []), s.storyline


def test_the_first_scheduled_change_carries_a_right_date(
        scores: list) -> None:  # type: ignore[type-arg]
    assert [s.storyline for s in scores if not s.date_right] == []


def test_relevance_f1_is_at_least_095(scores: list) -> None:  # type: ignore[type-arg]
    assert {s.storyline: round(s.f1, 2) for s in scores if s.f1 < 0.95} == {}
