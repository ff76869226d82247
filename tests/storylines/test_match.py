"""The match stage: gates, focus, similarity to the seeds and the explanation."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.storylines.kinds import load_storyline
from monitor.storylines.match import Matcher, split_sentences
from monitor.storylines.seeds import load_seeds
from monitor.storylines.spec import StorylineSpec
from tests.conftest import PROJECT, article_bodies
from tests.storylines import match_cases as cases

NOW = datetime(2024, 6, 17, 12, 0, tzinfo=UTC)
STORYLINE = PROJECT / "config" / "storylines" / "putin-pyongyang-visit.toml"
FIXTURES = PROJECT / "tests" / "fixtures" / "storylines"


def load_spec(path: Path = STORYLINE, **match_changes: object) -> StorylineSpec:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    raw.setdefault("match", {}).update(match_changes)
    return load_storyline(raw)


@pytest.fixture(scope="module")
def spec() -> StorylineSpec:
    return load_spec()


@pytest.fixture(scope="module")
def seeds(spec: StorylineSpec) -> list[tuple[str, str]]:
    return [(s.key, f"{s.title}\n\n{s.text}") for s in load_seeds(spec, PROJECT)]


@pytest.fixture(scope="module")
def background() -> list[str]:
    """Real news bodies (2019, unrelated to the storyline) as the IDF background."""
    return list(article_bodies())


@pytest.fixture(scope="module")
def matcher(spec: StorylineSpec, seeds: list[tuple[str, str]], background: list[str]) -> Matcher:
    return Matcher.build(spec, seeds, background)


@pytest.fixture(scope="module")
def leave_one_out_scores(spec: StorylineSpec, seeds: list[tuple[str, str]],
                         background: list[str]) -> dict[str, float]:
    """Each seed scored by a matcher built on the other four: a seed as an unseen article."""
    scores = {}
    for i, (key, text) in enumerate(seeds):
        others = seeds[:i] + seeds[i + 1:]
        title, _, body = text.partition("\n\n")
        result = Matcher.build(spec, others, background).match(title, body)
        assert result.matched, (key, result.explanation["reason"])
        scores[key] = result.score
    return scores


def test_every_seed_matches(matcher: Matcher, seeds: list[tuple[str, str]]) -> None:
    for key, text in seeds:
        title, _, body = text.partition("\n\n")
        result = matcher.match(title, body)
        assert result.matched, (key, result.explanation["reason"])
        assert result.explanation["similarity"]["closest_seed"] == key


def test_each_seed_matches_a_matcher_built_without_it(
        spec: StorylineSpec, leave_one_out_scores: dict[str, float]) -> None:
    assert len(leave_one_out_scores) == 5
    assert min(leave_one_out_scores.values()) >= spec.match.threshold


@pytest.mark.parametrize("case", cases.ON_TOPIC + cases.SHORT_ON_TOPIC, ids=lambda c: c[0])
def test_visit_reports_in_wire_styles_match(matcher: Matcher, case: tuple[str, str, str]) -> None:
    _, title, text = case
    result = matcher.match(title, text)
    assert result.matched, result.explanation["reason"]
    assert result.explanation["focus"]["hits"]


@pytest.mark.parametrize("case", cases.OFF_TOPIC, ids=lambda c: c[0])
def test_stories_naming_putin_and_pyongyang_in_passing_score_below_seeds_and_threshold(
        leave_one_out_scores: dict[str, float], matcher: Matcher,
        case: tuple[str, str, str]) -> None:
    _, title, text = case
    result = matcher.match(title, text)
    assert not result.explanation["missing_groups"]  # both entities are named...
    assert not result.matched  # ...but the story is not about the visit
    assert result.score < min(leave_one_out_scores.values())


def test_off_topic_story_close_to_threshold_is_a_near_miss(matcher: Matcher) -> None:
    _, title, text = cases.OFF_TOPIC[0]
    result = matcher.match(title, text)
    assert not result.matched
    assert result.near_miss
    assert result.explanation["near_miss"] is True


def test_unrelated_story_is_neither_match_nor_near_miss(
        matcher: Matcher, background: list[str]) -> None:
    result = matcher.match("", background[0])
    assert not result.matched
    assert not result.near_miss


@pytest.mark.parametrize("case", cases.MISSING_GROUP, ids=lambda c: c[0])
def test_story_missing_a_group_fails_the_gate_and_names_the_group(
        matcher: Matcher, case: tuple[str, str, str, int]) -> None:
    _, title, text, missing = case
    result = matcher.match(title, text)
    assert not result.matched
    assert result.explanation["missing_groups"] == [missing]
    assert result.explanation["reason"].startswith(f"missing group {missing + 1} (")
    assert result.explanation["groups"][missing]["found"] == {}


def test_group_terms_match_spelling_variants_and_possessives(matcher: Matcher) -> None:
    text = ("Kim Jong-un's envoy met the RUSSIAN PRESIDENT's staff; Kim Jong Un and "
            "\u201cPutin\u2019s\u201d aides spoke. Kimberly and Putinism are other words.")
    groups = matcher.match("", text).explanation["groups"]
    assert groups[0]["found"] == {"Putin": 1, "Russian President": 1}
    assert groups[1]["found"] == {"Kim Jong Un": 2}


def test_exclusion_blocks_a_match_and_is_explained(
        seeds: list[tuple[str, str]], background: list[str]) -> None:
    spec = load_spec(exclude=["Vostochny cosmodrome"])
    _, title, text = cases.ON_TOPIC[0]  # mentions the cosmodrome meeting
    result = Matcher.build(spec, seeds, background).match(title, text)
    assert not result.matched
    assert result.explanation["excluded"] == {"Vostochny cosmodrome": 1}
    assert result.explanation["reason"] == "excluded by Vostochny cosmodrome"


def test_explanation_names_terms_seed_similarity_and_threshold(
        matcher: Matcher, spec: StorylineSpec, seeds: list[tuple[str, str]]) -> None:
    _, title, text = cases.ON_TOPIC[1]
    result = matcher.match(title, text)
    explanation = json.loads(json.dumps(result.explanation))  # stored as JSON
    assert explanation["threshold"] == spec.match.threshold
    assert explanation["score"] == result.score
    assert explanation["groups"][0]["found"]["Putin"] >= 1
    similarity = explanation["similarity"]
    assert similarity["closest_seed"] in {key for key, _ in seeds}
    assert 0 < similarity["cosine"] <= 1
    assert any("putin" in term for term, _ in similarity["shared_terms"])
    hit = explanation["focus"]["hits"][0]
    assert hit["position"] == "title" and "visit" in hit["sentence"]


def test_title_and_lead_weigh_more_than_a_mention_deep_in_the_body(matcher: Matcher) -> None:
    filler = " ".join(f"Officials discussed trade item number {i}." for i in range(8))
    lead = matcher.match("", "Putin will visit Pyongyang next week. " + filler)
    buried = matcher.match("", filler + " Putin will visit Pyongyang next week.")
    assert lead.explanation["focus"]["score"] > buried.explanation["focus"]["score"] > 0


def test_matcher_without_background_still_ranks_seeds_above_off_topic(
        spec: StorylineSpec, seeds: list[tuple[str, str]], background: list[str]) -> None:
    matcher = Matcher.build(spec, seeds, [])  # a fresh database: nothing stored yet
    seed_scores = [matcher.match("", text).score for _, text in seeds]
    off = [matcher.match(title, text) for _, title, text in cases.OFF_TOPIC]
    assert max(r.score for r in off) < min(seed_scores)
    assert not any(r.matched for r in off)
    assert all(matcher.match(t, x).matched for _, t, x in cases.SHORT_ON_TOPIC)
    # Words the seeds never use still weigh: an unrelated story is not "like the seeds".
    unrelated = matcher.match("", background[0]).explanation["similarity"]
    assert unrelated["scaled"] < 0.5


def test_matcher_without_seeds_scores_by_focus_alone(spec: StorylineSpec) -> None:
    matcher = Matcher.build(spec, [], [])
    _, title, text = cases.ON_TOPIC[2]
    result = matcher.match(title, text)
    assert result.matched
    assert result.explanation["similarity"]["closest_seed"] is None


def test_sentences_split_at_full_stops_but_not_after_titles() -> None:
    text = "Mr. Putin met Mr. Kim in the U.S. capital? No. He flew to Pyongyang.\nNew paragraph"
    assert split_sentences(text) == [
        "Mr. Putin met Mr. Kim in the U.S. capital?", "No.", "He flew to Pyongyang.",
        "New paragraph"]


def fixture_articles() -> list[dict[str, str]]:
    path = FIXTURES / "visit_2024.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_every_article_of_the_visit_2024_fixture_expected_to_match_matches(
        matcher: Matcher) -> None:
    expected = json.loads((FIXTURES / "visit_2024.expected.json").read_text())
    wanted = set(expected_urls(expected))
    assert len(wanted) > 10
    articles = [a for a in fixture_articles() if a.get("url") in wanted]
    assert len(articles) == len(wanted)
    missed = [a["url"] for a in articles
              if not matcher.match(a.get("title", ""), a.get("text", "")).matched]
    assert missed == []


def expected_urls(expected: dict[str, list[dict[str, object]]]) -> list[str]:
    """Every article visit_2024.expected.json lists: each transition's first report and
    the articles that state the same status later."""
    urls = []
    for change in expected["timeline"]:
        urls.append(str(change["url"]))
        urls.extend(str(u) for u in change.get("also_stated_by", []))  # type: ignore[attr-defined]
    return urls


def test_lead_naming_both_entities_counts_unless_they_meet_elsewhere(matcher: Matcher) -> None:
    treaty = matcher.match("Putin, Kim Jong Un sign treaty on strategic partnership",
                           "The leaders signed the document after five hours of talks.")
    assert treaty.explanation["focus"]["hits"][0]["pattern"] == "(every group named)"
    assert treaty.matched
    _, title, text = cases.OFF_TOPIC[1]  # Kim arrives in Russia for a summit with Putin
    elsewhere = matcher.match(title, text).explanation["focus"]
    assert elsewhere["hits"] == []
    assert elsewhere["elsewhere"][0]["position"] == "title"


def test_body_focus_counts_only_in_a_sentence_naming_the_subject(matcher: Matcher) -> None:
    filler = " ".join(f"Officials discussed trade item number {i}." for i in range(8))
    lavrov = matcher.match("North Korea's envoy meets Lavrov",
                           filler + " Lavrov travelled to Pyongyang in October. Putin spoke.")
    assert lavrov.explanation["focus"]["hits"] == []
