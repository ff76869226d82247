"""Storyline suggestions from seed articles."""

from __future__ import annotations

import tomllib

import pytest

from monitor.storylines.spec import MatchSpec
from monitor.storylines.suggest import Suggestion, extract_names, suggest, to_toml
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


def test_toml_snippet_is_a_valid_match_table(suggestion: Suggestion) -> None:
    text = to_toml(suggestion, storyline_id="new-storyline", title="New storyline",
                   seed_paths=[f"seeds/{p.name}" for p in SEEDS])
    raw = tomllib.loads(text)
    assert raw["id"] == "new-storyline"
    assert raw["seeds"][0] == "seeds/000_42c76e358b02e199.txt"
    spec = MatchSpec.model_validate(raw["match"])
    assert spec.groups[0] == ("Putin", "Vladimir Putin")
    assert spec.focus and "visit" in spec.focus[0]


def test_without_background_the_suggestion_says_so() -> None:
    suggestion = suggest([p.read_text() for p in SEEDS], [])
    assert suggestion.notes
    assert "# note: no background texts" in to_toml(
        suggestion, storyline_id="x", title="X", seed_paths=[])
