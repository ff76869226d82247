"""Storyline suggestions from seed articles."""

from __future__ import annotations

import tomllib

import pytest

from monitor.storylines.kinds import load_storyline
from monitor.storylines.suggest import (
    Suggestion,
    extract_names,
    suggest,
    suggest_roles,
    to_toml,
)
from tests.conftest import PROJECT, article_bodies

SEEDS = sorted((PROJECT / "seeds").glob("0*.txt"))


@pytest.fixture(scope="module")
def suggestion() -> Suggestion:
    return suggest([p.read_text() for p in SEEDS], list(article_bodies()))


def names_of(suggestion: Suggestion) -> list[list[str]]:
    return [[s.name for s in group] for group in suggestion.groups]


def test_names_drop_titles_possessives_and_sentence_starters() -> None:
    text = ("During talks, Russian President Vladimir Putin's aide met North Korean Foreign "
            "Minister Choe Son Hui and Kim Jong Un.")
    assert extract_names(text, frozenset({"during", "and"})) == [
        "Russian", "Vladimir Putin", "North Korean", "Choe Son Hui", "Kim Jong Un"]


def test_seed_entities_become_groups_with_their_spelling_variants(
        suggestion: Suggestion) -> None:
    groups = names_of(suggestion)
    assert groups[0] == ["Putin", "Vladimir Putin"]
    assert ["North Korea", "North Korean"] in groups
    assert any("Pyongyang" in g for g in groups)
    assert any("Kim Jong Un" in g and "Kim" in g for g in groups)
    assert all(s.seeds >= 3 for g in suggestion.groups for s in g)


def test_keywords_are_distinctive_words_not_names(suggestion: Suggestion) -> None:
    words = [w for w, _ in suggestion.keywords]
    assert words[0] == "visit"
    assert "invitation" in words
    assert not {"putin", "korea", "pyongyang", "president", "the"} & set(words)


def test_roles_are_proposed_from_how_the_seeds_use_each_name(suggestion: Suggestion) -> None:
    roles = suggest_roles([p.read_text() for p in SEEDS], suggestion, "visit")
    assert roles["visitor"] == ["Putin", "Vladimir Putin"]   # who travels
    assert "North Korea" in roles["destination"]               # where to
    assert "Kim Jong Un" in roles["host"]


def test_a_meeting_gets_two_parties(suggestion: Suggestion) -> None:
    roles = suggest_roles([p.read_text() for p in SEEDS], suggestion, "meeting")
    assert {"Putin", "Kim Jong Un"} <= {*roles["party_a"], *roles["party_b"]}


def test_the_suggestion_is_a_valid_short_storyline_file(suggestion: Suggestion) -> None:
    roles = suggest_roles([p.read_text() for p in SEEDS], suggestion, "visit")
    text = to_toml(suggestion, roles, storyline_id="new-storyline", title="New storyline",
                   kind="visit", seed_paths=[f"seeds/{p.name}" for p in SEEDS])
    spec = load_storyline(tomllib.loads(text))
    assert spec.id == "new-storyline" and spec.kind == "visit"
    assert spec.seeds[0] == "seeds/000_42c76e358b02e199.txt"
    assert spec.match.groups[0] == ("Putin", "Vladimir Putin")
    assert "# other distinctive names:" in text


def test_without_background_the_suggestion_says_so() -> None:
    suggestion = suggest([p.read_text() for p in SEEDS], [])
    assert suggestion.notes
    assert "# note: no background texts" in to_toml(
        suggestion, {}, storyline_id="x", title="X", kind="visit", seed_paths=[])
